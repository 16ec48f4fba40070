"""The text report of a roll forward opens with its summary (`rollover forward` and `rollover
report RUN_ID`; reports/forward.py): the totals; the warnings counted per code, most frequent
first; per school, by name, and grade, this year beside next.  The students follow.  On the
demo district (300 students), SQLite and PostgreSQL, the command in process (tests/cli.py)."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from sqlalchemy import select

from rollover.reports.forward import summary_text
from rollover.services.demo import load_demo
from rollover.store.database import open_engine
from rollover.store.schema import calendars, enrollments, schools

from . import cli
from .store_templates import from_template

SUMMARY_END = "Rolled:"  # the list of students after it


@pytest.fixture
def demo(db_url, tmp_path):
    engine = open_engine(db_url)
    from_template(engine, tmp_path, "demo of 300 students",
                  lambda e, _folder: load_demo(e, students=300) and None)
    yield engine, db_url
    engine.dispose()


def rollover(db_url: str, *args: str) -> str:
    result = cli.rollover("--db", db_url, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def block(lines: list[str], title: str) -> list[str]:
    """The lines under `title`, up to the next empty line."""
    start = lines.index(title) + 1
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return lines[start:end]


def places(engine) -> tuple[dict, dict]:
    """{enrollment id: (school name, grade)}, {calendar id: school name} of the store."""
    e, c, s = enrollments.c, calendars.c, schools.c
    with engine.connect() as conn:
        enrolled = {row[0]: (row[1], row[2]) for row in conn.execute(
            select(e.enrollment_id, s.name, e.grade)
            .join_from(enrollments, calendars, c.calendar_id == e.calendar_id)
            .join(schools, s.school_id == c.school_id))}
        named = dict(conn.execute(select(c.calendar_id, s.name)
                                  .join_from(calendars, schools, s.school_id == c.school_id)).all())
    return enrolled, named


def test_rf25_forward_test_text_opens_with_totals_warnings_by_code_and_schools(demo):
    engine, db_url = demo
    text = rollover(db_url, "forward", "--source-year", "2027", "--test")
    lines = text.splitlines()
    run_id = re.search(r"Run Test ([^\s,]+)", lines[0]).group(1)
    run = json.loads(rollover(db_url, "report", run_id, "--format", "json"))
    totals = run["totals"]

    assert lines[3] == (f"Rolled: {totals['rolled']:,} new enrollments; not rolled: "
                        f"{totals['not_rolled']:,}; warnings: {len(run['warnings']):,}")

    # Warnings per code, each counted, most frequent first.
    by_code = [(line.split()[0], int(line.split()[1].replace(",", "")))
               for line in block(lines, "Warnings by code:")]
    counted = Counter(w["code"] for w in run["warnings"])
    assert len(counted) >= 2, counted  # the demo has graduates and an ungraded student
    assert by_code == sorted(counted.items(), key=lambda item: (-item[1], item[0]))

    # Per school, by name, and grade: this year (every enrollment the run decided) beside next
    # (its new enrollments) and next year's calendars.
    enrolled, school_of_calendar = places(engine)
    this_year = Counter(enrolled[source] for source in
                        {r["source_enrollment_id"] for r in run["rolled"]}
                        | {w["source_enrollment_id"] for w in run["warnings"]})
    next_year = Counter((school_of_calendar[r["calendar_id"]], r["grade"]) for r in run["rolled"])
    destinations: dict[tuple, set] = {}
    for r in run["rolled"]:
        destinations.setdefault((school_of_calendar[r["calendar_id"]], r["grade"]),
                                set()).add(r["calendar_id"])
    table = block(lines, "Per school and grade, this year beside next:")
    assert table[0].split() == ["School", "Grade", "This", "year", "Next", "year", "Next",
                                "year's", "calendars"]
    names = set(school_of_calendar.values())
    shown, every_grade = {}, {}
    for line in table[1:]:
        school, grade, before, after, *calendar_ids = re.split(r"\s{2,}", line.strip())
        assert school in names, line  # a school's name, never a calendar id
        counts = (int(before.replace(",", "")), int(after.replace(",", "")))
        if grade == "all":
            every_grade[school] = counts
            continue
        shown[(school, grade)] = counts
        assert set(calendar_ids[0].split(", ") if calendar_ids else []) == \
            destinations.get((school, grade), set()), line
    assert shown == {key: (this_year[key], next_year[key])
                     for key in this_year.keys() | next_year.keys()}
    assert every_grade == {school: (sum(this_year[k] for k in shown if k[0] == school),
                                    sum(next_year[k] for k in shown if k[0] == school))
                           for school in {k[0] for k in shown}}

    # The summary comes first, the students after it.
    assert lines.index("Warnings by code:") < lines.index(
        "Per school and grade, this year beside next:") < lines.index(SUMMARY_END)
    assert len(lines) > lines.index(SUMMARY_END) + totals["rolled"]


def test_rf25_report_text_of_the_stored_run_opens_with_the_same_summary(demo):
    _engine, db_url = demo
    printed = rollover(db_url, "forward", "--source-year", "2027", "--test", "--totals-only")
    run_id = re.search(r"Run Test ([^\s,]+)", printed).group(1)
    again = rollover(db_url, "report", run_id)
    assert again == printed  # the run's own --totals-only is kept
    lines = again.splitlines()
    assert lines[3].startswith("Rolled: ") and "Warnings by code:" in lines
    assert SUMMARY_END not in lines  # totals only: no student
    with_students = rollover(db_url, "report", run_id, "--show-warnings").splitlines()
    assert with_students[:lines.index("Per school and grade, this year beside next:")] == \
        lines[:lines.index("Per school and grade, this year beside next:")]


def test_rf25_the_registration_module_prints_the_roll_forward_summary_with_school_names(
        demo, tmp_path):
    _engine, db_url = demo
    for step in (("prepare",), ("run", "calendar")):  # prepare's backup: in the test's folder
        done = cli.rollover("--db", db_url, "process", *step, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    printed = rollover(db_url, "process", "run", "registration", "--test")
    lines = printed.splitlines()
    run_id = re.search(r"run (registration-\S+) \(test\)", lines[0]).group(1)
    assert "by_destination" not in printed and "{'calendar_id'" not in printed
    assert lines[2].startswith("Rolled: ") and "Warnings by code:" in lines
    per_school = block(lines, "Per school and grade, this year beside next:")
    assert any(line.lstrip().startswith("Adams Elementary") for line in per_school)
    # the same summary as the stored run's report opens with
    report = rollover(db_url, "report", run_id).splitlines()
    assert block(report, "Warnings by code:") == block(lines, "Warnings by code:")
    assert lines[-1] == f"logs: rollover tasks {run_id}; each student: rollover report {run_id}"


def summary(**given) -> dict:
    return {"totals": {"rolled": 3, "not_rolled": 0, "warnings": 0}, "warnings_by_code": [],
            "schools": [], **given}


def test_rf25_a_run_without_warnings_or_enrollments_says_so():
    lines = list(summary_text(summary()))
    assert lines[0] == "Rolled: 3 new enrollments; not rolled: 0; warnings: 0"
    assert "Warnings by code: none" in lines
    assert lines[-2:] == ["Per school and grade, this year beside next:", "  (none)"]


def test_rf25_a_grade_placed_in_two_calendars_shows_each_calendars_count():
    rows = [{"school_id": "HS", "school_name": "Hill High", "grade": "09", "this_year": 1_200,
             "next_year": 1_500, "calendars": [{"calendar_id": "HS28", "count": 1_000},
                                               {"calendar_id": "HS28B", "count": 500}]},
            {"school_id": "HS", "school_name": "Hill High", "grade": "10", "this_year": 3,
             "next_year": 2, "calendars": [{"calendar_id": "HS28", "count": 2}]}]
    lines = list(summary_text(summary(schools=rows)))
    table = lines[lines.index("Per school and grade, this year beside next:") + 2:]
    assert [re.split(r"\s{2,}", line.strip()) for line in table] == [
        ["Hill High", "09", "1,200", "1,500", "HS28 1,000, HS28B 500"],
        ["Hill High", "10", "3", "2", "HS28"],
        ["Hill High", "all", "1,203", "1,502", "HS28, HS28B"]]


def test_a_stored_run_of_another_kind_opens_with_its_counts(demo):
    _engine, db_url = demo
    printed = rollover(db_url, "calendars", "roll", "--from-year", "2027", "--test")
    run_id = re.search(r"run (calendars-\S+)", printed).group(1)
    lines = rollover(db_url, "report", run_id).splitlines()
    assert lines[0].startswith(f"calendars Run Test {run_id}, ")
    assert lines[1].startswith("calendars ") and ", skipped " in lines[1]
    assert lines[3].startswith("Created (")


def test_a_module_run_says_its_numbers_in_words_and_counts_its_messages_per_code():
    from rollover.domain.change_plan import LogMessage, ModulePlan
    from rollover.reports.process import module_run_text
    from rollover.services.process import ModuleRun

    said = [LogMessage("warning", "PLAN_NOT_ROLLED", "P1", "S1", "m"),
            LogMessage("error", "NO_COURSE", "C1", "S1", "m"),
            LogMessage("warning", "PLAN_NOT_ROLLED", "P2", "S1", "m")]
    plan = ModulePlan(messages=said, summary={"plans_not_rolled": 2, "plans_rolled": 1200})
    lines = list(module_run_text(ModuleRun("success_plan-1", "success_plan", 2027, "test", plan),
                                 test=True))
    assert lines[0].startswith("success_plan 2027 -> 2028: run success_plan-1 (test) would "
                               "change 0 inserted") and "2 warnings, 1 errors" in lines[0]
    assert lines[1:6] == ["  plans not rolled: 2", "  plans rolled: 1,200",
                          "messages by code, most frequent first:",
                          "  PLAN_NOT_ROLLED  warning          2",
                          "  NO_COURSE        error            1"]

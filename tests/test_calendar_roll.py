"""The calendar wizard (YE-10, YE-17): `rollover calendars roll` and `services.calendar_roll`.

Pure tests prove the dates, names and ids; store tests run the service on SQLite and PostgreSQL
(`engine`); command tests run `rollover calendars roll` in a child process (`db_url`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rollover.domain.calendar_roll import (
    CalendarRollOptions, CalendarRollRefused, CalendarRows, IdAllocator, TakenIds,
    choose_calendars, instructional_days, move_date, next_id, next_name, plan_calendar_roll,
)
from rollover.domain.forward.options import ForwardOptions
from rollover.services.bundles import import_bundle
from rollover.services.calendar_roll import roll_calendars
from rollover.services.forward import roll_forward
from rollover.store import calendar_roll as store_calendar_roll
from rollover.store.schema import calendars, days, grade_levels, runs, structures, terms

from . import cli
from .districts import District

D = dt.date.fromisoformat
CATALOG_TABLES = (calendars, structures, terms, grade_levels, days, runs)
TOTAL_KEYS = ["calendars", "structures", "terms", "grade_levels", "days", "skipped"]
CREATED_KEYS = ["school_id", "source_calendar_id", "calendar_id", "name", "start_date",
                "end_date", "structures", "terms", "grade_levels", "instructional_days"]
SKIPPED_KEYS = ["school_id", "source_calendar_id", "calendar_id", "name", "reason"]


# -- a district with hand-made 2026-27 calendars --------------------------------------------------
def add_calendar(d: District, calendar_id: str, school_id: str, year: int, name: str,
                 start: str, end: str, structures_: dict, *, requires: bool | None = False,
                 days_: list[tuple[str, bool]] = ()) -> None:
    """structures_: {structure_id: (name, [(term_id, schedule, term name, start, end)],
    {grade: (sequence, state grade, requires assignment)})}."""
    d.rows["calendars"].append((calendar_id, school_id, year, name, D(start), D(end), requires))
    for structure_id, (structure_name, term_rows, grades) in structures_.items():
        d.rows["structures"].append((structure_id, calendar_id, structure_name))
        for term_id, schedule, term_name, term_start, term_end in term_rows:
            d.rows["terms"].append((term_id, structure_id, schedule, term_name, D(term_start),
                                    D(term_end)))
        for grade, (sequence, state_grade, grade_requires) in grades.items():
            d.rows["grade_levels"].append((calendar_id, structure_id, grade, sequence,
                                           state_grade, grade_requires))
    for date, instructional in days_:
        d.rows["days"].append((calendar_id, D(date), instructional))


def district() -> District:
    """Two schools with 2026-27 calendars only.

    HSA27 'HSA 2026-27' (Main: semesters and a Q1 quarter; Academy: one term) offers 09-12;
    2027-MSA 'Middle 2027' offers 06-08 in two terms with a winter break between them; its
    stored days include a non-instructional holiday and a teacher work day before the terms."""
    d = District(source_year=2027)
    d.school("HSA", name="Hill High")
    d.school("MSA", next_school="HSA", name="Mill Middle")
    d.school("ESA", next_school="MSA", name="Elm Elementary")  # no calendar at all
    high_grades = {"09": (9, "09", False), "10": (10, "10", False), "11": (11, "11", True),
                   "12": (12, "12", False)}
    add_calendar(d, "HSA27", "HSA", 2027, "HSA 2026-27", "2026-08-17", "2027-06-11", {
        "HSA27M": ("Main", [("HSA27-S1", "Semesters", "S1", "2026-08-24", "2027-01-15"),
                            ("HSA27-S2", "Semesters", "S2", "2027-01-19", "2027-06-04"),
                            ("HSA27-Q1", "Quarters", "Q1", "2026-08-24", "2026-10-23")],
                   high_grades),
        "HSA27A": ("Academy", [("T7", "Year", "Y", "2026-08-24", "2027-06-11")],
                   {"11": (11, "11", False), "12": (12, "12", True)}),
    }, requires=True, days_=[("2026-08-24", True), ("2026-09-07", False)])
    add_calendar(d, "2027-MSA", "MSA", 2027, "Middle 2027", "2026-08-17", "2027-05-28", {
        "2027-MSA-1": ("Main", [("2027-MSA-1-T1", "Terms", "Fall", "2026-08-24", "2026-12-18"),
                                ("2027-MSA-1-T2", "Terms", "Spring", "2027-01-04",
                                 "2027-05-28")],
                       {"06": (6, "06", False), "07": (7, "07", False), "08": (8, "08", None)}),
    }, requires=None, days_=[("2026-08-17", False), ("2026-08-24", True),
                             ("2026-09-07", False)])
    return d


@pytest.fixture
def loaded(engine, tmp_path):
    """The engine with `district()` imported."""
    import_bundle(engine, district().write_bundle(tmp_path / "bundle"))
    return engine


def rows_of(engine, table, **where) -> list[tuple]:
    query = select(table)
    for name, value in where.items():
        query = query.where(table.c[name] == value)
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(query))


def row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in CATALOG_TABLES}


def weekdays_between(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)
            if (start + dt.timedelta(days=n)).weekday() < 5]


def rollover(db_url: str, *args: str, cwd: Path):
    return cli.rollover("--db", db_url, "calendars", "roll", *args, cwd=cwd)


# -- dates ----------------------------------------------------------------------------------------
def test_ye10_dates_move_52_weeks_keeping_the_weekday():
    for old in (D("2026-08-24"), D("2027-01-15"), D("2027-01-19"), D("2026-12-31"),
                D("2027-06-04")):
        new = move_date(old)
        assert new - old == dt.timedelta(days=364)
        assert new.weekday() == old.weekday()
        # the nearest date with the same weekday to the same date a year later
        a_year_later = old.replace(year=old.year + 1)
        assert abs((new - a_year_later).days) <= 3
    assert move_date(D("2026-08-24")) == D("2027-08-23")  # a Monday stays a Monday
    assert D("2027-08-23").weekday() == 0


def test_ye10_dates_across_leap_years():
    # into a leap year: 2 March 2027 (Tuesday) becomes 29 February 2028 (Tuesday)
    assert move_date(D("2027-03-02")) == D("2028-02-29")
    # out of one: 29 February 2028 (Tuesday) becomes 27 February 2029 (Tuesday)
    assert move_date(D("2028-02-29")) == D("2029-02-27")
    assert move_date(D("2028-03-01")) == D("2029-02-28")
    # the weekdays of a term holding 29 February 2028 are the instructional days, that one too
    new_days = instructional_days([(move_date(D("2027-02-22")), move_date(D("2027-03-05")))])
    assert D("2028-02-29") in new_days
    assert new_days == weekdays_between(D("2028-02-21"), D("2028-03-03"))


def test_ye10_a_leap_year_calendar_rolls_out(engine, tmp_path):
    """A 2027-28 calendar whose term ends on 29 February 2028 rolls into 2028-29."""
    d = District(source_year=2028)
    d.school("LS")
    add_calendar(d, "LS28", "LS", 2028, "LS 2027-28", "2027-08-16", "2028-06-09", {
        "LS28M": ("Main", [("LS28-1", "Semesters", "S1", "2027-08-23", "2028-02-29"),
                           ("LS28-2", "Semesters", "S2", "2028-03-01", "2028-06-09")],
                  {"05": (5, "05", False)})})
    import_bundle(engine, d.write_bundle(tmp_path / "leap"))
    result = roll_calendars(engine, CalendarRollOptions(from_year=2028))
    assert [c["calendar_id"] for c in result.as_json()["created"]] == ["LS29"]
    assert rows_of(engine, calendars, calendar_id="LS29") == [
        ("LS29", "LS", 2029, "LS 2028-29", D("2028-08-14"), D("2029-06-08"), False)]
    assert [(t[0], t[4], t[5]) for t in rows_of(engine, terms, structure_id="LS29M")] == [
        ("LS29-1", D("2028-08-21"), D("2029-02-27")),
        ("LS29-2", D("2029-02-28"), D("2029-06-08"))]
    stored = [r[1] for r in rows_of(engine, days, calendar_id="LS29")]
    assert stored == weekdays_between(D("2028-08-21"), D("2029-06-08"))


def test_ye10_the_calendars_own_dates_and_terms_move(loaded):
    roll_calendars(loaded, CalendarRollOptions(from_year=2027))
    assert rows_of(loaded, calendars, school_year=2028) == [
        ("2028-MSA", "MSA", 2028, "Middle 2028", D("2027-08-16"), D("2028-05-26"), None),
        ("HSA28", "HSA", 2028, "HSA 2027-28", D("2027-08-16"), D("2028-06-09"), True)]
    new_terms = rows_of(loaded, terms, structure_id="HSA28M")
    assert [(t[0], t[4], t[5]) for t in new_terms] == [
        ("HSA28-Q1", D("2027-08-23"), D("2027-10-22")),
        ("HSA28-S1", D("2027-08-23"), D("2028-01-14")),
        ("HSA28-S2", D("2028-01-18"), D("2028-06-02"))]
    assert D("2027-08-23").weekday() == 0 and D("2026-08-24").weekday() == 0  # Monday, Monday


# -- names and ids --------------------------------------------------------------------------------
@pytest.mark.parametrize(("old", "year", "new"), [
    ("HSA 2025-26", 2026, "HSA 2026-27"),
    ("HSA 2025-2026", 2026, "HSA 2026-2027"),
    ("2025/26 Hill High", 2026, "2026/27 Hill High"),
    ("Middle 2026", 2026, "Middle 2027"),
    ("2026", 2026, "2027"),
    ("Middle 2025", 2026, "Middle 2025"),  # a lone year that is not the school year
    ("HSA 2024-25", 2026, "HSA 2024-25"),  # another year's range
    ("HSA26", 2026, "HSA26"),  # two digits are not a year in a name
    ("Room 20266", 2026, "Room 20266"),
    ("Hill High", 2026, "Hill High"),
    ("2099-00 Hill", 2100, "2100-01 Hill"),
])
def test_ye10_names(old, year, new):
    assert next_name(old, year) == new


@pytest.mark.parametrize(("old", "year", "new"), [
    ("2027-HIG0001", 2027, "2028-HIG0001"),
    ("2027-HIG0001-1", 2027, "2028-HIG0001-1"),
    ("2027-HIG0001-1-S1", 2027, "2028-HIG0001-1-S1"),
    ("HSA27", 2027, "HSA28"),
    ("HSA27M", 2027, "HSA28M"),
    ("CAL-2026-27", 2027, "CAL-2027-28"),
    ("HSA26", 2027, "HSA26-2028"),  # two digits, not the year's
    ("HIG0027", 2027, "HIG0027-2028"),  # the digits belong to a longer number
    ("T1", 2027, "T1-2028"),
    ("MAIN", 2027, "MAIN-2028"),
])
def test_ye10_ids(old, year, new):
    assert next_id(old, year) == new


def test_ye10_ids_never_collide():
    ids = IdAllocator({"HSA28", "HSA28-2", "T1-2028"})
    assert ids.allocate("HSA28") == "HSA28-3"
    assert ids.allocate("HSA28") == "HSA28-4"  # nor with the ids handed out in the run
    assert ids.allocate("T1-2028") == "T1-2028-2"
    assert ids.allocate("HSA29") == "HSA29"


def test_ye10_new_ids_avoid_stored_ones(loaded):
    """A stored 2028 calendar of another name keeps its id; the copy takes another one."""
    with loaded.begin() as conn:
        conn.execute(calendars.insert().values(
            calendar_id="HSA28", school_id="HSA", school_year=2028, name="Summer school",
            start_date=D("2028-06-12"), end_date=D("2028-07-28")))
        conn.execute(structures.insert().values(structure_id="HSA28M", calendar_id="HSA28",
                                                name="Summer"))
    result = roll_calendars(loaded, CalendarRollOptions(from_year=2027, schools=("HSA",)))
    created = result.as_json()["created"]
    assert [(c["calendar_id"], c["name"]) for c in created] == [("HSA28-2", "HSA 2027-28")]
    assert [s[0] for s in rows_of(loaded, structures, calendar_id="HSA28-2")] == [
        "HSA28A", "HSA28M-2"]
    assert rows_of(loaded, calendars, calendar_id="HSA28")[0][3] == "Summer school"


# -- what is copied -------------------------------------------------------------------------------
def test_ye10_structures_terms_and_grades_are_copied_exactly(loaded):
    roll_calendars(loaded, CalendarRollOptions(from_year=2027))
    assert rows_of(loaded, structures, calendar_id="HSA28") == [
        ("HSA28A", "HSA28", "Academy"), ("HSA28M", "HSA28", "Main")]
    assert rows_of(loaded, structures, calendar_id="2028-MSA") == [
        ("2028-MSA-1", "2028-MSA", "Main")]
    assert rows_of(loaded, terms, structure_id="HSA28A") == [
        ("T7-2028", "HSA28A", "Year", "Y", D("2027-08-23"), D("2028-06-09"))]
    assert rows_of(loaded, terms, structure_id="2028-MSA-1") == [
        ("2028-MSA-1-T1", "2028-MSA-1", "Terms", "Fall", D("2027-08-23"), D("2027-12-17")),
        ("2028-MSA-1-T2", "2028-MSA-1", "Terms", "Spring", D("2028-01-03"), D("2028-05-26"))]
    assert [(t[0], t[2], t[3]) for t in rows_of(loaded, terms, structure_id="HSA28M")] == [
        ("HSA28-Q1", "Quarters", "Q1"), ("HSA28-S1", "Semesters", "S1"),
        ("HSA28-S2", "Semesters", "S2")]
    # grade levels: same codes, sequences, state grades and requires_student_assignment
    old = {(g[1][:3], g[2:]) for g in rows_of(loaded, grade_levels, calendar_id="HSA27")}
    new = {(g[1][:3], g[2:]) for g in rows_of(loaded, grade_levels, calendar_id="HSA28")}
    assert new == old and len(new) == 6
    assert rows_of(loaded, grade_levels, calendar_id="2028-MSA") == [
        ("2028-MSA", "2028-MSA-1", "06", 6, "06", False),
        ("2028-MSA", "2028-MSA-1", "07", 7, "07", False),
        ("2028-MSA", "2028-MSA-1", "08", 8, "08", None)]
    # the source year is untouched
    assert len(rows_of(loaded, calendars, school_year=2027)) == 2


def test_ye10_instructional_days_are_exactly_the_weekdays_inside_the_new_terms(loaded):
    roll_calendars(loaded, CalendarRollOptions(from_year=2027))
    middle = rows_of(loaded, days, calendar_id="2028-MSA")
    expected = (weekdays_between(D("2027-08-23"), D("2027-12-17"))
                + weekdays_between(D("2028-01-03"), D("2028-05-26")))
    assert [r[1] for r in middle] == expected
    assert all(r[2] is True for r in middle)  # only instructional days are written
    dates = {r[1] for r in middle}
    assert not dates & set(weekdays_between(D("2027-12-18"), D("2028-01-02")))  # winter break
    assert all(date.weekday() < 5 for date in dates)  # no weekend
    assert D("2027-08-16") not in dates  # the calendar's first day is before its first term
    assert D("2027-09-06") in dates  # last year's holiday (7 Sep 2026) is not carried over
    assert D("2028-02-29") in dates  # into the leap year
    high = [r[1] for r in rows_of(loaded, days, calendar_id="HSA28")]
    # the union of both structures' terms: the Academy's year runs a week longer
    assert high == weekdays_between(D("2027-08-23"), D("2028-06-09"))


def test_ye10_the_json_report_and_the_run_record(loaded):
    result = roll_calendars(loaded, CalendarRollOptions(from_year=2027), user="ana")
    report = result.as_json()
    assert list(report) == ["run_id", "mode", "from_year", "to_year", "created", "skipped",
                            "totals"]
    assert report["mode"] == "run" and (report["from_year"], report["to_year"]) == (2027, 2028)
    assert [list(c) for c in report["created"]] == [CREATED_KEYS, CREATED_KEYS]
    assert report["created"][1] == {
        "school_id": "MSA", "source_calendar_id": "2027-MSA", "calendar_id": "2028-MSA",
        "name": "Middle 2028", "start_date": "2027-08-16", "end_date": "2028-05-26",
        "structures": 1, "terms": 2, "grade_levels": 3,
        "instructional_days": len(rows_of(loaded, days, calendar_id="2028-MSA"))}
    assert report["created"][0]["calendar_id"] == "HSA28"
    totals = report["totals"]
    assert list(totals) == TOTAL_KEYS
    assert totals == {"calendars": 2, "structures": 3, "terms": 6, "grade_levels": 9,
                      "days": row_counts(loaded)["days"] - 5, "skipped": 0}
    with loaded.connect() as conn:
        stored = conn.execute(select(runs)).one()._mapping
    assert stored["run_id"] == report["run_id"] and stored["kind"] == "calendars"
    assert stored["mode"] == "run" and stored["user_name"] == "ana"
    assert stored["options"] == {"from_year": 2027, "schools": [], "test": False}
    assert stored["counts"] == totals
    assert stored["report"] == {k: v for k, v in report.items() if k != "run_id"}


# -- skipping, idempotence and the school choice --------------------------------------------------
def test_ye10_a_second_run_creates_nothing_reports_skipped_and_exits_0(db_url, engine, tmp_path):
    import_bundle(engine, district().write_bundle(tmp_path / "bundle"))
    first = rollover(db_url, "--from-year", "2027", "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    after_first = row_counts(engine)
    second = rollover(db_url, "--from-year", "2027", "--json", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    assert report["created"] == []
    assert [list(s) for s in report["skipped"]] == [SKIPPED_KEYS, SKIPPED_KEYS]
    assert [(s["school_id"], s["source_calendar_id"], s["calendar_id"], s["name"])
            for s in report["skipped"]] == [("HSA", "HSA27", "HSA28", "HSA 2027-28"),
                                            ("MSA", "2027-MSA", "2028-MSA", "Middle 2028")]
    assert "already has a 2028 calendar named 'HSA 2027-28'" in report["skipped"][0]["reason"]
    assert report["totals"] == {"calendars": 0, "structures": 0, "terms": 0, "grade_levels": 0,
                                "days": 0, "skipped": 2}
    assert row_counts(engine) == {**after_first, "runs": after_first["runs"] + 1}
    text = rollover(db_url, "--from-year", "2027", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("total 2027 -> 2028: 0 calendars created")
    assert "2 skipped" in lines[0]
    assert lines[1].startswith("skipped HSA27 (school HSA): school HSA already has")
    assert lines[2].startswith("skipped 2027-MSA (school MSA)")
    assert len(lines) == 3


def test_ye10_only_the_chosen_schools(db_url, engine, tmp_path):
    import_bundle(engine, district().write_bundle(tmp_path / "bundle"))
    result = rollover(db_url, "--from-year", "2027", "--school", "MSA", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("total 2027 -> 2028: 1 calendar created (1 structure, 2 terms")
    assert lines[1] == ("created 2028-MSA 'Middle 2028' (school MSA, from 2027-MSA): 2027-08-16 "
                        f"to 2028-05-26, 1 structure, 2 terms, 3 grade levels, "
                        f"{len(rows_of(engine, days, calendar_id='2028-MSA'))} instructional days")
    assert len(lines) == 2
    assert [c[0] for c in rows_of(engine, calendars, school_year=2028)] == ["2028-MSA"]
    # then the rest: the high school is created, the middle school skipped
    again = roll_calendars(engine, CalendarRollOptions(from_year=2027))
    assert [c.calendar_id for c in again.plan.created] == ["HSA28"]
    assert [s.calendar_id for s in again.plan.skipped] == ["2028-MSA"]


def test_ye10_two_calendars_of_one_school_with_one_new_name_make_one(engine, tmp_path):
    d = district()
    add_calendar(d, "HSA27B", "HSA", 2027, "HSA 2026-27", "2026-08-17", "2027-06-11", {
        "HSA27B-M": ("Main", [("B1", "Year", "Y", "2026-08-24", "2027-06-04")],
                     {"09": (9, "09", False)})})
    add_calendar(d, "HSA27N", "HSA", 2027, "Night school", "2026-08-17", "2027-06-11", {
        "N27": ("Night", [("N1", "Year", "Y", "2026-08-24", "2027-06-04")],
                {"12": (12, "12", False)})})
    import_bundle(engine, d.write_bundle(tmp_path / "bundle"))
    result = roll_calendars(engine, CalendarRollOptions(from_year=2027, schools=("HSA",)))
    assert [(c.calendar_id, c.name) for c in result.plan.created] == [
        ("HSA28", "HSA 2027-28"), ("HSA28N", "Night school")]
    assert [(s.source_calendar_id, s.calendar_id) for s in result.plan.skipped] == [
        ("HSA27B", "HSA28")]
    assert rows_of(engine, structures, calendar_id="HSA28N") == [("N28", "HSA28N", "Night")]


# -- refusals -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "message"), [
    (["--from-year", "2027", "--school", "XYZ"], "--school: unknown school 'XYZ'"),
    (["--from-year", "2031"], "--from-year: no calendar in school year 2031"),
    (["--from-year", "2027", "--school", "ESA"],
     "--school: no calendar in school year 2027 at school 'ESA'"),
])
def test_ye10_bad_options_exit_2_name_the_value_and_write_nothing(db_url, engine, tmp_path, args,
                                                                  message):
    import_bundle(engine, district().write_bundle(tmp_path / "bundle"))
    before = row_counts(engine)
    result = rollover(db_url, *args, "--json", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [f"rollover: {message}; nothing was written"]
    assert row_counts(engine) == before  # not even a run record


def test_ye10_a_refusal_names_each_bad_value_once():
    options = CalendarRollOptions(from_year=2027, schools=("HSA", "NOPE", "NOPE"))
    with pytest.raises(CalendarRollRefused, match=r"unknown school 'NOPE'; nothing"):
        choose_calendars(options, ["HSA"], [("HSA27", "HSA", 2027, "n", D("2026-08-24"),
                                             D("2027-06-04"), False)])


# -- test mode and all or nothing -----------------------------------------------------------------
def test_ye10_test_mode_computes_everything_and_writes_only_the_run(db_url, engine, tmp_path):
    import_bundle(engine, district().write_bundle(tmp_path / "bundle"))
    before = row_counts(engine)
    result = rollover(db_url, "--from-year", "2027", "--test", "--json", "--user", "bo",
                      cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    tested = json.loads(result.stdout)
    assert tested["mode"] == "test"
    assert row_counts(engine) == {**before, "runs": 1}
    with engine.connect() as conn:
        stored = conn.execute(select(runs)).one()._mapping
    assert (stored["kind"], stored["mode"], stored["user_name"]) == ("calendars", "test", "bo")
    assert stored["options"] == {"from_year": 2027, "schools": [], "test": True}
    assert stored["counts"] == tested["totals"]
    # the real run decides the same
    real = roll_calendars(engine, CalendarRollOptions(from_year=2027)).as_json()
    assert real["created"] == tested["created"] and real["totals"] == tested["totals"]
    assert row_counts(engine)["calendars"] == before["calendars"] + 2
    text = rollover(db_url, "--from-year", "2027", "--test", "--school", "HSA", cwd=tmp_path)
    assert text.stdout.splitlines()[0].endswith("(test: nothing written)")


def test_ye10_a_real_run_is_all_or_nothing(loaded, monkeypatch):
    before = row_counts(loaded)
    real_insert = store_calendar_roll.insert_rows

    def failing(conn, table, columns, rows):
        if table.name == "days":  # everything else is written by now
            raise RuntimeError("disk full")
        return real_insert(conn, table, columns, rows)

    monkeypatch.setattr(store_calendar_roll, "insert_rows", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        roll_calendars(loaded, CalendarRollOptions(from_year=2027))
    assert row_counts(loaded) == before
    monkeypatch.undo()
    result = roll_calendars(loaded, CalendarRollOptions(from_year=2027))
    assert result.totals["calendars"] == 2
    assert row_counts(loaded)["calendars"] == before["calendars"] + 2


# -- the roll forward into the rolled calendars ---------------------------------------------------
def test_ye10_roll_forward_places_students_into_the_new_calendars(engine, tmp_path):
    d = district()
    for student_id, calendar_id, structure_id, grade in [
            ("S1", "2027-MSA", "2027-MSA-1", "07"), ("S2", "2027-MSA", "2027-MSA-1", "08"),
            ("S3", "HSA27", "HSA27M", "10"), ("S4", "HSA27", "HSA27A", "11")]:
        d.student(student_id)
        d.enroll(f"E{student_id}", student_id, calendar_id, grade, structure=structure_id,
                 start=D("2026-08-24"))
    import_bundle(engine, d.write_bundle(tmp_path / "bundle"))
    roll_calendars(engine, CalendarRollOptions(from_year=2027))
    report = roll_forward(engine, ForwardOptions(source_calendars=("2027-MSA", "HSA27"),
                                                 test=True))
    placed = sorted((r.student_id, r.calendar_id, r.structure_id, r.grade, r.start_date)
                    for r in report.rolled)
    first_day = D("2027-08-23")  # the first instructional day: the new terms' first Monday
    assert placed == [("S1", "2028-MSA", "2028-MSA-1", "08", first_day),
                      ("S2", "HSA28", "HSA28M", "09", first_day),
                      ("S3", "HSA28", "HSA28M", "11", first_day),
                      ("S4", "HSA28", "HSA28A", "12", first_day)]
    assert report.warnings == []


# -- the pure plan --------------------------------------------------------------------------------
def test_ye10_the_plan_is_pure_and_reads_only_its_rows():
    d = district()
    options = CalendarRollOptions(from_year=2027)
    sources = choose_calendars(options, [s[0] for s in d.rows["schools"]], d.rows["calendars"])
    rows = CalendarRows(d.rows["structures"], d.rows["terms"], d.rows["grade_levels"])
    taken = TakenIds(frozenset(c[0] for c in d.rows["calendars"]),
                     frozenset(s[0] for s in d.rows["structures"]),
                     frozenset(t[0] for t in d.rows["terms"]))
    plan = plan_calendar_roll(options, sources, rows, d.rows["calendars"], taken)
    assert [c.calendar_id for c in plan.created] == ["HSA28", "2028-MSA"]
    assert plan.totals["terms"] == 6 and plan.skipped == []
    # planning again with its own calendars stored skips both
    stored = d.rows["calendars"] + [c.calendar for c in plan.created]
    again = plan_calendar_roll(options, sources, rows, stored, taken)
    assert again.created == [] and [s.calendar_id for s in again.skipped] == ["HSA28",
                                                                              "2028-MSA"]

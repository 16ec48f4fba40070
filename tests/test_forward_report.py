"""The report and the command line contract (roll-forward.md RF-25; bundle.md `forward --json`,
`runs`, `report`).

Every test runs the real command in a child process, on SQLite and PostgreSQL (`db_url`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from rollover.store.database import open_engine
from rollover.store.schema import enrollments

from . import cli
from .districts import District, last_day
from .store_templates import imported

ROLLED_KEYS = ["student_id", "source_enrollment_id", "enrollment_id", "calendar_id",
               "structure_id", "grade", "start_date", "service_type", "local_start_status",
               "graduation_cohort", "last_day_ender", "warnings"]
WARNING_KEYS = ["student_id", "source_enrollment_id", "code", "message"]
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def district() -> District:
    """Ann 09 -> 10; Bob 08 at MS -> 09 at HS (feeder, cohort 2031); Cat a last-day ender
    10 -> 11; Dan graduates (11 is the highest grade next year); Eve dropped (never rolls);
    Fay 08 at MS has two households, in the boundaries of HS and HX: two new enrollments,
    flagged MULTIPLE_DESTINATIONS."""
    d = District()
    d.status("A1")
    d.school("HS", name="Hill High")
    d.school("MS", next_school="HS", name="Mill Middle")
    d.calendar("MS27", "MS", 2027, ["08"])
    d.calendar("HS27", "HS", 2027, ["09", "10", "11"])
    d.calendar("HS28", "HS", 2028, ["09", "10", "11"])
    d.student("S1", "Able", "Ann", number="1001")
    d.enroll("E1", "S1", "HS27", "09")
    d.student("S2", "Baker", "Bob", number="1002")
    d.enroll("E2", "S2", "MS27", "08")
    d.student("S3", "Cole", "Cat", number="1003")
    d.enroll("E3", "S3", "HS27", "10", end=last_day(2027))
    d.student("S4", "Dunn", "Dan", number="1004")
    d.enroll("E4", "S4", "HS27", "11")
    d.student("S5", "Eddy", "Eve", number="1005")
    d.enroll("E5", "S5", "HS27", "10", end=last_day(2027).replace(month=3))
    d.school("HX", name="Harbor High")
    d.calendar("HX28", "HX", 2028, ["09"])
    d.boundary("HS", "Oak St")
    d.boundary("HX", "Elm St")
    d.student("S6", "Fox", "Fay", number="1006")
    d.household("H6A", 4, "Elm St", "S6")
    d.household("H6B", 8, "Oak St", "S6")
    d.enroll("E6", "S6", "MS27", "08")
    return d


SOURCES = ["--source-calendar", "MS27", "--source-calendar", "HS27", "--include-last-day-enders"]


@pytest.fixture
def store(db_url, tmp_path):
    engine = open_engine(db_url)
    imported(engine, tmp_path, "forward report", lambda to: district().write_bundle(to))
    yield db_url
    engine.dispose()


def rollover(db_url: str, *args: str, cwd: Path | None = None):
    return cli.rollover("--db", db_url, *args, cwd=cwd)


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def forward_json(db_url: str, *args: str) -> dict:
    out = ok(rollover(db_url, "forward", *SOURCES, "--json", *args))
    return json.loads(out)  # exactly one JSON value, nothing else on stdout


def forward_text(db_url: str, *args: str) -> str:
    return ok(rollover(db_url, "forward", *SOURCES, *args))


def line_of(text: str, name: str) -> str:
    lines = [line for line in text.splitlines() if name in line]
    assert len(lines) == 1, text
    return lines[0]


# -- forward --json: the contract -----------------------------------------------------------------
def check_contract(obj: dict, mode: str) -> None:
    assert isinstance(obj, dict)
    assert set(obj) == {"run_id", "mode", "rolled", "warnings", "totals"}
    assert isinstance(obj["run_id"], str) and obj["run_id"]
    assert obj["mode"] == mode
    assert isinstance(obj["rolled"], list)
    for entry in obj["rolled"]:
        assert list(entry) == ROLLED_KEYS
        for key in ("student_id", "source_enrollment_id", "calendar_id", "structure_id",
                    "grade", "service_type"):
            assert isinstance(entry[key], str), key
        if mode == "test":
            assert entry["enrollment_id"] is None
        else:
            assert isinstance(entry["enrollment_id"], str) and entry["enrollment_id"]
        assert isinstance(entry["start_date"], str) and DATE.match(entry["start_date"])
        assert entry["local_start_status"] is None or isinstance(entry["local_start_status"],
                                                                 str)
        cohort = entry["graduation_cohort"]
        assert cohort is None or (isinstance(cohort, int) and not isinstance(cohort, bool))
        assert isinstance(entry["last_day_ender"], bool)
        assert isinstance(entry["warnings"], list)
        assert all(isinstance(code, str) for code in entry["warnings"])
    assert isinstance(obj["warnings"], list)
    for warning in obj["warnings"]:
        assert set(warning) == set(WARNING_KEYS)
        assert all(isinstance(warning[key], str) for key in WARNING_KEYS)
    totals = obj["totals"]
    assert set(totals) == {"rolled", "not_rolled", "by_destination"}
    for key in ("rolled", "not_rolled"):
        assert isinstance(totals[key], int) and not isinstance(totals[key], bool)
    for row in totals["by_destination"]:
        assert set(row) == {"calendar_id", "grade", "count"}
        assert isinstance(row["calendar_id"], str) and isinstance(row["grade"], str)
        assert isinstance(row["count"], int) and not isinstance(row["count"], bool)


def outcome(obj: dict):
    rolled = sorted((r["student_id"], r["source_enrollment_id"], r["calendar_id"],
                     r["structure_id"], r["grade"], r["start_date"], r["service_type"],
                     r["local_start_status"], r["graduation_cohort"], r["last_day_ender"],
                     tuple(r["warnings"])) for r in obj["rolled"])
    warnings = sorted((w["student_id"], w["source_enrollment_id"], w["code"])
                      for w in obj["warnings"])
    return rolled, warnings


EXPECTED_ROLLED = [
    ("S1", "E1", "HS28", "HS28-Main", "10", "2027-08-24", "primary", None, None, False, ()),
    ("S2", "E2", "HS28", "HS28-Main", "09", "2027-08-24", "primary", None, 2031, False, ()),
    ("S3", "E3", "HS28", "HS28-Main", "11", "2027-08-24", "primary", None, None, True, ()),
    ("S6", "E6", "HS28", "HS28-Main", "09", "2027-08-24", "primary", None, 2031, False,
     ("MULTIPLE_DESTINATIONS",)),
    ("S6", "E6", "HX28", "HX28-Main", "09", "2027-08-24", "primary", None, 2031, False,
     ("MULTIPLE_DESTINATIONS",)),
]
EXPECTED_WARNINGS = [("S4", "E4", "GRADUATING"), ("S6", "E6", "MULTIPLE_DESTINATIONS")]


def test_rf25_forward_json_test_run_is_one_object_of_the_contract(store):
    obj = forward_json(store, "--test")
    check_contract(obj, "test")
    assert outcome(obj) == (EXPECTED_ROLLED, EXPECTED_WARNINGS)
    assert obj["totals"] == {
        "rolled": 5, "not_rolled": 1,
        "by_destination": [{"calendar_id": "HS28", "grade": "09", "count": 2},
                           {"calendar_id": "HS28", "grade": "10", "count": 1},
                           {"calendar_id": "HS28", "grade": "11", "count": 1},
                           {"calendar_id": "HX28", "grade": "09", "count": 1}]}


def test_rf25_forward_json_real_run_gives_stored_enrollment_ids(store):
    obj = forward_json(store)
    check_contract(obj, "run")
    assert outcome(obj) == (EXPECTED_ROLLED, EXPECTED_WARNINGS)
    engine = open_engine(store)
    try:
        e = enrollments.c
        with engine.connect() as conn:
            stored = dict(conn.execute(select(e.enrollment_id, e.rolled_from)
                                       .where(e.calendar_id.in_(["HS28", "HX28"]))).all())
    finally:
        engine.dispose()
    assert stored == {r["enrollment_id"]: r["source_enrollment_id"] for r in obj["rolled"]}


@pytest.mark.parametrize("flags", [["--totals-only"], ["--show-warnings"],
                                   ["--totals-only", "--show-warnings"]])
def test_rf25_json_holds_every_entry_and_warning_whatever_the_text_flags(store, flags):
    baseline = forward_json(store, "--test")
    shaped = forward_json(store, "--test", *flags)
    check_contract(shaped, "test")
    assert outcome(shaped) == outcome(baseline)
    assert shaped["totals"] == baseline["totals"]
    assert [w["message"] for w in shaped["warnings"]] == [w["message"]
                                                         for w in baseline["warnings"]]


def test_rf25_exit_status_0_when_completed_with_warnings(store):
    result = rollover(store, "forward", *SOURCES, "--test", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["warnings"]


# -- the text report -------------------------------------------------------------------------------
ROLLED_PEOPLE = [("Able", "Ann", "1001"), ("Baker", "Bob", "1002"), ("Cole", "Cat", "1003")]


def test_rf25_text_lists_names_and_student_numbers_without_totals_only(store):
    text = forward_text(store, "--test")
    for last, first, number in ROLLED_PEOPLE:
        line = line_of(text, last)
        assert first in line and number in line
    # Source school/calendar/grade -> destination school/calendar/structure/grade, start date.
    ann = line_of(text, "Able")
    for part in ("Hill High", "HS27", "09", "HS28", "HS28-Main", "10", "2027-08-24"):
        assert part in ann, (part, ann)
    assert ann.index("HS27") < ann.index("HS28")
    bob = line_of(text, "Baker")
    assert "Mill Middle" in bob and bob.index("Mill Middle") < bob.index("Hill High")
    fay = [line for line in text.splitlines() if "Fox, Fay" in line]
    assert len(fay) == 2 and all("1006" in line for line in fay)
    assert_summary_per_school_and_grade(text)
    # Without --show-warnings the graduate is not listed: only counted, by code.
    assert "Dunn" not in text
    assert "Eddy" not in text


def test_rf25_text_marks_last_day_enders_with_an_asterisk(store):
    text = forward_text(store, "--test")
    cat = line_of(text, "Cole")
    assert re.search(r"Cole, Cat(?: #?1003)?\s*\*", cat), cat
    for last in ("Able", "Baker"):
        assert "*" not in line_of(text, last)


def test_rf25_text_with_totals_only_shows_counts_not_names(store):
    text = forward_text(store, "--test", "--totals-only")
    for last, first, number in [*ROLLED_PEOPLE, ("Fox", "Fay", "1006")]:
        # Whole words: the run id holds the time of day (…T100640…), which may hold a number.
        for word in (last, first, number):
            assert not re.search(rf"\b{word}\b", text), (word, text)
    assert "HS28" in text and "HX28" in text
    assert re.search(r"\b5\b", text)  # five new enrollments
    assert_summary_per_school_and_grade(text)


def assert_summary_per_school_and_grade(text: str) -> None:
    """The summary, before any student: one line per school (by name) and grade, this year
    beside next, with the destination calendar of next year's count; the warnings counted per
    code, no student named."""
    lines = text.splitlines()
    for school, grade, this_year, next_year, calendar in (
            ("Harbor High", "09", 0, 1, "HX28"), ("Hill High", "09", 1, 2, "HS28"),
            ("Hill High", "10", 1, 1, "HS28"), ("Hill High", "11", 1, 1, "HS28"),
            ("Mill Middle", "08", 2, 0, "")):
        pattern = rf"  {school}\s+{grade}\s+{this_year}\s+{next_year}\s*{calendar}"
        assert any(re.fullmatch(pattern, line) for line in lines), (pattern, text)
    if "Rolled:" in lines:
        assert lines.index("Per school and grade, this year beside next:") < lines.index("Rolled:")
    assert "Dunn" not in text
    graduating = [line for line in lines if "GRADUATING" in line]
    assert len(graduating) == 1 and re.fullmatch(r"\s+GRADUATING\s+1", graduating[0]), text


def test_rf25_text_with_show_warnings_lists_students_not_rolled(store):
    text = forward_text(store, "--test", "--show-warnings")
    line = line_of(text, "Dunn")
    assert "GRADUATING" in line
    assert "Eddy" not in text  # a dropped enrollment is not a warning


def test_rf25_text_with_totals_only_and_show_warnings(store):
    text = forward_text(store, "--test", "--totals-only", "--show-warnings")
    assert "Able" not in text and "Baker" not in text and "Cole" not in text
    assert "GRADUATING" in line_of(text, "Dunn")


# -- stored runs: rollover runs, rollover report ----------------------------------------------------
def test_rf25_every_run_is_stored_and_listed_newest_first(store):
    assert ok(rollover(store, "runs", "--json")).strip() == "[]"
    first = forward_json(store, "--test")
    second = forward_json(store, "--test", "--totals-only")
    third = forward_json(store)
    listed = json.loads(ok(rollover(store, "runs", "--json")))
    assert [r["run_id"] for r in listed] == [third["run_id"], second["run_id"], first["run_id"]]
    assert [r["mode"] for r in listed] == ["run", "test", "test"]
    text = ok(rollover(store, "runs"))
    positions = [text.index(obj["run_id"]) for obj in (third, second, first)]
    assert positions == sorted(positions)


def test_rf25_stored_run_records_who_when_options_and_counts(store):
    printed = forward_json(store, "--test", "--user", "alice", "--source-grade", "09")
    [run] = json.loads(ok(rollover(store, "runs", "--json")))
    assert run["run_id"] == printed["run_id"]
    assert run["user"] == "alice"
    assert run["mode"] == "test"
    assert isinstance(run["started_at"], str) and run["started_at"]
    assert run["options"]["source_calendars"] == ["MS27", "HS27"]
    assert run["options"]["source_grades"] == ["09"]
    assert run["options"]["include_last_day_enders"] is True
    assert run["counts"]["rolled"] == printed["totals"]["rolled"] == 1
    assert "alice" in ok(rollover(store, "runs"))


@pytest.mark.parametrize("mode", ["test", "run"])
def test_rf25_report_json_is_the_object_the_run_printed(store, mode):
    printed = forward_json(store, "--local-start-status", "A1",
                           *(["--test"] if mode == "test" else []))
    assert {r["local_start_status"] for r in printed["rolled"]} == {"A1"}
    assert ["MULTIPLE_DESTINATIONS"] in [r["warnings"] for r in printed["rolled"]]
    again = json.loads(ok(rollover(store, "report", printed["run_id"], "--format", "json")))
    assert again == printed


def test_rf25_report_csv_has_a_header_and_one_row_per_rolled_entry_and_warning(store):
    printed = forward_json(store, "--test")
    out = ok(rollover(store, "report", printed["run_id"], "--format", "csv"))
    rows = list(csv.reader(io.StringIO(out)))
    header, body = rows[0], rows[1:]
    assert "student_id" in header
    assert len(body) == len(printed["rolled"]) + len(printed["warnings"]) == 7
    column = header.index("student_id")
    assert sorted(row[column] for row in body) == sorted(
        [r["student_id"] for r in printed["rolled"]]
        + [w["student_id"] for w in printed["warnings"]])


def test_rf25_report_text_lists_the_stored_run(store):
    printed = forward_json(store, "--test")
    text = ok(rollover(store, "report", printed["run_id"], "--format", "text"))
    assert printed["run_id"] in text
    for last, first, number in ROLLED_PEOPLE:
        assert number in line_of(text, last)
    assert "*" in line_of(text, "Cole")
    shown = ok(rollover(store, "report", printed["run_id"], "--show-warnings"))
    assert "GRADUATING" in line_of(shown, "Dunn")


def test_rf25_report_of_an_unknown_run_exits_2_naming_it(store):
    result = rollover(store, "report", "forward-19990101T000000-nope00", "--format", "json")
    assert result.returncode == 2
    assert "forward-19990101T000000-nope00" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr

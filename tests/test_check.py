"""The readiness check (year-end.md YE-1; YE-17: it changes nothing).

Each finding is shown by the smallest district that causes it, decided three ways (`check`):
in memory (the pure `domain/readiness.py`), and through the service on SQLite and PostgreSQL.
The command line (exit statuses, `--json`, the text report, the stored run) runs in a child
process on both databases (`db_url`).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from rollover.domain import readiness as r
from rollover.domain.readiness import CheckBoundary, CheckEnrollment, check_readiness
from rollover.errors import RolloverError
from rollover.services.bundles import import_bundle
from rollover.services.demo import load_demo
from rollover.services.readiness import check_readiness as check_service
from rollover.store.database import open_engine
from rollover.store.runs import get_run
from rollover.store.schema import BUNDLE_TABLES, calendars, enrollments, runs

from . import cli
from .conftest import emptied_postgres
from .districts import District, last_day

FINDING_KEYS = ["code", "severity", "message", "records"]


# -- the district and the ways to check it ----------------------------------------------------
def clean() -> District:
    """One high school with a calendar in each year, one student in grade 10: nothing to say."""
    d = District()
    d.school("HSA", name="Hill High")
    d.calendar("A27", "HSA", 2027, ["09", "10"])
    d.calendar("A28", "HSA", 2028, ["09", "10", "11"])
    d.student("S1")
    d.enroll("E1", "S1", "A27", "10")
    return d


def in_memory(district: District, year: int) -> list[r.Finding]:
    rows = district.rows
    catalog = district.catalog()
    if not catalog.calendars_of_year(year):
        raise RolloverError(f"no calendar in school year {year}")
    of_year = {c[0] for c in rows["calendars"] if c[2] == year}
    fields = ("enrollment_id", "student_id", "calendar_id", "structure_id", "grade",
              "service_type", "start_date", "end_date", "end_status", "end_action",
              "next_calendar_id", "next_structure_id", "next_grade")
    wanted = [fields.index(name) for name in CheckEnrollment._fields]
    year_rows = sorted((e for e in rows["enrollments"] if e[2] in of_year), key=lambda e: e[1])
    school_rows = [CheckBoundary(key, b[0], *b[2:]) for key, b in
                   enumerate(rows["boundaries"], start=1) if b[1] is None]
    return check_readiness(catalog, year, (CheckEnrollment(*(e[i] for i in wanted))
                                           for e in year_rows), school_rows)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def check(request, tmp_path, postgres_url):
    """`check(district, year=2027)`: the findings, in memory or through a store (the district
    is imported on the first call; later calls check the same store again)."""
    if request.param == "memory":
        yield lambda district, year=2027: in_memory(district, year)
        return
    url = (emptied_postgres(postgres_url) if request.param == "postgresql"
           else f"sqlite:///{tmp_path / 'check.db'}")
    engine = open_engine(url)
    imported = []

    def run(district, year=2027):
        if not imported:
            import_bundle(engine, district.write_bundle(tmp_path / "bundle"))
            imported.append(district)
        return check_service(engine, year).findings

    yield run
    engine.dispose()


def found(findings) -> list[tuple[str, str, dict]]:
    return [(f.code, f.severity, {k: list(v) for k, v in f.records.items()}) for f in findings]


# -- a clean district -------------------------------------------------------------------------
def test_ye1_clean_district_has_no_findings(check):
    assert check(clean()) == []


# -- errors -----------------------------------------------------------------------------------
def test_ye1_grade_with_two_sequences_breaks_the_series(check):
    d = clean()
    d.school("HSB")
    d.calendar("B27", "HSB", 2027, {"09": 9, "10": 10})
    d.calendar("B28", "HSB", 2028, {"09": 9, "10": 11, "11": 12})  # 10 and 11 one step up
    [*findings] = check(d)
    assert found(findings) == [
        ("SEQUENCE_SERIES_BROKEN", "error",
         {"calendar_id": ["A27", "A28", "B27", "B28"], "grade": ["10"]}),
        ("SEQUENCE_SERIES_BROKEN", "error",
         {"calendar_id": ["A28", "B28"], "grade": ["11"]})]
    assert findings[0].message.startswith(
        "grade '10' has sequence 10 in calendars A27, A28, B27 and sequence 11 in calendar B28")


def test_ye1_state_grade_with_two_sequences_breaks_the_series(check):
    d = clean()
    d.school("HSB")
    d.calendar("B27", "HSB", 2027, {"9TH": (9, "09", False), "10": (10, "10", False)})
    d.calendar("B28", "HSB", 2028, {"9TH": (10, "09", False), "10": (11, "10", False)})
    findings = check(d)
    # grades 9TH and 10 each change sequence; state grade 09 (grades 09 and 9TH) has
    # sequences 9 and 10; state grade 10 is only grade 10's: no second finding for it
    assert found(findings) == [
        ("SEQUENCE_SERIES_BROKEN", "error",
         {"calendar_id": ["A27", "A28", "B27", "B28"], "grade": ["10"]}),
        ("SEQUENCE_SERIES_BROKEN", "error", {"calendar_id": ["B27", "B28"], "grade": ["9TH"]}),
        ("STATE_GRADE_SERIES_BROKEN", "error",
         {"calendar_id": ["A27", "A28", "B27", "B28"], "grade": ["09", "9TH"],
          "state_grade": ["09"]})]
    assert findings[2].message.startswith(
        "state grade '09' has sequence 9 (grade '09' in calendars A27, A28 and grade '9TH' in "
        "calendar B27) and sequence 10 (grade '9TH' in calendar B28)")


def test_ye1_state_grade_alone_breaks_the_series(check):
    """Two grade codes, each with one sequence everywhere, share a state grade but not a
    sequence."""
    d = clean()
    d.school("HSB")
    d.calendar("B28", "HSB", 2028, {"9TH": (8, "09", False)})
    d.calendar("B27", "HSB", 2027, {"9TH": (8, "09", False)})
    assert found(check(d)) == [
        ("STATE_GRADE_SERIES_BROKEN", "error",
         {"calendar_id": ["A27", "A28", "B27", "B28"], "grade": ["09", "9TH"],
          "state_grade": ["09"]})]


def test_ye1_next_calendar_of_the_wrong_year(check):
    d = clean()
    d.school("HSB")
    d.calendar("B27", "HSB", 2027, ["10"])
    d.calendar("B28", "HSB", 2028, ["11"])
    d.student("S2")
    d.enroll("E2", "S2", "A27", "10", next_calendar="B27")
    [finding] = check(d)
    assert found([finding]) == [
        ("NEXT_CALENDAR_WRONG_YEAR", "error",
         {"calendar_id": ["A27", "B27"], "enrollment_id": ["E2"], "student_id": ["S2"]})]
    assert "next calendar 'B27', of school year 2027, not 2028" in finding.message


def test_ye1_next_structure_the_next_calendar_lacks(check):
    d = clean()
    d.school("HSB")
    d.calendar("B27", "HSB", 2027, ["10"])
    d.calendar("B28", "HSB", 2028, ["11"], structure_id="B28-M")
    d.student("S2")
    d.enroll("E2", "S2", "A27", "10", next_calendar="A28", next_structure="B28-M")
    [finding] = check(d)
    assert found([finding]) == [
        ("NEXT_STRUCTURE_NOT_IN_CALENDAR", "error",
         {"calendar_id": ["A27", "A28"], "enrollment_id": ["E2"], "structure_id": ["B28-M"],
          "student_id": ["S2"]})]
    assert "(it belongs to calendar 'B28')" in finding.message


def test_ye1_next_grade_the_next_calendar_lacks(check):
    d = clean()
    d.student("S2")
    d.enroll("E2", "S2", "A27", "10", next_calendar="A28", next_grade="12")
    d.student("S3")  # offered by the calendar, but not by the structure named
    d.structure("A28", "Evening", {"12": 12}, structure_id="A28-E")
    d.enroll("E3", "S3", "A27", "10", next_calendar="A28", next_structure="A28-Main",
             next_grade="12")
    d.student("S4")  # the structure RF-6 takes (same name, "Main") offers it: fine
    d.enroll("E4", "S4", "A27", "10", next_calendar="A28", next_grade="11")
    assert found(check(d)) == [
        ("NEXT_GRADE_NOT_OFFERED", "error",
         {"calendar_id": ["A27", "A28"], "enrollment_id": ["E2"], "grade": ["12"],
          "structure_id": ["A28-Main"], "student_id": ["S2"]}),
        ("NEXT_GRADE_NOT_OFFERED", "error",
         {"calendar_id": ["A27", "A28"], "enrollment_id": ["E3"], "grade": ["12"],
          "structure_id": ["A28-Main"], "student_id": ["S3"]})]


def test_ye1_next_year_calendar_without_grades(check):
    d = clean()
    d.school("HSB")
    d.calendar("B27", "HSB", 2027, ["10"])
    d.calendar("B28", "HSB", 2028, [])
    [finding] = check(d)
    assert found([finding]) == [("NEXT_YEAR_CALENDAR_WITHOUT_GRADES", "error",
                                 {"calendar_id": ["B28"], "school_id": ["HSB"]})]


# -- warnings ---------------------------------------------------------------------------------
def test_ye1_grade_without_state_grade(check):
    d = clean()
    d.school("HSB")
    d.calendar("B27", "HSB", 2027, {"10": (10, None, False)})
    d.calendar("B28", "HSB", 2028, {"10": (10, None, False), "11": 11})
    [finding] = check(d)
    assert found([finding]) == [("GRADE_WITHOUT_STATE_GRADE", "warning",
                                 {"calendar_id": ["B27", "B28"], "grade": ["10"]})]
    assert finding.message == "grade '10' has no state grade in calendars B27, B28"


def test_ye1_source_calendar_whose_school_has_no_next_year_calendar(check):
    d = clean()
    d.school("OLD", name="Old School")
    d.calendar("O27", "OLD", 2027, ["10"])
    d.calendar("O26", "OLD", 2026, ["10"])  # other years do not count
    [finding] = check(d)
    assert found([finding]) == [("NO_NEXT_YEAR_CALENDAR", "warning",
                                 {"calendar_id": ["O27"], "school_id": ["OLD"]})]
    assert finding.message.startswith("school 'OLD' (Old School) has no calendar in 2028")


def test_ye1_next_year_calendar_without_days_or_terms(check):
    d = clean()
    d.school("HSB")
    d.calendar("B27", "HSB", 2027, ["10"])
    d.calendar("B28", "HSB", 2028, ["11"], days=False, terms=False)
    d.school("HSC")  # terms but no days, days but no terms: both can start enrollments
    d.calendar("C27", "HSC", 2027, ["10"])
    d.calendar("C28", "HSC", 2028, ["11"], days=False)
    d.school("HSD")
    d.calendar("D27", "HSD", 2027, ["10"])
    d.calendar("D28", "HSD", 2028, ["11"], terms=False)
    assert found(check(d)) == [("NEXT_YEAR_CALENDAR_WITHOUT_DAYS_OR_TERMS", "warning",
                                {"calendar_id": ["B28"], "school_id": ["HSB"]})]


def test_ye1_retain_or_demote_on_an_ended_enrollment(check):
    d = clean()
    for student in ("S2", "S3", "S4", "S5"):
        d.student(student)
    d.enroll("E2", "S2", "A27", "10", end=dt.date(2027, 3, 1), end_action="retain")
    d.enroll("E3", "S3", "A27", "10", end=last_day(2027), end_action="demote")
    d.enroll("E4", "S4", "A27", "10", end=dt.date(2027, 3, 1), end_action="promote")
    d.enroll("E5", "S5", "A27", "10", end_action="retain")  # not ended: the flag counts
    findings = check(d)
    assert found(findings) == [
        ("RETAIN_DEMOTE_ON_ENDED", "warning",
         {"calendar_id": ["A27"], "enrollment_id": ["E2"], "student_id": ["S2"]}),
        ("RETAIN_DEMOTE_ON_ENDED", "warning",
         {"calendar_id": ["A27"], "enrollment_id": ["E3"], "student_id": ["S3"]})]
    assert "ended on 2027-03-01 but is marked retain (it does not roll" in findings[0].message
    assert "include-last-day-enders" in findings[1].message


def test_ye1_active_enrollment_with_a_later_enrollment_elsewhere(check):
    d = clean()
    d.school("HSB")
    d.calendar("B27", "HSB", 2027, ["10"])
    d.calendar("B28", "HSB", 2028, ["11"])
    later = dt.date(2026, 11, 2)
    d.student("S2")  # never ended at A27, enrolled at B27 in November
    d.enroll("E2", "S2", "A27", "10")
    d.enroll("E2B", "S2", "B27", "10", start=later)
    d.student("S3")  # ended at A27: a transfer recorded properly
    d.enroll("E3", "S3", "A27", "10", end=dt.date(2026, 10, 30))
    d.enroll("E3B", "S3", "B27", "10", start=later)
    d.student("S4")  # a later enrollment in the same calendar is not "elsewhere"
    d.enroll("E4", "S4", "A27", "10")
    d.enroll("E4S", "S4", "A27", "10", service_type="special_ed", start=later)
    d.student("S5")  # the same start date is not later
    d.enroll("E5", "S5", "A27", "10")
    d.enroll("E5B", "S5", "B27", "10", service_type="partial")
    d.student("S6")  # a later enrollment in another school year does not count
    d.enroll("E6", "S6", "A27", "10")
    d.enroll("E6B", "S6", "B28", "11")
    [finding] = check(d)
    assert found([finding]) == [
        ("ACTIVE_WITH_LATER_ENROLLMENT", "warning",
         {"calendar_id": ["A27", "B27"], "enrollment_id": ["E2", "E2B"], "student_id": ["S2"]})]
    assert "'E2B' in calendar 'B27' from 2026-11-02" in finding.message


def test_ye1_overlapping_boundaries_of_two_schools_for_the_same_grades(check):
    d = clean()
    d.school("HSB", name="Bay High")
    d.calendar("B27", "HSB", 2027, ["09", "10"])
    d.calendar("B28", "HSB", 2028, ["10", "11"])
    d.school("ELM")  # other grades: an elementary on the same street is no conflict
    d.calendar("L27", "ELM", 2027, ["01"])
    d.calendar("L28", "ELM", 2028, ["01"])
    d.boundary("HSA", "Oak Street", 100, 299, "both")
    d.boundary("HSB", " OAK   street ", 201, 401, "odd", resides=True)
    d.boundary("ELM", "Oak Street", 1, 999, "both")
    d.boundary("HSA", "Elm Street", 1, 99, "odd")  # odd and even never overlap
    d.boundary("HSB", "Elm Street", 1, 99, "even")
    d.boundary("HSA", "Ash Street", 100, 199)  # another city
    d.boundary("HSB", "Ash Street", 100, 199, city="Elsewhere")
    d.boundary("HSA", "Fir Street", 101, 101, "odd")  # no even number in the overlap
    d.boundary("HSB", "Fir Street", 100, 102, "even")
    d.boundary("HSA", "Fir Street", 10, 20, program="IMM")  # program rows are not schools'
    d.program("IMM")
    d.boundary("HSB", "Fir Street", 10, 20, program="IMM")
    [finding] = check(d)
    assert found([finding]) == [("BOUNDARY_OVERLAP", "warning",
                                 {"boundary_key": [1, 2], "school_id": ["HSA", "HSB"]})]
    assert finding.message == (
        "boundary rows of 'HSA' (Hill High) (100-299 both) and 'HSB' (Bay High) (201-401 odd, "
        "marked resides) overlap on Oak Street, Town 11111 at numbers 201-299 (odd): an "
        "address there belongs to both schools for grades 10, 11; the row of 'HSB' is "
        "marked resides")


def test_ye1_overlap_uses_this_year_grades_of_a_school_without_next_year(check):
    d = clean()
    d.school("OLD")
    d.calendar("O27", "OLD", 2027, ["10"])  # closes: its 2027 grades count
    d.school("NEW")
    d.calendar("N28", "NEW", 2028, ["06"])  # opens: its 2028 grades count
    d.boundary("HSA", "Oak Street", 1, 99)
    d.boundary("OLD", "Oak Street", 51, 150)
    d.boundary("NEW", "Oak Street", 1, 99)
    assert found(check(d)) == [
        ("BOUNDARY_OVERLAP", "warning", {"boundary_key": [1, 2], "school_id": ["HSA", "OLD"]}),
        ("NO_NEXT_YEAR_CALENDAR", "warning", {"calendar_id": ["O27"], "school_id": ["OLD"]})]


def test_ye1_two_grades_with_one_sequence_in_a_next_year_structure(check):
    d = clean()
    d.school("HSB")
    d.calendar("B27", "HSB", 2027, ["10"])
    d.calendar("B28", "HSB", 2028, {"11": 11, "11X": 11, "UG": 0, "SP": 0})
    [finding] = check(d)
    assert found([finding]) == [
        ("DUPLICATE_SEQUENCE", "warning",
         {"calendar_id": ["B28"], "grade": ["11", "11X"], "structure_id": ["B28-Main"]})]
    assert "go into '11' (the lowest code)" in finding.message


def test_ye1_next_structure_or_grade_without_next_calendar(check):
    d = clean()
    d.student("S2")
    d.enroll("E2", "S2", "A27", "10", next_grade="11")
    [finding] = check(d)
    assert found([finding]) == [
        ("NEXT_FIELDS_WITHOUT_CALENDAR", "warning",
         {"calendar_id": ["A27"], "enrollment_id": ["E2"], "student_id": ["S2"]})]
    assert "names next grade '11' but no next calendar" in finding.message


def test_ye1_findings_come_errors_first_then_by_code_then_by_records(check):
    d = clean()
    d.school("HSB")
    d.calendar("B27", "HSB", 2027, ["10"])
    d.calendar("B28", "HSB", 2028, [], days=False, terms=False)
    d.school("OLD")
    d.calendar("O27", "OLD", 2027, ["10"])
    for n in (3, 2):
        d.student(f"S{n}")
        d.enroll(f"E{n}", f"S{n}", "A27", "10", end=dt.date(2027, 3, 1), end_action="retain")
        d.enroll(f"E{n}N", f"S{n}", "A27", "10", next_calendar="O27", service_type="partial")
    findings = check(d)
    assert [(f.severity, f.code, f.records.get("enrollment_id")) for f in findings] == [
        ("error", "NEXT_CALENDAR_WRONG_YEAR", ("E2N",)),
        ("error", "NEXT_CALENDAR_WRONG_YEAR", ("E3N",)),
        ("error", "NEXT_YEAR_CALENDAR_WITHOUT_GRADES", None),
        ("warning", "NEXT_YEAR_CALENDAR_WITHOUT_DAYS_OR_TERMS", None),
        ("warning", "NO_NEXT_YEAR_CALENDAR", None),
        ("warning", "RETAIN_DEMOTE_ON_ENDED", ("E2",)),
        ("warning", "RETAIN_DEMOTE_ON_ENDED", ("E3",))]
    assert check(d) == findings


def test_ye1_every_code_has_a_severity_and_a_section_in_the_docs():
    from pathlib import Path

    docs = (Path(__file__).parents[1] / "docs" / "check.md").read_text(encoding="utf-8")
    for code, severity in r.SEVERITY.items():
        assert severity in ("error", "warning")
        assert f"`{code}`" in docs, code


def test_ye1_unknown_year_is_refused(check):
    with pytest.raises(RolloverError, match="no calendar in school year 2031"):
        check(clean(), 2031)


# -- the command line -------------------------------------------------------------------------
def rollover(db_url: str, *args: str):
    return cli.rollover("--db", db_url, *args, user="checker")


def store(db_url: str, district: District, tmp_path) -> str:
    engine = open_engine(db_url)
    import_bundle(engine, district.write_bundle(tmp_path / "bundle"))
    engine.dispose()
    return db_url


def broken() -> District:
    """One error (a next calendar of the wrong year) and one warning (a retained dropout)."""
    d = clean()
    d.student("S2")
    d.enroll("E2", "S2", "A27", "10", next_calendar="A27")
    d.student("S3")
    d.enroll("E3", "S3", "A27", "10", end=dt.date(2027, 3, 1), end_action="retain")
    return d


def test_ye1_cli_clean_district_exits_0(db_url, tmp_path):
    done = rollover(store(db_url, clean(), tmp_path), "check", "--year", "2027")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Readiness check of school year 2027 (2026-27), run check-")
    assert lines[-1] == "No findings: school year 2027 is ready to roll."


def test_ye1_cli_errors_exit_1_with_the_summary_first_then_the_findings_by_severity(
        db_url, tmp_path):
    done = rollover(store(db_url, broken(), tmp_path), "check", "--year", "2027")
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1:6] == [
        "1 error, 1 warning",
        "",
        "Findings by code, most frequent first:",
        "  NEXT_CALENDAR_WRONG_YEAR  error            1",
        "  RETAIN_DEMOTE_ON_ENDED    warning          1"]
    assert lines[7] == "Errors (1):"
    assert lines[8].startswith("  NEXT_CALENDAR_WRONG_YEAR: enrollment 'E2' of student 'S2'")
    assert lines[10] == "Warnings (1):"
    assert lines[11].startswith("  RETAIN_DEMOTE_ON_ENDED: enrollment 'E3'")
    assert len(lines) == 12


def test_ye1_the_codes_are_counted_most_frequent_first():
    from rollover.reports.check import check_text

    findings = [{"code": code, "severity": severity, "message": "m"} for code, severity in (
        ("B_WARN", "warning"), ("A_ERR", "error"), ("B_WARN", "warning"), ("C_ERR", "error"),
        ("B_WARN", "warning"), ("A_ERR", "error"))]
    lines = list(check_text({"year": 2027, "run_id": None, "errors": 3, "warnings": 3,
                             "findings": findings}))
    assert lines[:7] == ["Readiness check of school year 2027 (2026-27)", "3 errors, 3 warnings",
                         "", "Findings by code, most frequent first:",
                         "  B_WARN  warning          3",
                         "  A_ERR   error            2",
                         "  C_ERR   error            1"]


def test_ye1_cli_warnings_only_exit_0(db_url, tmp_path):
    d = clean()
    d.student("S3")
    d.enroll("E3", "S3", "A27", "10", end=dt.date(2027, 3, 1), end_action="demote")
    done = rollover(store(db_url, d, tmp_path), "check", "--year", "2027")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == "0 errors, 1 warning"


def test_ye1_cli_json_prints_its_object_even_when_it_exits_1(db_url, tmp_path):
    done = rollover(store(db_url, broken(), tmp_path), "check", "--year", "2027", "--json")
    assert done.returncode == 1, done.stderr
    obj = json.loads(done.stdout)  # one JSON value, nothing else
    assert list(obj) == ["run_id", "year", "errors", "warnings", "findings"]
    assert obj["run_id"].startswith("check-") and obj["year"] == 2027
    assert (obj["errors"], obj["warnings"]) == (1, 1)
    for item in obj["findings"]:
        assert list(item) == FINDING_KEYS
        assert item["severity"] in ("error", "warning") and item["message"]
        assert all(isinstance(ids, list) for ids in item["records"].values())
    assert [(f["code"], f["severity"], f["records"]) for f in obj["findings"]] == [
        ("NEXT_CALENDAR_WRONG_YEAR", "error",
         {"calendar_id": ["A27"], "enrollment_id": ["E2"], "student_id": ["S2"]}),
        ("RETAIN_DEMOTE_ON_ENDED", "warning",
         {"calendar_id": ["A27"], "enrollment_id": ["E3"], "student_id": ["S3"]})]


def test_ye1_cli_json_of_a_clean_district(db_url, tmp_path):
    done = rollover(store(db_url, clean(), tmp_path), "check", "--year", "2027", "--json")
    assert done.returncode == 0, done.stderr
    obj = json.loads(done.stdout)
    assert {k: v for k, v in obj.items() if k != "run_id"} == {
        "year": 2027, "errors": 0, "warnings": 0, "findings": []}


def test_ye1_cli_unknown_year_exits_2_naming_it_and_stores_nothing(db_url, tmp_path):
    url = store(db_url, clean(), tmp_path)
    done = rollover(url, "check", "--year", "2031", "--json")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "no calendar in school year 2031" in done.stderr
    engine = open_engine(url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(runs)).scalar() == 0
    engine.dispose()


def table_rows(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {t.name: sorted((tuple(row) for row in conn.execute(select(t))), key=repr)
                for t in BUNDLE_TABLES}


def test_ye1_check_changes_nothing_but_its_run_record(db_url, tmp_path):
    url = store(db_url, broken(), tmp_path)
    engine = open_engine(url)
    before = table_rows(engine)
    done = rollover(url, "check", "--year", "2027", "--json", "--user", "alice")
    assert done.returncode == 1, done.stderr
    obj = json.loads(done.stdout)
    assert table_rows(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(runs)).scalar() == 1
        run = get_run(conn, obj["run_id"])
    engine.dispose()
    assert (run.kind, run.mode, run.user_name, run.status) == ("check", "run", "alice",
                                                               "completed")
    assert run.options == {"year": 2027}
    assert run.counts == {"errors": 1, "warnings": 1}
    assert run.report == {k: v for k, v in obj.items() if k != "run_id"}


def test_ye1_cli_user_defaults_to_the_environment(db_url, tmp_path):
    url = store(db_url, clean(), tmp_path)
    obj = json.loads(rollover(url, "check", "--year", "2027", "--json").stdout)
    engine = open_engine(url)
    with engine.connect() as conn:
        assert get_run(conn, obj["run_id"]).user_name == "checker"
    engine.dispose()


# -- the demo district ------------------------------------------------------------------------
def test_ye1_demo_district_checks_without_errors(engine):
    """The demo district is ready to roll.  Its only findings are true: dropped students and
    last-day enders whose ended enrollment is still marked retain or demote (docs/demo-district.md
    draws the end action before the drop), each of them, and nothing else."""
    load_demo(engine, students=2000)
    report = check_service(engine, 2027)
    assert report.errors == 0
    e, c = enrollments.c, calendars.c
    with engine.connect() as conn:
        flagged = set(conn.execute(
            select(e.enrollment_id).join_from(enrollments, calendars,
                                              e.calendar_id == c.calendar_id)
            .where(c.school_year == 2027, e.end_date.is_not(None),
                   e.end_action.in_(["retain", "demote"]))).scalars())
    assert flagged  # the demo has some (2,000 students, seed 1)
    assert {f.code for f in report.findings} == {"RETAIN_DEMOTE_ON_ENDED"}
    assert {i for f in report.findings for i in f.records["enrollment_id"]} == flagged
    assert report.warnings == len(flagged)

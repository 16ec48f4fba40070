"""`rollover import --format edfi DIR` (docs/interop.md, section 1): Grand Bend ISD's real Ed-Fi
5.2 files, with a StudentEnrollment.xml of the tests' own (tests/edfi_setup.py), become the
district the mapping's tables say; it rolls forward as the rules say; the command prints each
bundle file's rows and the warnings; the HTTP API takes the same files as a zip.

The mapping is pure (no database): its tests read the folder once.  What reaches the store runs
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from rollover.domain.forward.options import ForwardOptions
from rollover.interop import XSD_FOLDER
from rollover.interop.edfi.files import survey
from rollover.interop.edfi.mapping import map_records
from rollover.interop.edfi.read import Records, read_file
from rollover.services.edfi_import import READING_ORDER, import_edfi
from rollover.services.forward import roll_forward, source_calendars_of_year
from rollover.services.undo import undo
from rollover.store.schema import calendars, days, enrollments, households, schools, students

from . import cli
from .api_setup import api, quick_hashes  # noqa: F401 - fixtures
from .edfi_setup import (
    ELEMENTARY, HIGH, MIDDLE, SSAS, counts, enrollment_file, grand_bend, ssa,
)
from .security_setup import ADMIN

D = dt.date


# -- the mapping, pure ----------------------------------------------------------------------------
def mapped_folder(folder: Path, grade_map=None):
    found = survey(folder)
    assert found.problems == []
    records = Records()
    for kind in READING_ORDER:
        for path in found.files.get(kind, ()):
            read_file(path, kind, records)
    return map_records(records, grade_map)


@pytest.fixture(scope="module")
def grand_bend_rows(tmp_path_factory):
    mapped = mapped_folder(grand_bend(tmp_path_factory.mktemp("edfi")))
    assert mapped.problems == [] and mapped.warnings == []
    return mapped


def rows_of(mapped, file: str, **where) -> list[dict]:
    from rollover.bundle.format import FILES_BY_NAME

    columns = FILES_BY_NAME[file].column_names
    found = [dict(zip(columns, row)) for row in mapped.rows[file]]
    return [row for row in found if all(row[k] == v for k, v in where.items())]


def test_the_tests_student_enrollment_file_is_valid_ed_fi(tmp_path):
    """As docs/interop.md asks: the StudentEnrollment.xml the tests write is valid against the
    official XSD, checked by another validator than the import's (xmlschema, not libxml2)."""
    import xmlschema

    # The official schema needs no check of its own ("skip"); the file is validated strictly.
    schema = xmlschema.XMLSchema(str(XSD_FOLDER / "Interchange-StudentEnrollment.xsd"),
                                 validation="skip")
    path = tmp_path / "StudentEnrollment.xml"
    path.write_text(enrollment_file(*SSAS), encoding="utf-8")
    schema.validate(str(path))


def test_the_district_and_its_schools(grand_bend_rows):
    assert rows_of(grand_bend_rows, "district.csv") == [{
        "name": "Grand Bend ISD", "restrict_to_boundaries": False,
        "student_assignment_validation": False, "local_start_status_required": False,
        "current_school_year": 2022}]
    assert [(r["school_id"], r["name"]) for r in rows_of(grand_bend_rows, "schools.csv")] == [
        (HIGH, "Grand Bend High School"), (MIDDLE, "Grand Bend Middle School"),
        (ELEMENTARY, "Grand Bend Elementary School")]


def test_calendars_come_from_the_calendar_and_from_sessions(grand_bend_rows):
    found = {r["calendar_id"]: r for r in rows_of(grand_bend_rows, "calendars.csv")}
    # The elementary school's one Calendar keeps its code; the others' sessions make theirs.
    assert sorted(found) == ["2010605675", f"{HIGH}-2022", f"{HIGH}-2023", f"{MIDDLE}-2022",
                             f"{MIDDLE}-2023", f"{ELEMENTARY}-2023"]
    assert found["2010605675"] == {
        "calendar_id": "2010605675", "school_id": ELEMENTARY, "school_year": 2022,
        "name": "Grand Bend Elementary School 2021-2022", "start_date": D(2021, 8, 23),
        "end_date": D(2022, 5, 27), "requires_student_assignment": False}
    assert found[f"{HIGH}-2023"]["name"] == "Grand Bend High School 2022-2023"
    assert rows_of(grand_bend_rows, "structures.csv", calendar_id=f"{MIDDLE}-2022") == [
        {"structure_id": f"{MIDDLE}-2022-MAIN", "calendar_id": f"{MIDDLE}-2022", "name": "Main"}]
    assert rows_of(grand_bend_rows, "terms.csv", structure_id=f"{HIGH}-2022-MAIN") == [
        {"term_id": f"{HIGH}-2022-MAIN-FALL-SEMESTER", "structure_id": f"{HIGH}-2022-MAIN",
         "term_schedule": "Semesters", "name": "Fall Semester", "start_date": D(2021, 8, 23),
         "end_date": D(2021, 12, 17)},
        {"term_id": f"{HIGH}-2022-MAIN-SPRING-SEMESTER", "structure_id": f"{HIGH}-2022-MAIN",
         "term_schedule": "Semesters", "name": "Spring Semester", "start_date": D(2022, 1, 4),
         "end_date": D(2022, 5, 27)}]
    assert rows_of(grand_bend_rows, "days.csv") == [
        {"calendar_id": "2010605675", "date": D(2021, 8, 23), "instructional": True},
        {"calendar_id": "2010605675", "date": D(2021, 12, 17), "instructional": True}]
    periods = rows_of(grand_bend_rows, "grading_periods.csv", calendar_id="2010605675")
    assert [(p["name"], p["sequence"]) for p in periods][:2] == [
        ("2021-2022 Fall Semester Exam 1", 1), ("2021-2022 Fall Semester Exam 2", 2)]
    assert periods[0]["grading_period_id"] == "2010605675-2021-2022-FALL-SEMESTER-EXAM-1"
    assert len(rows_of(grand_bend_rows, "grading_periods.csv")) == 18  # 6 a 2021-22 calendar


def calendar_dates_file(*dates: tuple[str, str]) -> str:
    """CalendarDates (date, CalendarEvent code) of the elementary school's Calendar 2010605675."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<InterchangeEducationOrgCalendar xmlns="http://ed-fi.org/5.2.0">\n' + "".join(
                f"<CalendarDate><Date>{date}</Date><CalendarEvent>"
                f"uri://ed-fi.org/CalendarEventDescriptor#{event}</CalendarEvent>"
                "<CalendarReference><CalendarIdentity><CalendarCode>2010605675</CalendarCode>"
                f"<SchoolReference><SchoolIdentity><SchoolId>{ELEMENTARY}</SchoolId>"
                "</SchoolIdentity></SchoolReference><SchoolYear>2021-2022</SchoolYear>"
                "</CalendarIdentity></CalendarReference></CalendarDate>\n"
                for date, event in dates) + "</InterchangeEducationOrgCalendar>\n")


def test_days_before_the_first_session_or_after_the_last_widen_the_calendar(engine, tmp_path):
    """Teachers' days outside the sessions (as `export --format edfi` writes them) are days of
    the calendar, which spans them: the import neither refuses them nor drops them."""
    extra = {"EducationOrgCalendar-days.xml": calendar_dates_file(
        ("2021-08-19", "Teacher only day"), ("2022-06-01", "Non-instructional day"))}
    import_edfi(engine, grand_bend(tmp_path, contact=False, extra=extra))
    with engine.connect() as conn:
        assert conn.execute(select(calendars.c.start_date, calendars.c.end_date).where(
            calendars.c.calendar_id == "2010605675")).one() == (D(2021, 8, 19), D(2022, 6, 1))
        assert conn.execute(select(days.c.date, days.c.instructional).where(
            days.c.calendar_id == "2010605675").order_by(days.c.date)).all() == [
            (D(2021, 8, 19), False), (D(2021, 8, 23), True), (D(2021, 12, 17), True),
            (D(2022, 6, 1), False)]
        # A calendar made from sessions alone still spans its sessions.
        assert conn.execute(select(calendars.c.start_date, calendars.c.end_date).where(
            calendars.c.calendar_id == f"{HIGH}-2022")).one() == (D(2021, 8, 23), D(2022, 5, 27))


def test_grades_01_to_12_are_sequences_1_to_12(grand_bend_rows):
    grades = {(r["grade"], r["sequence"], r["state_grade"])
              for r in rows_of(grand_bend_rows, "grade_levels.csv")}
    assert grades == {(f"{n:02d}", n, f"{n:02d}") for n in range(1, 13)}
    elementary = rows_of(grand_bend_rows, "grade_levels.csv", calendar_id="2010605675")
    assert [r["grade"] for r in elementary] == ["01", "02", "03", "04", "05"]
    assert {r["structure_id"] for r in elementary} == {"2010605675-MAIN"}


def test_students_and_their_households_from_contacts(grand_bend_rows):
    assert len(grand_bend_rows.rows["students.csv"]) == 960
    assert rows_of(grand_bend_rows, "students.csv", student_id="S604821") == [{
        "student_id": "S604821", "student_number": "604821", "last_name": "Dyer",
        "first_name": "Tyrone", "birth_date": D(2014, 11, 13)}]
    # Tyrone lives with his mother and his father, at 263 New Street: one household, once.
    members = rows_of(grand_bend_rows, "household_members.csv", student_id="S604821")
    assert len(members) == 1 and members[0]["primary"] is True
    assert rows_of(grand_bend_rows, "households.csv",
                   household_id=members[0]["household_id"]) == [{
        "household_id": members[0]["household_id"], "number": 263, "street": "New Street",
        "city": "Grand Bend", "zip": "78834", "latitude": None, "longitude": None}]
    ids = [r["household_id"] for r in rows_of(grand_bend_rows, "households.csv")]
    assert ids[:2] == ["H0001", "H0002"] and len(ids) == len(set(ids)) == 1047


def test_enrollments_carry_next_years_fields(grand_bend_rows):
    found = {r["enrollment_id"]: r for r in rows_of(grand_bend_rows, "enrollments.csv")}
    assert sorted(found) == ["E2022-604821", "E2022-604822", "E2022-604823",
                             "E2022-604823-2", "E2022-604824", "E2022-604825", "E2022-604826",
                             "E2022-604827"]
    retained = found["E2022-604821"]
    assert (retained["calendar_id"], retained["structure_id"], retained["grade"],
            retained["end_action"], retained["next_calendar_id"]) == (
        "2010605675", "2010605675-MAIN", "03", "retain", None)
    moving = found["E2022-604824"]  # fifth grade, next year the middle school's sixth
    assert (moving["end_action"], moving["next_calendar_id"], moving["next_structure_id"],
            moving["next_grade"]) == (None, f"{MIDDLE}-2023", f"{MIDDLE}-2023-MAIN", "06")
    skips = found["E2022-604827"]  # sixth to eighth: what the rules cannot infer
    assert (skips["next_calendar_id"], skips["next_grade"]) == (f"{MIDDLE}-2023", "08")
    demoted = found["E2022-604826"]
    assert (demoted["end_action"], demoted["service_type"]) == ("demote", "partial")
    transfer = found["E2022-604822"]
    assert (transfer["local_start_status"], transfer["graduation_cohort"],
            transfer["start_date"]) == ("Transfer", 2025, D(2021, 8, 23))
    left, back = found["E2022-604823"], found["E2022-604823-2"]
    assert (left["end_date"], left["end_status"]) == (D(2022, 1, 14), "Transferred")
    assert (back["start_date"], back["end_date"]) == (D(2022, 1, 20), None)
    assert found["E2022-604825"]["calendar_id"] == "2010605675"  # by its CalendarReference
    statuses = rows_of(grand_bend_rows, "local_start_statuses.csv")
    assert [s["code"] for s in statuses] == ["Transfer", "New to education system",
                                             "Next year school", "Other", "Re-entry"]
    assert statuses[0] == {"code": "Transfer", "name": "Transfer", "is_default": False,
                           "active": True, "first_year": None, "last_year": None}


def test_every_row_names_the_element_it_came_from(grand_bend_rows):
    sources = grand_bend_rows.sources
    first = sources["students.csv"][0]
    assert (first.file, first.line, first.element) == ("Student.xml", 3, "Student")
    assert sources["enrollments.csv"][0].file == "StudentEnrollment.xml"
    assert all(len(sources[f]) == len(rows) for f, rows in grand_bend_rows.rows.items())


def test_without_next_years_calendar_a_move_is_left_to_the_roll_forward(tmp_path):
    mapped = mapped_folder(grand_bend(tmp_path, enrollment_file(ssa(
        "604824", ELEMENTARY, "Fifth grade", next_school=MIDDLE, next_grade="Sixth grade")),
        contact=False, next_year=False))
    assert mapped.problems == []
    assert [str(w) for w in mapped.warnings] == [
        "StudentEnrollment.xml:3: StudentSchoolAssociation: NEXT_YEAR_UNPLACED: student "
        f"'604824' goes to school '{MIDDLE}' in grade '06' next year, but the import has no "
        f"calendar of that school in 2022-2023: next_calendar_id is left empty"]
    assert rows_of(mapped, "enrollments.csv")[0]["next_calendar_id"] is None


# -- into the store -------------------------------------------------------------------------------
def test_grand_bend_imports_and_rolls_forward_as_the_rules_say(engine, tmp_path):
    folder = grand_bend(tmp_path)
    result = import_edfi(engine, folder)
    assert result.run_id is None and result.warnings == [] and result.notices == []
    stored = counts(engine)
    for name, count in result.rows.items():
        assert stored[name] == count, name
    assert (stored["schools.csv"], stored["calendars.csv"], stored["students.csv"],
            stored["households.csv"], stored["enrollments.csv"]) == (3, 6, 960, 1047, 8)
    with engine.connect() as conn:
        assert conn.execute(select(schools.c.name).where(schools.c.school_id == HIGH)
                            ).scalar_one() == "Grand Bend High School"
        assert conn.execute(select(students.c.last_name, students.c.birth_date).where(
            students.c.student_id == "S604822")).one() == ("Woods", D(2008, 9, 13))
        assert conn.execute(select(calendars.c.school_year).where(
            calendars.c.calendar_id == "2010605675")).scalar_one() == 2022
        assert conn.execute(select(enrollments.c.end_action).where(
            enrollments.c.enrollment_id == "E2022-604821")).scalar_one() == "retain"
        assert conn.execute(select(households.c.street).where(
            households.c.household_id == "H0001")).scalar_one() == "Clarendon Avenue"

    report = roll_forward(engine, ForwardOptions(
        source_calendars=tuple(source_calendars_of_year(engine, 2022)), test=True))
    rolled = {n.student_id: (n.calendar_id, n.grade, n.rule) for n in report.rolled}
    assert rolled == {
        "S604821": (f"{ELEMENTARY}-2023", "03", "RF-8"),  # retained: third grade again
        "S604822": (f"{HIGH}-2023", "10", "RF-8"),
        "S604823": (f"{HIGH}-2023", "11", "RF-8"),  # the enrollment she came back with
        "S604824": (f"{MIDDLE}-2023", "06", "RF-6"),  # next year's school, as Ed-Fi says
        "S604825": (f"{ELEMENTARY}-2023", "02", "RF-8"),
        "S604827": (f"{MIDDLE}-2023", "08", "RF-6"),
    }  # S604826 is a partial enrollment: not rolled by default (RF-1)


def test_an_import_with_replace_is_a_run_that_undo_puts_back(engine, tmp_path):
    folder = grand_bend(tmp_path, contact=False)
    import_edfi(engine, folder)
    before = counts(engine)
    (folder / "StudentEnrollment.xml").write_text(enrollment_file(
        ssa("604821", ELEMENTARY, "Fourth grade")), encoding="utf-8")
    result = import_edfi(engine, folder, replace=True)
    assert result.run_id is not None
    with engine.connect() as conn:
        assert conn.execute(select(enrollments.c.grade).where(
            enrollments.c.enrollment_id == "E2022-604821")).scalar_one() == "04"
    undo(engine, result.run_id)
    assert counts(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(enrollments.c.grade).where(
            enrollments.c.enrollment_id == "E2022-604821")).scalar_one() == "03"


# -- the command ----------------------------------------------------------------------------------
def test_the_command_prints_the_total_the_warnings_by_code_then_each_file_and_warning(
        db_url, tmp_path):
    folder = grand_bend(tmp_path, enrollment_file(*SSAS[:2]), contact=False, next_year=False)
    (folder / "MasterSchedule.xml").write_text(
        '<InterchangeMasterSchedule xmlns="http://ed-fi.org/5.2.0"/>', encoding="utf-8")
    ran = cli.rollover("import", "--format", "edfi", str(folder), "--db", db_url)
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[:6] == [f"imported 1,015 rows from 13 files in {folder}",
                         "warnings by code, most frequent first:",
                         "  NEXT_YEAR_UNPLACED          1",
                         "district.csv: 1 rows", "schools.csv: 3 rows", "calendars.csv: 3 rows"]
    assert "enrollments.csv: 2 rows" in lines
    assert lines[-1].startswith("warning: StudentEnrollment.xml:") and \
        "NEXT_YEAR_UNPLACED" in lines[-1]
    assert ran.stderr == ("rollover: MasterSchedule.xml: InterchangeMasterSchedule is not read "
                          "by the import: skipped\n")


def test_a_grade_map_is_an_option_of_the_edfi_format_only(db_url, tiny_bundle):
    ran = cli.rollover("import", str(tiny_bundle), "--grade-map", "map.csv", "--db", db_url)
    assert (ran.returncode, ran.stderr) == (2, "rollover: --grade-map is an option of "
                                               "--format edfi\n")


# -- the HTTP API ---------------------------------------------------------------------------------
def zipped(folder: Path) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"grand-bend/{path.name}")
    return out.getvalue()


def test_the_api_imports_a_zip_of_edfi_files_and_names_each_refusal(api, tmp_path):
    from rollover.services.jobs import claim_next, run_job

    headers = api.as_user(ADMIN)

    def imported(folder: Path) -> dict:
        answer = api.client.post("/api/v1/imports", files={"file": ("edfi.zip", zipped(folder))},
                                 data={"format": "edfi"}, headers=headers)
        assert answer.status_code == 202, answer.text
        run_job(api.engine, claim_next(api.engine, "test-worker"))
        return api.client.get(f"/api/v1/jobs/{answer.json()['job_id']}", headers=headers).json()

    bad = grand_bend(tmp_path, enrollment_file(ssa("604821", ELEMENTARY, "Third grade",
                                                   year="2021-22")), contact=False, name="bad")
    failed = imported(bad)
    assert failed["state"] == "failed" and failed["error"]["status"] == 400
    (entry,) = failed["error"]["errors"]
    assert (entry["file"], entry["line"], entry["field"]) == ("StudentEnrollment.xml", 6,
                                                              "SchoolYear")
    assert "[facet 'enumeration'] The value '2021-22'" in entry["message"]
    done = imported(grand_bend(tmp_path, contact=False))
    assert done["state"] == "succeeded", done["error"]
    with api.engine.connect() as conn:
        assert conn.execute(select(schools.c.name).where(schools.c.school_id == ELEMENTARY)
                            ).scalar_one() == "Grand Bend Elementary School"


"""`rollover export --format edfi OUT_DIR [--year YEAR] [--grade-map FILE]` (docs/interop.md,
section 2): a school year as the four Ed-Fi 5.2 bulk XML files, each valid against the shipped XSD
(checked here with `xmlschema`, another validator than the export's own), every value as the
contract says; every refusal named, all of them together, exit 2 and nothing written.

The demo district, rolled forward over 2026-27 (so that next year's enrollments name what they
were rolled from, and retained, demoted and hand-placed students show), is exported once per
database (both years); the refusals and the odd values use small districts of their own.
SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import xmlschema
from lxml import etree
from sqlalchemy import select, update

from rollover.domain.forward.options import ForwardOptions
from rollover.interop import XSD_FOLDER
from rollover.interop.edfi import NAMESPACE
from rollover.interop.edfi.grades import SERIES
from rollover.services import edfi_export, exports
from rollover.services.bundles import import_bundle
from rollover.services.demo import load_demo
from rollover.services.edfi_export import EdfiExport, EdfiExportRefused, export_edfi
from rollover.services.forward import roll_forward, source_calendars_of_year
from rollover.store.database import open_engine, writing
from rollover.store.schema import calendars, days, enrollments, students

from . import cli
from .api_setup import api, is_problem, quick_hashes  # noqa: F401 - fixtures
from .conftest import emptied_postgres, migrated_sqlite
from .districts import District, first_day, last_day
from .test_api_jobs import V1, admin, queued, work

FILES = ["EducationOrgCalendar.xml", "EducationOrganization.xml", "Student.xml",
         "StudentEnrollment.xml"]
GRADE = "uri://ed-fi.org/GradeLevelDescriptor#"


def sha_school_id(school_id: str) -> int:
    """The contract's rule for a school_id that is no number Ed-Fi holds."""
    return int(hashlib.sha256(school_id.encode("utf-8")).hexdigest()[:12], 16)


@pytest.fixture(scope="module")
def xsd() -> xmlschema.XMLSchema:
    """The four interchanges' shipped schemas, parsed once by `xmlschema`."""
    return xmlschema.XMLSchema([str(XSD_FOLDER / f"Interchange-{name}.xsd") for name in (
        "EducationOrganization", "EducationOrgCalendar", "Student", "StudentEnrollment")])


def flat(element) -> dict:
    """An element's leaves by their path of local names; a repeated leaf as a list."""
    found: dict = {}
    for leaf in element.iter():
        if len(leaf) or leaf is element:
            continue
        path = "/".join(etree.QName(e).localname
                        for e in reversed([leaf, *leaf.iterancestors()][:-2]))
        if path in found:
            found[path] = [*([found[path]] if isinstance(found[path], str) else found[path]),
                           leaf.text]
        else:
            found[path] = leaf.text
    return found


def records(folder: Path, file: str, element: str) -> list[dict]:
    root = etree.parse(str(folder / file)).getroot()
    return [flat(e) for e in root.iterchildren(f"{{{NAMESPACE}}}{element}")]


def ssa_of(folder: Path, enrollment: dict) -> dict:
    """The StudentSchoolAssociation of a stored enrollment (by its Ed-Fi key)."""
    found = [r for r in records(folder, "StudentEnrollment.xml", "StudentSchoolAssociation")
             if r["StudentReference/StudentIdentity/StudentUniqueId"]
             == enrollment["student_number"]
             and r["CalendarReference/CalendarIdentity/CalendarCode"]
             == enrollment["calendar_id"]
             and r["EntryDate"] == enrollment["start_date"].isoformat()]
    assert len(found) == 1, (enrollment, found)
    return found[0]


# -- the demo district, rolled forward --------------------------------------------------------

def one_of_a_key(year: list[dict]) -> list[dict]:
    """The enrollments whose Ed-Fi key (student_number, school, start_date) no other has, by
    id: each is its own StudentSchoolAssociation."""
    keys = Counter((e["student_number"], e["school_id"], e["start_date"]) for e in year)
    return sorted((e for e in year
                   if keys[e["student_number"], e["school_id"], e["start_date"]] == 1),
                  key=lambda e: e["enrollment_id"])


@dataclass
class Rolled:
    folder: Path
    results: dict[int, EdfiExport]
    enrollments: dict[str, dict]  # every enrollment, with its student's number and school
    students: dict[str, dict]
    days: list[tuple]  # (calendar_id, date, instructional) of 2026-27
    demoted: str  # the enrollment of 2026-27 demoted by hand before the roll forward

    def out(self, year: int) -> Path:
        return self.folder / str(year)

    def of_year(self, year: int) -> list[dict]:
        return [e for e in self.enrollments.values() if e["school_year"] == year]

    def single(self, year: int) -> list[dict]:
        return one_of_a_key(self.of_year(year))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def rolled(request, tmp_path_factory, postgres_url, sqlite_template) -> Rolled:
    folder = tmp_path_factory.mktemp(f"edfi-{request.param}")
    url = (migrated_sqlite(sqlite_template, folder / "rollover.db")
           if request.param == "sqlite" else emptied_postgres(postgres_url))
    engine = open_engine(url)
    try:
        load_demo(engine, students=200)
        demoted = demote_a_fourth_grader(engine)
        roll_forward(engine, ForwardOptions(
            source_calendars=tuple(source_calendars_of_year(engine, 2027))), user="tester")
        facts = stored_facts(engine)
        results = {2027: export_edfi(engine, folder / "2027"),  # the current year
                   2028: export_edfi(engine, folder / "2028", year=2028)}
    finally:
        engine.dispose()
    return Rolled(folder, results, *facts, demoted)


def demote_a_fourth_grader(engine) -> str:
    e = enrollments.c
    with writing(engine) as conn:
        enrollment_id = conn.execute(
            select(e.enrollment_id).where(e.calendar_id == "2027-ELM0001", e.grade == "04",
                                          e.end_date.is_(None), e.end_action.is_(None),
                                          e.service_type == "primary")
            .order_by(e.enrollment_id)).scalars().first()
        conn.execute(update(enrollments).where(e.enrollment_id == enrollment_id)
                     .values(end_action="demote"))
    return enrollment_id


def stored_facts(engine):
    e, c, s, d = enrollments.c, calendars.c, students.c, days.c
    with engine.connect() as conn:
        rows = conn.execute(select(enrollments, s.student_number, c.school_id, c.school_year)
                            .join(calendars, c.calendar_id == e.calendar_id)
                            .join(students, s.student_id == e.student_id))
        by_id = {r.enrollment_id: dict(r._mapping) for r in rows}
        people = {r.student_id: dict(r._mapping) for r in conn.execute(select(students))}
        school_days = [tuple(r) for r in conn.execute(
            select(d.calendar_id, d.date, d.instructional)
            .join(calendars, c.calendar_id == d.calendar_id).where(c.school_year == 2027))]
    return by_id, people, school_days


def test_the_four_files_of_each_year_are_valid_ed_fi(rolled, xsd):
    for year in (2027, 2028):
        assert sorted(p.name for p in rolled.out(year).iterdir()) == FILES
        for name in FILES:
            xsd.validate(str(rolled.out(year) / name))  # raises with the first error
    assert [p.name for p in rolled.folder.iterdir() if p.name.startswith(".")] == []


def test_a_student_is_written_with_number_name_and_birth_date(rolled):
    written = {r["StudentUniqueId"]: r for r in records(rolled.out(2027), "Student.xml",
                                                        "Student")}
    enrolled = {e["student_id"] for e in rolled.of_year(2027)}
    assert len(written) == len(enrolled)
    student = rolled.students[min(enrolled)]
    assert written[student["student_number"]] == {
        "StudentUniqueId": student["student_number"], "Name/FirstName": student["first_name"],
        "Name/LastSurname": student["last_name"],
        "BirthData/BirthDate": student["birth_date"].isoformat()}


def test_a_school_whose_id_is_no_number_gets_the_sha256_school_id(rolled):
    schools = {r["EducationOrganizationIdentificationCode/IdentificationCode"]: r
               for r in records(rolled.out(2027), "EducationOrganization.xml", "School")}
    assert sorted(schools) == ["CTR0001", "ELM0001", "HIG0001", "MID0001"]
    elementary = schools["ELM0001"]
    assert elementary["SchoolId"] == str(sha_school_id("ELM0001"))
    assert elementary["NameOfInstitution"] == "Adams Elementary"
    assert elementary["EducationOrganizationIdentificationCode/"
                      "EducationOrganizationIdentificationSystem"] == \
        "uri://ed-fi.org/EducationOrganizationIdentificationSystemDescriptor#School"
    assert elementary["EducationOrganizationCategory"] == \
        "uri://ed-fi.org/EducationOrganizationCategoryDescriptor#School"
    assert elementary["GradeLevel"] == [GRADE + g for g in (
        "Prekindergarten", "Kindergarten", "First grade", "Second grade", "Third grade",
        "Fourth grade", "Fifth grade")]


def test_an_enrollment_is_an_ssa_of_its_school_calendar_and_grade(rolled):
    ninth = next(e for e in rolled.single(2027)
                 if e["grade"] == "09" and e["calendar_id"] == "2027-HIG0001"
                 and e["end_date"] is None and not e["next_grade"])
    school = str(sha_school_id("HIG0001"))
    assert ssa_of(rolled.out(2027), ninth) == {
        "StudentReference/StudentIdentity/StudentUniqueId": ninth["student_number"],
        "SchoolReference/SchoolIdentity/SchoolId": school,
        "PrimarySchool": "true" if ninth["service_type"] == "primary" else "false",
        "SchoolYear": "2026-2027",
        "EntryDate": ninth["start_date"].isoformat(),
        "EntryGradeLevel": GRADE + "Ninth grade",
        **({"ClassOfSchoolYear": f"{ninth['graduation_cohort'] - 1}-"
                                 f"{ninth['graduation_cohort']}"}
           if ninth["graduation_cohort"] else {}),
        "CalendarReference/CalendarIdentity/CalendarCode": "2027-HIG0001",
        "CalendarReference/CalendarIdentity/SchoolReference/SchoolIdentity/SchoolId": school,
        "CalendarReference/CalendarIdentity/SchoolYear": "2026-2027",
        **({"NextYearGradeLevel": GRADE + "Ninth grade"}
           if ninth["end_action"] == "retain" else {})}


def test_an_ended_enrollment_has_its_exit_date_and_no_exit_type_of_a_local_code(rolled):
    ended = next(e for e in rolled.single(2027) if e["end_date"] is not None)
    assert ended["end_status"] in ("E01", "W01", "W02", "W03")  # the demo's own codes
    ssa = ssa_of(rolled.out(2027), ended)
    assert ssa["ExitWithdrawDate"] == ended["end_date"].isoformat()
    assert "ExitWithdrawType" not in ssa


def test_retained_demoted_and_hand_placed_students_have_next_years_grade(rolled):
    out, year = rolled.out(2027), rolled.single(2027)
    retained = next(e for e in year if e["end_action"] == "retain" and not e["next_grade"])
    ssa = ssa_of(out, retained)
    assert ssa["NextYearGradeLevel"] == ssa["EntryGradeLevel"]
    assert "NextYearSchoolReference/SchoolIdentity/SchoolId" not in ssa
    demoted = ssa_of(out, rolled.enrollments[rolled.demoted])
    assert demoted["EntryGradeLevel"] == GRADE + "Fourth grade"
    assert demoted["NextYearGradeLevel"] == GRADE + "Third grade"
    placed = [e for e in year if e["next_calendar_id"]]
    assert ("2028-HIG0001", "11") in {(e["next_calendar_id"], e["next_grade"]) for e in placed}
    code_of = {ceds: code for code, ceds in SERIES}
    for enrollment in placed:  # the demo's calendars of 2027-28 are 2028-<school_id>
        ssa = ssa_of(out, enrollment)
        assert ssa["NextYearSchoolReference/SchoolIdentity/SchoolId"] == \
            str(sha_school_id(enrollment["next_calendar_id"].removeprefix("2028-")))
        assert ssa["NextYearGradeLevel"] == GRADE + code_of[enrollment["next_grade"]]
    promoted = next(e for e in year if e["end_action"] == "promote" and not e["next_grade"])
    assert "NextYearGradeLevel" not in ssa_of(out, promoted)


def test_rolled_enrollments_are_next_year_school_and_say_whether_they_repeat_a_grade(rolled):
    out = rolled.out(2028)
    rolled_from = {e["rolled_from"]: e for e in rolled.single(2028) if e["rolled_from"]}
    retained = next(e for e in rolled.single(2027) if e["end_action"] == "retain"
                    and e["enrollment_id"] in rolled_from)
    again = ssa_of(out, rolled_from[retained["enrollment_id"]])
    assert again["RepeatGradeIndicator"] == "true"
    assert again["EntryType"] == "uri://ed-fi.org/EntryTypeDescriptor#Next year school"
    assert again["SchoolYear"] == "2027-2028"
    demoted = ssa_of(out, rolled_from[rolled.demoted])
    assert (demoted["EntryGradeLevel"], demoted["RepeatGradeIndicator"]) == (
        GRADE + "Third grade", "false")
    promoted = next(e for e in rolled.single(2027) if e["end_action"] == "promote"
                    and e["grade"] == "10" and e["enrollment_id"] in rolled_from)
    moved_up = ssa_of(out, rolled_from[promoted["enrollment_id"]])
    assert (moved_up["EntryGradeLevel"], moved_up["RepeatGradeIndicator"]) == (
        GRADE + "Eleventh grade", "false")
    cohort = rolled_from[promoted["enrollment_id"]]["graduation_cohort"]
    assert moved_up["ClassOfSchoolYear"] == f"{cohort - 1}-{cohort}"
    # An enrollment of 2026-27 entered by the district is no roll: neither element.
    entered = ssa_of(rolled.out(2027), retained)
    assert "RepeatGradeIndicator" not in entered and "EntryType" not in entered


def test_two_enrollments_with_one_ed_fi_key_keep_the_primary_one_and_warn(rolled):
    groups: dict[tuple, list[dict]] = {}
    for e in rolled.of_year(2027):
        groups.setdefault((e["student_number"], e["school_id"], e["start_date"]), []).append(e)
    expected = []
    for group in groups.values():
        kept, *others = sorted(group, key=lambda e: (e["service_type"] != "primary",
                                                     e["enrollment_id"]))
        for other in others:
            expected.append(
                f"enrollment {other['enrollment_id']!r} has the Ed-Fi key of "
                f"{kept['enrollment_id']!r} (student_number {kept['student_number']!r}, school "
                f"{kept['school_id']!r}, start_date {kept['start_date'].isoformat()}): only "
                f"{kept['enrollment_id']!r} is written")
    warnings = rolled.results[2027].warnings
    assert expected and sorted(warnings) == sorted(expected)
    written = records(rolled.out(2027), "StudentEnrollment.xml", "StudentSchoolAssociation")
    assert len(written) == len(groups) == len(rolled.of_year(2027)) - len(warnings)


def test_terms_of_one_name_and_dates_are_one_session_with_its_instructional_days(rolled):
    high = str(sha_school_id("HIG0001"))
    sessions = [r for r in records(rolled.out(2027), "EducationOrgCalendar.xml", "Session")
                if r["SchoolReference/SchoolIdentity/SchoolId"] == high]
    names = Counter(r["SessionName"] for r in sessions)
    # Its two structures' terms: the same dates are one session; "Quarter 4" and "Semester 2"
    # end on other days in each, so each is named by its term_id.
    assert names == Counter({"Quarter 1": 1, "Quarter 2": 1, "Quarter 3": 1, "Semester 1": 1,
                             "2027-HIG0001-1-Q4": 1, "2027-HIG0001-2-Q4": 1,
                             "2027-HIG0001-1-S2": 1, "2027-HIG0001-2-S2": 1})
    first = next(r for r in sessions if r["SessionName"] == "Semester 1")
    begin, end = dt.date.fromisoformat(first["BeginDate"]), dt.date.fromisoformat(
        first["EndDate"])
    assert first["TotalInstructionalDays"] == str(sum(
        1 for calendar_id, date, instructional in rolled.days
        if calendar_id == "2027-HIG0001" and instructional and begin <= date <= end))
    assert first["Term"] == "uri://ed-fi.org/TermDescriptor#Other"
    assert first["SchoolYear"] == "2026-2027"


def test_every_day_is_a_calendar_date_instructional_or_not(rolled):
    dates = records(rolled.out(2027), "EducationOrgCalendar.xml", "CalendarDate")
    assert len(dates) == len(rolled.days)
    event = {(r["CalendarReference/CalendarIdentity/CalendarCode"], r["Date"]):
             r["CalendarEvent"] for r in dates}
    for calendar_id, date, instructional in rolled.days[:40]:
        assert event[calendar_id, date.isoformat()] == (
            "uri://ed-fi.org/CalendarEventDescriptor#"
            + ("Instructional day" if instructional else "Non-instructional day"))
    assert {instructional for *_, instructional in rolled.days} == {True, False}
    calendars_written = records(rolled.out(2027), "EducationOrgCalendar.xml", "Calendar")
    assert [c["CalendarCode"] for c in calendars_written] == [
        "2027-CTR0001", "2027-ELM0001", "2027-HIG0001", "2027-MID0001"]
    assert calendars_written[0]["CalendarType"] == \
        "uri://ed-fi.org/CalendarTypeDescriptor#School"


# -- small districts: the values the demo does not show ---------------------------------------

def born(d: District, day: dt.date = dt.date(2012, 5, 1)) -> District:
    """Every student of `d` with a birth date (the District helper leaves it empty)."""
    d.rows["students"] = [(*row[:4], row[4] or day) for row in d.rows["students"]]
    return d


def small_district() -> District:
    """A school with a number for an id (255901107) and two calendars of 2026-27; HSA's
    calendar of 2027-28 for a hand placement."""
    d = District()
    d.school("255901107", name="Grand Bend High")
    d.school("HSA")
    d.calendar("C27", "255901107", 2027, ["09", "10"])
    d.calendar("C27B", "255901107", 2027, ["09"], days=False)
    d.calendar("HSA28", "HSA", 2028, ["10"])
    d.status("Transfer")
    for student in ("S1", "S2", "S3"):
        d.student(student, number=f"N{student}")
    d.enroll("E1", "S1", "C27", "09", local_start_status="Transfer", graduation_cohort=2030,
             end=last_day(2027), end_status="Withdrawn", next_calendar="HSA28",
             next_grade="10")
    d.enroll("E2", "S2", "C27", "10", service_type="special_ed")
    d.enroll("E3", "S2", "C27", "10")  # one Ed-Fi key with E2: the primary one is written
    d.enroll("E4", "S3", "C27B", "09", service_type="partial")
    return born(d)


def test_a_school_id_that_is_a_number_is_the_school_id_and_ed_fi_codes_are_kept(
        engine, tmp_path, xsd):
    import_bundle(engine, small_district().write_bundle(tmp_path / "bundle"))
    result = export_edfi(engine, tmp_path / "out")
    for name in FILES:
        xsd.validate(str(tmp_path / "out" / name))
    school = records(tmp_path / "out", "EducationOrganization.xml", "School")
    assert [(s["SchoolId"], s["NameOfInstitution"]) for s in school] == [
        ("255901107", "Grand Bend High")]
    first = ssa_of(tmp_path / "out", {"student_number": "NS1", "calendar_id": "C27",
                                      "start_date": first_day(2027)})
    assert first["EntryType"] == "uri://ed-fi.org/EntryTypeDescriptor#Transfer"
    assert first["ExitWithdrawType"] == \
        "uri://ed-fi.org/ExitWithdrawTypeDescriptor#Withdrawn"
    assert first["ExitWithdrawDate"] == last_day(2027).isoformat()
    assert first["ClassOfSchoolYear"] == "2029-2030"
    assert first["NextYearSchoolReference/SchoolIdentity/SchoolId"] == str(sha_school_id("HSA"))
    assert first["NextYearGradeLevel"] == GRADE + "Tenth grade"
    kept = ssa_of(tmp_path / "out", {"student_number": "NS2", "calendar_id": "C27",
                                     "start_date": first_day(2027)})
    assert kept["PrimarySchool"] == "true"
    assert result.warnings == [
        "enrollment 'E2' has the Ed-Fi key of 'E3' (student_number 'NS2', school "
        "'255901107', start_date 2026-08-24): only 'E3' is written"]
    partial = ssa_of(tmp_path / "out", {"student_number": "NS3", "calendar_id": "C27B",
                                        "start_date": first_day(2027)})
    assert partial["PrimarySchool"] == "false"
    # Both calendars' "Term" has the same dates: one session, counted in C27 (one school day).
    sessions = records(tmp_path / "out", "EducationOrgCalendar.xml", "Session")
    assert [(s["SessionName"], s["TotalInstructionalDays"]) for s in sessions] == [("Term", "1")]


def test_a_grade_map_file_writes_a_states_own_grade(engine, tmp_path):
    d = District()
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, {"T1": (1, "T1", False)})
    d.student("S1")
    d.enroll("E1", "S1", "HSA27", "T1")
    import_bundle(engine, born(d).write_bundle(tmp_path / "bundle"))
    grade_map = tmp_path / "grades.csv"
    grade_map.write_text("code_value,grade,sequence,state_grade\nTransitional One,T1,1,T1\n")
    export_edfi(engine, tmp_path / "out", grade_map=grade_map)
    (ssa,) = records(tmp_path / "out", "StudentEnrollment.xml", "StudentSchoolAssociation")
    assert ssa["EntryGradeLevel"] == GRADE + "Transitional One"


# -- refusals ---------------------------------------------------------------------------------

NO_XML = "Do\ufffee"  # U+FFFE: a character no XML document may hold


def spoiled_district() -> District:
    """Every refusal of the contract at once (and the decisions' own)."""
    long_school, long_calendar = "L" * 61, "K" * 61
    d = District()
    d.school("HSA", name="N" * 76)
    d.school(str(sha_school_id("HSA")))  # a number: HSA's SchoolId
    d.school(long_school)
    d.school("UNG")
    d.calendar("HSA27", "HSA", 2027, ["09"])
    d.calendar("NUM27", str(sha_school_id("HSA")), 2027, ["09"])
    d.calendar(long_calendar, long_school, 2027, ["09"], structure_id="K-MAIN")
    d.calendar("UNG27", "UNG", 2027, {"Z9": (1, "Z9", False)})
    d.rows["terms"] = [(*t[:3], "T" * 61 if t[1] == "HSA27-Main" else t[3], *t[4:])
                       for t in d.rows["terms"]]
    for student, number in (("S1", ""), ("S2", "9" * 33), ("S3", "7"), ("S4", "7"),
                            ("S5", "5")):
        d.student(student, number=number or "x")
        d.enroll(f"E{student[1:]}", student, "HSA27", "09")
    d.enroll("E6", "S5", "UNG27", "Z9")
    d.enroll("E7", "S3", "HSA27", "09", start=dt.date(2026, 9, 1), graduation_cohort=2051)
    born(d)
    d.rows["students"] = [("S1", "", "Doe", "S1", dt.date(2012, 1, 1)), *(
        (*s[:2], NO_XML if s[0] == "S3" else s[2], "F" * 76 if s[0] == "S4" else s[3],
         None if s[0] == "S5" else s[4])
        for s in d.rows["students"][1:])]
    return d


def refusal_lines(long_school: str = "L" * 61, long_calendar: str = "K" * 61) -> list[str]:
    number = sha_school_id("HSA")
    return [
        "OUT_DIR: 'out' exists and is not empty",
        f"schools.school_id: schools '{number}' and 'HSA' have one Ed-Fi SchoolId {number}",
        f"schools.name: school 'HSA': {'N' * 20 + '…'!r} has 76 characters; Ed-Fi's "
        "NameOfInstitution holds at most 75",
        f"schools.school_id: {long_school[:20] + '…'!r} has 61 characters; Ed-Fi's "
        "IdentificationCode holds at most 60",
        "grade_levels: school 'UNG' offers no grade in 2026-2027 that the grade map can write; "
        "Ed-Fi's School needs a GradeLevel",
        f"calendars.calendar_id: {long_calendar[:20] + '…'!r} has 61 characters; Ed-Fi's "
        "CalendarCode holds at most 60",
        f"terms.name: school 'HSA': {'T' * 20 + '…'!r} has 61 characters; Ed-Fi's "
        "SessionName holds at most 60",
        "students.student_number: student 'S1' has none; Ed-Fi's StudentUniqueId needs 1 to "
        "32 characters",
        "students.birth_date: student 'S5' has none; Ed-Fi's Student needs a BirthDate",
        f"students.last_name: student 'S3': {NO_XML!r} holds U+FFFE (position 3), a "
        "character XML cannot hold",
        "students.first_name: student 'S4': " + repr("F" * 20 + "…") + " has 76 characters; "
        "Ed-Fi's FirstName holds at most 75",
        "students.student_number: students 'S3' and 'S4' have one student_number '7', Ed-Fi's "
        "StudentUniqueId",
        "students.student_number: student 'S2': " + repr("9" * 20 + "…") + " has 33 "
        "characters; Ed-Fi's StudentUniqueId holds at most 32",
        "enrollments.grade: grade 'Z9' of calendar 'UNG27' (state_grade 'Z9') has no Ed-Fi "
        "code in the grade map (enrollment 'E6')",
        "enrollments.graduation_cohort: 2051 is outside Ed-Fi's ClassOfSchoolYear 1990-1991 … "
        "2049-2050 (enrollment 'E7')",
    ]


def rollover(db_url: str, *args: str, cwd: Path):
    return cli.rollover("--db", db_url, *args, cwd=cwd)


def test_every_refusal_is_named_together_exit_2_and_nothing_written(engine, db_url, tmp_path):
    import_bundle(engine, spoiled_district().write_bundle(tmp_path / "bundle"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept.txt").write_text("mine")
    result = rollover(db_url, "export", "--format", "edfi", "out", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = refusal_lines()
    assert result.stderr.splitlines() == [
        *lines, f"rollover: export refused: {len(lines)} problems; nothing was written"]
    assert [p.name for p in out.iterdir()] == ["kept.txt"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging


@pytest.mark.parametrize("year, current, message", [
    (1990, 2027, "year: 1990 is outside the school years Ed-Fi writes, 1990-1991 (1991) … "
                 "2049-2050 (2050)"),
    (2051, 2027, "year: 2051 is outside the school years Ed-Fi writes, 1990-1991 (1991) … "
                 "2049-2050 (2050)"),
    (2031, 2027, "year: school year 2031 (2030-2031) has no calendars"),
    (2028, 2027, "year: school year 2028 (2027-2028) has no enrollments; Ed-Fi's Student and "
                 "StudentEnrollment files hold at least one record"),
    (None, None, "year: no YEAR given and the district has no current school year"),
])
def test_a_year_ed_fi_cannot_write_or_without_calendars_is_refused(engine, tmp_path, year,
                                                                  current, message):
    d = born(small_district())
    d.rows["district"] = [(*d.rows["district"][0][:4], current)]
    import_bundle(engine, d.write_bundle(tmp_path / "bundle"))
    with pytest.raises(EdfiExportRefused) as refused:
        export_edfi(engine, tmp_path / "new" / "out", year=year)
    assert refused.value.details() == [message]
    assert not (tmp_path / "new").exists()


def test_a_file_the_xsd_refuses_is_a_bug_exit_1_with_the_validators_messages(
        engine, db_url, tmp_path, monkeypatch):
    """Were the writer to break the XSD (here: a Student without its required elements), the
    export fails with the validator's message and writes nothing."""
    import_bundle(engine, small_district().write_bundle(tmp_path / "bundle"))

    def broken_students(folder, students):
        list(students)
        (folder / "Student.xml").write_text(
            f'<InterchangeStudent xmlns="{NAMESPACE}"><Student><StudentUniqueId>NS1'
            "</StudentUniqueId></Student></InterchangeStudent>", encoding="utf-8")
        return 1

    monkeypatch.setattr(edfi_export, "write_students", broken_students)
    result = rollover(db_url, "export", "--format", "edfi", "out", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines() == [
        f"Student.xml: Element '{{{NAMESPACE}}}Student': Missing child element(s). Expected is "
        f"( {{{NAMESPACE}}}Name ).",
        "rollover: export failed: a written file does not validate against the Ed-Fi XSD (a bug "
        "of rollover); nothing was written"]
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_cli_writes_a_year_and_refuses_year_options_with_the_bundle_format(
        engine, db_url, tmp_path, xsd):
    import_bundle(engine, small_district().write_bundle(tmp_path / "bundle"))
    done = rollover(db_url, "export", "--format", "edfi", "--year", "2027", "out",
                    cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "exported school year 2026-2027 as Ed-Fi XML: 11 elements in 4 " \
                          "files to out\n"
    assert done.stderr == ("warning: enrollment 'E2' has the Ed-Fi key of 'E3' (student_number "
                           "'NS2', school '255901107', start_date 2026-08-24): only 'E3' is "
                           "written\n")
    xsd.validate(str(tmp_path / "out" / "StudentEnrollment.xml"))
    refused = rollover(db_url, "export", "bundle-out", "--year", "2027", "--grade-map",
                       "grades.csv", cwd=tmp_path)
    assert (refused.returncode, refused.stderr) == (2, (
        "--year: a bundle holds every school year; give --format edfi or oneroster to export "
        "one\n"
        "rollover: --grade-map: an option of --format edfi, not of --format bundle\n"))
    assert not (tmp_path / "bundle-out").exists()


# -- HTTP -------------------------------------------------------------------------------------

def test_get_exports_format_edfi_is_a_zip_of_the_four_files_or_every_problem(
        api, xsd, tmp_path, monkeypatch):
    """The API's district has students without a birth date: refused, each named; with
    them, the zip, at once or (a large district) from an export job."""
    answer = api.client.get(f"{V1}/exports?format=edfi&year=2027", headers=admin(api))
    problem = is_problem(answer, 400)
    assert problem["errors"] == [
        {"field": "students.birth_date",
         "message": f"student {s!r} has none; Ed-Fi's Student needs a BirthDate"}
        for s in ("SA", "SB")]
    with writing(api.engine) as conn:
        conn.execute(update(students).values(birth_date=dt.date(2011, 4, 2)))
    answer = api.client.get(f"{V1}/exports?format=edfi&year=2027", headers=admin(api))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert sorted(archive.namelist()) == FILES
        for name in FILES:
            xsd.validate(io.BytesIO(archive.read(name)))
        student = etree.fromstring(archive.read("Student.xml"))
    assert [flat(s)["StudentUniqueId"] for s in student] == ["SA", "SB"]
    monkeypatch.setenv(exports.DIR_VARIABLE, str(tmp_path / "exports"))
    monkeypatch.setattr(exports, "EXPORT_JOB_ROWS", 0)
    queued(api.client.get(f"{V1}/exports?format=edfi&year=2028", headers=admin(api)))
    done = work(api)
    assert done["state"] == "succeeded", done["error"]
    answer = api.client.get(done["result"]["download"], headers=admin(api))
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        calendar = etree.fromstring(archive.read("EducationOrgCalendar.xml"))
    assert [flat(c)["CalendarCode"] for c in calendar.iterchildren(f"{{{NAMESPACE}}}Calendar")] \
        == ["HSA28", "HSB28"]

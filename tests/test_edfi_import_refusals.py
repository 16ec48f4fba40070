"""`rollover import --format edfi` refusing bad input (docs/interop.md, sections 1 and 5): every
problem at its file, line and element (`FILE:LINE: ELEMENT: MESSAGE`), exit status 2, nothing
written.  Each test spoils Grand Bend's files (tests/edfi_setup.py, without Contact.xml unless
the test needs it) in one way; SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from rollover.errors import RolloverError
from rollover.interop.edfi.problems import EdfiRefused
from rollover.services.edfi_import import import_edfi

from . import cli
from .edfi_setup import (
    ELEMENTARY, GRAND_BEND, HEAD, HIGH, NS, OLD_CALENDAR, counts, enrollment_file,
    grand_bend, school_ref, ssa,
)

RETAINED = ssa("604821", ELEMENTARY, "Third grade", next_grade="Third grade")


def folder_of(tmp_path, *associations: str, **options):
    options.setdefault("contact", False)
    options.setdefault("next_year", False)
    return grand_bend(tmp_path, enrollment_file(*(associations or (RETAINED,))), **options)


def refused(engine, folder, **options) -> list[str]:
    """Every problem of the refused import, one a line; nothing was written."""
    before = counts(engine)
    with pytest.raises(EdfiRefused) as caught:
        import_edfi(engine, folder, **options)
    assert counts(engine) == before
    assert str(caught.value) == (f"import refused: {len(caught.value.problems)} problem"
                                 f"{'s' if len(caught.value.problems) != 1 else ''}; nothing "
                                 "was written")
    return caught.value.details()


def calendar_file(*elements: str) -> str:
    return HEAD + f"<InterchangeEducationOrgCalendar {NS}>\n" + "\n".join(elements) + \
        "\n</InterchangeEducationOrgCalendar>\n"


def calendar_element(code: str, school: str, year: str = "2021-2022", grades=()) -> str:
    levels = "".join(f"<GradeLevel>uri://ed-fi.org/GradeLevelDescriptor#{g}</GradeLevel>"
                     for g in grades)
    return (f"<Calendar><CalendarCode>{code}</CalendarCode><CalendarType>"
            "uri://ed-fi.org/CalendarTypeDescriptor#School</CalendarType>" + levels
            + school_ref("SchoolReference", school) + f"<SchoolYear>{year}</SchoolYear>"
            "</Calendar>")


# -- files that are not Ed-Fi 5.2 -----------------------------------------------------------------
def test_xml_that_is_not_well_formed(engine, tmp_path):
    folder = folder_of(tmp_path, extra={"StudentEnrollment.xml": enrollment_file(
        RETAINED.replace("</StudentReference>", "</StudentRef>"))})
    assert refused(engine, folder) == [
        "StudentEnrollment.xml:4: -: not well-formed XML: Opening and ending tag mismatch: "
        "StudentReference line 4 and StudentRef"]


def test_a_doctype_or_an_entity(engine, tmp_path):
    entity = enrollment_file(RETAINED.replace("604821", "&id;"))
    doctype = HEAD + '<!DOCTYPE InterchangeStudentEnrollment [<!ENTITY id "604821">]>\n' + \
        entity.removeprefix(HEAD)
    folder = folder_of(tmp_path, extra={"StudentEnrollment.xml": doctype,
                                        "Student-more.xml": entity.replace(
                                            "StudentEnrollment", "Student")})
    assert refused(engine, folder) == [
        "Student-more.xml:4: -: not well-formed XML: Entity 'id' not defined (entities are "
        "refused)",
        "StudentEnrollment.xml:2: -: a DOCTYPE is refused (Ed-Fi files have no DTD and no "
        "entity)"]


def test_another_namespace_such_as_grand_bends_older_calendar(engine, tmp_path):
    folder = folder_of(tmp_path)
    (folder / OLD_CALENDAR).write_bytes((GRAND_BEND / OLD_CALENDAR).read_bytes())
    assert refused(engine, folder) == [
        "EducationOrgCalendar-v2.0.0.xml:2: InterchangeEducationOrgCalendar: namespace "
        "'http://ed-fi.org/0200' is not Ed-Fi 5.2 ('http://ed-fi.org/5.2.0'): only Ed-Fi 5.2 "
        "bulk XML is read"]


def test_every_xsd_error_of_every_file_with_the_validators_message(engine, tmp_path):
    folder = folder_of(tmp_path, ssa("604821", ELEMENTARY, "Third grade", year="2021-22"),
                       ssa("604822", HIGH, "Ninth grade", year="2022"), next_year=True)
    calendar = folder / "EducationOrgCalendar-2022-2023.xml"
    calendar.write_text(calendar.read_text().replace("<TotalInstructionalDays>80",
                                                     "<TotalInstructionalDays>eighty", 1))
    problems = refused(engine, folder)
    assert [p.split(": [facet")[0].split(": '")[0] for p in problems] == [
        "EducationOrgCalendar-2022-2023.xml:3: TotalInstructionalDays: Element "
        "'{http://ed-fi.org/5.2.0}TotalInstructionalDays'",
        "StudentEnrollment.xml:6: SchoolYear: Element '{http://ed-fi.org/5.2.0}SchoolYear'",
        "StudentEnrollment.xml:13: SchoolYear: Element '{http://ed-fi.org/5.2.0}SchoolYear'"]
    assert problems[1].startswith(
        "StudentEnrollment.xml:6: SchoolYear: Element '{http://ed-fi.org/5.2.0}SchoolYear': "
        "[facet 'enumeration'] The value '2021-22' is not an element of the set {'1990-1991', ")
    assert "'eighty' is not a valid value of the atomic type" in problems[0]


def test_a_required_interchange_missing_is_named_by_its_root_element(engine, tmp_path):
    folder = folder_of(tmp_path, extra={"Student.xml": None})
    assert refused(engine, folder) == [
        f"InterchangeStudent:1: -: required interchange missing: no .xml file of {folder} has "
        "the root element InterchangeStudent"]


def test_a_csv_file_other_than_the_supplementary_ones(engine, tmp_path):
    folder = folder_of(tmp_path, extra={"students.csv": "student_id\n"})
    assert refused(engine, folder) == [
        "students.csv:1: -: not a file an Ed-Fi import reads: beside the Ed-Fi files a folder "
        "may hold only boundaries.csv, programs.csv, program_participations.csv, "
        "assignment_overrides.csv"]


# -- references -----------------------------------------------------------------------------------
def test_a_dangling_student_reference_and_a_lookup_without_identity(engine, tmp_path):
    lookup = ("<StudentReference><StudentLookup><Name><FirstName>Tyrone</FirstName>"
              "<LastSurname>Dyer</LastSurname></Name></StudentLookup></StudentReference>")
    folder = folder_of(tmp_path, ssa("999999", ELEMENTARY, "Third grade"),
                       ssa("604821", ELEMENTARY, "Third grade", student_ref=lookup))
    assert refused(engine, folder) == [
        "StudentEnrollment.xml:4: StudentReference: no Student with StudentUniqueId '999999' "
        "in the import",
        "StudentEnrollment.xml:11: StudentReference: a StudentLookup is followed only when it "
        "holds StudentUniqueId; this one does not, and there is no ref"]


def test_a_ref_resolves_only_to_an_element_of_its_own_file(engine, tmp_path):
    folder = folder_of(tmp_path, ssa("604821", ELEMENTARY, "Third grade",
                                     student_ref='<StudentReference ref="STU_604821"/>'))
    assert refused(engine, folder) == [
        "StudentEnrollment.xml:4: StudentReference: ref 'STU_604821': no Student has that id "
        "in StudentEnrollment.xml"]


# -- descriptors and grades -----------------------------------------------------------------------
def test_a_descriptor_without_hash_or_not_defined_by_a_descriptors_file(engine, tmp_path):
    folder = folder_of(
        tmp_path, ssa("604821", ELEMENTARY, "Third grade").replace(
            "uri://ed-fi.org/GradeLevelDescriptor#Third grade", "Third grade"),
        ssa("604822", HIGH, "Ninth grade").replace("uri://ed-fi.org/", "uri://state.example/"),
        ssa("604823", HIGH, "Tenth grade", exit_date="2022-01-14",
            exit_type="uri://ed-fi.org/ExitWithdrawTypeDescriptor#Moved away"))
    assert refused(engine, folder) == [
        "StudentEnrollment.xml:8: EntryGradeLevel: 'Third grade' is not a descriptor value: a "
        "GradeLevelDescriptor is written NAMESPACE#CodeValue, and it has no '#'",
        "StudentEnrollment.xml:15: EntryGradeLevel: 'uri://state.example/GradeLevelDescriptor"
        "#Ninth grade' is not a GradeLevelDescriptor the Descriptors files define",
        "StudentEnrollment.xml:24: ExitWithdrawType: 'uri://ed-fi.org/ExitWithdrawTypeDescriptor"
        "#Moved away' is not a ExitWithdrawTypeDescriptor the Descriptors files define"]


def test_a_kind_no_descriptors_file_defines_takes_any_namespace(engine, tmp_path):
    folder = folder_of(tmp_path, ssa("604821", ELEMENTARY, "Third grade").replace(
        "uri://ed-fi.org/GradeLevelDescriptor#", "uri://state.example/Grades#"),
        extra={"GradeLevelDescriptor.xml": None})
    assert import_edfi(engine, folder).rows["enrollments.csv"] == 1


ADULT = "Adult Education"  # defined by Grand Bend's GradeLevelDescriptor.xml, not in the map


def test_a_grade_code_not_in_the_map_and_the_same_with_a_grade_map(engine, tmp_path):
    adult_calendar = calendar_file(calendar_element("ADULT", HIGH, grades=(ADULT,)))
    learner = ssa("604822", HIGH, ADULT, calendar=f"ADULT/{HIGH}/2021-2022")
    folder = folder_of(tmp_path, RETAINED, learner,
                       extra={"EducationOrgCalendar-adult.xml": adult_calendar})
    assert refused(engine, folder) == [
        "EducationOrgCalendar-adult.xml:3: GradeLevel: grade level 'Adult Education' is not in "
        "the grade map (--grade-map FILE maps other codes)",
        "StudentEnrollment.xml:16: EntryGradeLevel: grade level 'Adult Education' is not in "
        "the grade map (--grade-map FILE maps other codes)"]
    ordinals = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth",
                "Ninth", "Tenth", "Eleventh", "Twelfth")
    grade_map = tmp_path / "grades.csv"
    grade_map.write_text("code_value,grade,sequence,state_grade\n" + "".join(
        f"{name} grade,{n:02d},{n},{n:02d}\n" for n, name in enumerate(ordinals, start=1))
        + f"{ADULT},AE,0,AE\n", encoding="utf-8")
    result = import_edfi(engine, folder, grade_map=grade_map)
    assert result.rows["enrollments.csv"] == 2
    with engine.connect() as conn:
        from sqlalchemy import select

        from rollover.store.schema import enrollments
        assert conn.execute(select(enrollments.c.grade, enrollments.c.calendar_id).where(
            enrollments.c.student_id == "S604822")).one() == ("AE", "ADULT")


def test_a_grade_map_file_that_cannot_be_used(engine, tmp_path):
    grade_map = tmp_path / "grades.csv"
    grade_map.write_text("code,grade\n", encoding="utf-8")
    with pytest.raises(RolloverError, match="grades.csv:1: the header must be "
                                            "code_value,grade,sequence,state_grade"):
        import_edfi(engine, folder_of(tmp_path), grade_map=grade_map)
    assert sum(counts(engine).values()) == 0


# -- the district ---------------------------------------------------------------------------------
def test_two_leas(engine, tmp_path):
    lea = ("<LocalEducationAgency><NameOfInstitution>Other ISD</NameOfInstitution>"
           "<EducationOrganizationCategory>uri://ed-fi.org/EducationOrganizationCategoryDescriptor"
           "#Local Education Agency</EducationOrganizationCategory>"
           "<LocalEducationAgencyId>255902</LocalEducationAgencyId><LocalEducationAgencyCategory>"
           "uri://ed-fi.org/LocalEducationAgencyCategoryDescriptor#Independent"
           "</LocalEducationAgencyCategory></LocalEducationAgency>")
    folder = folder_of(tmp_path, extra={"EducationOrganization2.xml": HEAD + (
        f"<InterchangeEducationOrganization {NS}>\n{lea}\n</InterchangeEducationOrganization>\n")})
    assert refused(engine, folder) == [
        "EducationOrganization2.xml:3: LocalEducationAgency: a second LocalEducationAgency: "
        "an import is one district (the first is on line 36 of EducationOrganization.xml)"]


def test_a_duplicate_key_at_the_second_naming_the_first(engine, tmp_path):
    folder = folder_of(tmp_path, RETAINED, RETAINED)
    assert refused(engine, folder) == [
        "StudentEnrollment.xml:11: StudentSchoolAssociation: duplicate StudentSchoolAssociation "
        f"of student '604821' at school '{ELEMENTARY}' entering 2021-08-23: the first is on "
        "line 3"]


# -- the calendar of an enrollment ----------------------------------------------------------------
def test_an_enrollments_calendar_missing_ambiguous_or_of_another_year(engine, tmp_path):
    second = calendar_file(calendar_element("SECOND", ELEMENTARY))
    folder = folder_of(
        tmp_path, RETAINED,
        ssa("604822", HIGH, "Ninth grade", year="2020-2021"),
        ssa("604825", ELEMENTARY, "First grade", year="2022-2023",
            calendar=f"2010605675/{ELEMENTARY}/2021-2022"),
        ssa("604826", HIGH, "Third grade"),
        extra={"EducationOrgCalendar-second.xml": second})
    assert refused(engine, folder) == [
        "StudentEnrollment.xml:3: StudentSchoolAssociation: 2 calendars of school "
        f"'{ELEMENTARY}' in 2021-2022 ('SECOND', '2010605675'): a CalendarReference must say "
        "which",
        "StudentEnrollment.xml:11: StudentSchoolAssociation: no calendar of school "
        f"'{HIGH}' in 2020-2021 in the import",
        "StudentEnrollment.xml:21: SchoolYear: SchoolYear 2022-2023 differs from its "
        "CalendarReference's, 2021-2022 (calendar '2010605675')",
        "StudentEnrollment.xml:31: EntryGradeLevel: grade '03' (uri://ed-fi.org/"
        f"GradeLevelDescriptor#Third grade) is not offered by calendar '{HIGH}-2022'"]


def test_a_calendar_with_neither_sessions_nor_dates(engine, tmp_path):
    folder = folder_of(tmp_path, extra={"EducationOrgCalendar-old.xml": calendar_file(
        calendar_element("OLD", HIGH, year="2019-2020"))})
    assert refused(engine, folder) == [
        "EducationOrgCalendar-old.xml:3: Calendar: calendar 'OLD' has neither a Session of its "
        "school in 2019-2020 nor a CalendarDate: its first and last days are unknown"]


# -- the bundle's own checks, told at the XML or the supplementary file ---------------------------
def test_existing_ids_without_replace_are_told_at_their_elements(engine, tmp_path):
    folder = folder_of(tmp_path)
    import_edfi(engine, folder)
    problems = refused(engine, folder)
    assert problems[0] == (
        f"EducationOrgCalendar.xml:3: Session: calendars.calendar_id: '{HIGH}-2022' already "
        "exists in the database (import with --replace to replace it)")
    assert f"EducationOrganization.xml:74: School: schools.school_id: '{HIGH}' already exists " \
           "in the database (import with --replace to replace it)" in problems
    assert "Student.xml:3: Student: students.student_id: 'S604821' already exists in the " \
           "database (import with --replace to replace it)" in problems
    assert not any(".csv" in p.split(":")[0] for p in problems)


def test_a_bundle_check_of_the_result_is_told_at_the_element(engine, tmp_path):
    late = ("<GradingPeriod>" + school_ref("SchoolReference", HIGH)
            + "<GradingPeriod>uri://ed-fi.org/GradingPeriodDescriptor#Summer Semester"
            "</GradingPeriod><GradingPeriodName>Summer</GradingPeriodName>"
            "<SchoolYear>2021-2022</SchoolYear><BeginDate>2022-06-01</BeginDate>"
            "<EndDate>2022-07-29</EndDate><TotalInstructionalDays>40</TotalInstructionalDays>"
            "</GradingPeriod>")
    folder = folder_of(tmp_path, extra={"EducationOrgCalendar-summer.xml": calendar_file(late)})
    assert refused(engine, folder) == [
        "EducationOrgCalendar-summer.xml:3: GradingPeriod: grading_periods.start_date: "
        f"2022-06-01 is outside calendar '{HIGH}-2022' (2021-08-23 to 2022-05-27)",
        "EducationOrgCalendar-summer.xml:3: GradingPeriod: grading_periods.end_date: "
        f"2022-07-29 is outside calendar '{HIGH}-2022' (2021-08-23 to 2022-05-27)"]


def test_a_bundle_check_of_a_supplementary_csv(engine, tmp_path):
    folder = folder_of(tmp_path, extra={"boundaries.csv": (
        "school_id,program_id,street,city,zip,low_number,high_number,side,resides\n"
        f"{HIGH},,New Street,Grand Bend,78834,1,999,both,\n"
        f"{HIGH},,Elm Street,Grand Bend,78834,1,999,left,\n")})
    assert refused(engine, folder) == [
        "boundaries.csv:3: side: 'left' is not one of odd, even, both"]
    (folder / "boundaries.csv").write_text((folder / "boundaries.csv").read_text().replace(
        "left", "odd"))
    assert import_edfi(engine, folder).rows["boundaries.csv"] == 2


# -- the command ----------------------------------------------------------------------------------
def test_the_command_lists_every_problem_then_exits_2(db_url, tmp_path):
    folder = folder_of(tmp_path, ssa("604821", ELEMENTARY, "Third grade", year="2021-22"),
                       ssa("999999", ELEMENTARY, "Third grade"))
    ran = cli.rollover("import", "--format", "edfi", str(folder), "--db", db_url)
    assert ran.returncode == 2 and ran.stdout == ""
    lines = ran.stderr.splitlines()
    assert len(lines) == 2 and "Traceback" not in ran.stderr
    assert lines[0].startswith("StudentEnrollment.xml:6: SchoolYear: Element "
                               "'{http://ed-fi.org/5.2.0}SchoolYear': [facet 'enumeration']")
    assert lines[1] == "rollover: import refused: 1 problem; nothing was written"


def test_the_command_refuses_a_folder_that_is_not_there(db_url, tmp_path):
    ran = cli.rollover("import", "--format", "edfi", str(tmp_path / "nowhere"), "--db", db_url)
    assert (ran.returncode, ran.stderr) == (
        2, f"rollover: Ed-Fi folder '{tmp_path / 'nowhere'}' does not exist\n")



def test_the_errors_before_a_file_stops_being_well_formed_are_listed_too(engine, tmp_path):
    folder = folder_of(tmp_path, ssa("604821", ELEMENTARY, "Third grade", year="2021-22"),
                       RETAINED.replace("</StudentReference>", "</StudentRef>"))
    problems = refused(engine, folder)
    assert [p.split(": [facet")[0] for p in problems] == [
        "StudentEnrollment.xml:6: SchoolYear: Element '{http://ed-fi.org/5.2.0}SchoolYear'",
        "StudentEnrollment.xml:11: -: not well-formed XML: Opening and ending tag mismatch: "
        "StudentReference line 11 and StudentRef"]

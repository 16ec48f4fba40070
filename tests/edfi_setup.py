"""Grand Bend ISD's Ed-Fi files (tests/data/edfi-grand-bend/, unmodified) in a folder of the test's
own, with the StudentEnrollment.xml the tests write (Grand Bend's is not in the repository) and,
where a test needs next year, an EducationOrgCalendar file of 2022-2023 sessions.

    folder = grand_bend(tmp_path, enrollment_file(SSAS))          the seven 5.2 files + these
    folder = grand_bend(tmp_path, ..., contact=False)            without Contact.xml (3 MiB)
"""

from __future__ import annotations

import shutil
from pathlib import Path

GRAND_BEND = Path(__file__).parent / "data" / "edfi-grand-bend"
SEVEN = ("EducationOrganization.xml", "EducationOrgCalendar.xml", "Student.xml", "Contact.xml",
         "GradeLevelDescriptor.xml", "EntryTypeDescriptor.xml", "ExitWithdrawTypeDescriptor.xml")
OLD_CALENDAR = "EducationOrgCalendar-v2.0.0.xml"  # namespace http://ed-fi.org/0200
HIGH, MIDDLE, ELEMENTARY = "255901001", "255901044", "255901107"
GRADE = "uri://ed-fi.org/GradeLevelDescriptor#"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
NS = 'xmlns="http://ed-fi.org/5.2.0"'


def school_ref(element: str, school: str) -> str:
    return (f"<{element}><SchoolIdentity><SchoolId>{school}</SchoolId></SchoolIdentity>"
            f"</{element}>")


def ssa(student: str, school: str, grade: str, *, year: str | None = "2021-2022",
        entry: str = "2021-08-23", primary: str | None = None, entry_type: str | None = None,
        class_of: str | None = None, exit_date: str | None = None, exit_type: str | None = None,
        calendar: str | None = None, next_school: str | None = None,
        next_grade: str | None = None, student_ref: str | None = None) -> str:
    """A StudentSchoolAssociation, its elements in the XSD's order; `grade`, `next_grade` are
    GradeLevelDescriptor codes (`Third grade`), the other descriptors whole URIs."""
    parts = [student_ref or f"<StudentReference><StudentIdentity><StudentUniqueId>{student}"
                            "</StudentUniqueId></StudentIdentity></StudentReference>",
             school_ref("SchoolReference", school)]
    parts += [f"<PrimarySchool>{primary}</PrimarySchool>"] if primary else []
    parts += [f"<SchoolYear>{year}</SchoolYear>"] if year else []
    parts += [f"<EntryDate>{entry}</EntryDate>", f"<EntryGradeLevel>{GRADE}{grade}"
                                                  "</EntryGradeLevel>"]
    parts += [f"<EntryType>{entry_type}</EntryType>"] if entry_type else []
    parts += [f"<ClassOfSchoolYear>{class_of}</ClassOfSchoolYear>"] if class_of else []
    parts += [f"<ExitWithdrawDate>{exit_date}</ExitWithdrawDate>"] if exit_date else []
    parts += [f"<ExitWithdrawType>{exit_type}</ExitWithdrawType>"] if exit_type else []
    if calendar:
        code, calendar_school, calendar_year = calendar.split("/")
        parts.append(f"<CalendarReference><CalendarIdentity><CalendarCode>{code}</CalendarCode>"
                     + school_ref("SchoolReference", calendar_school)
                     + f"<SchoolYear>{calendar_year}</SchoolYear></CalendarIdentity>"
                       "</CalendarReference>")
    parts += [school_ref("NextYearSchoolReference", next_school)] if next_school else []
    parts += [f"<NextYearGradeLevel>{GRADE}{next_grade}</NextYearGradeLevel>"] \
        if next_grade else []
    return "<StudentSchoolAssociation>\n  " + "\n  ".join(parts) + \
        "\n</StudentSchoolAssociation>"


def enrollment_file(*associations: str) -> str:
    return HEAD + f"<InterchangeStudentEnrollment {NS}>\n" + "\n".join(associations) + \
        "\n</InterchangeStudentEnrollment>\n"


# The district the tests import: each association shows one rule of the mapping.
RETAINED = ssa("604821", ELEMENTARY, "Third grade", next_grade="Third grade")
MOVING_UP = ssa("604824", ELEMENTARY, "Fifth grade", next_school=MIDDLE, next_grade="Sixth grade")
TRANSFER_IN = ssa("604822", HIGH, "Ninth grade", class_of="2024-2025",
                  entry_type="uri://ed-fi.org/EntryTypeDescriptor#Transfer")
LEFT = ssa("604823", HIGH, "Tenth grade", exit_date="2022-01-14",
           exit_type="uri://ed-fi.org/ExitWithdrawTypeDescriptor#Transferred")
CAME_BACK = ssa("604823", HIGH, "Tenth grade", entry="2022-01-20")
DEMOTED_PARTIAL = ssa("604826", ELEMENTARY, "Second grade", primary="false",
                      next_grade="First grade")
SKIPS_A_GRADE = ssa("604827", MIDDLE, "Sixth grade", next_grade="Eighth grade")
BY_CALENDAR = ssa("604825", ELEMENTARY, "First grade", year=None,
                  calendar=f"2010605675/{ELEMENTARY}/2021-2022")
SSAS = (RETAINED, MOVING_UP, TRANSFER_IN, LEFT, CAME_BACK, DEMOTED_PARTIAL, SKIPS_A_GRADE,
        BY_CALENDAR)


def next_year_calendar_file() -> str:
    """2022-2023 sessions of the three schools: next year's calendars."""
    sessions = []
    for school in (HIGH, MIDDLE, ELEMENTARY):
        for name, begin, end in (("Fall Semester", "2022-08-22", "2022-12-16"),
                                 ("Spring Semester", "2023-01-03", "2023-05-26")):
            sessions.append(
                f"<Session><SessionName>2022-2023 {name}</SessionName>"
                f"<SchoolYear>2022-2023</SchoolYear><BeginDate>{begin}</BeginDate>"
                f"<EndDate>{end}</EndDate><Term>uri://ed-fi.org/TermDescriptor#{name}</Term>"
                f"<TotalInstructionalDays>80</TotalInstructionalDays>"
                + school_ref("SchoolReference", school) + "</Session>")
    return HEAD + f"<InterchangeEducationOrgCalendar {NS}>\n" + "\n".join(sessions) + \
        "\n</InterchangeEducationOrgCalendar>\n"


def grand_bend(tmp_path: Path, enrollments: str | None = None, *, contact: bool = True,
               next_year: bool = True, extra: dict[str, str] | None = None,
               name: str = "grand-bend") -> Path:
    """A folder of Grand Bend's seven 5.2 files (less Contact.xml if not `contact`), the
    StudentEnrollment.xml of `enrollments` (default: SSAS), next year's calendar file, and
    `extra` files (name -> text; None removes a file)."""
    folder = tmp_path / name
    folder.mkdir()
    for file_name in SEVEN:
        if contact or file_name != "Contact.xml":
            shutil.copyfile(GRAND_BEND / file_name, folder / file_name)
    (folder / "StudentEnrollment.xml").write_text(enrollments or enrollment_file(*SSAS),
                                                  encoding="utf-8")
    if next_year:
        (folder / "EducationOrgCalendar-2022-2023.xml").write_text(next_year_calendar_file(),
                                                                   encoding="utf-8")
    for file_name, text in (extra or {}).items():
        if text is None:
            (folder / file_name).unlink()
        else:
            (folder / file_name).write_text(text, encoding="utf-8")
    return folder


def counts(engine) -> dict[str, int]:
    """Rows stored per bundle file (the year-end modules' files too: grading periods)."""
    from sqlalchemy import func, select

    from rollover.bundle.format import FILES
    from rollover.store.schema import metadata

    with engine.connect() as conn:
        return {f.name: conn.execute(select(func.count()).select_from(metadata.tables[f.table])
                                     ).scalar_one() for f in FILES}


# -- contacts ------------------------------------------------------------------------------------
def contact(unique_id: str, street: str, latitude: str | None = None,
            longitude: str | None = None) -> str:
    """A Contact with one home Address in Grand Bend, its elements in the XSD's order."""
    location = "".join(f"<{name}>{value}</{name}>" for name, value in
                       (("Latitude", latitude), ("Longitude", longitude)) if value is not None)
    return (f"<Contact><ContactUniqueId>{unique_id}</ContactUniqueId><Name><FirstName>A"
            f"</FirstName><LastSurname>B</LastSurname></Name>\n<Address>"
            f"<StreetNumberName>{street}</StreetNumberName><City>Grand Bend</City>"
            "<StateAbbreviation>uri://ed-fi.org/StateAbbreviationDescriptor#TX"
            f"</StateAbbreviation><PostalCode>78834</PostalCode>\n{location}\n"
            "<AddressType>uri://ed-fi.org/AddressTypeDescriptor#Home</AddressType></Address>"
            "</Contact>")


def lives_with(student: str, contact_id: str) -> str:
    return ("<StudentContactAssociation><StudentReference><StudentIdentity><StudentUniqueId>"
            f"{student}</StudentUniqueId></StudentIdentity></StudentReference><ContactReference>"
            f"<ContactIdentity><ContactUniqueId>{contact_id}</ContactUniqueId></ContactIdentity>"
            "</ContactReference><LivesWith>true</LivesWith></StudentContactAssociation>")

"""Writing Ed-Fi 5.2 bulk XML (docs/interop.md, section 2): records in, the four interchange files
out, elements in the XSD's order and optional ones left out when a record has no value.

Each file is streamed through `lxml.etree.xmlfile`, one record at a time, so a district of any
size is written in bounded memory.  The records hold Ed-Fi's values already (export_mapping.py
makes them from the store's rows); descriptors are written as URIs here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from . import NAMESPACE
from .export_values import descriptor, school_year

FILES = ("EducationOrganization.xml", "EducationOrgCalendar.xml", "Student.xml",
         "StudentEnrollment.xml")


@dataclass(frozen=True)
class School:
    school_id: str
    number: int  # its SchoolId
    name: str
    grades: tuple[str, ...]  # GradeLevelDescriptor codes


@dataclass(frozen=True)
class Calendar:
    code: str
    school: int
    grades: tuple[str, ...]


@dataclass(frozen=True)
class Session:
    name: str
    school: int
    begin: dt.date
    end: dt.date
    term: str  # a TermDescriptor code
    instructional_days: int


@dataclass(frozen=True)
class CalendarDate:
    date: dt.date
    instructional: bool
    calendar: str
    school: int


@dataclass(frozen=True)
class Student:
    unique_id: str
    first_name: str
    last_surname: str
    birth_date: dt.date


@dataclass(frozen=True)
class Association:
    """A StudentSchoolAssociation; None leaves an optional element out."""

    student: str
    school: int
    primary: bool
    entry_date: dt.date
    entry_grade: str
    entry_type: str | None
    repeat_grade: bool | None
    class_of: int | None  # the year the class graduates
    exit_date: dt.date | None
    exit_type: str | None
    calendar: str
    next_school: int | None
    next_grade: str | None


def write_education_organization(folder: Path, schools: Iterable[School]) -> int:
    with _Interchange(folder / FILES[0], "InterchangeEducationOrganization") as out:
        for school in schools:
            out.put("School", (
                ("EducationOrganizationIdentificationCode", (
                    ("IdentificationCode", school.school_id),
                    ("EducationOrganizationIdentificationSystem",
                     descriptor("EducationOrganizationIdentificationSystemDescriptor",
                                "School")))),
                ("NameOfInstitution", school.name),
                ("EducationOrganizationCategory",
                 descriptor("EducationOrganizationCategoryDescriptor", "School")),
                ("SchoolId", str(school.number)),
                *(("GradeLevel", _grade(code)) for code in school.grades)))
        return out.count


def write_calendar(folder: Path, year: int, calendars: Iterable[Calendar],
                   sessions: Iterable[Session], dates: Iterable[CalendarDate]) -> int:
    """Calendars, then sessions, then calendar dates; returns the elements written."""
    years = school_year(year)
    with _Interchange(folder / FILES[1], "InterchangeEducationOrgCalendar") as out:
        for calendar in calendars:
            out.put("Calendar", (
                ("CalendarCode", calendar.code),
                ("CalendarType", descriptor("CalendarTypeDescriptor", "School")),
                *(("GradeLevel", _grade(code)) for code in calendar.grades),
                _school("SchoolReference", calendar.school),
                ("SchoolYear", years)))
        for session in sessions:
            out.put("Session", (
                ("SessionName", session.name),
                ("SchoolYear", years),
                ("BeginDate", session.begin.isoformat()),
                ("EndDate", session.end.isoformat()),
                ("Term", descriptor("TermDescriptor", session.term)),
                ("TotalInstructionalDays", str(session.instructional_days)),
                _school("SchoolReference", session.school)))
        events = {True: descriptor("CalendarEventDescriptor", "Instructional day"),
                  False: descriptor("CalendarEventDescriptor", "Non-instructional day")}
        for day in dates:
            out.put("CalendarDate", (
                ("Date", day.date.isoformat()),
                ("CalendarEvent", events[day.instructional]),
                _calendar(day.calendar, day.school, years)))
        return out.count


def write_students(folder: Path, students: Iterable[Student]) -> int:
    with _Interchange(folder / FILES[2], "InterchangeStudent") as out:
        for student in students:
            out.put("Student", (
                ("StudentUniqueId", student.unique_id),
                ("Name", (("FirstName", student.first_name),
                          ("LastSurname", student.last_surname))),
                ("BirthData", (("BirthDate", student.birth_date.isoformat()),))))
        return out.count


def write_enrollments(folder: Path, year: int, associations: Iterable[Association]) -> int:
    years = school_year(year)
    with _Interchange(folder / FILES[3], "InterchangeStudentEnrollment") as out:
        for a in associations:
            out.put("StudentSchoolAssociation", _present(
                ("StudentReference", (("StudentIdentity", (("StudentUniqueId", a.student),)),)),
                _school("SchoolReference", a.school),
                ("PrimarySchool", _boolean(a.primary)),
                ("SchoolYear", years),
                ("EntryDate", a.entry_date.isoformat()),
                ("EntryGradeLevel", _grade(a.entry_grade)),
                ("EntryType", a.entry_type and descriptor("EntryTypeDescriptor", a.entry_type)),
                ("RepeatGradeIndicator", _boolean(a.repeat_grade)),
                ("ClassOfSchoolYear", a.class_of and school_year(a.class_of)),
                ("ExitWithdrawDate", a.exit_date and a.exit_date.isoformat()),
                ("ExitWithdrawType",
                 a.exit_type and descriptor("ExitWithdrawTypeDescriptor", a.exit_type)),
                _calendar(a.calendar, a.school, years),
                a.next_school is not None and _school("NextYearSchoolReference", a.next_school),
                ("NextYearGradeLevel", a.next_grade and _grade(a.next_grade))))
        return out.count


# -- the pieces -------------------------------------------------------------------------------

def _grade(code: str) -> str:
    return descriptor("GradeLevelDescriptor", code)


def _boolean(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _school(element: str, number: int):
    return element, (("SchoolIdentity", (("SchoolId", str(number)),)),)


def _calendar(code: str, school: int, years: str):
    return "CalendarReference", (("CalendarIdentity", (
        ("CalendarCode", code), _school("SchoolReference", school), ("SchoolYear", years))),)


def _present(*children):
    """The children that have a value (an optional element without one is left out)."""
    return tuple(c for c in children if c and c[1] is not None)


class _Interchange:
    """One interchange file, written as it goes: `put(name, content)` writes an element, content
    being its text or a tuple of (name, content) children; indented two spaces a level."""

    def __init__(self, path: Path, root: str):
        self.path = path
        self.root = root
        self.count = 0

    def __enter__(self) -> _Interchange:
        self._file = etree.xmlfile(str(self.path), encoding="UTF-8")
        self._xf = self._file.__enter__()
        self._xf.write_declaration()
        self._root = self._xf.element(f"{{{NAMESPACE}}}{self.root}", nsmap={None: NAMESPACE})
        self._root.__enter__()
        return self

    def put(self, name: str, content) -> None:
        self._element(name, content, 1)
        self.count += 1

    def _element(self, name: str, content, depth: int) -> None:
        xf = self._xf
        xf.write("\n" + "  " * depth)
        with xf.element(f"{{{NAMESPACE}}}{name}"):
            if isinstance(content, str):
                xf.write(content)
            else:
                for child, value in content:
                    self._element(child, value, depth + 1)
                xf.write("\n" + "  " * depth)

    def __exit__(self, *exc) -> None:
        try:
            if exc[0] is None:
                self._xf.write("\n")
            self._root.__exit__(*exc)
        finally:
            self._file.__exit__(*exc)

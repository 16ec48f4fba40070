"""A school year of the district as Ed-Fi records (docs/interop.md, section 2): the store's rows
in, write.py's records out, every refusal and warning collected on the way.

`YearExport` is made from the district's small tables (schools, the year's calendars and terms,
every grade level); students, days and enrollments stream through it, in the order the service
reads them, so no more than one of each is held.  A row with a problem is not written: the
problems are the export's refusal (`problems`, all of them, in the order found), the warnings
what it names but still writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from .export_values import (
    CODE_LENGTH, FIRST_YEAR, LAST_YEAR, NAME_LENGTH, UNIQUE_ID_LENGTH, Problem, entry_type_code,
    exit_type_code, in_xsd_years, school_number, school_year, shown, term_code, text_problem,
    writable_code,
)
from .grades import GradeMap
from .write import Association, Calendar, CalendarDate, School, Session, Student


# -- the store's rows, as the service reads them ---------------------------------------------------

class GradeLevelRow(NamedTuple):
    calendar_id: str
    structure_id: str
    grade: str
    sequence: int
    state_grade: str | None


class TermRow(NamedTuple):
    term_id: str
    calendar_id: str
    school_id: str
    name: str
    start_date: dt.date
    end_date: dt.date
    instructional_days: int  # of its calendar, between its dates


class DayRow(NamedTuple):
    calendar_id: str
    date: dt.date
    instructional: bool


class StudentRow(NamedTuple):
    student_id: str
    student_number: str | None
    first_name: str
    last_name: str
    birth_date: dt.date | None


class EnrollmentRow(NamedTuple):
    enrollment_id: str
    student_number: str | None
    school_id: str  # of its calendar
    calendar_id: str
    structure_id: str
    grade: str
    service_type: str
    start_date: dt.date
    end_date: dt.date | None
    end_status: str | None
    end_action: str | None
    next_calendar_id: str | None
    next_structure_id: str | None
    next_grade: str | None
    next_school_id: str | None  # the school of next_calendar_id
    local_start_status: str | None
    graduation_cohort: int | None
    rolled_from: str | None
    source_calendar_id: str | None  # of the rolled_from enrollment
    source_structure_id: str | None
    source_grade: str | None


# -- the grades ------------------------------------------------------------------------------

class Grades:
    """The district's grade levels, and the Ed-Fi code the grade map writes for each (by its
    state_grade, the map read backwards)."""

    def __init__(self, levels: Iterable[GradeLevelRow], grade_map: GradeMap):
        self.grade_map = grade_map
        self.exact: dict[tuple[str, str, str], GradeLevelRow] = {}
        self.in_calendar: dict[tuple[str, str], GradeLevelRow] = {}
        self.anywhere: dict[str, GradeLevelRow] = {}
        self.by_sequence: dict[tuple, GradeLevelRow] = {}
        for level in sorted(levels):
            self.exact[level[:3]] = level
            self.in_calendar.setdefault((level.calendar_id, level.grade), level)
            self.anywhere.setdefault(level.grade, level)
            for key in ((level.calendar_id, level.structure_id, level.sequence),
                        (level.calendar_id, level.sequence), (level.sequence,)):
                self.by_sequence.setdefault(key, level)
        self._codes: dict[str | None, str | None] = {}

    def level(self, calendar_id: str | None, structure_id: str | None,
              grade: str) -> GradeLevelRow | None:
        """The grade level: of that calendar and structure, else of that calendar, else (a grade
        not checked at import: next_grade) the first calendar's that offers the grade."""
        return (self.exact.get((calendar_id, structure_id, grade))
                or self.in_calendar.get((calendar_id, grade)) or self.anywhere.get(grade))

    def below(self, level: GradeLevelRow) -> GradeLevelRow | None:
        """The grade of the sequence before `level`'s (a demotion), from the same structure,
        calendar or district; none below sequence 1."""
        sequence = level.sequence - 1
        if sequence < 1:
            return None
        return (self.by_sequence.get((level.calendar_id, level.structure_id, sequence))
                or self.by_sequence.get((level.calendar_id, sequence))
                or self.by_sequence.get((sequence,)))

    def code(self, level: GradeLevelRow) -> str | None:
        """The GradeLevelDescriptor code of a grade level (None: the map cannot write it)."""
        state_grade = level.state_grade
        if state_grade not in self._codes:
            code = self.grade_map.code_of_state_grade(state_grade) if state_grade else None
            self._codes[state_grade] = (code if code and writable_code(code, "GradeLevelDescriptor")
                                        else None)
        return self._codes[state_grade]

    def codes(self, levels: Iterable[GradeLevelRow]) -> tuple[str, ...]:
        """The writable codes of grade levels, in sequence order, each once."""
        codes = (self.code(level) for level in sorted(levels, key=lambda g: (g.sequence, g.grade)))
        return tuple(dict.fromkeys(code for code in codes if code))


# -- the year --------------------------------------------------------------------------------

class YearExport:
    def __init__(self, year: int, *, schools: Iterable[tuple[str, str]],
                 calendars: Iterable[tuple[str, str]], grade_levels: Iterable[GradeLevelRow],
                 terms: Iterable[TermRow], grade_map: GradeMap):
        """`schools`: (school_id, name) of every school of the district; `calendars`:
        (calendar_id, school_id) of the year's."""
        self.year = year
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.grades = Grades(grade_levels, grade_map)
        self.names = dict(schools)
        self.numbers = {school_id: school_number(school_id) for school_id in self.names}
        self.calendar_school = dict(sorted(calendars))
        self._tallies: dict[tuple, list] = {}
        self._refused_calendars: set[str] = set()  # their days and enrollments are not written
        self._levels: dict[str, list[GradeLevelRow]] = {}  # of each calendar of the year
        for level in self.grades.exact.values():
            if level.calendar_id in self.calendar_school:
                self._levels.setdefault(level.calendar_id, []).append(level)
        self._schools = self._make_schools()
        self._calendars = self._make_calendars()
        self._sessions = self._make_sessions(terms)

    # -- the small files: made at once ---------------------------------------------------------
    def schools(self) -> list[School]:
        return self._schools

    def calendars(self) -> list[Calendar]:
        return self._calendars

    def sessions(self) -> list[Session]:
        return self._sessions

    def _make_schools(self) -> list[School]:
        holders: dict[int, str] = {}
        for school_id, number in sorted(self.numbers.items()):
            if number in holders:
                self._refuse("schools.school_id", f"schools {holders[number]!r} and "
                             f"{school_id!r} have one Ed-Fi SchoolId {number}")
            holders.setdefault(number, school_id)
        offered: dict[str, list[GradeLevelRow]] = {}  # each school's, in all its calendars
        for calendar_id, school_id in self.calendar_school.items():
            offered.setdefault(school_id, []).extend(self._levels.get(calendar_id, ()))
        records = []
        for school_id in sorted(offered):
            name = self.names[school_id]
            grades = self.grades.codes(offered[school_id])
            problems = [("schools.school_id",
                         text_problem(school_id, CODE_LENGTH, "IdentificationCode")),
                        ("schools.name", _of("school", school_id,
                                             text_problem(name, NAME_LENGTH,
                                                          "NameOfInstitution")))]
            if not grades:
                problems.append(("grade_levels", f"school {school_id!r} offers no grade in "
                                 f"{school_year(self.year)} that the grade map can write; "
                                 "Ed-Fi's School needs a GradeLevel"))
            if self._refused(problems):
                continue
            records.append(School(school_id, self.numbers[school_id], name, grades))
        return records

    def _make_calendars(self) -> list[Calendar]:
        records = []
        for calendar_id, school_id in self.calendar_school.items():
            if self._refused([("calendars.calendar_id",
                               text_problem(calendar_id, CODE_LENGTH, "CalendarCode"))]):
                self._refused_calendars.add(calendar_id)
                continue
            records.append(Calendar(calendar_id, self.numbers[school_id],
                                    self.grades.codes(self._levels.get(calendar_id, ()))))
        return records

    def _make_sessions(self, terms: Iterable[TermRow]) -> list[Session]:
        """Terms of a school's year with one name and the same dates are one session; a name
        with other dates too names each of its sessions by the first term_id (Decision)."""
        groups: dict[tuple, list[TermRow]] = {}
        for term in sorted(terms):
            groups.setdefault((term.school_id, term.name, term.start_date, term.end_date),
                              []).append(term)
        dates_of_name: dict[tuple[str, str], int] = {}
        for school_id, name, _start, _end in groups:
            dates_of_name[school_id, name] = dates_of_name.get((school_id, name), 0) + 1
        records = []
        for (school_id, name, start, end), members in groups.items():
            first = min(members, key=lambda t: (t.calendar_id, t.term_id))
            session_name, field = name, "terms.name"
            if dates_of_name[school_id, name] > 1:
                session_name, field = members[0].term_id, "terms.term_id"
            if self._refused([(field, _of("school", school_id, text_problem(
                    session_name, CODE_LENGTH, "SessionName")))]):
                continue
            records.append((school_id, start, end, session_name, Session(
                session_name, self.numbers[school_id], start, end, term_code(name),
                first.instructional_days)))
        return [session for *_order, session in sorted(records, key=lambda r: r[:4])]

    # -- the large files: streamed -------------------------------------------------------------
    def dates(self, days: Iterable[DayRow]) -> Iterator[CalendarDate]:
        numbers, schools, refused = self.numbers, self.calendar_school, self._refused_calendars
        for day in days:
            if day.calendar_id in refused:
                continue
            yield CalendarDate(day.date, day.instructional, day.calendar_id,
                               numbers[schools[day.calendar_id]])

    def students(self, rows: Iterable[StudentRow]) -> Iterator[Student]:
        """The students of the year's enrollments, in student_number order (a number held by
        two of them is found as they pass)."""
        previous: StudentRow | None = None
        for row in rows:
            number = row.student_number or ""
            problems = [
                ("students.student_number",
                 f"student {row.student_id!r} has none; Ed-Fi's StudentUniqueId needs 1 to "
                 f"{UNIQUE_ID_LENGTH} characters" if not number else
                 _of("student", row.student_id,
                     text_problem(number, UNIQUE_ID_LENGTH, "StudentUniqueId"))),
                ("students.first_name", _of("student", row.student_id,
                                            text_problem(row.first_name, NAME_LENGTH,
                                                         "FirstName"))),
                ("students.last_name", _of("student", row.student_id,
                                           text_problem(row.last_name, NAME_LENGTH,
                                                        "LastSurname"))),
                ("students.birth_date", row.birth_date is None
                 and f"student {row.student_id!r} has none; Ed-Fi's Student needs a BirthDate"),
            ]
            if number and previous is not None and previous.student_number == number:
                problems.append(("students.student_number",
                                 f"students {previous.student_id!r} and {row.student_id!r} "
                                 f"have one student_number {shown(number)}, Ed-Fi's "
                                 "StudentUniqueId"))
            else:
                previous = row
            if not self._refused(problems):
                yield Student(number, row.first_name, row.last_name, row.birth_date)

    def associations(self, rows: Iterable[EnrollmentRow]) -> Iterator[Association]:
        """The StudentSchoolAssociations, rows in (student_number, school_id, start_date,
        primary first, enrollment_id) order: of two with one Ed-Fi key the first is written,
        the other named in a warning."""
        kept: tuple | None = None
        kept_id = ""
        fine_numbers: dict[str, bool] = {}
        for row in rows:
            number = row.student_number
            if number not in fine_numbers:  # rows of one student come together
                fine_numbers.clear()
                fine_numbers[number] = bool(number) and not text_problem(
                    number, UNIQUE_ID_LENGTH, "StudentUniqueId")
            if not fine_numbers[number] or row.calendar_id in self._refused_calendars:
                continue  # refused with the student or the calendar
            key = (number, row.school_id, row.start_date)
            if key == kept:
                self.warnings.append(
                    f"enrollment {row.enrollment_id!r} has the Ed-Fi key of {kept_id!r} "
                    f"(student_number {shown(number)}, school {row.school_id!r}, start_date "
                    f"{row.start_date.isoformat()}): only {kept_id!r} is written")
                continue
            kept, kept_id = key, row.enrollment_id
            association = self._association(row)
            if association is not None:
                yield association

    def _association(self, row: EnrollmentRow) -> Association | None:
        grades, fine = self.grades, True
        level = grades.level(row.calendar_id, row.structure_id, row.grade)
        entry = level and grades.code(level)
        if not entry:
            fine = self._unwritable("enrollments.grade", row, row.calendar_id, row.grade, level)
        next_grade = None
        if row.next_grade:
            next_level = grades.level(row.next_calendar_id or row.calendar_id,
                                      row.next_structure_id or row.structure_id, row.next_grade)
            next_grade = next_level and grades.code(next_level)
            if not next_grade:
                fine = self._unwritable("enrollments.next_grade", row,
                                        row.next_calendar_id or row.calendar_id, row.next_grade,
                                        next_level)
        elif row.end_action == "retain":
            next_grade = entry
        elif row.end_action == "demote" and level is not None:
            below = grades.below(level)
            next_grade = below and grades.code(below)  # none below: left out
        cohort = row.graduation_cohort
        if cohort is not None and not in_xsd_years(cohort):
            fine = self._tally("enrollments.graduation_cohort", ("cohort", cohort), row,
                               f"{cohort} is outside Ed-Fi's ClassOfSchoolYear "
                               f"{school_year(FIRST_YEAR)} … {school_year(LAST_YEAR)}")
        if not fine:
            return None
        repeat = None
        if row.rolled_from:
            source = grades.level(row.source_calendar_id, row.source_structure_id,
                                  row.source_grade)
            repeat = source is not None and source.sequence == level.sequence
        return Association(
            student=row.student_number, school=self.numbers[row.school_id],
            primary=row.service_type == "primary", entry_date=row.start_date,
            entry_grade=entry, entry_type=entry_type_code(row.local_start_status,
                                                          bool(row.rolled_from)),
            repeat_grade=repeat, class_of=cohort, exit_date=row.end_date,
            exit_type=exit_type_code(row.end_status), calendar=row.calendar_id,
            next_school=(self.numbers[row.next_school_id] if row.next_school_id else None),
            next_grade=next_grade or None)

    def _unwritable(self, field: str, row: EnrollmentRow, calendar_id: str, grade: str,
                    level: GradeLevelRow | None) -> bool:
        if level is None:
            what = f"grade {grade!r} is offered by no calendar: it has no state_grade to write"
        elif not level.state_grade:
            what = (f"grade {grade!r} of calendar {level.calendar_id!r} has no state_grade, "
                    "by which the grade map writes a grade")
        else:
            what = (f"grade {grade!r} of calendar {level.calendar_id!r} (state_grade "
                    f"{level.state_grade!r}) has no Ed-Fi code in the grade map")
        return self._tally(field, (field, calendar_id, grade), row, what)

    # -- problems ------------------------------------------------------------------------------
    def _refuse(self, field: str, message: str) -> None:
        self.problems.append(Problem(field, message))

    def _refused(self, problems: list[tuple[str, str | None | bool]]) -> bool:
        """Keep the problems that are there; whether there was one."""
        found = [(field, message) for field, message in problems if message]
        for field, message in found:
            self._refuse(field, message)
        return bool(found)

    def _tally(self, field: str, key: tuple, row: EnrollmentRow, message: str) -> bool:
        """One problem for every enrollment with the same fault, counted; False."""
        tally = self._tallies.get(key)
        if tally is None:
            self._tallies[key] = [field, message, 1, row.enrollment_id]
        else:
            tally[2] += 1
        return False

    def finish(self) -> None:
        """The enrollments' problems, counted, after those found as rows passed."""
        for field, message, count, first in self._tallies.values():
            which = (f"enrollment {first!r}" if count == 1
                     else f"{count:,} enrollments, the first {first!r}")
            self._refuse(field, f"{message} ({which})")
        self._tallies.clear()


def _of(what: str, ident: str, problem: str | None) -> str | None:
    return problem and f"{what} {ident!r}: {problem}"

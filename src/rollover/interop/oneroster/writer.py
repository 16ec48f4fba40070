"""Writing one school year as OneRoster 1.2 CSV files (docs/interop.md, section 3): rows in,
files out, streamed: a student's enrollments are held only while their rows are written.

The files are UTF-8 without a byte-order mark, RFC 4180 (csv's quoting: a list of several ids is
one cell, quoted), every column of each header present, `status` and `dateLastModified` empty
(a bulk export), dates YYYY-MM-DD.  A refusal may leave some files in the folder: the caller
writes into a folder of its own and removes it.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from pathlib import Path

from ...bundle.format import BundleProblem
from ...errors import RolloverError
from ...progress import Progress, no_progress
from .format import (
    DISTRICT_ORG, HEADERS, MANIFEST_FILES, MANIFEST_VERSION, ONEROSTER_VERSION, SYSTEM_NAME,
    Calendar, Course, Enrollment, Schedule, School, Section, Term, school_year_session,
)
from .people import demographics_cells, main_enrollment, role_cells, user_cells

PROGRESS_EVERY = 20_000


class OneRosterRefused(RolloverError):
    """Rows that cannot be written as OneRoster: every problem, each `file: column: message`."""

    def __init__(self, problems: list[BundleProblem]):
        self.problems = problems
        count = len(problems)
        super().__init__(f"export refused: {count} problem{'s' if count != 1 else ''}; "
                         "nothing was written")

    def details(self) -> list[str]:
        return [str(p) for p in self.problems]

    def problem_entries(self) -> list[dict]:
        return [{"message": p.message, "file": p.file, "field": p.column}
                for p in self.problems]


class NoCalendars(RolloverError):
    def __init__(self, year: int):
        super().__init__(f"school year {year} has no calendars")


@dataclass(frozen=True)
class SchoolYearRows:
    """What the export of school `year` reads, each row a tuple in its named tuple's order
    (format.py).  The streams are read once, in this order: enrollments (by student_id),
    courses, sections, schedules."""

    year: int
    district_name: str | None
    calendars: Sequence[tuple]  # Calendar
    schools: Sequence[tuple]  # School: those with a calendar in the year
    terms: Sequence[tuple]  # Term: those of the year's calendars
    enrollments: Iterable[tuple]  # Enrollment
    courses: Iterable[tuple]  # Course
    sections: Iterable[tuple]  # Section
    schedules: Iterable[tuple]  # Schedule
    total: int = 0  # rows of the four streams, for progress


@dataclass(frozen=True)
class OneRosterFiles:
    rows: dict[str, int]  # each file written -> its rows (the header not counted)
    left_out: int  # schedules of students not in users.csv


def write_oneroster(folder: Path, source: SchoolYearRows, *, version: str,
                    progress: Progress = no_progress) -> OneRosterFiles:
    """Write the year's OneRoster files into `folder` (which exists); refuse a year without
    calendars and sourcedIds that name two rows of one file."""
    year = source.year
    calendars = [Calendar._make(row) for row in source.calendars]
    if not calendars:
        raise NoCalendars(year)
    schools = [School._make(row) for row in source.schools]
    terms = [Term._make(row) for row in source.terms]
    problems = _place_collisions(year, schools, terms)
    if problems:
        raise OneRosterRefused(problems)
    files = {name: _File(folder, name) for name in HEADERS}
    counted = _Counter(progress, source.total)
    try:
        _write_sessions(files["academicSessions.csv"], year, calendars, terms)
        _write_orgs(files["orgs.csv"], source.district_name, schools)
        _write_people(files, counted(source.enrollments))
        _write_courses(files["courses.csv"], year, counted(source.courses))
        _write_classes(files["classes.csv"], year, terms, counted(source.sections))
        left_out, problems = _write_enrollments(files["enrollments.csv"],
                                                counted(source.schedules))
        counted.finish()
    finally:
        for file in files.values():
            file.close()
    if problems:
        raise OneRosterRefused(problems)
    _write_manifest(files["manifest.csv"], {f.name for f in files.values() if f.written},
                    version)
    return OneRosterFiles({f.name: f.rows for f in files.values() if f.written}, left_out)


def _place_collisions(year: int, schools: list[School], terms: list[Term]) -> list[BundleProblem]:
    """The sourcedIds the export makes up (the school year's session, the district's org) that
    a term or a school already holds."""
    session = school_year_session(year)
    problems = [BundleProblem("academicSessions.csv", None, "sourcedId",
                              f"{session!r} names both school year {year} and term "
                              f"{t.term_id!r}") for t in terms if t.term_id == session]
    problems += [BundleProblem("orgs.csv", None, "sourcedId",
                               f"{DISTRICT_ORG!r} names both the district and school "
                               f"{s.school_id!r}") for s in schools if s.school_id == DISTRICT_ORG]
    return problems


def _write_sessions(file: _File, year: int, calendars: list[Calendar], terms: list[Term]):
    session = school_year_session(year)
    file.write({"sourcedId": session, "title": f"{year - 1}-{year}", "type": "schoolYear",
                "startDate": min(c.start_date for c in calendars),
                "endDate": max(c.end_date for c in calendars), "schoolYear": year})
    for term in sorted(terms):
        file.write({"sourcedId": term.term_id, "title": term.name, "type": "term",
                    "startDate": term.start_date, "endDate": term.end_date,
                    "parentSourcedId": session, "schoolYear": year})


def _write_orgs(file: _File, district_name: str | None, schools: list[School]) -> None:
    file.write({"sourcedId": DISTRICT_ORG, "name": district_name or "District",
                "type": "district"})
    for school in sorted(schools):
        file.write({"sourcedId": school.school_id, "name": school.name, "type": "school",
                    "identifier": school.school_id, "parentSourcedId": DISTRICT_ORG})


def _write_people(files: dict[str, _File], rows: Iterable[tuple]) -> None:
    users, roles, demographics = (files[name] for name in ("users.csv", "roles.csv",
                                                           "demographics.csv"))
    for file in (users, roles, demographics):
        file.open()  # written even for a year without students
    enrollments = map(Enrollment._make, rows)
    for _student, group in groupby(enrollments, key=attrgetter("student_id")):
        theirs = list(group)
        main = main_enrollment(theirs)
        users.write(user_cells(main))
        for role in role_cells(theirs, main):
            roles.write(role)
        demographics.write(demographics_cells(main))


def _write_courses(file: _File, year: int, rows: Iterable[tuple]) -> None:
    session = school_year_session(year)
    for course in map(Course._make, rows):
        file.write({"sourcedId": course.course_id, "schoolYearSourcedId": session,
                    "title": course.name, "courseCode": course.number,
                    "orgSourcedId": course.school_id})


def _write_classes(file: _File, year: int, terms: list[Term], rows: Iterable[tuple]) -> None:
    """A class's terms: those of its course's calendar by start (none: the school year)."""
    of_calendar: dict[str, list[str]] = defaultdict(list)
    for term in sorted(terms, key=attrgetter("start_date", "term_id")):
        of_calendar[term.calendar_id].append(term.term_id)
    whole_year = [school_year_session(year)]
    for section in map(Section._make, rows):
        file.write({"sourcedId": section.section_id,
                    "title": f"{section.course_name} {section.number}",
                    "courseSourcedId": section.course_id, "classCode": section.number,
                    "classType": "scheduled", "location": section.room,
                    "schoolSourcedId": section.school_id,
                    "termSourcedIds": ",".join(of_calendar.get(section.calendar_id)
                                               or whole_year)})


def _write_enrollments(file: _File, rows: Iterable[tuple]) -> tuple[int, list[BundleProblem]]:
    """Each schedule of a student in users.csv; the others left out and counted.  The sourcedId
    `{section_id}:{student_id}` can name two schedules only when an id holds a colon: only
    those are remembered, to find such a pair."""
    left_out = 0
    with_colons: dict[str, Schedule] = {}
    problems = []
    for schedule in map(Schedule._make, rows):
        if not schedule.is_user:
            left_out += 1
            continue
        sourced_id = f"{schedule.section_id}:{schedule.student_id}"
        if ":" in schedule.section_id or ":" in schedule.student_id:
            other = with_colons.setdefault(sourced_id, schedule)
            if other is not schedule:
                problems.append(BundleProblem(
                    "enrollments.csv", None, "sourcedId",
                    f"{sourced_id!r} names both student {other.student_id!r} in section "
                    f"{other.section_id!r} and student {schedule.student_id!r} in section "
                    f"{schedule.section_id!r}"))
        file.write({"sourcedId": sourced_id, "classSourcedId": schedule.section_id,
                    "schoolSourcedId": schedule.school_id, "userSourcedId": schedule.student_id,
                    "role": "student", "primary": "false", "beginDate": schedule.start_date,
                    "endDate": schedule.end_date})
    return left_out, problems


def _write_manifest(file: _File, written: set[str], version: str) -> None:
    file.write({"propertyName": "manifest.version", "value": MANIFEST_VERSION})
    file.write({"propertyName": "oneroster.version", "value": ONEROSTER_VERSION})
    for name in MANIFEST_FILES:
        file.write({"propertyName": f"file.{name}",
                    "value": "bulk" if f"{name}.csv" in written else "absent"})
    file.write({"propertyName": "source.systemName", "value": SYSTEM_NAME})
    file.write({"propertyName": "source.systemCode", "value": version})
    file.close()


class _File:
    """One CSV file, opened (its header written) by `open()` or its first row; a file that is
    never opened is not written."""

    def __init__(self, folder: Path, name: str):
        self.name = name
        self.path = folder / name
        self.header = HEADERS[name]
        self.position = {column: i for i, column in enumerate(self.header)}
        self.rows = 0
        self.written = False
        self._handle = self._writer = None

    def open(self) -> None:
        if not self.written:
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(self.header)
            self.written = True

    def write(self, cells: dict[str, object]) -> None:
        """A row from its cells by column name; the columns not named are empty."""
        self.open()
        row: list[object] = [None] * len(self.header)
        for column, value in cells.items():
            row[self.position[column]] = (value.isoformat() if isinstance(value, dt.date)
                                          else value)
        self._writer.writerow(row)
        self.rows += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class _Counter:
    """Counts the rows read from the streams, reporting progress every PROGRESS_EVERY."""

    def __init__(self, progress: Progress, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, rows: Iterable[tuple]) -> Iterable[tuple]:
        for row in rows:
            self.done += 1
            if self.done % PROGRESS_EVERY == 0:
                self.progress("exporting", self.done, max(self.total, self.done))
            yield row

    def finish(self) -> None:
        self.progress("exporting", self.done, max(self.total, self.done))

"""Schools, calendars, schedule structures and grade levels, as the rules read them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

ONE_DAY = dt.timedelta(days=1)
SATURDAY = 5


@dataclass(frozen=True, slots=True)
class School:
    school_id: str
    name: str
    next_school_id: str | None = None


@dataclass(frozen=True, slots=True)
class GradeLevel:
    grade: str
    sequence: int
    state_grade: str | None = None
    requires_student_assignment: bool = False


@dataclass(slots=True)
class Structure:
    structure_id: str
    calendar_id: str
    name: str
    grades: dict[str, GradeLevel] = field(default_factory=dict)
    # The last day of each term schedule (RF-2), and the first day of its first term (RF-17).
    term_schedule_ends: dict[str, dt.date] = field(default_factory=dict)
    first_term_start: dt.date | None = None
    _by_sequence: dict[int, GradeLevel] | None = None

    def add_grade(self, level: GradeLevel) -> None:
        self.grades[level.grade] = level
        self._by_sequence = None

    def grade_with_sequence(self, sequence: int) -> GradeLevel | None:
        """The grade offered at a sequence; with several (a broken series), the lowest code."""
        if self._by_sequence is None:
            self._by_sequence = {}
            for level in sorted(self.grades.values(), key=lambda g: g.grade, reverse=True):
                self._by_sequence[level.sequence] = level
        return self._by_sequence.get(sequence)

    def offers(self, sequence: int) -> bool:
        return self.grade_with_sequence(sequence) is not None


@dataclass(slots=True)
class Calendar:
    calendar_id: str
    school_id: str
    school_year: int
    name: str
    start_date: dt.date
    end_date: dt.date
    requires_student_assignment: bool = False
    structures: dict[str, Structure] = field(default_factory=dict)  # by structure_id
    first_instructional_day: dt.date | None = None
    # Of its last term (`last_instructional_day` below); set where the calendar's days are read.
    last_instructional_day: dt.date | None = None

    def structures_named(self, name: str) -> list[Structure]:
        return [s for s in self.structures.values() if s.name == name]

    def offers(self, sequence: int) -> bool:
        return any(s.offers(sequence) for s in self.structures.values())

    def last_term_ends(self) -> set[dt.date]:
        """The last day of the last term of every term schedule of every structure (RF-2)."""
        return {end for s in self.structures.values() for end in s.term_schedule_ends.values()}

    @property
    def has_days_or_terms(self) -> bool:
        return self.first_instructional_day is not None or any(
            s.first_term_start is not None for s in self.structures.values())


def last_term_end(calendar: Calendar) -> dt.date:
    """The last day of the last term: the latest term end among all term schedules of every
    structure of the calendar; a calendar without terms ends on its end date."""
    return max(calendar.last_term_ends(), default=calendar.end_date)


def last_instructional_day(calendar: Calendar) -> dt.date:
    """The last instructional day of the calendar's last term: as its days were read into it
    (`last_instructional_day`), else worked out as if it stored no days."""
    return calendar.last_instructional_day or school_day_on_or_before(last_term_end(calendar), {})


def school_day_on_or_before(day: dt.date, days: Mapping[dt.date, bool]) -> dt.date:
    """The last school day on or before `day`, from a calendar's stored days (date ->
    instructional): step back over every day stored as not instructional and every Saturday
    and Sunday not stored.  A weekday not stored counts as a school day (a calendar may store
    only some of its days, or none)."""
    while True:
        stored = days.get(day)
        if stored or (stored is None and day.weekday() < SATURDAY):
            return day
        day -= ONE_DAY

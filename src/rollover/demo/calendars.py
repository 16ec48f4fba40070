"""Calendars, schedule structures, terms, days and grade levels of both school years.

Dates depend only on the school year and the school's level (and on the Academy structure), so
they are worked out once per level and year and shared by every calendar of that kind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from .places import Places, School
from .shape import (
    ACADEMY, ACADEMY_EXTRA_DAYS, DROP_WINDOW, ELEMENTARY, FIRST_TERM_DAY_NOT_BEFORE,
    FIRST_TERM_DAY_OFFSET, HIGH, LAST_TERM_DAY_NOT_AFTER, LEVEL_GRADES, MAIN, PK, SEQUENCE,
    TEACHER_WORK_DAYS, TERM_SCHEDULES, UG, WINTER_BREAK,
)

ONE_DAY = dt.timedelta(days=1)
MONDAY, THURSDAY, FRIDAY, SATURDAY = 0, 3, 4, 5


@dataclass(frozen=True)
class Term:
    schedule: str
    code: str  # e.g. "S1"; the term id is the structure id + "-" + code
    name: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Structure:
    structure_id: str
    name: str
    grades: tuple[str, ...]
    terms: tuple[Term, ...]
    first_day: dt.date  # the first day of its first term: the first instructional day
    last_day: dt.date  # the last day of its last term


@dataclass(frozen=True)
class Calendar:
    calendar_id: str
    school: School
    school_year: int
    start: dt.date
    end: dt.date
    structures: tuple[Structure, ...]
    days: tuple[tuple[dt.date, bool], ...]  # shared with every calendar of the same dates
    drop_days: tuple[dt.date, ...]  # instructional days of the mid-year window, in order
    instructional_days: tuple[dt.date, ...]  # in order

    @property
    def main(self) -> Structure:
        return self.structures[0]

    def row(self) -> tuple:
        name = f"{self.school_year - 1}-{self.school_year % 100:02d} {self.school.name}"
        return (self.calendar_id, self.school.school_id, self.school_year, name, self.start,
                self.end, False)


def calendar_id(school_year: int, school_id: str) -> str:
    return f"{school_year}-{school_id}"


def first_term_day(level: str, school_year: int) -> dt.date:
    month, day = FIRST_TERM_DAY_NOT_BEFORE
    date = dt.date(school_year - 1, month, day)
    date += dt.timedelta(days=(MONDAY - date.weekday()) % 7)
    return date + dt.timedelta(days=FIRST_TERM_DAY_OFFSET[level])


def last_term_day(school_year: int) -> dt.date:
    month, day = LAST_TERM_DAY_NOT_AFTER
    date = dt.date(school_year, month, day)
    return date - dt.timedelta(days=(date.weekday() - FRIDAY) % 7)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def last_weekday(year: int, month: int, weekday: int) -> dt.date:
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last = next_month - ONE_DAY
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


@lru_cache(maxsize=None)
def holidays(school_year: int) -> frozenset[dt.date]:
    """Labor Day, Thanksgiving Thursday and Friday, winter break, MLK Day, Memorial Day."""
    fall = school_year - 1
    thanksgiving = nth_weekday(fall, 11, THURSDAY, 4)
    days = {nth_weekday(fall, 9, MONDAY, 1), thanksgiving, thanksgiving + ONE_DAY,
            nth_weekday(school_year, 1, MONDAY, 3), last_weekday(school_year, 5, MONDAY)}
    (from_month, from_day), (to_month, to_day) = WINTER_BREAK
    date, last = dt.date(fall, from_month, from_day), dt.date(school_year, to_month, to_day)
    while date <= last:
        days.add(date)
        date += ONE_DAY
    return frozenset(days)


@lru_cache(maxsize=None)
def term_dates(level: str, school_year: int, academy: bool) -> tuple[Term, ...]:
    """Every term of every term schedule of the level, each schedule splitting the year evenly.

    Terms end on a Friday and the next starts on the Monday after.  Academy's last terms end a
    week later than Main's.
    """
    first, last = first_term_day(level, school_year), last_term_day(school_year)
    terms: list[Term] = []
    for schedule, prefix, term_names in TERM_SCHEDULES[level]:
        spans = even_split(first, last, len(term_names))
        for position, (name, (start, end)) in enumerate(zip(term_names, spans), start=1):
            if position == len(term_names):
                end += dt.timedelta(days=ACADEMY_EXTRA_DAYS if academy else 0)
            terms.append(Term(schedule, f"{prefix}{position}", name, start, end))
    return tuple(terms)


def even_split(first: dt.date, last: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
    """`count` spans from `first` to `last`, as even as can be: each but the last ends on the
    Friday on or before its share, and the next starts the Monday after."""
    spans = []
    start = first
    for position in range(1, count + 1):
        if position == count:
            end = last
        else:
            split = first + (last - first) * position / count
            end = split - dt.timedelta(days=(split.weekday() - FRIDAY) % 7)
        spans.append((start, end))
        start = end + dt.timedelta(days=3)  # the Monday after a Friday
    return spans


@lru_cache(maxsize=None)
def calendar_days(level: str, school_year: int, academy: bool
                  ) -> tuple[tuple[tuple[dt.date, bool], ...], tuple[dt.date, ...],
                             tuple[dt.date, ...]]:
    """Every weekday of the calendar with its instructional flag; the mid-year drop days; and
    every instructional day."""
    first = first_term_day(level, school_year)
    start = first
    for _ in range(TEACHER_WORK_DAYS):
        start -= ONE_DAY
        while start.weekday() >= SATURDAY:
            start -= ONE_DAY
    end = max(t.end for t in term_dates(level, school_year, academy))
    off = holidays(school_year)
    (from_month, from_day), (to_month, to_day) = DROP_WINDOW
    window_start = dt.date(school_year - 1, from_month, from_day)
    window_end = dt.date(school_year, to_month, to_day)
    days: list[tuple[dt.date, bool]] = []
    drop_days: list[dt.date] = []
    date = start
    while date <= end:
        if date.weekday() < SATURDAY:
            instructional = date >= first and date not in off
            days.append((date, instructional))
            if instructional and window_start <= date <= window_end:
                drop_days.append(date)
        date += ONE_DAY
    instructional_days = tuple(date for date, instructional in days if instructional)
    return tuple(days), tuple(drop_days), instructional_days


def grades_offered(school: School) -> tuple[str, ...]:
    grades = LEVEL_GRADES[school.level]
    if school.level == ELEMENTARY and school.index == 0:
        return (PK, *grades)
    if school.level == HIGH:
        return (*grades, UG)
    return grades


def build_calendar(school: School, school_year: int) -> Calendar:
    cal_id = calendar_id(school_year, school.school_id)
    grades = grades_offered(school)
    structure_names = [MAIN]
    if school.level == HIGH and school.index == 0:
        structure_names.append(ACADEMY)
    structures = []
    for number, name in enumerate(structure_names, start=1):
        terms = term_dates(school.level, school_year, name == ACADEMY)
        structures.append(Structure(f"{cal_id}-{number}", name, grades, terms, terms[0].start,
                                    max(t.end for t in terms)))
    days, drop_days, instructional_days = calendar_days(school.level, school_year,
                                                        len(structure_names) > 1)
    return Calendar(cal_id, school, school_year, days[0][0], days[-1][0], tuple(structures), days,
                    drop_days, instructional_days)


@dataclass(frozen=True)
class Calendars:
    source_year: int
    all: tuple[Calendar, ...]  # in calendar_id order: every source-year one, then next-year ones
    source: dict[str, Calendar]  # by school id
    next: dict[str, Calendar]  # by school id

    def calendar_rows(self) -> list[tuple]:
        return [c.row() for c in self.all]

    def structure_rows(self) -> list[tuple]:
        return [(s.structure_id, c.calendar_id, s.name) for c in self.all for s in c.structures]

    def term_rows(self) -> list[tuple]:
        rows = [(f"{s.structure_id}-{t.code}", s.structure_id, t.schedule, t.name, t.start, t.end)
                for c in self.all for s in c.structures for t in s.terms]
        rows.sort()
        return rows

    @staticmethod
    def day_rows(calendar: Calendar) -> list[tuple]:
        cal_id = calendar.calendar_id
        return [(cal_id, date, instructional) for date, instructional in calendar.days]

    @staticmethod
    def grade_level_rows(calendar: Calendar) -> list[tuple]:
        rows = [(calendar.calendar_id, s.structure_id, grade, SEQUENCE[grade], grade, False)
                for s in calendar.structures for grade in s.grades]
        rows.sort()
        return rows


def build_calendars(places: Places, source_year: int) -> Calendars:
    source = {s.school_id: build_calendar(s, source_year) for s in places.schools}
    upcoming = {s.school_id: build_calendar(s, source_year + 1) for s in places.schools}
    everything = sorted((*source.values(), *upcoming.values()), key=lambda c: c.calendar_id)
    return Calendars(source_year, tuple(everything), source, upcoming)


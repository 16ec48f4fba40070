"""The readiness check (YE-1): everything that would make the roll from a school year go wrong.

Pure: the catalog (schools, calendars, structures, grades), the enrollments of the source year,
the school boundary rows and, where the district has school attendance areas, the areas and the
students of its households in; a sorted list of findings out.  No database, no printing.

The enrollments are streamed: `check_readiness` reads them once, one student at a time (the
rows of a student must come together, e.g. ordered by student id), and keeps nothing of a
student once the next one starts; the households likewise, one household at a time (their
points looked up in the areas beforehand, all at once: `school_areas`).  The catalog, the
boundary rows and the areas are small.

Every finding has a code (below), a severity (`error` blocks a real rollover, `warning` does
not), a message and the records involved: {"calendar_id": [...], "enrollment_id": [...], ...},
each list sorted.  docs/check.md describes each code and what to do about it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from .areas import Area, AreaGeometryError, Areas, area_geometry
from .calendars import Calendar, Structure
from .forward.place import target_sequence
from .people import normalise
from .snapshot import Catalog

ERROR, WARNING = "error", "warning"

# Errors: the roll would place students wrongly, or could not place them at all.
SEQUENCE_SERIES_BROKEN = "SEQUENCE_SERIES_BROKEN"
STATE_GRADE_SERIES_BROKEN = "STATE_GRADE_SERIES_BROKEN"
NEXT_CALENDAR_WRONG_YEAR = "NEXT_CALENDAR_WRONG_YEAR"
NEXT_STRUCTURE_NOT_IN_CALENDAR = "NEXT_STRUCTURE_NOT_IN_CALENDAR"
NEXT_GRADE_NOT_OFFERED = "NEXT_GRADE_NOT_OFFERED"
NEXT_YEAR_CALENDAR_WITHOUT_GRADES = "NEXT_YEAR_CALENDAR_WITHOUT_GRADES"
# Warnings: worth a look before the roll; they do not block it.
GRADE_WITHOUT_STATE_GRADE = "GRADE_WITHOUT_STATE_GRADE"
DUPLICATE_SEQUENCE = "DUPLICATE_SEQUENCE"
NO_NEXT_YEAR_CALENDAR = "NO_NEXT_YEAR_CALENDAR"
NEXT_YEAR_CALENDAR_WITHOUT_DAYS_OR_TERMS = "NEXT_YEAR_CALENDAR_WITHOUT_DAYS_OR_TERMS"
NEXT_FIELDS_WITHOUT_CALENDAR = "NEXT_FIELDS_WITHOUT_CALENDAR"
RETAIN_DEMOTE_ON_ENDED = "RETAIN_DEMOTE_ON_ENDED"
ACTIVE_WITH_LATER_ENROLLMENT = "ACTIVE_WITH_LATER_ENROLLMENT"
BOUNDARY_OVERLAP = "BOUNDARY_OVERLAP"
HOUSEHOLD_OUTSIDE_AREAS = "HOUSEHOLD_OUTSIDE_AREAS"
HOUSEHOLD_IN_SEVERAL_AREAS = "HOUSEHOLD_IN_SEVERAL_AREAS"
HOUSEHOLD_WITHOUT_LOCATION = "HOUSEHOLD_WITHOUT_LOCATION"

SEVERITY = {
    SEQUENCE_SERIES_BROKEN: ERROR,
    STATE_GRADE_SERIES_BROKEN: ERROR,
    NEXT_CALENDAR_WRONG_YEAR: ERROR,
    NEXT_STRUCTURE_NOT_IN_CALENDAR: ERROR,
    NEXT_GRADE_NOT_OFFERED: ERROR,
    NEXT_YEAR_CALENDAR_WITHOUT_GRADES: ERROR,
    GRADE_WITHOUT_STATE_GRADE: WARNING,
    DUPLICATE_SEQUENCE: WARNING,
    NO_NEXT_YEAR_CALENDAR: WARNING,
    NEXT_YEAR_CALENDAR_WITHOUT_DAYS_OR_TERMS: WARNING,
    NEXT_FIELDS_WITHOUT_CALENDAR: WARNING,
    RETAIN_DEMOTE_ON_ENDED: WARNING,
    ACTIVE_WITH_LATER_ENROLLMENT: WARNING,
    BOUNDARY_OVERLAP: WARNING,
    HOUSEHOLD_OUTSIDE_AREAS: WARNING,
    HOUSEHOLD_IN_SEVERAL_AREAS: WARNING,
    HOUSEHOLD_WITHOUT_LOCATION: WARNING,
}
CODES = tuple(SEVERITY)

ENDED_ACTIONS = ("retain", "demote")
_ACTION_EFFECT = {"retain": "in the same grade", "demote": "one grade down"}
_SHOWN_IDS = 5  # ids named in a message; the records list every one


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: str
    message: str
    records: dict[str, tuple]  # record kind -> sorted ids

    def as_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "records": {kind: list(ids) for kind, ids in self.records.items()}}

    def sort_key(self):
        """Errors first, then by code, then by the records involved."""
        return (0 if self.severity == ERROR else 1, self.code,
                tuple(self.records.items()), self.message)


def finding(code: str, message: str, **records: Iterable) -> Finding:
    """A finding of a code (its severity is the code's), ids deduplicated and sorted."""
    return Finding(code, SEVERITY[code], message,
                   {kind: tuple(sorted(set(ids))) for kind, ids in sorted(records.items())
                    if ids is not None})


class CheckEnrollment(NamedTuple):
    """The columns of an enrollment the check reads (a store row in this order will do)."""

    enrollment_id: str
    student_id: str
    calendar_id: str
    structure_id: str
    start_date: dt.date
    end_date: dt.date | None
    end_action: str | None
    next_calendar_id: str | None
    next_structure_id: str | None
    next_grade: str | None


class CheckBoundary(NamedTuple):
    """A school boundary row (no program) with the key it is stored under."""

    boundary_key: int
    school_id: str
    street: str
    city: str | None
    zip: str | None
    low_number: int
    high_number: int
    side: str  # "odd", "even" or "both"
    resides: bool | None


class CheckMember(NamedTuple):
    """A student of a primary household with one of the student's enrollments of the year (a
    store row in this order will do)."""

    household_id: str
    latitude: float | None
    longitude: float | None
    student_id: str
    last_name: str
    first_name: str
    calendar_id: str
    structure_id: str
    grade: str
    end_date: dt.date | None
    end_action: str | None
    next_calendar_id: str | None


def check_readiness(catalog: Catalog, year: int, enrollments: Iterable[tuple],
                    boundaries: Iterable[tuple], areas: Areas | None = None,
                    households: Iterable[tuple] = ()) -> list[Finding]:
    """Every finding about rolling school year `year` into `year + 1`, sorted (errors first,
    then by code, then by records).

    `enrollments`: the enrollments of the calendars of `year`, as `CheckEnrollment` tuples (or
    rows in that column order), the rows of one student together; every one, or at least those
    the enrollment findings look at (see `_enrollments`).  `boundaries`: the school
    boundary rows, as `CheckBoundary` tuples.  `areas`: the schools' attendance areas
    (`school_areas`); `households`: the students of every primary household with their
    enrollments of `year`, as `CheckMember` rows, the rows of one household together (read only
    when there are areas)."""
    findings: list[Finding] = []
    findings += _grade_series(catalog, year)
    findings += _calendars(catalog, year)
    findings += _enrollments(catalog, year, enrollments)
    findings += _boundary_overlaps(catalog, year, boundaries)
    if areas:
        findings += _households_and_areas(catalog, year, areas, households)
    findings.sort(key=Finding.sort_key)
    return findings


def summary(year: int, findings: list[Finding]) -> dict:
    """The check's report object (the stored report; `check --json` adds the run id first)."""
    errors = sum(1 for f in findings if f.severity == ERROR)
    return {"year": year, "errors": errors, "warnings": len(findings) - errors,
            "findings": [f.as_dict() for f in findings]}


def school_year_label(year: int) -> str:
    """2027 -> "2026-27"."""
    return f"{year - 1}-{year % 100:02d}"


# -- grades ------------------------------------------------------------------------------------
def _levels(catalog: Catalog, years):
    """(calendar, structure, grade level) of every grade of the calendars of these years."""
    for calendar in sorted(catalog.calendars.values(), key=lambda c: c.calendar_id):
        if calendar.school_year in years:
            for structure in calendar.structures.values():
                for level in structure.grades.values():
                    yield calendar, structure, level


def _grade_series(catalog: Catalog, year: int) -> Iterator[Finding]:
    """One district-wide series over the source and the next year: a grade code has one
    sequence everywhere, and so has a state grade; every grade has a state grade; a next-year
    structure offers one grade per (non-zero) sequence."""
    by_grade: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    by_state: dict[str, dict[int, dict[str, set[str]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(set)))
    no_state: dict[str, set[str]] = defaultdict(set)
    for calendar, _structure, level in _levels(catalog, (year, year + 1)):
        by_grade[level.grade][level.sequence].add(calendar.calendar_id)
        if level.state_grade:
            by_state[level.state_grade][level.sequence][level.grade].add(calendar.calendar_id)
        else:
            no_state[level.grade].add(calendar.calendar_id)

    for grade, sequences in by_grade.items():
        if len(sequences) > 1:
            parts = [f"sequence {sequence} in {_calendars_named(ids)}"
                     for sequence, ids in sorted(sequences.items())]
            yield finding(SEQUENCE_SERIES_BROKEN,
                          f"grade {grade!r} has {_and(parts)}: one grade must have one "
                          f"sequence in every calendar of {year} and {year + 1}",
                          grade=[grade], calendar_id=_union(sequences.values()))
    for state_grade, sequences in by_state.items():
        grades = {g for per_grade in sequences.values() for g in per_grade}
        if len(sequences) > 1 and len(grades) > 1:  # one grade code: SEQUENCE_SERIES_BROKEN
            parts = []
            for sequence, per_grade in sorted(sequences.items()):
                where = [f"grade {g!r} in {_calendars_named(ids)}"
                         for g, ids in sorted(per_grade.items())]
                parts.append(f"sequence {sequence} ({_and(where)})")
            yield finding(STATE_GRADE_SERIES_BROKEN,
                          f"state grade {state_grade!r} has {_and(parts)}: the grades of one "
                          "state grade must have one sequence",
                          state_grade=[state_grade], grade=grades,
                          calendar_id=_union(ids for per_grade in sequences.values()
                                             for ids in per_grade.values()))
    for grade, ids in no_state.items():
        yield finding(GRADE_WITHOUT_STATE_GRADE,
                      f"grade {grade!r} has no state grade in {_calendars_named(ids)}",
                      grade=[grade], calendar_id=ids)

    for calendar, structure in _structures(catalog, year + 1):
        by_sequence: dict[int, list[str]] = defaultdict(list)
        for level in structure.grades.values():
            if level.sequence != 0:
                by_sequence[level.sequence].append(level.grade)
        for sequence, grades in sorted(by_sequence.items()):
            if len(grades) > 1:
                grades.sort()
                yield finding(DUPLICATE_SEQUENCE,
                              f"structure {structure.structure_id!r} ({structure.name}) of "
                              f"calendar {calendar.calendar_id!r} offers grades "
                              f"{_and([repr(g) for g in grades])} with sequence {sequence}: "
                              f"students rolling to sequence {sequence} go into {grades[0]!r} "
                              "(the lowest code)",
                              calendar_id=[calendar.calendar_id],
                              structure_id=[structure.structure_id], grade=grades)


def _structures(catalog: Catalog, year: int) -> Iterator[tuple[Calendar, Structure]]:
    for calendar in sorted(catalog.calendars_of_year(year), key=lambda c: c.calendar_id):
        for structure_id in sorted(calendar.structures):
            yield calendar, calendar.structures[structure_id]


# -- calendars ---------------------------------------------------------------------------------
def _calendars(catalog: Catalog, year: int) -> Iterator[Finding]:
    """Every source calendar's school has a next-year calendar; every next-year calendar has
    grades, and days or terms to start the new enrollments on."""
    next_year = catalog.calendars_by_school(year + 1)
    for calendar in catalog.calendars_of_year(year):
        if calendar.school_id not in next_year:
            yield finding(NO_NEXT_YEAR_CALENDAR,
                          f"school {_school(catalog, calendar.school_id)} has no calendar in "
                          f"{year + 1} ({school_year_label(year + 1)}): the students of "
                          f"calendar {calendar.calendar_id!r} cannot stay at their school, only "
                          "move by next-calendar fields, boundaries or the feeder school",
                          calendar_id=[calendar.calendar_id], school_id=[calendar.school_id])
    for calendar in catalog.calendars_of_year(year + 1):
        school = _school(catalog, calendar.school_id)
        if not any(s.grades for s in calendar.structures.values()):
            yield finding(NEXT_YEAR_CALENDAR_WITHOUT_GRADES,
                          f"next-year calendar {calendar.calendar_id!r} of school {school} has "
                          "no grade levels: no student can roll into it",
                          calendar_id=[calendar.calendar_id], school_id=[calendar.school_id])
        if not calendar.has_days_or_terms:
            yield finding(NEXT_YEAR_CALENDAR_WITHOUT_DAYS_OR_TERMS,
                          f"next-year calendar {calendar.calendar_id!r} of school {school} has "
                          "neither instructional days nor terms: a roll forward into it is "
                          "refused unless it is given a start date",
                          calendar_id=[calendar.calendar_id], school_id=[calendar.school_id])


# -- enrollments -------------------------------------------------------------------------------
# What the enrollment findings look at, and so what a read of the enrollments may leave out: an
# enrollment naming a next-year field (NEXT_*), one ended as retained or demoted
# (RETAIN_DEMOTE_ON_ENDED), and the enrollments of a student with several in the year
# (ACTIVE_WITH_LATER_ENROLLMENT).  A student whose one enrollment is none of these has no
# finding here; store/readiness.py reads only the others (one in seven of the demo district).
def _enrollments(catalog: Catalog, year: int, rows: Iterable[tuple]) -> Iterator[Finding]:
    structures = {s.structure_id: s for c in catalog.calendars.values()
                  for s in c.structures.values()}
    for _student, group in groupby(rows, key=itemgetter(1)):
        enrollments = list(group)
        for e in enrollments:
            (enrollment_id, student_id, calendar_id, _structure_id, _start, end, action,
             next_calendar_id, next_structure_id, next_grade) = e
            if next_calendar_id or next_structure_id or next_grade:
                yield from _next_fields(catalog, structures, year, e)
            if end is not None and action in ENDED_ACTIONS:
                calendar = catalog.calendars.get(calendar_id)
                if calendar is not None and end in calendar.last_term_ends():
                    effect = ("the last day of a term schedule: it rolls only with "
                              "include-last-day-enders, then " + _ACTION_EFFECT[action])
                else:
                    effect = "it does not roll, so the flag has no effect"
                yield finding(RETAIN_DEMOTE_ON_ENDED,
                              f"enrollment {enrollment_id!r} of student {student_id!r} in "
                              f"calendar {calendar_id!r} ended on {end.isoformat()} but is "
                              f"marked {action} ({effect})",
                              enrollment_id=[enrollment_id], student_id=[student_id],
                              calendar_id=[calendar_id])
        if len(enrollments) > 1:
            yield from _later_elsewhere(enrollments)


def _later_elsewhere(enrollments: list[tuple]) -> Iterator[Finding]:
    """An active enrollment of a student who also has an enrollment with a later start date in
    another calendar of the year: an exit recorded elsewhere, but no end date here."""
    for active in enrollments:
        if active[5] is not None:
            continue
        later = [e for e in enrollments if e[2] != active[2] and e[4] > active[4]]
        if later:
            later.sort(key=lambda e: (e[4], e[0]))
            named = _and([f"{e[0]!r} in calendar {e[2]!r} from {e[4].isoformat()}"
                          for e in later])
            yield finding(ACTIVE_WITH_LATER_ENROLLMENT,
                          f"enrollment {active[0]!r} of student {active[1]!r} in calendar "
                          f"{active[2]!r} (from {active[4].isoformat()}) has no end date, but "
                          f"the student has a later enrollment elsewhere: {named}",
                          enrollment_id=[active[0], *(e[0] for e in later)],
                          student_id=[active[1]],
                          calendar_id=[active[2], *(e[2] for e in later)])


def _next_fields(catalog: Catalog, structures: dict[str, Structure], year: int,
                 e: tuple) -> Iterator[Finding]:
    """The next calendar is one of `year + 1`; the next structure and grade are its own."""
    (enrollment_id, student_id, calendar_id, structure_id, _start, _end, _action,
     next_calendar_id, next_structure_id, next_grade) = e
    who = f"enrollment {enrollment_id!r} of student {student_id!r} in calendar {calendar_id!r}"
    ids = {"enrollment_id": [enrollment_id], "student_id": [student_id]}
    if not next_calendar_id:
        fields = []
        if next_structure_id:
            fields.append(f"next structure {next_structure_id!r}")
        if next_grade:
            fields.append(f"next grade {next_grade!r}")
        yield finding(NEXT_FIELDS_WITHOUT_CALENDAR,
                      f"{who} names {_and(fields)} but no next calendar: the roll forward ignores "
                      "them", calendar_id=[calendar_id], **ids)
        return
    target = catalog.calendars.get(next_calendar_id)
    calendars = [calendar_id, next_calendar_id]
    if target is None or target.school_year != year + 1:
        actual = "which is not a calendar" if target is None else (
            f"of school year {target.school_year}")
        yield finding(NEXT_CALENDAR_WRONG_YEAR,
                      f"{who} names next calendar {next_calendar_id!r}, {actual}, not "
                      f"{year + 1}: the roll forward would place the student nowhere",
                      calendar_id=calendars, **ids)
        return
    structure = None
    if next_structure_id:
        structure = target.structures.get(next_structure_id)
        if structure is None:
            owner = structures.get(next_structure_id)
            where = f" (it belongs to calendar {owner.calendar_id!r})" if owner else ""
            yield finding(NEXT_STRUCTURE_NOT_IN_CALENDAR,
                          f"{who} names next structure {next_structure_id!r}, which is not a "
                          f"structure of its next calendar {next_calendar_id!r}{where}",
                          calendar_id=calendars, structure_id=[next_structure_id], **ids)
    elif next_grade:
        # RF-6: the structure of the source structure's name, else the calendar's only one.
        source = structures.get(structure_id)
        named = [s for s in target.structures.values() if source and s.name == source.name]
        if len(named) == 1:
            structure = named[0]
        elif len(target.structures) == 1:
            structure = next(iter(target.structures.values()))
    if next_grade:
        if structure is not None:
            offered = next_grade in structure.grades
            where = f"structure {structure.structure_id!r} of calendar {next_calendar_id!r}"
        else:
            offered = any(next_grade in s.grades for s in target.structures.values())
            where = f"calendar {next_calendar_id!r}"
        if not offered:
            yield finding(NEXT_GRADE_NOT_OFFERED,
                          f"{who} names next grade {next_grade!r}, which {where} does not "
                          "offer",
                          calendar_id=calendars, grade=[next_grade],
                          structure_id=[structure.structure_id] if structure else None, **ids)


# -- boundaries --------------------------------------------------------------------------------
def _boundary_overlaps(catalog: Catalog, year: int, rows: Iterable[tuple]) -> Iterator[Finding]:
    """School boundary rows of the same street, city and zip whose numbers overlap on a side
    they share, of two schools that offer a grade in common: one address, two schools."""
    offered = _offered_sequences(catalog, year)
    streets: dict[tuple[str, str, str], list[CheckBoundary]] = defaultdict(list)
    for row in rows:
        row = CheckBoundary(*row)
        streets[(normalise(row.street), normalise(row.city), normalise(row.zip))].append(row)
    for street_rows in streets.values():
        if len(street_rows) < 2:
            continue
        street_rows.sort(key=lambda r: (r.low_number, r.boundary_key))
        open_rows: list[CheckBoundary] = []
        for row in street_rows:  # a sweep by low number: only rows still open can overlap
            open_rows = [r for r in open_rows if r.high_number >= row.low_number]
            for earlier in open_rows:
                if earlier.school_id == row.school_id:
                    continue
                shared = _shared_numbers(earlier, row)
                grades = (offered.get(earlier.school_id, {}).keys()
                          & offered.get(row.school_id, {}).keys())
                if shared and grades:
                    yield _overlap(catalog, earlier, row, shared, grades, offered)
            open_rows.append(row)


def _offered_sequences(catalog: Catalog, year: int) -> dict[str, dict[int, set[str]]]:
    """school -> graded sequence -> grade codes, offered in `year + 1`, or in `year` by a school
    with no calendar in `year + 1`.  Ungraded levels (sequence 0) are never placed by boundary
    and are left out."""
    offered: dict[str, dict[int, set[str]]] = {}
    for y in (year + 1, year):
        per_school: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
        for calendar, _structure, level in _levels(catalog, (y,)):
            if level.sequence != 0:
                per_school[calendar.school_id][level.sequence].add(level.grade)
        for school_id, sequences in per_school.items():
            offered.setdefault(school_id, sequences)
    return offered


def _shared_numbers(a: CheckBoundary, b: CheckBoundary) -> tuple[int, int, str] | None:
    """The numbers both rows hold: (low, high, side), or None."""
    low, high = max(a.low_number, b.low_number), min(a.high_number, b.high_number)
    sides = {a.side, b.side} - {"both"}
    if low > high or len(sides) > 1:
        return None
    if not sides:
        return low, high, "both"
    side = sides.pop()
    parity = 1 if side == "odd" else 0
    if low % 2 != parity:
        low += 1
    if high % 2 != parity:
        high -= 1
    return (low, high, side) if low <= high else None


def _overlap(catalog, a: CheckBoundary, b: CheckBoundary, shared, sequences, offered) -> Finding:
    low, high, side = shared
    codes: list[str] = []
    for sequence in sorted(sequences):
        for code in sorted(offered[a.school_id][sequence] | offered[b.school_id][sequence]):
            if code not in codes:
                codes.append(code)
    numbers = f"{low}" if low == high else f"{low}-{high}"
    where = f"{a.street}, {' '.join(p for p in (a.city, a.zip) if p)}".rstrip(", ")

    def described(r: CheckBoundary) -> str:
        resides = ", marked resides" if r.resides else ""
        return (f"{_school(catalog, r.school_id)} ({r.low_number}-{r.high_number} {r.side}"
                f"{resides})")

    marked = [r for r in (a, b) if r.resides]
    note = ""
    if marked:
        note = (f"; the row of {_and([repr(r.school_id) for r in marked])} "
                f"{'is' if len(marked) == 1 else 'are'} marked resides")
    return finding(BOUNDARY_OVERLAP,
                   f"boundary rows of {described(a)} and {described(b)} overlap on {where} at "
                   f"numbers {numbers} ({side}): an address there belongs to both schools for "
                   f"grades {', '.join(codes)}{note}",
                   boundary_key=[a.boundary_key, b.boundary_key],
                   school_id=[a.school_id, b.school_id])


# -- attendance areas --------------------------------------------------------------------------
def school_areas(rows: Iterable[tuple], points: Iterable[tuple[float, float]] = ()) -> Areas:
    """The schools' attendance areas of (school_id, program_id, name, low_sequence,
    high_sequence, geometry text) rows (a program's rows are left out), with the (latitude,
    longitude) points of the households looked up in them at once.  A stored geometry that
    cannot be an area raises AreaGeometryError naming the area."""
    kept = []
    for school_id, program_id, name, low, high, geometry in rows:
        if program_id is not None:
            continue
        try:
            kept.append(Area(school_id, None, name, low, high, area_geometry(geometry)))
        except AreaGeometryError as bad:
            raise AreaGeometryError(f"attendance area {name!r} of school {school_id!r}: "
                                    f"{bad}") from None
    areas = Areas(kept)
    if areas:
        areas.locate(points)
    return areas


def _households_and_areas(catalog: Catalog, year: int, areas: Areas,
                          rows: Iterable[tuple]) -> Iterator[Finding]:
    """Where the schools' areas decide (RF-14, areas), each household whose students go into a
    grade the areas serve is inside exactly one school's area for that grade: one located
    outside them all, inside the areas of several schools, or not located at all is reported.
    A student's grade next year is that of each enrollment that may roll (RF-2, last-day enders
    included) by the district's rules (not by its own next calendar, RF-6): RF-4's target."""
    codes = _grade_codes(catalog, year)
    target_of = _AreaTargets(catalog, areas)
    for household_id, group in groupby(rows, key=itemgetter(0)):
        # target sequence the areas serve -> {student_id: name} of the students going into it
        going: dict[int, dict[str, str]] = {}
        for (_, latitude, longitude, student_id, last_name, first_name, calendar_id,
             structure_id, grade, end_date, end_action, next_calendar_id) in group:
            if next_calendar_id:
                continue
            target = target_of(calendar_id, structure_id, grade, end_date, end_action)
            if target is not None:
                going.setdefault(target, {})[student_id] = (
                    f"{student_id!r} ({first_name} {last_name})")
        if not going:
            continue
        if latitude is None or longitude is None:
            yield _unlocated(household_id, going, codes)
            continue
        outside: dict[int, dict[str, str]] = {}
        several: dict[int, tuple[dict[str, str], list[Area]]] = {}
        for target, students in going.items():
            holding = areas.holding(latitude, longitude, target)
            if not holding:
                outside[target] = students
            elif len({a.school_id for a in holding}) > 1:
                several[target] = (students, holding)
        where = f"household {household_id!r} (at {latitude}, {longitude})"
        if outside:
            yield _outside(where, household_id, outside, codes)
        if several:
            yield _in_several(catalog, where, household_id, several, codes)


class _AreaTargets:
    """The graded sequence an enrollment's student goes into (RF-4) when the schools' areas
    serve it and the enrollment may roll (no end date, or the last day of a term schedule);
    else None.  Remembered: a million enrollments ask a few hundred distinct questions."""

    def __init__(self, catalog: Catalog, areas: Areas):
        self.catalog, self.areas = catalog, areas
        self._targets: dict[tuple, int | None] = {}
        self._last_days: dict[str, set[dt.date]] = {}

    def __call__(self, calendar_id: str, structure_id: str, grade: str,
                 end_date: dt.date | None, end_action: str | None) -> int | None:
        if end_date is not None:
            last_days = self._last_days.get(calendar_id)
            if last_days is None:
                calendar = self.catalog.calendars.get(calendar_id)
                last_days = self._last_days[calendar_id] = (
                    calendar.last_term_ends() if calendar else set())
            if end_date not in last_days:
                return None
        key = (calendar_id, structure_id, grade, end_action)
        if key not in self._targets:
            self._targets[key] = self._target(*key)
        return self._targets[key]

    def _target(self, calendar_id, structure_id, grade, end_action) -> int | None:
        calendar = self.catalog.calendars.get(calendar_id)
        structure = calendar.structures.get(structure_id) if calendar else None
        level = structure.grades.get(grade) if structure else None
        if level is None or level.sequence == 0:
            return None
        target = target_sequence(level, end_action)
        return target if self.areas.cover(target) else None


def _grade_codes(catalog: Catalog, year: int) -> dict[int, list[str]]:
    """sequence -> the grade codes of that sequence offered in `year + 1` (else `year`)."""
    codes: dict[int, set[str]] = {}
    for y in (year + 1, year):
        found: dict[int, set[str]] = defaultdict(set)
        for _calendar, _structure, level in _levels(catalog, (y,)):
            found[level.sequence].add(level.grade)
        for sequence, grades in found.items():
            codes.setdefault(sequence, grades)
    return {sequence: sorted(grades) for sequence, grades in codes.items()}


def _grades_named(targets, codes: dict[int, list[str]]) -> str:
    named = ["/".join(codes[t]) if t in codes else f"sequence {t}" for t in sorted(targets)]
    return f"grade{'s' if len(named) > 1 else ''} {_and(named)}"


def _students_named(going: dict[int, dict[str, str]]) -> tuple[str, list[str]]:
    """The students named for a message (`student 'S1' (Ann Doe)`, `students ...`) and their
    ids."""
    students = {sid: name for per_target in going.values() for sid, name in per_target.items()}
    ids = sorted(students)
    named = [students[sid] for sid in ids[:_SHOWN_IDS]]
    more = f" and {len(ids) - _SHOWN_IDS} more" if len(ids) > _SHOWN_IDS else ""
    return f"student{'s' if len(ids) > 1 else ''} {', '.join(named)}{more}", ids


def _outside(where: str, household_id: str, outside, codes) -> Finding:
    students, ids = _students_named(outside)
    return finding(HOUSEHOLD_OUTSIDE_AREAS,
                   f"{where} is inside no school's attendance area for "
                   f"{_grades_named(outside, codes)}, which {students} "
                   f"{'go' if len(ids) > 1 else 'goes'} into: the areas decide there, so the "
                   "roll forward finds no boundary school for them",
                   household_id=[household_id], student_id=ids, grade=_codes_of(outside, codes))


def _in_several(catalog, where: str, household_id: str, several, codes) -> Finding:
    going = {target: students for target, (students, _) in several.items()}
    students, ids = _students_named(going)
    schools = sorted({a.school_id for _, holding in several.values() for a in holding})
    areas = sorted({f"{a.name!r} of {_school(catalog, a.school_id)}"
                    for _, holding in several.values() for a in holding})
    return finding(HOUSEHOLD_IN_SEVERAL_AREAS,
                   f"{where} is inside the attendance areas {_and(areas)} for "
                   f"{_grades_named(several, codes)}, which {students} "
                   f"{'go' if len(ids) > 1 else 'goes'} into: placed by boundaries, they get "
                   "an enrollment at each of those schools",
                   household_id=[household_id], student_id=ids, school_id=schools,
                   grade=_codes_of(several, codes))


def _unlocated(household_id: str, going, codes) -> Finding:
    students, ids = _students_named(going)
    return finding(HOUSEHOLD_WITHOUT_LOCATION,
                   f"household {household_id!r} has no location, but the district has school "
                   f"attendance areas for {_grades_named(going, codes)}, which {students} "
                   f"{'go' if len(ids) > 1 else 'goes'} into: the street ranges decide "
                   "instead, else the feeder school",
                   household_id=[household_id], student_id=ids, grade=_codes_of(going, codes))


def _codes_of(targets, codes: dict[int, list[str]]) -> list[str]:
    return [code for t in targets for code in codes.get(t, ())]


# -- words -------------------------------------------------------------------------------------
def _school(catalog: Catalog, school_id: str) -> str:
    school = catalog.schools.get(school_id)
    return f"{school_id!r} ({school.name})" if school else repr(school_id)


def _calendars_named(ids) -> str:
    ids = sorted(ids)
    return f"calendar{'s' if len(ids) > 1 else ''} {_listed(ids)}"


def _listed(ids) -> str:
    ids = sorted(ids)
    shown = ", ".join(ids[:_SHOWN_IDS])
    return shown if len(ids) <= _SHOWN_IDS else f"{shown} and {len(ids) - _SHOWN_IDS} more"


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _union(sets) -> set[str]:
    return {i for ids in sets for i in ids}

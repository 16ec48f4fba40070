"""The calendar wizard (YE-10), decided purely from rows in memory.

Given a school year's calendars with their structures, terms and grade levels (rows in the
bundle's column order), `plan_calendar_roll` works out every copy into the next school year:
new ids, the new name, every date moved by 52 weeks, and the instructional days generated from
the new terms.  It reads no database and writes nothing; the store writes what it decided.

The rules (year-end.md YE-10 and its paragraph in section 4):

- every date (term starts and ends, the calendar's own start and end) moves by 364 days: the
  same weekday, the nearest such date to the same date a year later;
- the new name is the old one with its school year replaced (`HSA 2025-26` -> `HSA 2026-27`,
  `2025-2026` -> `2026-2027`, a lone `2026` -> `2027`), else the same name;
- a calendar whose school already has a next-year calendar of that (new) name is skipped;
- the instructional days are exactly the weekdays inside the new terms, nothing else (no days
  between terms, no weekends, the old year's non-instructional days are not copied).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import RolloverError
from .suggestions import closest

YEAR_SHIFT = dt.timedelta(days=364)  # 52 weeks: the same weekday a year later
SATURDAY = 5


class CalendarRollRefused(RolloverError):
    """A refused option (unknown school, a year without calendars): exit 2, nothing written."""


@dataclass(frozen=True)
class CalendarRollOptions:
    from_year: int
    schools: tuple[str, ...] = ()  # empty: every school with a calendar in from_year
    test: bool = False

    @property
    def to_year(self) -> int:
        return self.from_year + 1

    def as_dict(self) -> dict:
        """The options as stored with the run."""
        return {"from_year": self.from_year, "schools": list(self.schools), "test": self.test}


# -- dates, names and ids -------------------------------------------------------------------------
def move_date(date: dt.date) -> dt.date:
    """A date of the old year moved into the next one: 52 weeks later, the same weekday."""
    return date + YEAR_SHIFT


def _year_pattern(year: int) -> re.Pattern:
    """`P-Y`, `P-YY` (P = year - 1, separator -, / or an en dash) or a lone `Y`, not touching
    other digits."""
    return re.compile(rf"(?<!\d)(?:{year - 1}(?P<sep>[-/\u2013])(?P<end>{year}|{year % 100:02d})"
                      rf"|{year})(?!\d)")


def _replace_year(text: str, year: int) -> str:
    def next_year(match: re.Match) -> str:
        if match.group("sep") is None:
            return str(year + 1)
        end = str(year + 1) if len(match.group("end")) == 4 else f"{(year + 1) % 100:02d}"
        return f"{year}{match.group('sep')}{end}"

    return _year_pattern(year).sub(next_year, text)


def next_name(name: str, school_year: int) -> str:
    """The next year's name: the school year replaced where the name holds one, else the same
    name (`HSA 2025-26` -> `HSA 2026-27` for school year 2026)."""
    return _replace_year(name, school_year)


def next_id(old_id: str, school_year: int) -> str:
    """A readable id for the copy: the school year replaced when the id holds it (`2027-HIG0001`
    -> `2028-HIG0001`, `2026-27` -> `2027-28`), else its two digits when they stand apart from
    other digits (`HSA27` -> `HSA28`), else `-<next year>` appended (`MAIN` -> `MAIN-2028`).
    Collisions are not handled here (see `IdAllocator`)."""
    replaced = _replace_year(old_id, school_year)
    if replaced != old_id:
        return replaced
    short = re.compile(rf"(?<!\d){school_year % 100:02d}(?!\d)")
    if short.search(old_id):
        return short.sub(f"{(school_year + 1) % 100:02d}", old_id)
    return f"{old_id}-{school_year + 1}"


class IdAllocator:
    """Hands out ids that collide with no id stored before the run and none handed out in it:
    the wanted id, else the wanted id with `-2`, `-3` ... appended."""

    def __init__(self, taken: Iterable[str]):
        self.taken = set(taken)

    def allocate(self, wanted: str) -> str:
        candidate, suffix = wanted, 1
        while candidate in self.taken:
            suffix += 1
            candidate = f"{wanted}-{suffix}"
        self.taken.add(candidate)
        return candidate


def instructional_days(terms: Iterable[tuple[dt.date, dt.date]]) -> list[dt.date]:
    """Every weekday (Monday to Friday) inside at least one of the (start, end) terms, in order."""
    days: set[dt.date] = set()
    for start, end in terms:
        date = start
        while date <= end:
            if date.weekday() < SATURDAY:
                days.add(date)
            date += dt.timedelta(days=1)
    return sorted(days)


# -- the plan -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TakenIds:
    """Every id stored before the run, of any year: the copies' ids must avoid them."""

    calendars: frozenset[str] = frozenset()
    structures: frozenset[str] = frozenset()
    terms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CalendarRows:
    """Rows in the bundle's column order (calendars.csv, structures.csv, terms.csv,
    grade_levels.csv): the source calendars' and whatever else the caller has; rows of other
    calendars are ignored."""

    structures: list[tuple] = field(default_factory=list)
    terms: list[tuple] = field(default_factory=list)
    grade_levels: list[tuple] = field(default_factory=list)


@dataclass
class CalendarCopy:
    """One new calendar and everything under it, as rows in the bundle's column order."""

    school_id: str
    source_calendar_id: str
    calendar: tuple  # calendar_id, school_id, school_year, name, start_date, end_date, requires
    structures: list[tuple] = field(default_factory=list)
    terms: list[tuple] = field(default_factory=list)
    grade_levels: list[tuple] = field(default_factory=list)
    days: list[dt.date] = field(default_factory=list)  # every one instructional

    @property
    def calendar_id(self) -> str:
        return self.calendar[0]

    @property
    def name(self) -> str:
        return self.calendar[3]

    def day_rows(self) -> list[tuple]:
        return [(self.calendar_id, date, True) for date in self.days]

    def as_dict(self) -> dict:
        return {"school_id": self.school_id, "source_calendar_id": self.source_calendar_id,
                "calendar_id": self.calendar_id, "name": self.name,
                "start_date": self.calendar[4].isoformat(),
                "end_date": self.calendar[5].isoformat(),
                "structures": len(self.structures), "terms": len(self.terms),
                "grade_levels": len(self.grade_levels), "instructional_days": len(self.days)}


@dataclass(frozen=True)
class SkippedCalendar:
    school_id: str
    source_calendar_id: str
    calendar_id: str  # the next-year calendar that already has the name
    name: str
    reason: str

    def as_dict(self) -> dict:
        return {"school_id": self.school_id, "source_calendar_id": self.source_calendar_id,
                "calendar_id": self.calendar_id, "name": self.name, "reason": self.reason}


@dataclass
class CalendarRollPlan:
    from_year: int
    created: list[CalendarCopy] = field(default_factory=list)
    skipped: list[SkippedCalendar] = field(default_factory=list)

    @property
    def to_year(self) -> int:
        return self.from_year + 1

    @property
    def totals(self) -> dict[str, int]:
        return {"calendars": len(self.created),
                "structures": sum(len(c.structures) for c in self.created),
                "terms": sum(len(c.terms) for c in self.created),
                "grade_levels": sum(len(c.grade_levels) for c in self.created),
                "days": sum(len(c.days) for c in self.created),
                "skipped": len(self.skipped)}

    def report(self, mode: str) -> dict:
        """The JSON report without its run id (what the run record stores)."""
        return {"mode": mode, "from_year": self.from_year, "to_year": self.to_year,
                "created": [c.as_dict() for c in self.created],
                "skipped": [s.as_dict() for s in self.skipped],
                "totals": self.totals}


def choose_calendars(options: CalendarRollOptions, school_ids: Iterable[str],
                     calendars: Iterable[tuple]) -> list[tuple]:
    """The calendar rows to copy, ordered by school and calendar id; refuses an unknown school,
    a chosen school without a calendar in the year, or a year without calendars."""
    known = set(school_ids)
    of_year = sorted((row for row in calendars if row[2] == options.from_year),
                     key=lambda row: (row[1], row[0]))
    problems = []
    if not of_year:
        problems.append(f"--from-year: no calendar in school year {options.from_year}")
    unknown = [s for s in options.schools if s not in known]
    if unknown:
        problems.append(f"--school: unknown school {_listed_with_hints(unknown, known)}")
    with_calendar = {row[1] for row in of_year}
    without = [s for s in options.schools if s in known and s not in with_calendar]
    if of_year and without:
        problems.append(f"--school: no calendar in school year {options.from_year} "
                        f"at school {_listed(without)}")
    if problems:
        raise CalendarRollRefused("; ".join(problems) + "; nothing was written")
    if not options.schools:
        return of_year
    chosen = set(options.schools)
    return [row for row in of_year if row[1] in chosen]


def _listed(values: list[str]) -> str:
    return ", ".join(repr(v) for v in dict.fromkeys(values))


def _listed_with_hints(unknown: list[str], known: set[str]) -> str:
    """'HSX' (did you mean 'HSA'?), 'QQ': each unknown name, with the known one it most likely
    meant."""
    named = []
    for value in dict.fromkeys(unknown):
        match = closest(value, known)
        named.append(repr(value) + (f" (did you mean {match!r}?)" if match else ""))
    return ", ".join(named)


def plan_calendar_roll(options: CalendarRollOptions, sources: Iterable[tuple],
                       rows: CalendarRows, next_year_calendars: Iterable[tuple],
                       taken: TakenIds) -> CalendarRollPlan:
    """Every copy of the source calendars (rows of calendars.csv) into the next school year,
    and every calendar skipped because its school already has a next-year one of its name."""
    year, to_year = options.from_year, options.to_year
    plan = CalendarRollPlan(year)
    existing = {(row[1], row[3]): row[0] for row in next_year_calendars if row[2] == to_year}
    structures_of = defaultdict(list)
    for row in sorted(rows.structures, key=lambda r: r[0]):
        structures_of[row[1]].append(row)
    terms_of = defaultdict(list)
    for row in sorted(rows.terms, key=lambda r: (r[4], r[2], r[0])):
        terms_of[row[1]].append(row)
    grades_of = defaultdict(list)
    for row in sorted(rows.grade_levels, key=lambda r: (r[3], r[2])):
        grades_of[row[1]].append(row)
    calendar_ids, structure_ids = IdAllocator(taken.calendars), IdAllocator(taken.structures)
    term_ids = IdAllocator(taken.terms)

    for calendar_id, school_id, _year, name, start, end, requires in sources:
        new_name = next_name(name, year)
        if (school_id, new_name) in existing:
            existing_id = existing[(school_id, new_name)]
            plan.skipped.append(SkippedCalendar(
                school_id, calendar_id, existing_id, new_name,
                f"school {school_id} already has a {to_year} calendar named {new_name!r} "
                f"({existing_id})"))
            continue
        new_id = calendar_ids.allocate(next_id(calendar_id, year))
        existing[(school_id, new_name)] = new_id  # a second source of the same name skips
        copy = CalendarCopy(school_id, calendar_id, (new_id, school_id, to_year, new_name,
                                                     move_date(start), move_date(end), requires))
        for structure_id, _calendar, structure_name in structures_of[calendar_id]:
            new_structure = structure_ids.allocate(next_id(structure_id, year))
            copy.structures.append((new_structure, new_id, structure_name))
            for term_id, _s, schedule, term_name, term_start, term_end in terms_of[structure_id]:
                copy.terms.append((term_ids.allocate(next_id(term_id, year)), new_structure,
                                   schedule, term_name, move_date(term_start),
                                   move_date(term_end)))
            for _c, _s, grade, sequence, state_grade, grade_requires in grades_of[structure_id]:
                copy.grade_levels.append((new_id, new_structure, grade, sequence, state_grade,
                                          grade_requires))
        copy.days = instructional_days((t[4], t[5]) for t in copy.terms)
        plan.created.append(copy)
    return plan

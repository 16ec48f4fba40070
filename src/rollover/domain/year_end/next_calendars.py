"""Which next-year calendar receives a calendar's copies (YE-12, YE-13), and the copying itself.

A calendar of the school year is matched, within its own school, to the next-year calendar
named as the calendar wizard would name its copy (`next_name`, YE-10); failing that, to the
school's only next-year calendar.  A school with no next-year calendar, or with several and none
of the expected name, gets nothing: each row that is not copied is a warning.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ..calendar_roll import IdAllocator, next_id, next_name
from ..change_plan import LogMessage
from .rows import CalendarRow

NO_NEXT_CALENDAR = "NO_NEXT_CALENDAR"
AMBIGUOUS_NEXT_CALENDAR = "AMBIGUOUS_NEXT_CALENDAR"

R = TypeVar("R", bound=tuple)


@dataclass(frozen=True)
class CalendarMatch:
    source: CalendarRow
    target: CalendarRow | None
    problem: str | None = None  # NO_NEXT_CALENDAR or AMBIGUOUS_NEXT_CALENDAR when no target
    reason: str = ""


def match_next_calendars(calendars: Iterable[CalendarRow],
                         school_year: int) -> dict[str, CalendarMatch]:
    """Every calendar of `school_year` (by id) with its next-year calendar or why it has none;
    calendars of other years are only candidates."""
    calendars = list(calendars)
    next_year_of_school: dict[str, list[CalendarRow]] = defaultdict(list)
    for calendar in sorted(calendars, key=lambda c: c.calendar_id):
        if calendar.school_year == school_year + 1:
            next_year_of_school[calendar.school_id].append(calendar)
    return {c.calendar_id: _match(c, next_year_of_school[c.school_id])
            for c in calendars if c.school_year == school_year}


def _match(source: CalendarRow, candidates: list[CalendarRow]) -> CalendarMatch:
    expected = next_name(source.name, source.school_year)
    named = [c for c in candidates if c.name == expected]
    if len(named) == 1:
        return CalendarMatch(source, named[0])
    if not named and len(candidates) == 1:
        return CalendarMatch(source, candidates[0])
    year = source.school_year + 1
    if not candidates:
        return CalendarMatch(source, None, NO_NEXT_CALENDAR,
                             f"school {source.school_id} has no {year} calendar")
    ids = ", ".join(c.calendar_id for c in candidates)
    return CalendarMatch(source, None, AMBIGUOUS_NEXT_CALENDAR,
                         f"school {source.school_id} has {len(candidates)} {year} calendars "
                         f"({ids}) and not exactly one is named {expected!r}")


@dataclass
class Copies(Generic[R]):
    """What copying rows into the next-year calendars decided."""

    created: list[tuple[R, R]] = field(default_factory=list)  # (source row, its copy)
    skipped: list[R] = field(default_factory=list)  # already in the target calendar
    not_copied: list[R] = field(default_factory=list)  # their calendar has no target
    messages: list[LogMessage] = field(default_factory=list)

    @property
    def copies(self) -> list[R]:
        return [copy for _source, copy in self.created]


@dataclass(frozen=True)
class CopyRule(Generic[R]):
    """How one kind of row is copied: its calendar, the value that names it within a calendar
    (a re-run finds it there and skips it), its id, and the copy itself."""

    what: str  # "course", "grading period" ...
    calendar_of: Callable[[R], str]
    name_of: Callable[[R], Hashable]
    id_of: Callable[[R], str]
    # (source row, new id, target calendar id) -> the copy
    make_copy: Callable[[R, str, str], R]


def copy_into_next_calendars(rows: Iterable[R], rule: CopyRule[R],
                             matches: dict[str, CalendarMatch],
                             names_in_targets: Iterable[tuple[str, Hashable]],
                             taken_ids: Iterable[str], school_year: int) -> Copies[R]:
    """Copy each row into its calendar's next-year calendar under a new id (`next_id`, made
    unique among `taken_ids`, every id already stored), unless a row of that name is already
    there (stored before, or copied earlier in this run from another calendar of the school)."""
    present = set(names_in_targets)
    ids = IdAllocator(taken_ids)
    result: Copies[R] = Copies()
    for row in sorted(rows, key=lambda r: (rule.calendar_of(r), str(rule.name_of(r)),
                                            rule.id_of(r))):
        match = matches.get(rule.calendar_of(row))
        if match is None:
            continue  # not a calendar of the school year
        if match.target is None:
            result.not_copied.append(row)
            result.messages.append(LogMessage(
                "warning", match.problem, rule.id_of(row), match.source.school_id,
                f"{rule.what} {rule.id_of(row)} of calendar {match.source.calendar_id} is not "
                f"copied: {match.reason}"))
            continue
        target = match.target.calendar_id
        if (target, rule.name_of(row)) in present:
            result.skipped.append(row)
            continue
        present.add((target, rule.name_of(row)))
        new_id = ids.allocate(next_id(rule.id_of(row), school_year))
        result.created.append((row, rule.make_copy(row, new_id, target)))
    return result

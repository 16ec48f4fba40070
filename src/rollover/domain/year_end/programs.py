"""The `programs` module's decisions (YE-6, a remaining module): participations in programs that
are not continuous end with the school year and start again in the next one.

- The year's last day is the latest end date among the school year's calendars.
- A participation is open at the end of the year when it started on or before the last day and
  has no end date or one after it.
- In a continuous program it is left as it is (the roll forward carries it, RF rules).
- In any other program it is closed on the last day (its end date set to it) and, when the
  student has a next-year enrollment, reopened: the same student and program, starting on the
  student's earliest next-year enrollment start (the day after the last day, if that start is not
  after it), ending when the old one was to end (usually never).
- It is not reopened when it was due to end before that start, when the student already has a
  participation in the program starting after the last day (an earlier run, or by hand), or when
  another participation of the same student and program was reopened in this run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..change_plan import LogMessage, ModulePlan, inserts, updates
from .places import first_places, last_places, school_of
from .rows import EnrollmentPlace, Participation

NO_CALENDARS = "NO_CALENDARS"
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class ProgramRows:
    last_day: dt.date | None  # the latest end date of the school year's calendars (None: none)
    continuous: frozenset[str]  # ids of continuous programs
    # Participations open at the last day or starting after it (others are ignored).
    participations: Sequence[Participation]
    next_year: Sequence[EnrollmentPlace]  # the next year's enrollments of their students
    this_year: Sequence[EnrollmentPlace]  # the school year's enrollments of their students


def year_last_day(calendar_end_dates: Iterable[dt.date]) -> dt.date | None:
    return max(calendar_end_dates, default=None)


def open_at(participation: Participation, last_day: dt.date) -> bool:
    return participation.start_date <= last_day and (
        participation.end_date is None or participation.end_date > last_day)


@dataclass
class ProgramDecisions:
    closed: list[tuple[Participation, Participation]] = field(default_factory=list)  # (old, new)
    reopened: list[Participation] = field(default_factory=list)
    continuous: list[Participation] = field(default_factory=list)
    not_rolled: list[Participation] = field(default_factory=list)
    ended_before_next_year: list[Participation] = field(default_factory=list)
    already_reopened: list[Participation] = field(default_factory=list)


def decide_participations(rows: ProgramRows) -> ProgramDecisions:
    """YE-6 (programs): which open participations are closed, which reopened, and why not."""
    result = ProgramDecisions()
    last_day = rows.last_day
    if last_day is None:
        return result
    starts = {s.student_id: max(s.start_date, last_day + ONE_DAY)
              for s in first_places(rows.next_year).values()}
    # (student, program) pairs that already have a participation in the next year.
    reopened = {(p.student_id, p.program_id) for p in rows.participations
                if p.start_date > last_day}
    for p in sorted(rows.participations, key=lambda p: p[:3]):
        if not open_at(p, last_day):
            continue
        if p.program_id in rows.continuous:
            result.continuous.append(p)  # YE-6: continuous programs are left as they are
            continue
        result.closed.append((p, p._replace(end_date=last_day)))  # YE-6: ends with the year
        start = starts.get(p.student_id)
        if start is None:
            result.not_rolled.append(p)
        elif p.end_date is not None and p.end_date < start:  # it would end before it began
            result.ended_before_next_year.append(p)
        elif (p.student_id, p.program_id) in reopened:
            result.already_reopened.append(p)
        else:
            reopened.add((p.student_id, p.program_id))
            result.reopened.append(Participation(p.student_id, p.program_id, start, p.end_date))
    return result


def plan_programs(rows: ProgramRows, school_year: int) -> ModulePlan:
    decided = decide_participations(rows)
    next_year, this_year = first_places(rows.next_year), last_places(rows.this_year)

    def school(row: Participation) -> str | None:
        return school_of(row.student_id, next_year, this_year)

    plan = ModulePlan(summary={
        "participations_closed": len(decided.closed),
        "participations_reopened": len(decided.reopened),
        "closed_not_rolled": len(decided.not_rolled),
        "closed_ended_before_next_year": len(decided.ended_before_next_year),
        "already_reopened": len(decided.already_reopened),
        "continuous_left_open": len(decided.continuous),
    })
    plan.add(updates("program_participations", Participation._fields, decided.closed, school))
    plan.add(inserts("program_participations", Participation._fields, decided.reopened, school))
    if rows.last_day is None:
        plan.messages.append(LogMessage(
            "warning", NO_CALENDARS, None, None,
            f"school year {school_year} has no calendar: no last day to close programs on"))
    return plan

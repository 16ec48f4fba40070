"""The `mark_reporting` module's decisions (YE-13): each calendar's grading periods and mark types
copied into its next-year calendar (matched as the scheduling module matches, `next_calendars.py`).

- A grading period keeps its name and sequence; its dates move a year with `move_date` (364 days,
  the same weekday).  One whose name is already in the target calendar is skipped.
- A mark type keeps its code and name; one whose code is already there is skipped.
- Student marks stay with their year: nothing here reads or writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..calendar_roll import move_date
from ..change_plan import ModulePlan, inserts
from .next_calendars import CopyRule, copy_into_next_calendars, match_next_calendars
from .rows import CalendarRow, GradingPeriod, MarkType

GRADING_PERIOD_RULE: CopyRule[GradingPeriod] = CopyRule(
    what="grading period", calendar_of=lambda p: p.calendar_id, name_of=lambda p: p.name,
    id_of=lambda p: p.grading_period_id,
    # YE-13: dates moved a year, name and sequence kept.
    make_copy=lambda p, new_id, calendar_id: p._replace(
        grading_period_id=new_id, calendar_id=calendar_id,
        start_date=move_date(p.start_date), end_date=move_date(p.end_date)))

MARK_TYPE_RULE: CopyRule[MarkType] = CopyRule(
    what="mark type", calendar_of=lambda m: m.calendar_id, name_of=lambda m: m.code,
    id_of=lambda m: m.mark_type_id,
    make_copy=lambda m, new_id, calendar_id: m._replace(mark_type_id=new_id,
                                                        calendar_id=calendar_id))


@dataclass(frozen=True)
class GradingRows:
    calendars: Sequence[CalendarRow]  # of the school year and the next
    grading_periods: Sequence[GradingPeriod]  # of the school year's calendars
    mark_types: Sequence[MarkType]  # of the school year's calendars
    next_year_period_names: frozenset[tuple[str, str]]  # (calendar id, name) already there
    next_year_mark_codes: frozenset[tuple[str, str]]  # (calendar id, code) already there
    taken_period_ids: frozenset[str]  # every grading period id stored
    taken_mark_type_ids: frozenset[str]  # every mark type id stored


def plan_mark_reporting(rows: GradingRows, school_year: int) -> ModulePlan:
    matches = match_next_calendars(rows.calendars, school_year)
    school_of = {c.calendar_id: c.school_id for c in rows.calendars}
    periods = copy_into_next_calendars(rows.grading_periods, GRADING_PERIOD_RULE, matches,
                                       rows.next_year_period_names, rows.taken_period_ids,
                                       school_year)
    marks = copy_into_next_calendars(rows.mark_types, MARK_TYPE_RULE, matches,
                                     rows.next_year_mark_codes, rows.taken_mark_type_ids,
                                     school_year)
    plan = ModulePlan(summary={
        "grading_periods_copied": len(periods.created),
        "grading_periods_skipped": len(periods.skipped),
        "grading_periods_without_next_calendar": len(periods.not_copied),
        "mark_types_copied": len(marks.created),
        "mark_types_skipped": len(marks.skipped),
        "mark_types_without_next_calendar": len(marks.not_copied),
    })
    plan.add(inserts("grading_periods", GradingPeriod._fields, periods.copies,
                     lambda r: school_of.get(r.calendar_id)))
    plan.add(inserts("mark_types", MarkType._fields, marks.copies,
                     lambda r: school_of.get(r.calendar_id)))
    plan.messages.extend([*periods.messages, *marks.messages])
    return plan

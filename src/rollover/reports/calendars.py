"""The calendar wizard's text report (YE-10): the totals, then a line per created and per
skipped calendar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .counts import count_of

if TYPE_CHECKING:  # types only: the command loads the calendar wizard when it runs
    from ..domain.calendar_roll import CalendarRollPlan


def calendar_roll_text(plan: CalendarRollPlan, run_id: str, mode: str) -> list[str]:
    """A total line, then one line per created and per skipped calendar."""
    t = plan.totals
    verb = "would be created" if mode == "test" else "created"
    lines = [
        f"total {plan.from_year} -> {plan.to_year}: {count_of(t['calendars'], 'calendar')} "
        f"{verb} ({count_of(t['structures'], 'structure')}, {count_of(t['terms'], 'term')}, "
        f"{count_of(t['grade_levels'], 'grade level')}, "
        f"{count_of(t['days'], 'instructional day')}), "
        f"{t['skipped']:,} skipped; run {run_id}"
        + (" (test: nothing written)" if mode == "test" else "")]
    for c in plan.created:
        lines.append(
            f"{'would create' if mode == 'test' else 'created'} {c.calendar_id} {c.name!r} "
            f"(school {c.school_id}, from {c.source_calendar_id}): "
            f"{c.calendar[4].isoformat()} to {c.calendar[5].isoformat()}, "
            f"{count_of(len(c.structures), 'structure')}, {count_of(len(c.terms), 'term')}, "
            f"{count_of(len(c.grade_levels), 'grade level')}, "
            f"{count_of(len(c.days), 'instructional day')}")
    for s in plan.skipped:
        lines.append(f"skipped {s.source_calendar_id} (school {s.school_id}): {s.reason}")
    return lines


"""The calendar wizard's text report (YE-10): the totals, then a line per created and per
skipped calendar."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the command loads the calendar wizard when it runs
    from ..domain.calendar_roll import CalendarRollPlan


def calendar_roll_text(plan: CalendarRollPlan, run_id: str, mode: str) -> list[str]:
    """A total line, then one line per created and per skipped calendar."""
    t = plan.totals
    verb = "would be created" if mode == "test" else "created"
    lines = [
        f"total {plan.from_year} -> {plan.to_year}: {_count(t['calendars'], 'calendar')} {verb} "
        f"({_count(t['structures'], 'structure')}, {_count(t['terms'], 'term')}, "
        f"{_count(t['grade_levels'], 'grade level')}, {_count(t['days'], 'instructional day')}), "
        f"{t['skipped']:,} skipped; run {run_id}"
        + (" (test: nothing written)" if mode == "test" else "")]
    for c in plan.created:
        lines.append(
            f"{'would create' if mode == 'test' else 'created'} {c.calendar_id} {c.name!r} "
            f"(school {c.school_id}, from {c.source_calendar_id}): "
            f"{c.calendar[4].isoformat()} to {c.calendar[5].isoformat()}, "
            f"{_count(len(c.structures), 'structure')}, {_count(len(c.terms), 'term')}, "
            f"{_count(len(c.grade_levels), 'grade level')}, "
            f"{_count(len(c.days), 'instructional day')}")
    for s in plan.skipped:
        lines.append(f"skipped {s.source_calendar_id} (school {s.school_id}): {s.reason}")
    return lines


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"

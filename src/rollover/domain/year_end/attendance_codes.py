"""The `attendance_codes` module's decisions (YE-6, a remaining module): the school year's
attendance codes copied into the next year, name and excused flag kept; a code the next year
already has is skipped (a re-run copies nothing).  Codes are district-wide: no school."""

from __future__ import annotations

from collections.abc import Iterable

from ..change_plan import ModulePlan, inserts
from .rows import AttendanceCode


def plan_attendance_codes(codes: Iterable[AttendanceCode], school_year: int) -> ModulePlan:
    """`codes`: the stored codes of the school year and the next (others are ignored)."""
    codes = list(codes)
    present = {c.code for c in codes if c.school_year == school_year + 1}
    of_year = sorted((c for c in codes if c.school_year == school_year), key=lambda c: c.code)
    # YE-6 (attendance codes): a code already in the next year is kept as it is there.
    copies = [c._replace(school_year=school_year + 1) for c in of_year if c.code not in present]
    plan = ModulePlan(summary={"codes_copied": len(copies),
                               "codes_skipped": len(of_year) - len(copies)})
    plan.add(inserts("attendance_codes", AttendanceCode._fields, copies, lambda _row: None))
    return plan

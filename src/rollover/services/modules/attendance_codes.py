"""The `attendance_codes` module (YE-6, a remaining module): the school year's attendance codes
copied into the next year, codes the next year already has skipped.

The decisions are `domain/year_end/attendance_codes.py`; this file reads the two years' codes.
"""

from __future__ import annotations

from sqlalchemy import select

from ...domain.change_plan import ModulePlan
from ...domain.year_end.attendance_codes import plan_attendance_codes
from ...domain.year_end.rows import AttendanceCode
from ...store.schema_modules import attendance_codes
from . import ModuleContext, RolloverModule, no_options, register
from .scheduling import whole_rows


def plan(ctx: ModuleContext) -> ModulePlan:
    years = [ctx.school_year, ctx.next_year]
    query = (select(*whole_rows(attendance_codes, AttendanceCode))
             .where(attendance_codes.c.school_year.in_(years)))
    codes = [AttendanceCode(*row) for row in ctx.conn.execute(query)]
    return plan_attendance_codes(codes, ctx.school_year)


MODULE = register(RolloverModule(
    name="attendance_codes", title="Attendance codes rollover",
    tables=("attendance_codes",), requires=("registration",), plan=plan,
    parse_options=no_options))

"""The `mark_reporting` module (YE-13): each calendar's grading periods (dates moved a year) and
mark types copied into its next-year calendar.  Student marks stay with their year: this module
neither reads nor writes them.

The decisions are `domain/year_end/mark_reporting.py`; this file reads what they need, in bulk.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from ...domain.change_plan import ModulePlan
from ...domain.year_end.mark_reporting import GradingRows, plan_mark_reporting
from ...domain.year_end.rows import GradingPeriod, MarkType
from ...store.schema_modules import grading_periods, mark_types
from . import ModuleContext, RolloverModule, no_options, register
from .scheduling import calendar_ids_of_year, read_calendars, read_ids, whole_rows


def read_of_year(conn: Connection, table, row_type, year: int) -> list:
    """The whole rows of `table` in the year's calendars."""
    query = (select(*whole_rows(table, row_type))
             .where(table.c.calendar_id.in_(calendar_ids_of_year(year))))
    return [row_type(*row) for row in conn.execute(query)]


def read_names(conn: Connection, column, year: int) -> frozenset[tuple[str, str]]:
    """(calendar id, value of `column`) of the rows in the year's calendars."""
    table = column.table
    query = (select(table.c.calendar_id, column)
             .where(table.c.calendar_id.in_(calendar_ids_of_year(year))))
    return frozenset((row[0], row[1]) for row in conn.execute(query))


def plan(ctx: ModuleContext) -> ModulePlan:
    conn, year = ctx.conn, ctx.school_year
    rows = GradingRows(
        calendars=read_calendars(conn, year),
        grading_periods=read_of_year(conn, grading_periods, GradingPeriod, year),
        mark_types=read_of_year(conn, mark_types, MarkType, year),
        next_year_period_names=read_names(conn, grading_periods.c.name, year + 1),
        next_year_mark_codes=read_names(conn, mark_types.c.code, year + 1),
        taken_period_ids=read_ids(conn, grading_periods.c.grading_period_id),
        taken_mark_type_ids=read_ids(conn, mark_types.c.mark_type_id))
    return plan_mark_reporting(rows, year)


MODULE = register(RolloverModule(
    name="mark_reporting", title="Mark reporting rollover (grading periods and mark types)",
    tables=("grading_periods", "mark_types"), requires=("scheduling",), plan=plan,
    parse_options=no_options))

"""The `programs` module (YE-6, a remaining module): participations in programs that are not
continuous are closed on the year's last day and reopened for students enrolled next year;
continuous programs are left as they are.

The decisions are `domain/year_end/programs.py`; this file reads what they need, in bulk.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, or_, select

from ...domain.change_plan import ModulePlan
from ...domain.year_end.programs import ProgramRows, plan_programs
from ...domain.year_end.rows import Participation
from ...progress import READING_TABLES, Progress, Tally, no_progress
from ...store.schema import calendars, program_participations, programs
from . import ModuleContext, RolloverModule, no_options, register
from .scheduling import read_places, whole_rows


def read_last_day(conn: Connection, year: int) -> dt.date | None:
    """The latest end date among the year's calendars."""
    c = calendars.c
    return conn.execute(select(func.max(c.end_date)).where(c.school_year == year)).scalar()


def read_program_rows(conn: Connection, year: int,
                      progress: Progress = no_progress) -> ProgramRows:
    """What the decisions read; progress: "reading the tables", in queries."""
    last_day = read_last_day(conn, year)
    if last_day is None:
        return ProgramRows(None, frozenset(), [], [], [])
    p = program_participations.c
    # Open at the last day, or started after it (a reopening already made): a superset of what
    # the domain keeps.
    current = or_(p.end_date.is_(None), p.end_date > last_day, p.start_date > last_day)
    students = select(p.student_id).where(current)
    read = Tally(progress, READING_TABLES, 4).start().part
    return ProgramRows(
        last_day=last_day,
        continuous=read(frozenset(conn.execute(
            select(programs.c.program_id).where(programs.c.continuous.is_(True))).scalars())),
        participations=read([Participation(*row) for row in conn.execute(
            select(*whole_rows(program_participations, Participation)).where(current))]),
        next_year=read(read_places(conn, year + 1, students)),
        this_year=read(read_places(conn, year, students)))


def plan(ctx: ModuleContext) -> ModulePlan:
    return plan_programs(read_program_rows(ctx.conn, ctx.school_year, ctx.progress),
                         ctx.school_year)


MODULE = register(RolloverModule(
    name="programs", title="Program participations rollover (non-continuous programs)",
    tables=("program_participations",), requires=("registration",), plan=plan,
    parse_options=no_options))

"""The `success_plan` module (YE-14): every open plan of a rolled student carried into the next
year with its goals (progress cleared); closed plans and plans of students not rolled stay behind.

The decisions are `domain/year_end/success_plan.py`; this file reads what they need, in bulk.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from ...domain.change_plan import ModulePlan
from ...domain.year_end.rows import PlanGoal, SuccessPlan
from ...domain.year_end.success_plan import OPEN, PlanRows, plan_success_plans
from ...progress import READING_TABLES, Progress, Tally, no_progress
from ...store.schema_modules import plan_goals, success_plans
from . import ModuleContext, RolloverModule, no_options, register
from .scheduling import read_ids, read_places, whole_rows


def read_plan_rows(conn: Connection, year: int, progress: Progress = no_progress) -> PlanRows:
    """What the decisions read; progress: "reading the tables", in queries."""
    p, g = success_plans.c, plan_goals.c
    of_year = select(p.plan_id).where(p.school_year == year)
    open_of_year = of_year.where(p.status == OPEN)
    students = select(p.student_id).where(p.school_year == year, p.status == OPEN)
    later = success_plans.alias("later")  # an alias, so the subquery is not correlated
    carried = select(later.c.carried_from).where(later.c.carried_from.in_(open_of_year))
    read = Tally(progress, READING_TABLES, 7).start().part
    return PlanRows(
        plans=read([SuccessPlan(*row) for row in conn.execute(
            select(*whole_rows(success_plans, SuccessPlan)).where(p.school_year == year))]),
        goals=read([PlanGoal(*row) for row in conn.execute(
            select(*whole_rows(plan_goals, PlanGoal)).where(g.plan_id.in_(open_of_year)))]),
        carried_from=read(frozenset(conn.execute(carried).scalars())),
        next_year=read(read_places(conn, year + 1, students)),
        this_year=read(read_places(conn, year, students)),
        taken_plan_ids=read(read_ids(conn, p.plan_id)),
        taken_goal_ids=read(read_ids(conn, g.goal_id)))


def plan(ctx: ModuleContext) -> ModulePlan:
    return plan_success_plans(read_plan_rows(ctx.conn, ctx.school_year, ctx.progress),
                              ctx.school_year)


MODULE = register(RolloverModule(
    name="success_plan", title="Success plan rollover (open plans and their goals)",
    tables=("success_plans", "plan_goals"), requires=("mark_reporting",), plan=plan,
    parse_options=no_options))

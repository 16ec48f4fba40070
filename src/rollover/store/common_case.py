"""A roll forward's common case picked in the database (`domain/forward/common_case.py` says which
enrollments, by which rules, and why the pure rules would decide them alike).

`pick(conn, settings, routes)` writes the routes into a temporary table, each with the new
enrollment it makes (`common_case.template`), picks the source enrollments that take one with a
single `INSERT ... SELECT` into another, and returns a `Picked` that reads them, names them for
the snapshot to leave out, and drops both tables.  `common_case` is the same as a `with` block.
A failure rolls the tables back with the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import (
    Column, ColumnElement, Connection, Date, Integer, MetaData, Select, Table, Text, and_, exists,
    func, insert, or_, select,
)

from ..domain.forward.common_case import CommonEnrollment, Route, template
from ..domain.forward.options import RunSettings
from .bulk import refresh_statistics
from .plain_rows import plain_rows
from .schema import calendars, enrollments
from .types import Key

_temporary = MetaData()  # never the district's schema: these live for one run's transaction

common_routes = Table(
    "rollover_common_routes", _temporary,
    Column("calendar_id", Key, primary_key=True),
    Column("structure_id", Key, primary_key=True),
    Column("grade", Key, primary_key=True),
    # What the route's new enrollment gets (common_case.template): RF-8's place, RF-17's start
    # date, RF-18's status, RF-20's cohort for a source enrollment that has none.
    Column("to_calendar_id", Key), Column("to_school_id", Key), Column("to_structure_id", Key),
    Column("to_grade", Key), Column("start_date", Date), Column("local_start_status", Key),
    Column("graduation_cohort", Integer), Column("rule", Text),
    prefixes=["TEMPORARY"])

common_enrollments = Table(
    "rollover_common_enrollments", _temporary,
    *(Column(name, Integer if name == "graduation_cohort" else Key,
             primary_key=name == "enrollment_id")
      for name in CommonEnrollment._fields),
    prefixes=["TEMPORARY"])


@dataclass(frozen=True)
class Picked:
    """The enrollments the common case picked, in the run's transaction."""

    conn: Connection

    def rows(self) -> Iterator[tuple]:
        """The picked enrollments, as CommonEnrollment's fields."""
        return plain_rows(self.conn, select(*common_enrollments.c))

    @property
    def not_picked(self) -> ColumnElement[bool]:
        """True of an enrollments row the common case did not pick (an anti-join: PostgreSQL
        would check a large NOT IN row by row)."""
        return ~exists().where(common_enrollments.c.enrollment_id == enrollments.c.enrollment_id)

    def count(self) -> int:
        return self.conn.execute(select(func.count()).select_from(common_enrollments)
                                 ).scalar_one()

    def student_ids(self) -> frozenset[str]:
        return frozenset(self.conn.execute(select(common_enrollments.c.student_id)).scalars())

    def drop(self) -> None:
        """Not on a failure: the run's transaction is rolled back, and the tables with it (an
        aborted PostgreSQL transaction would refuse the drop and hide the failure)."""
        for table in (common_enrollments, common_routes):
            table.drop(self.conn)


def pick(conn: Connection, settings: RunSettings, routes: list[Route]) -> Picked:
    for table in (common_routes, common_enrollments):
        table.drop(conn, checkfirst=True)  # a connection's earlier run that failed to drop it
        table.create(conn)
    if routes:
        conn.execute(insert(common_routes), [_route_row(r, settings) for r in routes])
    conn.execute(insert(common_enrollments).from_select(
        list(CommonEnrollment._fields), _picking(settings)))
    refresh_statistics(conn, [common_enrollments])  # a new table's, for PostgreSQL's planner
    return Picked(conn)


@contextmanager
def common_case(conn: Connection, settings: RunSettings, routes: list[Route]) -> Iterator[Picked]:
    picked = pick(conn, settings, routes)
    yield picked
    picked.drop()


def _route_row(route: Route, settings: RunSettings) -> dict:
    new = template(route, settings)
    return {"calendar_id": route.calendar_id, "structure_id": route.structure_id,
            "grade": route.grade, "to_calendar_id": new.calendar_id,
            "to_school_id": new.school_id, "to_structure_id": new.structure_id,
            "to_grade": new.grade, "start_date": new.start_date,
            "local_start_status": new.local_start_status,
            "graduation_cohort": new.graduation_cohort, "rule": new.rule}


def _picking(settings: RunSettings) -> Select:
    e, r = enrollments.c, common_routes.c
    sources = [c.calendar_id for c in settings.source_calendars]
    service_types = sorted(settings.service_types)
    other = enrollments.alias("other")
    later = enrollments.alias("later")
    return (
        select(*(e[name] for name in CommonEnrollment._fields))
        .join_from(enrollments, common_routes, and_(
            r.calendar_id == e.calendar_id, r.structure_id == e.structure_id,
            r.grade == e.grade))  # RF-8: the level's route (RF-3, RF-5: graded, not graduating)
        .where(
            e.calendar_id.in_(sources), e.service_type.in_(service_types),  # RF-1
            e.end_date.is_(None),  # RF-2: rolls, and not as a last-day ender
            e.next_calendar_id.is_(None),  # RF-6
            or_(e.end_action.is_(None), e.end_action == "promote"),  # RF-4, RF-5
            # RF-21, RF-22: the student's only candidate, and nothing in the destination year.
            ~exists().where(other.c.student_id == e.student_id,
                            other.c.calendar_id.in_(sources),
                            other.c.service_type.in_(service_types),
                            other.c.enrollment_id != e.enrollment_id),
            ~exists().where(later.c.student_id == e.student_id,
                            later.c.calendar_id == calendars.c.calendar_id,
                            calendars.c.school_year == settings.destination_year)))

"""A roll forward's common case picked in the database (`domain/forward/common_case.py` says which
enrollments, by which rules, and why the pure rules would decide them alike).

`common_case(conn, settings, routes)` is the one entry: within the run's transaction it writes
the routes into a temporary table, picks the source enrollments that take one with a single
`INSERT ... SELECT` into another, and yields a `Picked` that reads them and names them for the
snapshot to leave out.  The temporary tables are dropped when the block ends; a failure rolls
them back with the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import (
    Column, ColumnElement, Connection, Integer, MetaData, Select, Table, and_, exists, insert,
    or_, select,
)

from ..domain.forward.common_case import CommonEnrollment, Route
from ..domain.forward.options import RunSettings
from .plain_rows import plain_rows
from .schema import calendars, enrollments
from .types import Key

_temporary = MetaData()  # never the district's schema: these live for one run's transaction

common_routes = Table(
    "rollover_common_routes", _temporary,
    Column("calendar_id", Key, primary_key=True),
    Column("structure_id", Key, primary_key=True),
    Column("grade", Key, primary_key=True),
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


@contextmanager
def common_case(conn: Connection, settings: RunSettings, routes: list[Route]) -> Iterator[Picked]:
    for table in (common_routes, common_enrollments):
        table.drop(conn, checkfirst=True)  # a connection's earlier run that failed to drop it
        table.create(conn)
    if routes:
        conn.execute(insert(common_routes), [
            {"calendar_id": r.calendar_id, "structure_id": r.structure_id, "grade": r.grade}
            for r in routes])
    conn.execute(insert(common_enrollments).from_select(
        list(CommonEnrollment._fields), _picking(settings)))
    if conn.dialect.name == "postgresql":  # its planner has no statistics of a new table
        conn.exec_driver_sql(f"ANALYZE {common_enrollments.name}")
    yield Picked(conn)
    # Not on a failure: the run's transaction is rolled back, and the tables with it (an
    # aborted PostgreSQL transaction would refuse the drop and hide the failure).
    for table in (common_enrollments, common_routes):
        table.drop(conn)


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

"""What the readiness check (YE-1) reads, in bulk: a school year's enrollments (only the columns
the check reads, streamed, one student's rows together) and the school boundary rows.  The
catalog comes from `store.snapshot.load_catalog`."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, func, select

from ..domain.readiness import CheckBoundary, CheckEnrollment
from .plain_rows import plain_rows
from .schema import boundaries, calendars, enrollments


def _of_year(query, year: int):
    e, c = enrollments.c, calendars.c
    return (query.join_from(enrollments, calendars, e.calendar_id == c.calendar_id)
            .where(c.school_year == year))


def count_year_enrollments(conn: Connection, year: int) -> int:
    """How many enrollments the calendars of a school year hold (for the progress bar)."""
    return conn.execute(_of_year(select(func.count()), year)).scalar_one()


def year_enrollments(conn: Connection, year: int) -> Iterator[tuple]:
    """Every enrollment of the calendars of a school year, as `CheckEnrollment` rows, ordered by
    student (the order of student ids is the database's; only their grouping matters)."""
    e = enrollments.c
    query = _of_year(select(*(e[name] for name in CheckEnrollment._fields)), year)
    return plain_rows(conn, query.order_by(e.student_id))


def school_boundaries(conn: Connection) -> list[tuple]:
    """The school boundary rows (program rows left out), as `CheckBoundary` rows, in key order."""
    b = boundaries.c
    return conn.execute(select(*(b[name] for name in CheckBoundary._fields))
                        .where(b.program_id.is_(None)).order_by(b.boundary_key)).all()

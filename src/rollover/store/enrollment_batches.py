"""Reads and writes of the end batch and the clean-up (YE-15), in bulk: a few whole-calendar
queries for the reads; set-based UPDATE and DELETE statements over chunks of ids for the writes
(no per-row round trips).  Everything runs on the caller's connection and transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from sqlalchemy import Connection, and_, or_, select, update

from ..bundle.format import FILES_BY_TABLE
from ..domain.assemble import build_enrollments
from ..domain.calendars import last_term_end, school_day_on_or_before
from ..domain.people import Enrollment, Student
from ..domain.snapshot import Catalog
from ..errors import RolloverError
from .schema import calendars, days, enrollments, students

STREAM = {"stream_results": True, "yield_per": 10_000}
# Ids per statement: well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
CHUNK = 5_000


class ChangedMeanwhile(RolloverError):
    """A row changed between our read and our write (another session): nothing was written."""


def _enrollment_columns():
    return [enrollments.c[name] for name in FILES_BY_TABLE["enrollments"].column_names]


def _students_of(conn: Connection, student_ids) -> dict[str, Student]:
    s = students.c
    return {row[0]: Student(*row) for row in conn.execute(
        select(*(s[name] for name in Student.__slots__)).where(s.student_id.in_(student_ids)),
        execution_options=STREAM)}


# -- reads -----------------------------------------------------------------------------------------

def calendar_enrollments(conn: Connection, calendar_id: str) -> list[Enrollment]:
    """Every enrollment of one calendar."""
    e = enrollments.c
    return build_enrollments(conn.execute(
        select(*_enrollment_columns()).where(e.calendar_id == calendar_id)
        .order_by(e.enrollment_id), execution_options=STREAM))


def calendar_students(conn: Connection, calendar_id: str) -> dict[str, Student]:
    """The students of every enrollment of one calendar, by id."""
    e = enrollments.c
    return _students_of(conn, select(e.student_id).where(e.calendar_id == calendar_id)
                        .scalar_subquery())


def active_in_year(conn: Connection, calendar_id: str, year: int) -> list[Enrollment]:
    """Enrollments with no end date, in any calendar of a school year, of the students who have
    an enrollment in the given calendar."""
    e, c = enrollments.c, calendars.c
    theirs = select(e.student_id).where(e.calendar_id == calendar_id).scalar_subquery()
    return build_enrollments(conn.execute(
        select(*_enrollment_columns())
        .join_from(enrollments, calendars, e.calendar_id == c.calendar_id)
        .where(c.school_year == year, e.end_date.is_(None), e.student_id.in_(theirs))
        .order_by(e.enrollment_id), execution_options=STREAM))


def rolled_sources(conn: Connection, calendar_id: str, year: int) -> dict[str, Enrollment]:
    """The enrollments that the given calendar's enrollments, and the active enrollments of the
    same students in the school year, were rolled from; by id."""
    e, c = enrollments.c, calendars.c
    rolled = enrollments.alias("rolled")
    r = rolled.c
    theirs = select(e.student_id).where(e.calendar_id == calendar_id).scalar_subquery()
    their_sources = (
        select(r.rolled_from)
        .join_from(rolled, calendars, r.calendar_id == c.calendar_id)
        .where(r.rolled_from.is_not(None), r.student_id.in_(theirs),
               or_(r.calendar_id == calendar_id,
                   and_(c.school_year == year, r.end_date.is_(None))))
        .scalar_subquery())
    rows = build_enrollments(conn.execute(
        select(*_enrollment_columns()).where(e.enrollment_id.in_(their_sources)),
        execution_options=STREAM))
    return {row.enrollment_id: row for row in rows}


def calendars_rolled_into(conn: Connection, calendar_id: str) -> list[str]:
    """The calendars holding enrollments rolled from the given calendar's enrollments."""
    e = enrollments.c
    source = enrollments.alias("source")
    return list(conn.execute(
        select(e.calendar_id).distinct()
        .join_from(enrollments, source, e.rolled_from == source.c.enrollment_id)
        .where(source.c.calendar_id == calendar_id).order_by(e.calendar_id)).scalars())


def read_last_instructional_days(conn: Connection, catalog: Catalog,
                                 calendar_ids: Iterable[str]) -> None:
    """Set the last instructional day of the last term of each of these calendars of the
    catalog, from its stored days (`domain.calendars.school_day_on_or_before`)."""
    wanted = sorted(set(calendar_ids) & set(catalog.calendars))
    stored: dict[str, dict[dt.date, bool]] = {calendar_id: {} for calendar_id in wanted}
    d = days.c
    for calendar_id, date, instructional in conn.execute(
            select(d.calendar_id, d.date, d.instructional).where(d.calendar_id.in_(wanted))):
        stored[calendar_id][date] = bool(instructional)
    for calendar_id in wanted:
        calendar = catalog.calendars[calendar_id]
        calendar.last_instructional_day = school_day_on_or_before(last_term_end(calendar),
                                                                  stored[calendar_id])


def rolled_on(conn: Connection, calendar_id: str) -> dict[str, list[str]]:
    """Enrollment id of the calendar -> ids of the enrollments rolled from it."""
    e = enrollments.c
    of_calendar = select(e.enrollment_id).where(e.calendar_id == calendar_id).scalar_subquery()
    found: dict[str, list[str]] = {}
    for enrollment_id, rolled_from in conn.execute(
            select(e.enrollment_id, e.rolled_from).where(e.rolled_from.in_(of_calendar))):
        found.setdefault(rolled_from, []).append(enrollment_id)
    return found


# -- writes ----------------------------------------------------------------------------------------

def _chunks(ids: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    iterator = iter(ids)
    while chunk := list(islice(iterator, size)):
        yield chunk


def end_enrollments(conn: Connection, ids: Sequence[str], end_date: dt.date,
                    end_status: str) -> int:
    """Give the enrollments (which must still have no end date) an end date and status: one
    UPDATE per chunk of ids.  ChangedMeanwhile when one of them has ended since it was read."""
    e = enrollments.c
    count = 0
    for chunk in _chunks(ids):
        result = conn.execute(
            update(enrollments)
            .where(e.enrollment_id.in_(chunk), e.end_date.is_(None))
            .values(end_date=end_date, end_status=end_status))
        count += result.rowcount
    if count != len(ids):
        raise ChangedMeanwhile(
            f"{len(ids) - count} of the enrollments to end were ended or removed by someone "
            "else meanwhile; nothing was written, run it again")
    return count


def delete_enrollments(conn: Connection, ids: Sequence[str]) -> int:
    """Delete rolled enrollments (which must still have no end date): one DELETE per chunk of
    ids.  ChangedMeanwhile when one of them has changed since it was read."""
    e = enrollments.c
    count = 0
    for chunk in _chunks(ids):
        result = conn.execute(
            enrollments.delete()
            .where(e.enrollment_id.in_(chunk), e.rolled_from.is_not(None),
                   e.end_date.is_(None)))
        count += result.rowcount
    if count != len(ids):
        raise ChangedMeanwhile(
            f"{len(ids) - count} of the enrollments to remove were changed or removed by "
            "someone else meanwhile; nothing was written, run it again")
    return count

"""What the readiness check (YE-1) reads, in bulk: a school year's enrollments (only those and
the columns the check looks at, streamed, one student's rows together), the school boundary
rows, and for the attendance areas the areas, the households' points and the households'
students (streamed, one household's rows together).  The catalog comes from
`store.snapshot.load_catalog`."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, and_, exists, func, or_, select

from ..domain.readiness import ENDED_ACTIONS, CheckBoundary, CheckEnrollment, CheckMember
from .plain_rows import plain_rows
from .schema import (
    boundaries, boundary_areas, calendars, enrollments, household_members, households, students,
)


def _of_year(query, year: int):
    e, c = enrollments.c, calendars.c
    return (query.join_from(enrollments, calendars, e.calendar_id == c.calendar_id)
            .where(c.school_year == year))


def count_year_enrollments(conn: Connection, year: int) -> int:
    """How many enrollments the calendars of a school year hold (the check's progress)."""
    return conn.execute(_of_year(select(func.count()), year)).scalar_one()


def year_enrollments(conn: Connection, year: int, *,
                     every_one: bool | None = None) -> Iterator[tuple]:
    """The enrollments of the calendars of a school year the check can find something in, as
    `CheckEnrollment` rows ordered by student (the order of student ids is the database's; only
    their grouping matters): those naming a next-year field, those ended as retained or
    demoted, and every enrollment of a student with several in the year (domain/readiness.py,
    "What the enrollment findings look at").  `every_one`: all of them, what that narrowing is
    proved against; None: narrowed on SQLite only (measured at 1,000,000 students: the check
    took 3.2 s narrowed against 6.4 s on SQLite, but 5.0 s against 4.2 s on PostgreSQL, whose
    join costs more than the check it saves)."""
    if every_one is None:
        every_one = conn.dialect.name != "sqlite"
    e = enrollments.c
    query = _of_year(select(*(e[name] for name in CheckEnrollment._fields)), year)
    if not every_one:
        query = query.where(or_(
            e.next_calendar_id.is_not(None), e.next_structure_id.is_not(None),
            e.next_grade.is_not(None),
            and_(e.end_date.is_not(None), e.end_action.in_(ENDED_ACTIONS)),
            _another_in_the_year(year)))
    return plain_rows(conn, query.order_by(e.student_id))


def _another_in_the_year(year: int):
    """The student has another enrollment in the year: an EXISTS, which PostgreSQL joins (a
    student IN a grouped list of a million ids would be searched row by row once it outgrows
    the server's work_mem)."""
    other, its_calendar = enrollments.alias("other"), calendars.alias("its_calendar")
    e = enrollments.c
    return exists().where(other.c.student_id == e.student_id,
                          other.c.enrollment_id != e.enrollment_id,
                          its_calendar.c.calendar_id == other.c.calendar_id,
                          its_calendar.c.school_year == year)


def school_boundaries(conn: Connection) -> list[tuple]:
    """The school boundary rows (program rows left out), as `CheckBoundary` rows, in key order."""
    b = boundaries.c
    return conn.execute(select(*(b[name] for name in CheckBoundary._fields))
                        .where(b.program_id.is_(None)).order_by(b.boundary_key)).all()


def school_areas(conn: Connection) -> list[tuple]:
    """The schools' attendance areas (program areas left out), as (school_id, program_id, name,
    low_sequence, high_sequence, geometry) rows, in key order."""
    a = boundary_areas.c
    return conn.execute(select(a.school_id, a.program_id, a.name, a.low_sequence,
                               a.high_sequence, a.geometry)
                        .where(a.program_id.is_(None)).order_by(a.area_key)).all()


def household_points(conn: Connection) -> Iterator[tuple]:
    """The (latitude, longitude) of every located household, each point once."""
    h = households.c
    return plain_rows(conn, select(h.latitude, h.longitude).distinct()
                      .where(h.latitude.is_not(None), h.longitude.is_not(None)))


def year_household_members(conn: Connection, year: int) -> Iterator[tuple]:
    """Every primary household's students with their enrollments of a school year, as
    `CheckMember` rows, ordered by household (then student and enrollment)."""
    m, h, s, e, c = (household_members.c, households.c, students.c, enrollments.c,
                     calendars.c)
    columns = {"household_id": h.household_id, "latitude": h.latitude,
               "longitude": h.longitude, "student_id": s.student_id,
               "last_name": s.last_name, "first_name": s.first_name}
    query = (select(*(columns[name] if name in columns else e[name]
                      for name in CheckMember._fields))
             .select_from(enrollments
                          .join(calendars, e.calendar_id == c.calendar_id)
                          .join(students, s.student_id == e.student_id)
                          .join(household_members, m.student_id == e.student_id)
                          .join(households, h.household_id == m.household_id))
             .where(c.school_year == year, m.primary.is_(True))
             .order_by(h.household_id, s.student_id, e.enrollment_id))
    return plain_rows(conn, query)

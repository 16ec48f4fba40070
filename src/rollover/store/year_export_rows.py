"""One school year's rows, read for an export in another format (docs/interop.md): its calendars,
terms, days, students and enrollments, with the district's schools and grade levels.

Plain tuples in a fixed order; the large reads (days, students, enrollments) stream with a
server-side cursor.  Text is ordered byte by byte on both databases, as ids are (store/types.py),
so an export lists its records in the same order wherever the district is stored.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, case, exists, func, select

from .bulk import BATCH_ROWS
from .schema import calendars, days, district, enrollments, grade_levels, schools, structures, \
    students, terms


def current_school_year(conn: Connection) -> int | None:
    return conn.execute(select(district.c.current_school_year)).scalar()


def school_rows(conn: Connection) -> list[tuple]:
    """(school_id, name) of every school, by id."""
    s = schools.c
    return [tuple(r) for r in conn.execute(select(s.school_id, s.name).order_by(s.school_id))]


def calendar_rows(conn: Connection, year: int) -> list[tuple]:
    """(calendar_id, school_id) of the year's calendars, by id."""
    c = calendars.c
    return [tuple(r) for r in conn.execute(select(c.calendar_id, c.school_id)
                                           .where(c.school_year == year)
                                           .order_by(c.calendar_id))]


def grade_level_rows(conn: Connection) -> list[tuple]:
    """(calendar_id, structure_id, grade, sequence, state_grade) of every grade level."""
    g = grade_levels.c
    query = select(g.calendar_id, g.structure_id, g.grade, g.sequence, g.state_grade)
    return [tuple(r) for r in conn.execute(query.order_by(g.calendar_id, g.structure_id,
                                                          g.grade))]


def term_rows(conn: Connection, year: int) -> list[tuple]:
    """(term_id, calendar_id, school_id, name, start_date, end_date, instructional days of its
    calendar between its dates) of the year's terms, by id."""
    t, s, c, d = terms.c, structures.c, calendars.c, days.c
    instructional = (select(func.count()).where(
        d.calendar_id == c.calendar_id, d.instructional.is_(True),
        d.date >= t.start_date, d.date <= t.end_date).scalar_subquery())
    query = (select(t.term_id, c.calendar_id, c.school_id, t.name, t.start_date, t.end_date,
                    instructional)
             .join_from(terms, structures, s.structure_id == t.structure_id)
             .join(calendars, c.calendar_id == s.calendar_id)
             .where(c.school_year == year).order_by(t.term_id))
    return [tuple(r) for r in conn.execute(query)]


def day_count(conn: Connection, year: int) -> int:
    return conn.execute(select(func.count()).select_from(days).join(
        calendars, calendars.c.calendar_id == days.c.calendar_id).where(
        calendars.c.school_year == year)).scalar()


def day_rows(conn: Connection, year: int) -> Iterator[tuple]:
    """(calendar_id, date, instructional) of the year's calendars, by calendar and date."""
    d, c = days.c, calendars.c
    query = (select(d.calendar_id, d.date, d.instructional)
             .join_from(days, calendars, c.calendar_id == d.calendar_id)
             .where(c.school_year == year).order_by(d.calendar_id, d.date))
    return _streamed(conn, query)


def _of_year(year: int):
    """The students enrolled in a calendar of the year."""
    e, c = enrollments.c, calendars.c
    return exists().where(e.student_id == students.c.student_id,
                          c.calendar_id == e.calendar_id, c.school_year == year)


def student_count(conn: Connection, year: int) -> int:
    return conn.execute(select(func.count()).select_from(students)
                        .where(_of_year(year))).scalar()


def student_rows(conn: Connection, year: int) -> Iterator[tuple]:
    """(student_id, student_number, first_name, last_name, birth_date) of each student enrolled
    in the year, by student_number (none first) then id."""
    s = students.c
    query = (select(s.student_id, s.student_number, s.first_name, s.last_name, s.birth_date)
             .where(_of_year(year))
             .order_by(_bytewise(conn, func.coalesce(s.student_number, "")), s.student_id))
    return _streamed(conn, query)


def enrollment_count(conn: Connection, year: int) -> int:
    return conn.execute(select(func.count()).select_from(enrollments).join(
        calendars, calendars.c.calendar_id == enrollments.c.calendar_id).where(
        calendars.c.school_year == year)).scalar()


def enrollment_rows(conn: Connection, year: int) -> Iterator[tuple]:
    """Each enrollment in a calendar of the year: (enrollment_id, student_number, school_id,
    calendar_id, structure_id, grade, service_type, start_date, end_date, end_status,
    end_action, next_calendar_id, next_structure_id, next_grade, the next calendar's school_id,
    local_start_status, graduation_cohort, rolled_from, and the rolled_from enrollment's
    calendar_id, structure_id and grade); by student_number, school, start_date, the primary
    service first, then id."""
    e, s, c = enrollments.c, students.c, calendars.c
    following, source = calendars.alias("following"), enrollments.alias("source")
    query = (select(e.enrollment_id, s.student_number, c.school_id, e.calendar_id,
                    e.structure_id, e.grade, e.service_type, e.start_date, e.end_date,
                    e.end_status, e.end_action, e.next_calendar_id, e.next_structure_id,
                    e.next_grade, following.c.school_id, e.local_start_status,
                    e.graduation_cohort, e.rolled_from, source.c.calendar_id,
                    source.c.structure_id, source.c.grade)
             .join_from(enrollments, calendars, c.calendar_id == e.calendar_id)
             .join(students, s.student_id == e.student_id)
             .outerjoin(following, following.c.calendar_id == e.next_calendar_id)
             .outerjoin(source, source.c.enrollment_id == e.rolled_from)
             .where(c.school_year == year)
             .order_by(_bytewise(conn, func.coalesce(s.student_number, "")), c.school_id,
                       e.start_date, case((e.service_type == "primary", 0), else_=1),
                       e.enrollment_id))
    return _streamed(conn, query)


def _bytewise(conn: Connection, expression):
    """Text ordered by its bytes: PostgreSQL's "C" collation; SQLite's BINARY already is."""
    return expression.collate("C") if conn.dialect.name == "postgresql" else expression


def _streamed(conn: Connection, query) -> Iterator[tuple]:
    result = conn.execute(query, execution_options={"stream_results": True,
                                                    "yield_per": BATCH_ROWS})
    for partition in result.partitions():
        yield from partition

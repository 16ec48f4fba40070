"""The rows of one school year that the OneRoster export reads (docs/interop.md, section 3),
as plain tuples in the column order of `interop/oneroster/format.py`'s named tuples (the store
does not import it: the service passes the rows on).  The large ones are streamed."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, exists, func, select

from .bulk import BATCH_ROWS
from .schema import calendars, district, enrollments, grade_levels, schools, structures, \
    students, terms
from .schema_modules import courses, sections, student_schedules

c, e = calendars.c, enrollments.c


def _of_year(year: int):
    return calendars.c.school_year == year


def _streamed(conn: Connection, query) -> Iterator[tuple]:
    result = conn.execute(query, execution_options={"stream_results": True,
                                                    "yield_per": BATCH_ROWS})
    for partition in result.partitions():
        yield from partition


def district_name(conn: Connection) -> str | None:
    return conn.execute(select(district.c.name)).scalar()


def current_school_year(conn: Connection) -> int | None:
    return conn.execute(select(district.c.current_school_year)).scalar()


def has_calendars(conn: Connection, year: int) -> bool:
    return conn.execute(select(exists().where(_of_year(year)))).scalar()


def year_calendars(conn: Connection, year: int) -> list[tuple]:
    """(calendar_id, school_id, start_date, end_date) of the year's calendars."""
    return [tuple(r) for r in conn.execute(
        select(c.calendar_id, c.school_id, c.start_date, c.end_date)
        .where(_of_year(year)).order_by(c.calendar_id))]


def year_schools(conn: Connection, year: int) -> list[tuple]:
    """(school_id, name) of the schools with a calendar in the year."""
    s = schools.c
    with_calendar = exists().where(c.school_id == s.school_id, _of_year(year))
    return [tuple(r) for r in conn.execute(
        select(s.school_id, s.name).where(with_calendar).order_by(s.school_id))]


def year_terms(conn: Connection, year: int) -> list[tuple]:
    """(term_id, calendar_id, name, start_date, end_date) of the terms of the year's calendars."""
    t = terms.c
    return [tuple(r) for r in conn.execute(
        select(t.term_id, structures.c.calendar_id, t.name, t.start_date, t.end_date)
        .join_from(terms, structures, structures.c.structure_id == t.structure_id)
        .join(calendars, c.calendar_id == structures.c.calendar_id)
        .where(_of_year(year)).order_by(t.term_id))]


def year_enrollments(conn: Connection, year: int) -> Iterator[tuple]:
    """(student_id, student_number, first_name, last_name, birth_date, enrollment_id, school_id,
    service_type, start_date, end_date, state_grade) of every enrollment in the year's
    calendars, by student_id then enrollment_id."""
    s, g = students.c, grade_levels.c
    query = (
        select(e.student_id, s.student_number, s.first_name, s.last_name, s.birth_date,
               e.enrollment_id, c.school_id, e.service_type, e.start_date, e.end_date,
               g.state_grade)
        .join_from(enrollments, calendars, c.calendar_id == e.calendar_id)
        .join(students, s.student_id == e.student_id)
        .outerjoin(grade_levels, (g.calendar_id == e.calendar_id)
                   & (g.structure_id == e.structure_id) & (g.grade == e.grade))
        .where(_of_year(year)).order_by(e.student_id, e.enrollment_id))
    return _streamed(conn, query)


def year_courses(conn: Connection, year: int) -> Iterator[tuple]:
    """(course_id, calendar_id, school_id, number, name) of the year's calendars' courses."""
    k = courses.c
    return _streamed(conn, select(k.course_id, k.calendar_id, c.school_id, k.number, k.name)
                     .join_from(courses, calendars, c.calendar_id == k.calendar_id)
                     .where(_of_year(year)).order_by(k.course_id))


def year_sections(conn: Connection, year: int) -> Iterator[tuple]:
    """(section_id, course_id, calendar_id, school_id, course name, number, room) of the
    sections of those courses."""
    k, x = courses.c, sections.c
    return _streamed(conn, select(x.section_id, x.course_id, k.calendar_id, c.school_id, k.name,
                                  x.number, x.room)
                     .join_from(sections, courses, k.course_id == x.course_id)
                     .join(calendars, c.calendar_id == k.calendar_id)
                     .where(_of_year(year)).order_by(x.section_id))


def _scheduled_sections():
    """Schedules with their section, course and calendar."""
    k, x, ss = courses.c, sections.c, student_schedules.c
    return (student_schedules.join(sections, x.section_id == ss.section_id)
            .join(courses, k.course_id == x.course_id)
            .join(calendars, c.calendar_id == k.calendar_id))


def year_schedules(conn: Connection, year: int) -> Iterator[tuple]:
    """(section_id, student_id, school_id, start_date, end_date, is_user) of the schedules in
    those sections, by section then student; `is_user`: the student has an enrollment in the
    year (is a user of the export)."""
    ss = student_schedules.c
    mine, yours = enrollments.alias("theirs"), calendars.alias("their_calendars")
    enrolled = exists().where(mine.c.student_id == ss.student_id,
                              yours.c.calendar_id == mine.c.calendar_id,
                              yours.c.school_year == year)
    return _streamed(conn, select(ss.section_id, ss.student_id, c.school_id, ss.start_date,
                                  ss.end_date, enrolled.label("is_user"))
                     .select_from(_scheduled_sections()).where(_of_year(year))
                     .order_by(ss.section_id, ss.student_id))


def year_row_counts(conn: Connection, year: int) -> int:
    """The rows of the four streams above, together (for progress)."""
    k, x = courses.c, sections.c
    counted = [
        select(func.count()).select_from(enrollments.join(calendars, c.calendar_id
                                                          == e.calendar_id)).where(_of_year(year)),
        select(func.count()).select_from(courses.join(calendars, c.calendar_id == k.calendar_id))
        .where(_of_year(year)),
        select(func.count()).select_from(sections.join(courses, k.course_id == x.course_id)
                                         .join(calendars, c.calendar_id == k.calendar_id))
        .where(_of_year(year)),
        select(func.count()).select_from(_scheduled_sections()).where(_of_year(year)),
    ]
    return sum(conn.execute(query).scalar() for query in counted)

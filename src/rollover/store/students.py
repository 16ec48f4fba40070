"""Students found by name or number a page at a time, and one student's enrollments with the
calendars and schools that name them (the next-year exceptions page)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, func, select

from .run_pages import _students_named
from .schema import calendars, enrollments, schools, students


def students_total_and_page(conn: Connection, words: Sequence[str], offset: int,
                            limit: int) -> tuple[int, list[dict]]:
    """The students every word begins the first name, last name or number of (all of them
    without words), by last name, first name and id: how many, and the page asked for."""
    s = students.c
    query = select(s.student_id, s.student_number, s.last_name, s.first_name, s.birth_date)
    counted = select(func.count()).select_from(students)
    if words:
        named = _students_named(conn, words).scalar_subquery()
        query = query.where(s.student_id.in_(named))
        counted = counted.where(s.student_id.in_(named))
    total = conn.execute(counted).scalar()
    rows = conn.execute(query.order_by(s.last_name, s.first_name, s.student_id)
                        .limit(limit).offset(offset)).mappings().all()
    return total, [dict(row) for row in rows]


def student_row(conn: Connection, student_id: str) -> dict | None:
    row = conn.execute(select(students).where(students.c.student_id == student_id)).mappings() \
        .first()
    return dict(row) if row is not None else None


def enrollments_of(conn: Connection, student_id: str) -> list[dict]:
    """Every enrollment of the student, newest school year first, with its calendar's school
    year and name and its school's name; and the name of the next calendar it names."""
    e, c, s = enrollments.c, calendars.c, schools.c
    next_calendar = calendars.alias("next_calendar")
    query = (select(*e, c.school_year, c.name.label("calendar_name"), c.school_id,
                    s.name.label("school_name"),
                    next_calendar.c.name.label("next_calendar_name"))
             .join(calendars, c.calendar_id == e.calendar_id)
             .join(schools, s.school_id == c.school_id)
             .outerjoin(next_calendar, next_calendar.c.calendar_id == e.next_calendar_id)
             .where(e.student_id == student_id)
             .order_by(c.school_year.desc(), e.start_date.desc(), e.enrollment_id))
    return [dict(row) for row in conn.execute(query).mappings()]


def calendars_of_year(conn: Connection, school_year: int) -> list[dict]:
    """The calendars of a school year with their schools' names, by school name."""
    c, s = calendars.c, schools.c
    query = (select(c.calendar_id, c.name, c.school_id, s.name.label("school_name"))
             .join(schools, s.school_id == c.school_id).where(c.school_year == school_year)
             .order_by(s.name, c.name, c.calendar_id))
    return [dict(row) for row in conn.execute(query).mappings()]

"""The counts a projection is made of, each one aggregate query over a school year's
enrollments (services/projection.py puts them together).

An enrollment counts when it is *active*: a primary enrollment of one of the year's calendars
that has no end date or ends on its calendar's last day or after.  A Run Test's proposals (its
rows of run_rolled) count beside them when `proposed_by` names the Run Test: a proposed primary
enrollment has no end date, so it is active.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, exists, func, or_, select, union_all

from .schema import calendars, enrollments, grade_levels, run_rolled, schools


def has_calendars(conn: Connection, year: int) -> bool:
    return conn.execute(select(calendars.c.calendar_id)
                        .where(calendars.c.school_year == year).limit(1)).first() is not None


def schools_of_years(conn: Connection, years: tuple[int, ...]) -> list[tuple[str, str]]:
    """(school id, name) of each school with a calendar in one of the years, by id."""
    s, c = schools.c, calendars.c
    with_calendar = exists().where(c.school_id == s.school_id, c.school_year.in_(years))
    return [tuple(row) for row in conn.execute(
        select(s.school_id, s.name).where(with_calendar).order_by(s.school_id))]


def grades_offered(conn: Connection, years: tuple[int, ...]) -> list[tuple[str, str, int]]:
    """(school id, grade, sequence) of each grade a school's calendars of the years offer; a
    grade's sequence is its lowest there."""
    c, g = calendars.c, grade_levels.c
    return [tuple(row) for row in conn.execute(
        select(c.school_id, g.grade, func.min(g.sequence))
        .join_from(grade_levels, calendars, c.calendar_id == g.calendar_id)
        .where(c.school_year.in_(years)).group_by(c.school_id, g.grade))]


def active_counts(conn: Connection, years: tuple[int, ...],
                  proposed_by: str | None = None) -> dict[tuple[int, str, str], int]:
    """{(school year, school id, grade): active enrollments} of the years, in one pass; with
    `proposed_by`, the Run Test's proposed primary enrollments in calendars of the years too."""
    _without_jit(conn)
    e, c = enrollments.c, calendars.c
    query = (select(c.school_year, c.school_id, e.grade, func.count())
             .join_from(enrollments, calendars, c.calendar_id == e.calendar_id)
             .where(c.school_year.in_(years), _active(enrollments, calendars))
             .group_by(c.school_year, c.school_id, e.grade))
    counts = {(year, school, grade): n for year, school, grade, n in conn.execute(query)}
    if proposed_by is not None:
        r = run_rolled.c
        proposed = (select(c.school_year, c.school_id, r.grade, func.count())
                    .join_from(run_rolled, calendars, c.calendar_id == r.calendar_id)
                    .where(r.run_id == proposed_by, r.service_type == "primary",
                           c.school_year.in_(years))
                    .group_by(c.school_year, c.school_id, r.grade))
        for year, school, grade, n in conn.execute(proposed):
            counts[(year, school, grade)] = counts.get((year, school, grade), 0) + n
    return counts


def flows(conn: Connection, year: int,
          proposed_by: str | None = None) -> list[tuple[str, str, int]]:
    """(from school, to school, students) for the students whose school changes from the year
    before to `year`, most students first.  For each active enrollment of `year` (and with
    `proposed_by`, each of the Run Test's proposed primary enrollments there), the school before
    is that of the enrollment it was rolled from, when that is of the year before; else that of
    the student's active enrollments of the year before (none: new to the district, no flow).
    One pass over the year's enrollments, joined to both."""
    _without_jit(conn)
    before = year - 1
    old, old_calendar = enrollments.alias("old"), calendars.alias("old_calendar")
    active_before = (select(old.c.student_id, old_calendar.c.school_id)
                     .join_from(old, old_calendar,
                                old_calendar.c.calendar_id == old.c.calendar_id)
                     .where(old_calendar.c.school_year == before, _active(old, old_calendar))
                     .subquery("active_before"))
    new, new_calendar = enrollments.alias("new"), calendars.alias("new_calendar")
    source = enrollments.alias("source")
    stored = _moves(new.join(new_calendar, new_calendar.c.calendar_id == new.c.calendar_id)
                    .outerjoin(source, source.c.enrollment_id == new.c.rolled_from),
                    new.c.student_id, source.c.calendar_id, new_calendar, active_before,
                    before).where(new_calendar.c.school_year == year, _active(new, new_calendar))
    if proposed_by is None:
        moves = stored.subquery("moves")
    else:
        r, to_calendar = run_rolled.c, calendars.alias("to_calendar")
        proposed = _moves(run_rolled.join(to_calendar, to_calendar.c.calendar_id == r.calendar_id),
                          r.student_id, r.source_calendar_id, to_calendar, active_before,
                          before).where(r.run_id == proposed_by, r.service_type == "primary",
                                        to_calendar.c.school_year == year)
        moves = union_all(stored, proposed).subquery("moves")
    students = func.count(moves.c.student_id.distinct()).label("students")
    query = (select(moves.c.from_id, moves.c.to_id, students)
             .where(moves.c.from_id != moves.c.to_id)
             .group_by(moves.c.from_id, moves.c.to_id)
             .order_by(students.desc(), moves.c.from_id, moves.c.to_id))
    return [tuple(row) for row in conn.execute(query)]


def _moves(placed, student_id, source_calendar_id, to_calendar, active_before, before: int):
    """(student, school before, school after) of each placement in `placed` (the placements
    joined to their calendar, `to_calendar`): the school before is that of `source_calendar_id`
    when that calendar is of the year `before`, else the student's of `active_before`."""
    source_calendar = calendars.alias()
    from_id = func.coalesce(source_calendar.c.school_id, active_before.c.school_id)
    return (
        select(student_id.label("student_id"), from_id.label("from_id"),
               to_calendar.c.school_id.label("to_id"))
        .select_from(
            placed
            .outerjoin(source_calendar, and_(source_calendar.c.calendar_id == source_calendar_id,
                                             source_calendar.c.school_year == before))
            .outerjoin(active_before, and_(source_calendar.c.calendar_id.is_(None),
                                           active_before.c.student_id == student_id))))


def _active(enrollment, calendar):
    """Primary, and not ended before its calendar's last day."""
    return and_(enrollment.c.service_type == "primary",
                or_(enrollment.c.end_date.is_(None),
                    enrollment.c.end_date >= calendar.c.end_date))


def _without_jit(conn: Connection) -> None:
    """PostgreSQL compiles a query it expects to be costly (as these aggregates over a whole
    year are) before running it; at a million students the compiling took four times as long as
    the query.  Off for the rest of this (read-only) transaction."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL jit = off")

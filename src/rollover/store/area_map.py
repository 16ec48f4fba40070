"""What the map of the district's attendance areas is drawn from (`services.area_map`): each
stored area with its school's and program's names, and the grade sequences the schools'
calendars give their grade codes (to count a projection's students in an area's grade span)."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from .schema import boundary_areas, calendars, grade_levels, programs, schools


def area_rows(conn: Connection) -> list[dict]:
    """Each area in the order it was stored: {"school_id", "school_name", "program_id",
    "program_name", "low_grade", "high_grade", "low_sequence", "high_sequence", "geometry"
    (the GeoJSON geometry's text)}."""
    a, s, p = boundary_areas.c, schools.c, programs.c
    query = (select(a.school_id, s.name.label("school_name"), a.program_id,
                    p.name.label("program_name"), a.low_grade, a.high_grade, a.low_sequence,
                    a.high_sequence, a.geometry)
             .join_from(boundary_areas, schools, s.school_id == a.school_id)
             .outerjoin(programs, p.program_id == a.program_id)
             .order_by(a.area_key))
    return [dict(row._mapping) for row in conn.execute(query)]


def grade_sequences(conn: Connection) -> dict[tuple[str, str], int]:
    """{(school id, grade code): its sequence} over the school's calendars of every year (a
    code's lowest sequence there, as the projection orders a school's grades)."""
    c, g = calendars.c, grade_levels.c
    return {(school_id, grade): sequence for school_id, grade, sequence in conn.execute(
        select(c.school_id, g.grade, func.min(g.sequence))
        .join_from(grade_levels, calendars, c.calendar_id == g.calendar_id)
        .group_by(c.school_id, g.grade))}

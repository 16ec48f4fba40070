"""The district's own rows as plain data: its settings, schools and calendars (with their
structures and grades), a page at a time."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, func, select

from .schema import calendars, district, enrollments, grade_levels, schools, structures

DISTRICT_SETTINGS = ("restrict_to_boundaries", "student_assignment_validation",
                     "local_start_status_required")


def district_row(conn: Connection) -> dict:
    """The district's name, current school year and settings (all empty before an import)."""
    d = district.c
    row = conn.execute(select(d.name, d.current_school_year,
                              *(d[name] for name in DISTRICT_SETTINGS))).first()
    if row is None:
        return {"name": None, "current_school_year": None,
                "settings": dict.fromkeys(DISTRICT_SETTINGS, False)}
    name, year, *settings = row
    return {"name": name, "current_school_year": year,
            "settings": {key: bool(value) for key, value in zip(DISTRICT_SETTINGS, settings)}}


def school_total_and_page(conn: Connection, offset: int, limit: int) -> tuple[int, list[dict]]:
    s = schools.c
    total = conn.execute(select(func.count()).select_from(schools)).scalar()
    if offset >= total:
        return total, []
    rows = conn.execute(select(s.school_id, s.name, s.next_school_id).order_by(s.school_id)
                        .limit(limit).offset(offset))
    return total, [dict(row._mapping) for row in rows]


def calendar_total_and_page(conn: Connection, year: int | None, offset: int,
                            limit: int) -> tuple[int, list[dict]]:
    """The calendars (of one school year, or all), by year then id, each with its school's
    name and its structures, each structure with its grades by sequence."""
    c = calendars.c
    of_year = [c.school_year == year] if year is not None else []
    total = conn.execute(select(func.count()).select_from(calendars).where(*of_year)).scalar()
    if offset >= total:
        return total, []
    rows = conn.execute(
        select(c.calendar_id, c.school_id, schools.c.name.label("school_name"), c.school_year,
               c.name, c.start_date, c.end_date, c.requires_student_assignment)
        .join_from(calendars, schools, schools.c.school_id == c.school_id)
        .where(*of_year).order_by(c.school_year, c.calendar_id).limit(limit).offset(offset))
    page = [dict(row._mapping) for row in rows]
    by_calendar = _structures_of(conn, [item["calendar_id"] for item in page])
    for item in page:
        item["requires_student_assignment"] = bool(item["requires_student_assignment"])
        item["structures"] = by_calendar.get(item["calendar_id"], [])
    return total, page


def _structures_of(conn: Connection, calendar_ids: Sequence[str]) -> dict[str, list[dict]]:
    if not calendar_ids:
        return {}
    st, g = structures.c, grade_levels.c
    found: dict[str, list[dict]] = {}
    by_id: dict[str, dict] = {}
    for calendar_id, structure_id, name in conn.execute(
            select(st.calendar_id, st.structure_id, st.name)
            .where(st.calendar_id.in_(calendar_ids)).order_by(st.calendar_id, st.structure_id)):
        by_id[structure_id] = {"structure_id": structure_id, "name": name, "grades": []}
        found.setdefault(calendar_id, []).append(by_id[structure_id])
    for structure_id, grade, sequence, state_grade, requires in conn.execute(
            select(g.structure_id, g.grade, g.sequence, g.state_grade,
                   g.requires_student_assignment)
            .where(g.calendar_id.in_(calendar_ids)).order_by(g.structure_id, g.sequence, g.grade)):
        by_id[structure_id]["grades"].append({
            "grade": grade, "sequence": sequence, "state_grade": state_grade,
            "requires_student_assignment": bool(requires)})
    return found


def school_ids(conn: Connection) -> list[str]:
    return list(conn.execute(select(schools.c.school_id)).scalars())


def calendar_ids(conn: Connection) -> list[str]:
    return list(conn.execute(select(calendars.c.calendar_id)).scalars())


def schools_with_calendars(conn: Connection) -> list[dict]:
    """Every school by id, with the ids of its calendars by year then id."""
    s, c = schools.c, calendars.c
    found = {row.school_id: {"school_id": row.school_id, "name": row.name,
                             "next_school_id": row.next_school_id, "calendars": []}
             for row in conn.execute(select(s.school_id, s.name, s.next_school_id)
                                     .order_by(s.school_id))}
    for school_id, calendar_id in conn.execute(select(c.school_id, c.calendar_id)
                                               .order_by(c.school_year, c.calendar_id)):
        found[school_id]["calendars"].append(calendar_id)
    return list(found.values())


def calendars_with_enrollments(conn: Connection, year: int | None) -> list[dict]:
    """The calendars (of one school year, or all) by year then id, each with how many
    enrollments it holds (ended ones included)."""
    c, e = calendars.c, enrollments.c
    counts = (select(e.calendar_id, func.count().label("enrollments"))
              .group_by(e.calendar_id).subquery())
    rows = conn.execute(
        select(c.calendar_id, c.school_id, c.school_year, c.name, c.start_date, c.end_date,
               func.coalesce(counts.c.enrollments, 0).label("enrollments"))
        .outerjoin(counts, counts.c.calendar_id == c.calendar_id)
        .where(*([c.school_year == year] if year is not None else []))
        .order_by(c.school_year, c.calendar_id))
    return [dict(row._mapping) for row in rows]

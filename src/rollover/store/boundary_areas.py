"""The stored attendance areas (`boundary_areas`) and the facts an import of areas checks
against: the schools, programs and grade levels; and the steps that replace stored areas with
new ones, keys drawn first so the undo log holds the keys the rows get."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from ..domain.change_plan import DELETE, INSERT, ChangeStep
from .bulk import new_keys
from .schema import boundary_areas, grade_levels, programs, schools

COLUMNS = tuple(c.name for c in boundary_areas.columns)  # area_key first
# A new area: every column but its key, in the table's order.
NEW_COLUMNS = COLUMNS[1:]


def school_ids(conn: Connection) -> set[str]:
    return set(conn.execute(select(schools.c.school_id)).scalars())


def program_ids(conn: Connection) -> set[str]:
    return set(conn.execute(select(programs.c.program_id)).scalars())


def grade_levels_of(conn: Connection) -> list[tuple[str, int]]:
    """(grade code, sequence) of every stored grade level, each pair once."""
    g = grade_levels.c
    return [tuple(row) for row in conn.execute(select(g.grade, g.sequence).distinct())]


def stored_areas(conn: Connection) -> list[tuple]:
    """Every stored area, whole (in COLUMNS order), by key."""
    a = boundary_areas.c
    return [tuple(row) for row in conn.execute(
        select(*(a[c] for c in COLUMNS)).order_by(a.area_key))]


def area_listing(conn: Connection) -> list[dict]:
    """Every stored area by school, program (a school's own first), grades and key."""
    a = boundary_areas.c
    query = select(*(a[c] for c in COLUMNS)).order_by(
        a.school_id, a.program_id.is_not(None), a.program_id, a.low_sequence, a.high_sequence,
        a.area_key)
    return [dict(row._mapping) for row in conn.execute(query)]


def replacing_steps(conn: Connection, gone: Iterable[tuple], new: list[tuple], *,
                    draw_keys: bool = True) -> list[ChangeStep]:
    """Delete the stored areas `gone` (whole rows), insert the `new` ones (NEW_COLUMNS order)
    under keys drawn now, above every stored one (`draw_keys` False, in a test that writes
    nothing: none drawn, the keys unset)."""
    keys = new_keys(conn, boundary_areas, len(new)) if draw_keys else [None] * len(new)
    return [ChangeStep(boundary_areas.name, DELETE, COLUMNS, [(None, row, None) for row in gone]),
            ChangeStep(boundary_areas.name, INSERT, COLUMNS,
                       [(None, None, (key, *row)) for key, row in zip(keys, new)])]

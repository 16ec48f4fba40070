"""The calendar wizard's reads and writes (YE-10): a few whole-table or whole-year queries in,
one bulk insert per table out (through the unit of work, as insert steps), all on the caller's connection and inside its transaction."""

from __future__ import annotations

from sqlalchemy import Connection, select

from ..bundle.format import FILES_BY_TABLE
from ..domain.calendar_roll import CalendarRollPlan, CalendarRows, TakenIds
from ..domain.change_plan import INSERT, ChangeStep
from .bulk import insert_rows
from .schema import calendars, days, grade_levels, schools, structures, terms


def _columns(table) -> list[str]:
    """The table's columns in its bundle file's order (the order of the domain's rows)."""
    return list(FILES_BY_TABLE[table.name].column_names)


def _select(table):
    return select(*(table.c[name] for name in _columns(table)))


def load_schools_and_calendars(conn: Connection) -> tuple[list[str], list[tuple]]:
    """Every school id, and every calendar row (all years: small)."""
    school_ids = list(conn.execute(select(schools.c.school_id)).scalars())
    rows = [tuple(r) for r in conn.execute(_select(calendars).order_by(calendars.c.calendar_id))]
    return school_ids, rows


def load_calendar_rows(conn: Connection, calendar_ids: list[str]) -> CalendarRows:
    """The structures, terms and grade levels of the given calendars."""
    s, t, g = structures.c, terms.c, grade_levels.c
    of_calendars = select(s.structure_id).where(s.calendar_id.in_(calendar_ids))
    return CalendarRows(
        structures=[tuple(r) for r in conn.execute(
            _select(structures).where(s.calendar_id.in_(calendar_ids)).order_by(s.structure_id))],
        terms=[tuple(r) for r in conn.execute(
            _select(terms).where(t.structure_id.in_(of_calendars)).order_by(t.term_id))],
        grade_levels=[tuple(r) for r in conn.execute(
            _select(grade_levels).where(g.calendar_id.in_(calendar_ids))
            .order_by(g.calendar_id, g.structure_id, g.grade))])


def load_taken_ids(conn: Connection) -> TakenIds:
    """Every calendar, structure and term id already stored, of any year."""
    return TakenIds(
        calendars=frozenset(conn.execute(select(calendars.c.calendar_id)).scalars()),
        structures=frozenset(conn.execute(select(structures.c.structure_id)).scalars()),
        terms=frozenset(conn.execute(select(terms.c.term_id)).scalars()))


def copy_steps(plan: CalendarRollPlan) -> list[ChangeStep]:
    """Every new calendar, structure, term, grade level and day as an insert step, parents
    first, each row with the school of its calendar."""
    batches = (
        (calendars, [(c.school_id, c.calendar) for c in plan.created]),
        (structures, [(c.school_id, row) for c in plan.created for row in c.structures]),
        (terms, [(c.school_id, row) for c in plan.created for row in c.terms]),
        (grade_levels, [(c.school_id, row) for c in plan.created for row in c.grade_levels]),
        (days, [(c.school_id, row) for c in plan.created for row in c.day_rows()]),
    )
    return [ChangeStep(table.name, INSERT, tuple(_columns(table)),
                       [(school, None, row) for school, row in rows])
            for table, rows in batches]


def insert_copies(conn: Connection, step: ChangeStep) -> int:
    """Write one table's new rows in bulk."""
    table = {t.name: t for t in (calendars, structures, terms, grade_levels, days)}[step.table]
    rows = [after for _school, _before, after in step.rows]
    return insert_rows(conn, table, list(step.columns), rows) if rows else 0

"""What the year-end module tests (test_module_*.py) share for looking at a module's plan: the rows
it inserts, a table's columns, and the check that its steps insert whole rows in the right schools.
(Their districts are loaded with tests/districts.py: `loaded_fixture`, `run_module`.)
"""

from __future__ import annotations

from rollover.domain.change_plan import INSERT


def columns(table) -> tuple[str, ...]:
    """A table's column names, in order: what a whole row of it holds."""
    return tuple(c.name for c in table.columns)


def inserted(plan, table: str | None = None) -> list[tuple]:
    """The rows the plan's steps write (the new versions), of one table or of every step."""
    return [after for s in plan.steps if table is None or s.table == table
            for _school, _before, after in s.rows]


def assert_inserts_whole_rows(plan, tables, schools: set) -> None:
    """The plan's steps are inserts into `tables`, one step each and in that order, of whole
    table rows, every row in one of `schools`."""
    assert [(s.table, s.action) for s in plan.steps] == [(t.name, INSERT) for t in tables]
    for step, table in zip(plan.steps, tables):
        assert step.columns == columns(table)
    assert {school for s in plan.steps for school, _b, _a in s.rows} == schools

"""Which later runs depend on a run (what `rollover undo` must undo with it), from the runs' saved
rows alone.

A later run depends on an earlier one when it changed a row the earlier run changed (the same
table and key), or wrote a row that names, by a foreign key, a row the earlier run inserted (an
enrollment in a calendar a calendar roll created).  Undoing the earlier run alone would either
lose the later run's change without saying so, or leave a row naming nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Connection, select

from ..domain.change_plan import INSERT
from .undo_log import key_columns, saved_steps, table_named
from .schema import runs
from .schema_process import run_backup_rows, run_backup_steps

STREAM = {"stream_results": True, "yield_per": 10_000}


def later_runs_with_changes(conn: Connection, after: dt.datetime, run_id: str) -> list[str]:
    """Completed real runs that saved rows and started after the given moment, oldest first
    (the run itself left out)."""
    r, s = runs.c, run_backup_steps.c
    query = (select(r.run_id).where(
        r.mode == "run", r.status == "completed", r.started_at >= after, r.run_id != run_id,
        r.run_id.in_(select(s.run_id).distinct()))
        .order_by(r.started_at, r.run_id))
    return list(conn.execute(query).scalars())


class _Touched:
    """The rows a set of runs changed (table -> keys), and those they inserted."""

    def __init__(self) -> None:
        self.changed: dict[str, set[str]] = defaultdict(set)
        self.inserted: dict[str, set[str]] = defaultdict(set)

    def add_run(self, conn: Connection, run_id: str) -> None:
        b = run_backup_rows.c
        for step in saved_steps(conn, run_id):
            keys = conn.execute(select(b.row_key).where(
                b.run_id == run_id, b.seq.between(step.first_seq, step.last_seq)),
                execution_options=STREAM).scalars()
            if step.action == INSERT:
                keys = list(keys)
                self.inserted[step.table].update(keys)
            self.changed[step.table].update(keys)


def _references(table_name: str) -> list[tuple[list[str], str]]:
    """(the columns, the table they name) for each foreign key of a table that names another
    table's whole primary key."""
    found = []
    for foreign_key in table_named(table_name).foreign_key_constraints:
        target = foreign_key.referred_table
        if [e.column.name for e in foreign_key.elements] == key_columns(target):
            found.append(([c.name for c in foreign_key.columns], target.name))
    return found


def _key_text(values: list) -> str | None:
    """A referenced key as the saved rows write it (`run_backup.key_encoder`)."""
    if any(v is None for v in values):
        return None
    if len(values) == 1:
        return values[0] if isinstance(values[0], str) else str(values[0])
    return json.dumps(values, separators=(",", ":"))


def _depends(conn: Connection, run_id: str, touched: _Touched) -> bool:
    b = run_backup_rows.c
    for step in saved_steps(conn, run_id):
        references = [(columns, target) for columns, target in _references(step.table)
                      if touched.inserted.get(target)]
        changed = touched.changed.get(step.table, set())
        if not changed and not references:
            continue
        positions = {name: i for i, name in enumerate(step.columns)}
        rows = conn.execute(select(b.row_key, b.after).where(
            b.run_id == run_id, b.seq.between(step.first_seq, step.last_seq)),
            execution_options=STREAM)
        for key, after in rows:
            if key in changed:
                return True
            if after is None or not references:
                continue
            values = json.loads(after)
            for columns, target in references:
                named = _key_text([values[positions[c]] for c in columns])
                if named is not None and named in touched.inserted[target]:
                    return True
    return False


def dependent_runs(conn: Connection, run_id: str, started_at: dt.datetime,
                   exclude: Iterable[str] = ()) -> list[str]:
    """The later runs that depend on the run, directly or through one another, oldest first."""
    touched = _Touched()
    touched.add_run(conn, run_id)
    found = []
    skip = set(exclude)
    for later in later_runs_with_changes(conn, started_at, run_id):
        if later not in skip and _depends(conn, later, touched):
            found.append(later)
            touched.add_run(conn, later)
    return found


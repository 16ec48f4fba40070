"""Applying a module run's changes with their backup, and undoing them (YE-8, YE-9).

`apply_changes` saves every row a step will insert, update or delete (as it was before and as it
will be after) in `run_backup_rows`, then makes the change, in bulk, on the caller's transaction.
`restore_runs` undoes runs from those rows alone, newest run first and each run's steps in
reverse, so the tables end exactly as they were before the oldest of them.  `later_edits` finds
rows that changed after the runs (by a user, or anything but the runs themselves): a restore
would lose those edits.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby, islice

from sqlalchemy import Connection, Table, and_, bindparam, select, tuple_

from ..domain.changes import DELETE, INSERT, UPDATE, ChangeStep
from ..progress import Progress, no_progress
from .bulk import insert_rows
from .schema import metadata
from .schema_process import run_backup_rows

BACKUP_COLUMNS = [c.name for c in run_backup_rows.columns]
STREAM = {"stream_results": True, "yield_per": 10_000}
CHUNK = 2_000


def table_named(name: str) -> Table:
    return metadata.tables[name]


def key_columns(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


# -- rows as JSON text (dates as ISO), and back with the table's types ------------------------------

def encode(columns: Sequence[str], row: tuple | None) -> str | None:
    if row is None:
        return None
    return json.dumps({c: (v.isoformat() if isinstance(v, dt.date) else v)
                       for c, v in zip(columns, row)}, separators=(",", ":"))


def decode(table: Table, text: str | None) -> dict | None:
    if text is None:
        return None
    values = json.loads(text)
    for name, value in values.items():
        if value is None:
            continue
        kind = table.c[name].type.python_type
        if kind is dt.datetime:
            values[name] = dt.datetime.fromisoformat(value)
        elif kind is dt.date:
            values[name] = dt.date.fromisoformat(value)
    return values


# -- apply -----------------------------------------------------------------------------------------

def apply_changes(conn: Connection, run_id: str, steps: list[ChangeStep],
                  progress: Progress = no_progress) -> None:
    """Save the backup of every step, then apply it; all on the caller's transaction."""
    seq = 0
    total = sum(len(step.rows) for step in steps)
    done = 0
    for step in steps:
        table = table_named(step.table)
        missing = set(table.c.keys()) - set(step.columns)
        if missing and step.action != INSERT:
            # A partial row could not be restored exactly.
            raise ValueError(f"{step.table}: a {step.action} step must carry every column; "
                             f"missing {sorted(missing)}")
        keys = key_columns(table)
        positions = [step.columns.index(k) for k in keys]

        def backup_rows(start: int):
            for offset, (school_id, before, after) in enumerate(step.rows):
                row = after if after is not None else before
                yield (run_id, start + offset, step.table, step.action, school_id,
                       json.dumps([_plain(row[p]) for p in positions]),
                       encode(step.columns, before), encode(step.columns, after))

        insert_rows(conn, run_backup_rows, BACKUP_COLUMNS, backup_rows(seq + 1))
        seq += len(step.rows)
        _apply(conn, table, step.action, step.columns,
               [(before, after) for _school, before, after in step.rows])
        done += len(step.rows)
        progress("writing", done, total)


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _apply(conn: Connection, table: Table, action: str, columns: Sequence[str],
           pairs: list[tuple[tuple | None, tuple | None]]) -> None:
    if action == INSERT:
        insert_rows(conn, table, columns, (after for _before, after in pairs))
    elif action == UPDATE:
        _update(conn, table, [dict(zip(columns, after)) for _before, after in pairs])
    else:
        _delete(conn, table, [dict(zip(columns, before)) for before, _after in pairs])


def _key_match(table: Table):
    return and_(*(table.c[k] == bindparam(f"key_{k}") for k in key_columns(table)))


def _update(conn: Connection, table: Table, rows: list[dict]) -> None:
    if not rows:
        return
    keys = key_columns(table)
    others = [c for c in rows[0] if c not in keys]
    statement = table.update().where(_key_match(table)).values(
        {c: bindparam(f"new_{c}") for c in others})
    for chunk in _chunks(rows, CHUNK):
        conn.execute(statement, [{**{f"key_{k}": r[k] for k in keys},
                                  **{f"new_{c}": r[c] for c in others}} for r in chunk])


def _delete(conn: Connection, table: Table, rows: list[dict]) -> None:
    if not rows:
        return
    keys = key_columns(table)
    statement = table.delete().where(_key_match(table))
    for chunk in _chunks(rows, CHUNK):
        conn.execute(statement, [{f"key_{k}": r[k] for k in keys} for r in chunk])


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# -- read back -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SavedRow:
    run_id: str
    seq: int
    table: str
    action: str
    school_id: str | None
    key: tuple
    before: dict | None
    after: dict | None


def saved_rows(conn: Connection, run_id: str, *, newest_first: bool = False) -> Iterator[SavedRow]:
    """A run's backup rows in the order they were applied (or the reverse)."""
    b = run_backup_rows.c
    order = b.seq.desc() if newest_first else b.seq
    for row in conn.execute(select(run_backup_rows).where(b.run_id == run_id).order_by(order),
                            execution_options=STREAM):
        table = table_named(row.table_name)
        yield SavedRow(row.run_id, row.seq, row.table_name, row.action, row.school_id,
                       _typed_key(table, json.loads(row.row_key)),
                       decode(table, row.before), decode(table, row.after))


def _typed_key(table: Table, values: list) -> tuple:
    typed = []
    for name, value in zip(key_columns(table), values):
        if value is not None and table.c[name].type.python_type is dt.date:
            value = dt.date.fromisoformat(value)
        typed.append(value)
    return tuple(typed)


# -- restore ---------------------------------------------------------------------------------------

def restore_runs(conn: Connection, run_ids_newest_first: Sequence[str],
                 progress: Progress = no_progress,
                 on_change: Callable[[ChangeStep], None] | None = None) -> dict[str, int]:
    """Undo each run from its backup rows, newest run first, each run's rows in reverse order;
    `on_change` hears each undo as a step of its own.  Returns the rows put back per table."""
    restored: dict[str, int] = {}
    for done, run_id in enumerate(run_ids_newest_first, start=1):
        for (table_name, action), group in groupby(saved_rows(conn, run_id, newest_first=True),
                                                   key=lambda r: (r.table, r.action)):
            table = table_named(table_name)
            rows = list(group)
            if action == INSERT:
                _delete(conn, table, [dict(zip(key_columns(table), r.key)) for r in rows])
            elif action == UPDATE:
                _update(conn, table, [r.before for r in rows])
            else:
                columns = list(rows[0].before)
                insert_rows(conn, table, columns, (tuple(r.before[c] for c in columns)
                                                    for r in rows))
            restored[table_name] = restored.get(table_name, 0) + len(rows)
            if on_change is not None:
                on_change(_undo_step(table, action, rows))
        progress("restoring", done, len(run_ids_newest_first))
    return restored


def _undo_step(table: Table, action: str, rows: list[SavedRow]) -> ChangeStep:
    """What undoing saved rows did, as a step: an insert undone is a delete, and so on."""
    columns = tuple(c.name for c in table.columns)

    def whole(values: dict | None) -> tuple | None:
        return None if values is None else tuple(values.get(c) for c in columns)

    undo = {INSERT: DELETE, UPDATE: UPDATE, DELETE: INSERT}[action]
    return ChangeStep(table.name, undo, columns,
                      [(r.school_id, whole(r.after), whole(r.before)) for r in rows])


@dataclass(frozen=True)
class LaterEdit:
    """A row that is no longer as the runs left it: a restore would lose this change."""

    table: str
    key: tuple
    expected: dict | None  # as the last of the runs left it (None: the run deleted it)
    now: dict | None  # as it is now (None: it is gone)

    @property
    def what(self) -> str:
        if self.now is None:
            return "deleted after the run"
        if self.expected is None:
            return "added again after the run deleted it"
        changed = sorted(c for c in self.now if self.now[c] != self.expected.get(c))
        return "changed after the run: " + ", ".join(changed)


def later_edits(conn: Connection, run_ids_oldest_first: Sequence[str]) -> list[LaterEdit]:
    """Rows the runs wrote (or deleted) that are not as the newest of those runs left them."""
    expected: dict[tuple[str, tuple], dict | None] = {}
    for run_id in run_ids_oldest_first:
        for row in saved_rows(conn, run_id):
            expected[(row.table, row.key)] = row.after
    edits: list[LaterEdit] = []
    by_table: dict[str, list[tuple]] = {}
    for table_name, key in expected:
        by_table.setdefault(table_name, []).append(key)
    for table_name in sorted(by_table):
        table = table_named(table_name)
        current = current_rows(conn, table, by_table[table_name])
        for key in sorted(by_table[table_name], key=_sortable):
            want, now = expected[(table_name, key)], current.get(key)
            if want != now:
                edits.append(LaterEdit(table_name, key, want, now))
    return edits


def _sortable(key: tuple) -> tuple:
    return tuple("" if v is None else str(v) for v in key)


def current_rows(conn: Connection, table: Table, keys: list[tuple]) -> dict[tuple, dict]:
    names = key_columns(table)
    key_expr = tuple_(*(table.c[n] for n in names)) if len(names) > 1 else table.c[names[0]]
    found: dict[tuple, dict] = {}
    for chunk in _chunks(keys, CHUNK // max(1, len(names))):
        values = chunk if len(names) > 1 else [k[0] for k in chunk]
        for row in conn.execute(select(table).where(key_expr.in_(values))):
            mapping = dict(row._mapping)
            found[tuple(mapping[n] for n in names)] = mapping
    return found

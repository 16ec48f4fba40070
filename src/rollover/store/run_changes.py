"""Applying a run's change plan with its undo log, and undoing runs from it (YE-8, YE-9).

`save_and_apply` (the unit of work's `change`) saves every row a step will insert, update or delete (as it was before and as it
will be after, see `undo_log.py`), then makes the change, in bulk, on the caller's transaction.
`restore_runs` undoes runs from those rows alone, newest run first and each run's steps in
reverse, so the tables end exactly as they were before the oldest of them.  `later_edits` finds
rows that are no longer as the runs left them (a user's edit): a restore would lose them.

Rows with a one-column text key (enrollments, courses, plans ...) are undone and compared with
set-based statements that join the undo log to the table, so a run of a million rows costs a few
statements, not a million round trips.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice

from sqlalchemy import Connection, Table, and_, bindparam, func, select, tuple_

from ..domain.change_plan import DELETE, INSERT, UPDATE, ChangeStep
from ..progress import Progress, Tally, no_progress
from .bulk import insert_rows
from .selected_rows import SelectedRows
from .undo_log import (
    SavedRow, SavedStep, decoder, encode_row, has_text_key, key_columns, record_step,
    save_step, saved_steps, step_rows, table_named, typed_key,
)
from .schema_process import run_backup_rows, run_backup_steps

CHUNK = 2_000
STREAM = {"stream_results": True, "yield_per": 10_000}


# -- apply -----------------------------------------------------------------------------------------

def apply_changes(conn: Connection, run_id: str, steps: list[ChangeStep],
                  progress: Progress = no_progress) -> None:
    """Save every step in the undo log, then apply it; all on the caller's transaction."""
    total = sum(len(step.rows) for step in steps)
    done = 0
    for step in steps:
        save_and_apply(conn, run_id, step)
        done += len(step.rows)
        progress("writing", done, total)


def save_and_apply(conn: Connection, run_id: str, step: ChangeStep,
                   write: Callable[[], object] | None = None, *, keep: bool = True,
                   counted: Callable[[Iterable], Iterable] = iter) -> None:
    """Save one step's rows in the run's undo log (after the steps it saved before), then apply
    it: with `write` when the step is written by a statement of its own, else row by row in
    bulk.  `keep` False: apply only (a run nobody can undo).  `counted` passes the rows saved
    and the rows written on (a progress count of them, see progress.Tally)."""
    table = table_named(step.table)
    missing = set(table.c.keys()) - set(step.columns)
    if missing:  # a partial row could not be put back exactly
        raise ValueError(f"{step.table}: a {step.action} step must carry every column; "
                         f"missing {sorted(missing)}")
    if keep:
        s = run_backup_steps.c
        number, last_seq = conn.execute(
            select(func.coalesce(func.max(s.step), 0), func.coalesce(func.max(s.last_seq), 0))
            .where(s.run_id == run_id)).one()
        if isinstance(step.rows, SelectedRows):  # saved by the database: counted as saved
            record_step(conn, run_id, number + 1, last_seq + 1, step)
            step.rows.save(run_id, last_seq + 1, str(step.table))
            _count(counted, len(step.rows))
        else:
            save_step(conn, run_id, number + 1, last_seq + 1, step, counted)
    if write is not None:
        write()
    elif isinstance(step.rows, SelectedRows):
        step.rows.write()
        _count(counted, len(step.rows))
    else:
        _apply(conn, table, step.action, step.columns,
               counted([(before, after) for _school, before, after in step.rows]))


def _count(counted: Callable[[Iterable], Iterable], rows: int) -> None:
    """Pass `rows` rows that a statement wrote through `counted` (their progress count)."""
    deque(counted(range(rows)), maxlen=0)


def _apply(conn: Connection, table: Table, action: str, columns: Sequence[str],
           pairs: Iterable[tuple[tuple | None, tuple | None]]) -> None:
    if action == INSERT:
        insert_rows(conn, table, columns, (after for _before, after in pairs))
    elif action == UPDATE:
        _update(conn, table, (dict(zip(columns, after)) for _before, after in pairs))
    else:
        _delete(conn, table, (dict(zip(columns, before)) for before, _after in pairs))


def _key_match(table: Table):
    return and_(*(table.c[k] == bindparam(f"key_{k}") for k in key_columns(table)))


def _update(conn: Connection, table: Table, rows: Iterable[dict]) -> None:
    chunks = _chunks(rows, CHUNK)
    first = next(chunks, None)
    if first is None:
        return
    keys = key_columns(table)
    others = [c for c in first[0] if c not in keys]
    statement = table.update().where(_key_match(table)).values(
        {c: bindparam(f"new_{c}") for c in others})
    for chunk in chain([first], chunks):
        conn.execute(statement, [{**{f"key_{k}": r[k] for k in keys},
                                  **{f"new_{c}": r[c] for c in others}} for r in chunk])


def _delete(conn: Connection, table: Table, rows: Iterable[dict]) -> None:
    keys = key_columns(table)
    statement = table.delete().where(_key_match(table))
    for chunk in _chunks(rows, CHUNK):
        conn.execute(statement, [{f"key_{k}": r[k] for k in keys} for r in chunk])


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _saved_keys(step: SavedStep):
    """The keys a saved step holds, as a subquery to join or match the table's key against."""
    b = run_backup_rows.c
    return select(b.row_key).where(b.run_id == step.run_id,
                                   b.seq.between(step.first_seq, step.last_seq))


# -- restore ---------------------------------------------------------------------------------------

def restore_runs(conn: Connection, run_ids_newest_first: Sequence[str],
                 progress: Progress = no_progress,
                 on_change: Callable[[ChangeStep], None] | None = None) -> dict[str, int]:
    """Undo each run from its undo log, newest run first, each run's steps and rows in reverse
    order; `on_change` hears each undo as a step of its own.  Returns rows put back per table.
    Progress: "restoring", in rows put back (a step at a time)."""
    steps = [step for run_id in run_ids_newest_first
             for step in reversed(saved_steps(conn, run_id))]
    restoring = Tally(progress, "restoring", sum(_size(step) for step in steps)).start()
    restored: dict[str, int] = {}
    for step in steps:
        restored[step.table] = restored.get(step.table, 0) + _undo(conn, step, on_change)
        restoring.add(_size(step))
    restoring.finish()
    return restored


def _size(step: SavedStep) -> int:
    return step.last_seq - step.first_seq + 1


def _undo(conn: Connection, step: SavedStep, on_change) -> int:
    table = table_named(step.table)
    count = step.last_seq - step.first_seq + 1
    if step.action == INSERT and on_change is None and has_text_key(table):
        # The common, large case (a run's new rows): one statement.
        conn.execute(table.delete().where(table.c[key_columns(table)[0]].in_(_saved_keys(step))))
        return count
    rows = list(step_rows(conn, step, newest_first=True))
    if step.action == INSERT:
        _delete(conn, table, [dict(zip(key_columns(table), r.key)) for r in rows])
    elif step.action == UPDATE:
        _update(conn, table, [r.before for r in rows])
    else:
        insert_rows(conn, table, list(step.columns),
                    (tuple(r.before[c] for c in step.columns) for r in rows))
    if on_change is not None:
        on_change(_undo_step(table, step.action, rows))
    return count


def _undo_step(table: Table, action: str, rows: list[SavedRow]) -> ChangeStep:
    """What undoing saved rows did, as a step: an insert undone is a delete, and so on."""
    columns = tuple(c.name for c in table.columns)

    def whole(values: dict | None) -> tuple | None:
        return None if values is None else tuple(values.get(c) for c in columns)

    undo = {INSERT: DELETE, UPDATE: UPDATE, DELETE: INSERT}[action]
    return ChangeStep(table.name, undo, columns,
                      [(r.school_id, whole(r.after), whole(r.before)) for r in rows])


# -- rows changed after the runs -------------------------------------------------------------------

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


def later_edits(conn: Connection, run_ids_oldest_first: Sequence[str],
                progress: Progress = no_progress) -> list[LaterEdit]:
    """Rows the runs wrote (or deleted) that are not as the newest of those runs left them.
    Progress: "looking for later edits", in saved rows compared."""
    edits: list[LaterEdit] = []
    judged: set[tuple[str, str]] = set()  # (table, key) already compared with a newer step
    steps = {run_id: saved_steps(conn, run_id) for run_id in run_ids_oldest_first}
    repeating = _tables_saved_again(steps)
    comparing = Tally(progress, "looking for later edits",
                      sum(_size(step) for saved in steps.values() for step in saved)).start()
    for run_id in reversed(run_ids_oldest_first):
        for step in reversed(steps[run_id]):
            table = table_named(step.table)
            compare = _compare_joined if has_text_key(table) else _compare_by_keys
            for key_text, expected, now in comparing.rows(compare(conn, table, step),
                                                          _size(step)):
                if step.table in repeating:
                    if (step.table, key_text) in judged:
                        continue
                    judged.add((step.table, key_text))
                if expected != now:
                    # Rows the database saved spell characters outside ASCII as themselves
                    # (selected_rows.py): the same values, spelled otherwise, are no edit.
                    decode = decoder(table, step.columns)
                    if decode(expected) == decode(now):
                        continue
                    edits.append(LaterEdit(step.table, typed_key(table, key_text),
                                           decode(expected), decode(now)))
    comparing.finish()
    return sorted(edits, key=lambda e: (e.table, tuple(map(str, e.key))))


def _tables_saved_again(steps: dict[str, list[SavedStep]]) -> set[str]:
    """Tables whose rows may be saved by more than one step: only the newest says how the row
    was left.  Several runs: any table; one run: a table it deleted rows of and then wrote again
    (the demo district replacing another, under the same ids).  Elsewhere a key is saved once,
    and the keys compared need not be remembered (a million, for a large run)."""
    if len(steps) > 1:
        return {step.table for saved in steps.values() for step in saved}
    again: set[str] = set()
    deleted: set[str] = set()
    for saved in steps.values():
        for step in saved:
            if step.table in deleted:
                again.add(step.table)
            if step.action == DELETE:
                deleted.add(step.table)
    return again


def _compare_joined(conn: Connection, table: Table, step: SavedStep):
    """(key, the row as the run left it, the row as it is now), both encoded alike, for every
    row of a step, read with one join of the undo log to the table."""
    b = run_backup_rows.c
    key = table.c[key_columns(table)[0]]
    current = [table.c[c] for c in step.columns]
    query = (select(b.row_key, b.after, key, *current)
             .select_from(run_backup_rows.outerjoin(table, key == b.row_key))
             .where(b.run_id == step.run_id, b.seq.between(step.first_seq, step.last_seq)))
    for row in conn.execute(query, execution_options=STREAM):
        yield row[0], row[1], (None if row[2] is None else encode_row(tuple(row[3:])))


def _compare_by_keys(conn: Connection, table: Table, step: SavedStep):
    """The same for tables with composite or non-text keys: their rows, fetched by key."""
    b = run_backup_rows.c
    saved = conn.execute(select(b.row_key, b.after).where(
        b.run_id == step.run_id, b.seq.between(step.first_seq, step.last_seq))).all()
    current = current_rows(conn, table, [typed_key(table, k) for k, _after in saved])
    for key_text, after in saved:
        now = current.get(typed_key(table, key_text))
        yield key_text, after, (None if now is None else
                                encode_row(tuple(now[c] for c in step.columns)))


def whole_rows(conn: Connection, table_name: str, ids: Sequence[str]) -> list[tuple]:
    """The rows of a table with a one-column key among `ids`, whole (all columns, in the table's
    order), in the order of `ids`; ids with no row are left out."""
    table = table_named(table_name)
    columns = [c.name for c in table.columns]
    found = current_rows(conn, table, [(i,) for i in ids])
    return [tuple(found[(i,)][c] for c in columns) for i in ids if (i,) in found]


def current_rows(conn: Connection, table: Table, keys: list[tuple]) -> dict[tuple, dict]:
    """The rows of `table` with the given keys, by key."""
    names = key_columns(table)
    key_expr = tuple_(*(table.c[n] for n in names)) if len(names) > 1 else table.c[names[0]]
    found: dict[tuple, dict] = {}
    for chunk in _chunks(keys, CHUNK // max(1, len(names))):
        values = chunk if len(names) > 1 else [k[0] for k in chunk]
        for row in conn.execute(select(table).where(key_expr.in_(values))):
            mapping = dict(row._mapping)
            found[tuple(mapping[n] for n in names)] = mapping
    return found

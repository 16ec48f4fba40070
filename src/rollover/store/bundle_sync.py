"""What `rollover import --sync` needs of the store besides an import's writes
(`bundle_rows.py`): the stored rows a bundle file does not hold, the rows of tables the sync
leaves alone that still name them, and the runs whose undo logs hold them.

Boundaries and overrides have no id in a bundle (a row is known by its columns): their file is
synced here in one step, as the table is small.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, Table, func, select, tuple_

from ..bundle.format import BundleFile
from ..domain.change_plan import DELETE, INSERT, ChangeStep
from .bulk import new_keys, read_rows
from .bundle_rows import Change
from .schema import metadata, runs
from .schema_process import run_backup_rows
from .undo_log import key_columns

LOOKUP_CHUNK = 500


def sync_generated_keys(conn: Connection, change: Change, spec: BundleFile,
                        rows: list[tuple], *, draw_keys: bool = True) -> None:
    """Make a table whose key the store generates (boundaries, overrides) hold exactly the
    bundle's rows: a stored row equal to a bundle row (every bundle column) stays as it is, with
    its key; the others are deleted; the bundle rows equal to no stored row are inserted under
    new keys (`draw_keys` False, in a test that writes nothing: none drawn, the keys unset)."""
    table = metadata.tables[spec.table]
    (key,) = key_columns(table)
    columns = (key, *spec.column_names)
    stored = [tuple(row) for row in conn.execute(
        select(*(table.c[c] for c in columns)).order_by(table.c[key]))]
    added, gone = unmatched(stored, rows)
    change(ChangeStep(table.name, DELETE, columns, [(None, row, None) for row in gone]), None)
    numbers = new_keys(conn, table, len(added)) if draw_keys else [None] * len(added)
    whole = [(number, *row) for number, row in zip(numbers, added)]
    change(ChangeStep(table.name, INSERT, columns, [(None, None, row) for row in whole]), None)


def unmatched(stored: list[tuple], given: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """Rows matched one for one, each stored row (its generated key first) against the given
    rows (without it): (the given rows no stored row equals, the stored rows no given row
    equals), each in its own order."""
    unmatched_stored = Counter(row[1:] for row in stored)
    added = []
    for row in given:
        if unmatched_stored[row] > 0:
            unmatched_stored[row] -= 1
        else:
            added.append(row)
    unmatched_given = Counter(given)
    gone = []
    for row in stored:
        if unmatched_given[row[1:]] > 0:
            unmatched_given[row[1:]] -= 1
        else:
            gone.append(row)
    return added, gone


def rows_not_kept(conn: Connection, table: Table, kept: set[tuple]) -> list[tuple]:
    """The stored rows (whole, in the table's column order, by key) whose key (the table's
    primary key, in its order) is not among `kept`."""
    columns = [c.name for c in table.columns]
    positions = [columns.index(k) for k in key_columns(table)]
    return [tuple(row) for row in read_rows(conn, table, columns)
            if tuple(row[p] for p in positions) not in kept]


@dataclass(frozen=True)
class StillNamed:
    """Rows of another table that name a row about to be deleted."""

    table: str  # the table whose rows name it
    columns: tuple[str, ...]  # its columns that do
    values: tuple  # the values they hold
    rows: int


def rows_naming(conn: Connection, table: Table, rows: list[tuple],
                left_alone: Callable[[str], bool]) -> list[StillNamed]:
    """For each foreign key to `table` from a table `left_alone` (one the sync does not touch),
    the values of `rows` its rows still name, and how many name each."""
    columns = [c.name for c in table.columns]
    found = []
    for other in metadata.sorted_tables:
        if other is table or not left_alone(other.name):
            continue
        for foreign_key in other.foreign_key_constraints:
            if foreign_key.referred_table is not table:
                continue
            naming = tuple(c.name for c in foreign_key.columns)
            positions = [columns.index(e.column.name) for e in foreign_key.elements]
            named = sorted({tuple(row[p] for p in positions) for row in rows
                            if all(row[p] is not None for p in positions)}, key=str)
            found += [StillNamed(other.name, naming, values, count)
                      for values, count in _counted(conn, other, naming, named)]
    return found


def _counted(conn: Connection, table: Table, columns: tuple[str, ...], values: list[tuple]):
    named = [table.c[c] for c in columns]
    key = tuple_(*named) if len(named) > 1 else named[0]
    for start in range(0, len(values), LOOKUP_CHUNK):
        chunk = values[start:start + LOOKUP_CHUNK]
        wanted = chunk if len(named) > 1 else [v[0] for v in chunk]
        query = select(*named, func.count()).where(key.in_(wanted)).group_by(*named)
        for row in conn.execute(query):
            yield tuple(row[:-1]), row[-1]


def runs_holding(conn: Connection, table_name: str, keys: Iterable[str],
                 leaving_out_kinds: Iterable[str]) -> list[tuple[str, str, str]]:
    """(key, run_id, kind) for each completed Run, not undone and of none of the kinds left out,
    whose undo log holds a row of `table_name` with one of the keys (as the undo log writes
    them, `undo_log.key_encoder`); oldest run first."""
    b, r = run_backup_rows.c, runs.c
    keys = sorted(set(keys))
    found: list[tuple[str, str, str]] = []
    for start in range(0, len(keys), LOOKUP_CHUNK):
        query = (select(b.row_key, r.run_id, r.kind, r.started_at).distinct()
                 .join(runs, r.run_id == b.run_id)
                 .where(b.table_name == table_name, b.row_key.in_(keys[start:start + LOOKUP_CHUNK]),
                        r.mode == "run", r.status == "completed",
                        r.kind.not_in(list(leaving_out_kinds))))
        found += [(key, run_id, kind) for key, run_id, kind, _at in sorted(
            conn.execute(query), key=lambda row: (row[3], row[1], row[0]))]
    return found

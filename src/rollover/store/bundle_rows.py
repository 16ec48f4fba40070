"""A bundle's rows written into the store as the steps of a run (an import, the demo district):
every row inserted, replaced or deleted is saved whole as the run's backup before it is written
(YE-8), so that `rollover undo` puts back exactly what was there.

The caller's `change(step, write)` (the unit of work's) saves a step and then writes it.  Rows
are taken a chunk at a time from the stream the import's checks hand over, so memory stays
bounded, and each chunk is written in its own statements: on PostgreSQL a COPY must not share
its connection with a statement run from inside the rows it is reading.

- Into a table with no rows: insert steps; in a bulk load (`is_bulk_load`) the table's indexes
  are built once after the load.
- Replacing (`--replace`): per chunk, the stored rows of its keys are read; the replaced rows are
  an update step (the row before and after), written before the new rows' insert step.  Replaced
  rows moved ahead of new ones never clash with them (a new row cannot take a value a later
  replaced row still held), and undone in reverse the order holds again.  Rows equal to the
  stored ones are neither written nor saved.
- Boundaries and overrides (a key the store generates): the stored rows a bundle row repeats are
  a delete step; the new rows are an insert step under keys drawn before the write, so the saved
  rows carry the keys the rows get.
- The district's settings (one row): an update, or an insert (a delete for an empty file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice, repeat
from operator import itemgetter
from pathlib import Path

from sqlalchemy import Column, Connection, MetaData, Table, and_, bindparam, select, tuple_

from ..bundle.format import BundleFile
from ..domain.change_plan import DELETE, INSERT, UPDATE, ChangeStep
from .bulk import insert_rows, loading_empty_table, new_keys
from .undo_log import key_columns
from .schema import metadata

CHUNK_ROWS = 20_000
# Below this many bytes of CSV a load writes through the tables' indexes: dropping and building
# them again (and, on PostgreSQL, their foreign keys) costs more than it saves on a few rows.
BULK_LOAD_BYTES = 1 << 20


def is_bulk_load(files: Iterable[Path]) -> bool:
    """Whether a load of these files (a bundle's) is large enough to be worth taking the indexes
    of its empty tables off for the load.  One answer for the whole load: on PostgreSQL a table
    with rows awaiting their deferred foreign-key checks cannot be altered."""
    return sum(path.stat().st_size for path in files) > BULK_LOAD_BYTES


Change = Callable[[ChangeStep, Callable[[], object] | None], None]


def load_rows(conn: Connection, change: Change, spec: BundleFile, rows: Iterable[tuple], *,
              replace: bool = False, empty_table: bool = False, bulk: bool = True) -> None:
    """Write one bundle file's typed rows (in its column order) into its table, each step saved
    through `change`; `empty_table`: the table held no rows; `replace`: a row with a stored key
    replaces the stored row; `bulk`: an empty table's indexes are built after the load
    (`is_bulk_load`)."""
    table = metadata.tables[spec.table]
    columns = tuple(spec.column_names)
    if spec.single_row:
        _load_settings(conn, change, table, columns, list(rows))
    elif not set(spec.key) <= set(key_columns(table)):
        _load_generated_keys(conn, change, spec, table, list(rows), replace=replace,
                             empty_table=empty_table, bulk=bulk)
    elif empty_table and bulk:
        with loading_empty_table(conn, table):
            _insert(conn, change, table, columns, rows)
    elif replace and not empty_table:
        _replace(conn, change, table, columns, rows)
    else:
        _insert(conn, change, table, columns, rows)  # a stored key: the store refuses it


def _insert(conn: Connection, change: Change, table: Table, columns: tuple[str, ...],
            rows: Iterable[tuple]) -> None:
    for chunk in _chunks(rows):
        new_rows = list(zip(repeat(None), repeat(None), chunk))  # (school, before, after)
        change(ChangeStep(table.name, INSERT, columns, new_rows),
               lambda chunk=chunk: insert_rows(conn, table, columns, chunk))


def _replace(conn: Connection, change: Change, table: Table, columns: tuple[str, ...],
             rows: Iterable[tuple]) -> None:
    positions = [columns.index(k) for k in key_columns(table)]
    key_of = itemgetter(*positions) if len(positions) > 1 else (lambda row: (row[positions[0]],))
    wanted = _keys_table(conn, table)
    for chunk in _chunks(rows):
        stored = _stored_rows(conn, table, wanted, list(map(key_of, chunk)))
        replaced, added = [], []
        for row in chunk:
            before = stored.get(key_of(row))
            if before is None:
                added.append((None, None, row))
            elif before != row:
                replaced.append((None, before, row))
        change(ChangeStep(table.name, UPDATE, columns, replaced),
               lambda rows=[r[2] for r in replaced]: insert_rows(conn, table, columns, rows,
                                                                 upsert=True))
        change(ChangeStep(table.name, INSERT, columns, added),
               lambda rows=[r[2] for r in added]: insert_rows(conn, table, columns, rows))
    wanted.drop(conn)


def _keys_table(conn: Connection, table: Table) -> Table:
    """A temporary table for the keys of a chunk of rows, to read their stored rows with one
    join (an IN list of composite keys is read row by row)."""
    names = key_columns(table)
    keys = Table(f"replacing_{table.name}", MetaData(),
                 *(Column(n, table.c[n].type, primary_key=True) for n in names),
                 prefixes=["TEMPORARY"])
    keys.create(conn)
    return keys


def _stored_rows(conn: Connection, table: Table, keys: Table, wanted: list[tuple]
                 ) -> dict[tuple, tuple]:
    """The stored rows (whole, in the table's column order) with the wanted keys, by key."""
    names = [c.name for c in keys.columns]
    conn.execute(keys.delete())
    insert_rows(conn, keys, names, wanted)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.quote(keys.name)}")
    query = select(table).join(keys, and_(*(table.c[n] == keys.c[n] for n in names)))
    positions = [list(table.c.keys()).index(n) for n in names]
    return {tuple(row[p] for p in positions): tuple(row) for row in conn.execute(query)}


def _load_generated_keys(conn: Connection, change: Change, spec: BundleFile, table: Table,
                         rows: list[tuple], *, replace: bool, empty_table: bool,
                         bulk: bool) -> None:
    """Boundaries and overrides: the bundle names no key; a row replaces the stored rows equal
    to it in every column of `spec.key` (empty equals empty).  Their lists are small."""
    (key,) = key_columns(table)
    columns = (key, *spec.column_names)  # the table's whole row, its key first
    # Drawn first: above every stored key, so no key is both deleted and inserted by the run.
    whole = [(number, *row) for number, row in zip(new_keys(conn, table, len(rows)), rows)]
    if replace and not empty_table:
        positions = [spec.column_names.index(k) for k in spec.key]
        repeated = {tuple(row[p] for p in positions) for row in rows}
        gone = [tuple(stored) for stored in conn.execute(
            select(*(table.c[c] for c in columns)).order_by(table.c[key]))
            if tuple(stored[1 + p] for p in positions) in repeated]
        change(ChangeStep(table.name, DELETE, columns, [(None, row, None) for row in gone]), None)
    step = ChangeStep(table.name, INSERT, columns, [(None, None, row) for row in whole])
    if empty_table and bulk:
        with loading_empty_table(conn, table):
            change(step, None)
    else:
        change(step, None)


def _load_settings(conn: Connection, change: Change, table: Table, columns: tuple[str, ...],
                   rows: list[tuple]) -> None:
    """The district's settings: one row under a fixed key, replaced by a newer bundle (the
    checks hand over one row at most)."""
    (key,) = key_columns(table)
    whole = (key, *columns)
    stored = conn.execute(select(*(table.c[c] for c in whole))).first()
    before = None if stored is None else tuple(stored)
    after = (1, *rows[0]) if rows else None
    if before == after:
        return
    action = UPDATE if before and after else (INSERT if after else DELETE)
    change(ChangeStep(table.name, action, whole, [(None, before, after)]), None)


def delete_every_row(conn: Connection, change: Change, table: Table) -> None:
    """Delete every row of a table, saved as delete steps: a chunk of rows at a time in key
    order, each deleted by the range of keys it spans."""
    names = key_columns(table)
    columns = tuple(c.name for c in table.columns)
    positions = [columns.index(n) for n in names]
    key = tuple_(*(table.c[n] for n in names)) if len(names) > 1 else table.c[names[0]]

    def value(values: tuple):
        typed = [bindparam(None, v, type_=table.c[n].type) for n, v in zip(names, values)]
        return tuple_(*typed) if len(typed) > 1 else typed[0]

    after = None  # the last key of the chunk before
    while True:
        query = select(table).order_by(*(table.c[n] for n in names)).limit(CHUNK_ROWS)
        if after is not None:
            query = query.where(key > value(after))
        chunk = [tuple(row) for row in conn.execute(query)]
        if not chunk:
            return
        last = tuple(chunk[-1][p] for p in positions)
        within = key <= value(last) if after is None else and_(key > value(after),
                                                               key <= value(last))
        change(ChangeStep(table.name, DELETE, columns, [(None, row, None) for row in chunk]),
               lambda within=within: conn.execute(table.delete().where(within)))
        after = last


def _chunks(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK_ROWS)):
        yield chunk

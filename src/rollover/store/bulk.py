"""Bulk writes and reads of whole tables: PostgreSQL COPY, SQLite INSERTs of many rows each, no
ORM objects.

Rows are plain tuples in the order of the given columns, with Python values (str, int, bool,
date, None).  Everything runs on the caller's connection, inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, islice

from sqlalchemy import Connection, Table, func, select, text

BATCH_ROWS = 5_000


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple],
                *, upsert: bool = False) -> int:
    """Insert rows; with `upsert`, a row whose primary key exists replaces it. Returns the count."""
    if conn.dialect.name == "postgresql":
        return _copy_postgresql(conn, table, columns, rows, upsert)
    return _insert_sqlite(conn, table, columns, rows, upsert)


@contextmanager
def loading_empty_table(conn: Connection, table: Table) -> Iterator[None]:
    """Around the first rows written into a table that holds none yet (with `insert_rows`, in
    as many statements as the caller likes): faster than writing them through its indexes.

    The table's secondary indexes are built once after the load (one sort, not an insert per row
    into each), and PostgreSQL checks its foreign keys once, in one query, rather than row by row
    (most of the time of a large load).  All in the caller's transaction, so nobody sees the
    table without them; an error inside leaves them to the caller's rollback.
    """
    postgresql = conn.dialect.name == "postgresql"
    foreign_keys = _foreign_keys(conn, table) if postgresql else []
    indexes = _secondary_indexes(conn, table)
    target = conn.dialect.identifier_preparer.quote(table.name)
    for name, _definition in indexes:
        conn.exec_driver_sql(f"DROP INDEX {_quoted(conn, [name])}")
    if foreign_keys:
        conn.exec_driver_sql(f"ALTER TABLE {target} " + ", ".join(
            f"DROP CONSTRAINT {_quoted(conn, [name])}" for name, _ in foreign_keys))
    yield
    for _name, definition in indexes:
        conn.exec_driver_sql(definition)
    if foreign_keys:
        conn.exec_driver_sql(f"ALTER TABLE {target} " + ", ".join(
            f"ADD CONSTRAINT {_quoted(conn, [name])} {definition}"
            for name, definition in foreign_keys))


def new_keys(conn: Connection, table: Table, count: int) -> list[int]:
    """`count` new values of a table's one-column generated key (boundaries, overrides), in
    increasing order, as the database would give the rows inserted next: PostgreSQL draws them
    from the column's sequence, SQLite numbers on from the largest key."""
    (key,) = table.primary_key.columns
    if count == 0:
        return []
    if conn.dialect.name == "postgresql":
        query = text("SELECT nextval(pg_get_serial_sequence(:table, :column)) "
                     "FROM generate_series(1, :count)")
        return sorted(conn.execute(query, {"table": _qualified(conn, table),
                                           "column": key.name, "count": count}).scalars())
    largest = conn.execute(select(func.coalesce(func.max(key), 0))).scalar_one()
    return list(range(largest + 1, largest + 1 + count))


def _foreign_keys(conn: Connection, table: Table) -> list[tuple[str, str]]:
    """(name, definition) of each foreign key of a PostgreSQL table, as the server states them."""
    query = text("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                 "WHERE conrelid = to_regclass(:table) AND contype = 'f' ORDER BY conname")
    return [tuple(row) for row in conn.execute(query, {"table": _qualified(conn, table)})]


def _secondary_indexes(conn: Connection, table: Table) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of each index of a table that no constraint owns."""
    if conn.dialect.name == "postgresql":
        query = text("SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                     "JOIN pg_class c ON c.oid = i.indexrelid "
                     "WHERE i.indrelid = to_regclass(:table) AND NOT EXISTS "
                     "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
                     "ORDER BY c.relname")
        return [tuple(row) for row in conn.execute(query, {"table": _qualified(conn, table)})]
    # SQLite states the statement of every index but those of its PRIMARY KEY and UNIQUE clauses
    query = text("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                 "AND tbl_name = :table AND sql IS NOT NULL ORDER BY name")
    return [tuple(row) for row in conn.execute(query, {"table": table.name})]


def _qualified(conn: Connection, table: Table) -> str:
    return conn.dialect.identifier_preparer.format_table(table)


def refresh_statistics(conn: Connection, tables: Iterable[Table]) -> None:
    """After a bulk load: PostgreSQL plans the next bulk reads by table statistics, and tables
    it has never analysed make it choose badly (seconds become minutes)."""
    if conn.dialect.name == "postgresql":
        quote = conn.dialect.identifier_preparer.quote
        conn.exec_driver_sql(f"ANALYZE {', '.join(quote(t.name) for t in tables)}")


def read_rows(conn: Connection, table: Table, columns: Sequence[str],
              order_by: Sequence[str] | None = None, batch: int = BATCH_ROWS) -> Iterator[tuple]:
    """Every row of a table as tuples, streamed with a server-side cursor, in key order."""
    order = order_by if order_by is not None else [c.name for c in table.primary_key.columns]
    query = select(*(table.c[name] for name in columns)).order_by(*(table.c[n] for n in order))
    result = conn.execute(query, execution_options={"stream_results": True, "yield_per": batch})
    for partition in result.partitions():
        yield from partition


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _quoted(conn: Connection, names: Iterable[str]) -> str:
    quote = conn.dialect.identifier_preparer.quote
    return ", ".join(quote(name) for name in names)


def _conflict_clause(conn: Connection, table: Table, columns: Sequence[str]) -> str:
    quote = conn.dialect.identifier_preparer.quote
    keys = [c.name for c in table.primary_key.columns]
    others = [name for name in columns if name not in keys]
    if not others:
        return f" ON CONFLICT ({_quoted(conn, keys)}) DO NOTHING"
    updates = ", ".join(f"{quote(n)} = excluded.{quote(n)}" for n in others)
    return f" ON CONFLICT ({_quoted(conn, keys)}) DO UPDATE SET {updates}"


# SQLite does most of a one-row INSERT's work into an indexed table once per statement, not once
# per row: statements of a few hundred rows wrote a Run's 880,785 new enrollments in three fifths
# of the time of one-row statements.
ROWS_PER_STATEMENT = 500


def _insert_sqlite(conn, table, columns, rows, upsert) -> int:
    quote = conn.dialect.identifier_preparer.quote
    one_row = f"({', '.join('?' for _ in columns)})"
    into = f"INSERT INTO {quote(table.name)} ({_quoted(conn, columns)}) VALUES "
    conflict = _conflict_clause(conn, table, columns) if upsert else ""
    driver = conn.connection.driver_connection
    per_statement = _rows_per_statement(driver, len(columns))
    many_rows = into + ", ".join([one_row] * per_statement) + conflict
    date_positions = [i for i, name in enumerate(columns)
                      if table.c[name].type.python_type is dt.date]
    with_iso_dates = _iso_dates(len(columns), date_positions) if date_positions else None
    cursor = driver.cursor()
    count = 0
    try:
        for chunk in _chunks(rows, BATCH_ROWS):
            if with_iso_dates:
                chunk = list(map(with_iso_dates, chunk))
            whole = len(chunk) - len(chunk) % per_statement
            for start in range(0, whole, per_statement):
                cursor.execute(many_rows, list(chain.from_iterable(
                    chunk[start:start + per_statement])))
            if whole < len(chunk):
                cursor.executemany(into + one_row + conflict, chunk[whole:])
            count += len(chunk)
    finally:
        cursor.close()
    return count


def _rows_per_statement(driver, width: int) -> int:
    """ROWS_PER_STATEMENT, or fewer where they would bind more values than SQLite allows."""
    limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(ROWS_PER_STATEMENT, limit // max(1, width)))


def _iso_dates(width: int, positions: list[int]):
    """A function from a row to the row with its dates as ISO text, the way SQLAlchemy stores
    SQLite dates; compiled to one expression, as it runs for every row of a bulk write."""
    cells = [f"(r[{i}] and r[{i}].isoformat())" if i in positions else f"r[{i}]"
             for i in range(width)]
    return eval(f"lambda r: ({', '.join(cells)},)")  # noqa: S307 - built from positions above


def _copy_postgresql(conn, table, columns, rows, upsert) -> int:
    quote = conn.dialect.identifier_preparer.quote
    target = quote(table.name)
    driver = conn.connection.driver_connection
    count = 0
    with driver.cursor() as cursor:
        if upsert:
            staging = quote(f"staging_{table.name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {staging} "
                           f"(LIKE {target} INCLUDING DEFAULTS) ON COMMIT DROP")
            into = staging
        else:
            into = target
        with cursor.copy(f"COPY {into} ({_quoted(conn, columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        if upsert:
            cursor.execute(
                f"INSERT INTO {target} ({_quoted(conn, columns)}) "
                f"SELECT {_quoted(conn, columns)} FROM {staging}"
                + _conflict_clause(conn, table, columns))
            cursor.execute(f"DROP TABLE {staging}")
    return count

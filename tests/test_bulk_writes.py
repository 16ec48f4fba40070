"""Bulk writes (store/bulk.py `insert_rows`): every row written exactly, however many there
are.  On SQLite a statement carries many rows (ROWS_PER_STATEMENT, fewer where SQLite
binds fewer values), so the rows that fill whole statements and the rows left over take two
statements; both must write what they were given."""

from __future__ import annotations

import datetime as dt
import sqlite3

import psycopg
import pytest
from sqlalchemy import select

from rollover.store import bulk
from rollover.store.database import open_engine
from rollover.store.schema import students

from .conftest import migrated_sqlite

COLUMNS = ["student_id", "student_number", "last_name", "first_name", "birth_date"]


def student_rows(count: int, prefix: str = "S") -> list[tuple]:
    """Rows with text, a missing number now and then, non-ASCII names and dates."""
    return [(f"{prefix}{i:06d}", None if i % 7 == 0 else str(i), f"Núñez {i}", "Zoë",
             None if i % 5 == 0 else dt.date(2010, 1, 1) + dt.timedelta(days=i))
            for i in range(count)]


def stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(*(students.c[c] for c in COLUMNS)).order_by(students.c.student_id))]


# More than one batch, with whole statements and a few rows left over in the last.
@pytest.mark.parametrize("count", [1, bulk.ROWS_PER_STATEMENT - 1, bulk.ROWS_PER_STATEMENT,
                                   bulk.BATCH_ROWS + 3 * bulk.ROWS_PER_STATEMENT + 7])
def test_every_row_is_written_exactly(engine, count):
    rows = student_rows(count)
    with engine.begin() as conn:
        assert bulk.insert_rows(conn, students, COLUMNS, iter(rows)) == count
    assert stored(engine) == rows


def test_an_upsert_replaces_the_rows_of_its_keys(engine):
    """Stored rows, then the same keys again with other values and a few new keys, through
    statements of many rows: the new values replace the old, and the new keys are added."""
    first = student_rows(bulk.ROWS_PER_STATEMENT + 10)
    again = [(key, number, last, "Again", born) for key, number, last, _first, born in first]
    again += student_rows(3, prefix="T")
    with engine.begin() as conn:
        bulk.insert_rows(conn, students, COLUMNS, first)
    with engine.begin() as conn:
        assert bulk.insert_rows(conn, students, COLUMNS, again, upsert=True) == len(again)
    assert stored(engine) == sorted(again)


def test_a_statement_binds_no_more_values_than_sqlite_allows(tmp_path, sqlite_template):
    """With a limit of 12 values a statement (a build of SQLite may set its own), rows of five
    values go two to a statement."""
    engine = open_engine(migrated_sqlite(sqlite_template, tmp_path / "limited.db"))
    rows = student_rows(25)
    with engine.begin() as conn:
        driver = conn.connection.driver_connection
        driver.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 12)
        assert bulk._rows_per_statement(driver, len(COLUMNS)) == 2
        bulk.insert_rows(conn, students, COLUMNS, rows)
    assert stored(engine) == rows
    engine.dispose()


def test_a_bad_row_in_a_large_write_writes_nothing(engine):
    """A duplicate key deep in a statement of many rows: refused, and the transaction rolled
    back leaves no row of it."""
    rows = student_rows(bulk.ROWS_PER_STATEMENT * 3)
    rows[bulk.ROWS_PER_STATEMENT + 17] = rows[3]
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.UniqueViolation)):
        with engine.begin() as conn:
            bulk.insert_rows(conn, students, COLUMNS, rows)
    assert stored(engine) == []

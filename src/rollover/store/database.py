"""Opening the district store: URL resolution, connection settings, schema created or upgraded."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from ..errors import RolloverError

DEFAULT_URL = "sqlite:///rollover.db"
URL_VARIABLE = "ROLLOVER_DATABASE_URL"


class DatabaseUnavailable(RolloverError):
    """The database URL is malformed or the server cannot be reached."""


def resolve_url(url: str | None = None) -> str:
    """The --db option, else ROLLOVER_DATABASE_URL, else rollover.db in the working directory."""
    return url or os.environ.get(URL_VARIABLE) or DEFAULT_URL


def describe(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url


def open_engine(url: str | None = None, *, migrate: bool = True) -> Engine:
    """An engine on the district store, its schema brought up to date.

    Refuses with one clear DatabaseUnavailable line (never a traceback) when the URL is malformed
    or the database cannot be reached.
    """
    url = resolve_url(url)
    try:
        parsed = make_url(url)
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = _create(parsed)
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as exc:
        raise DatabaseUnavailable(f"not a usable database URL {describe(url)!r}: {exc}") from None
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        if migrate:
            from .migrate import upgrade

            upgrade(engine)
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(f"cannot open database {describe(url)}: {reason}") from None
    return engine


def _create(url) -> Engine:
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            parent = Path(database).expanduser().resolve().parent
            if not parent.is_dir():
                raise ValueError(f"folder {parent} does not exist")
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_settings)
        # pysqlite's own transaction handling would not BEGIN before SELECTs; let SQLAlchemy do it
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('sqlite_begin', '')}".strip())


@contextmanager
def writing(engine: Engine):
    """A transaction that reads and then writes: on SQLite it takes the write lock at once
    (BEGIN IMMEDIATE), so a writer that commits between our reads and our writes cannot make
    us fail half-way; elsewhere an ordinary transaction."""
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            yield conn


@contextmanager
def reading(engine: Engine):
    """A read-only transaction that sees one moment of the district, however many tables it
    reads: what commits meanwhile is not seen.  On PostgreSQL a REPEATABLE READ READ ONLY
    transaction; on SQLite (WAL) any transaction reads one snapshot from its first read on."""
    with engine.connect() as conn:
        if not is_sqlite(engine):
            conn = conn.execution_options(isolation_level="REPEATABLE READ",
                                          postgresql_readonly=True)
        with conn.begin():
            yield conn


def _sqlite_settings(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # BEGIN is issued by the "begin" event above
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 10000")
    # A million-row step rewrites the same index pages many times; with SQLite's default 2 MiB
    # page cache each rewrite goes out to the WAL again.
    cursor.execute("PRAGMA cache_size = -65536")
    cursor.close()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"

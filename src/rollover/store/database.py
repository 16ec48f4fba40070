"""Opening the district store: URL resolution, connection settings, schema created or upgraded."""

from __future__ import annotations

import os
import sqlite3
from glob import escape as glob_escape
import weakref
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from ..errors import RolloverError

DEFAULT_URL = "sqlite:///rollover.db"
URL_VARIABLE = "ROLLOVER_DATABASE_URL"
# Every engine open_engine made in this process: closed before a store file is removed.
_OPENED: weakref.WeakSet[Engine] = weakref.WeakSet()


class DatabaseUnavailable(RolloverError):
    """The database URL is malformed or the server cannot be reached."""

    http_status = 503


def resolve_url(url: str | None = None) -> str:
    """The --db option, else ROLLOVER_DATABASE_URL, else rollover.db in the working directory;
    each a URL or a plain file path (see `as_url`)."""
    return as_url(url or os.environ.get(URL_VARIABLE) or DEFAULT_URL)


def as_url(given: str) -> str:
    """A database URL as given; a plain file path (no `scheme://`, e.g. `district.db` or
    `/srv/rollover/district.db`) is the SQLite file at that path."""
    if "://" in given:
        return given
    return f"sqlite:///{given}"


def describe(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for another database, an in-memory one, a `file:` URI
    or a malformed URL."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None
    database = parsed.database or ""
    if (parsed.get_backend_name() != "sqlite" or not database or database == ":memory:"
            or database.startswith("file:")):
        return None
    return Path(database).expanduser()


# Rows a store writes for itself on first use, before any command's own: its schema's version and
# the key that signs its backups' manifests (store/backup_key.py).
_STORE_OWN_ROWS = ("alembic_version", "backup_key")


def remove_unused_store(path: Path) -> bool:
    """Delete the SQLite store file `path` (and its -wal, -shm, -journal and free lock files)
    when it holds no row but the store's own: what a refused command leaves of a store it
    created.  The
    engines this process opened on it are closed first; a file that holds rows (another command
    wrote to it meanwhile) is kept.  True when it was deleted."""
    where = path.resolve()
    for engine in list(_OPENED):
        if engine.url.database and Path(engine.url.database).expanduser().resolve() == where:
            engine.dispose()
    if not path.is_file():
        return False
    try:
        conn = sqlite3.connect(path, timeout=10)
        try:
            tables = [name for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")]
            if any(conn.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone()
                   for name in tables if name not in _STORE_OWN_ROWS):
                return False
        finally:
            conn.close()
    except sqlite3.Error:  # not a store of ours, or unreadable: leave it
        return False
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    _remove_free_lock_files(path)
    return True


def _remove_free_lock_files(path: Path) -> None:
    """The store's lock files (`store/locks.py`: `<file>.<name>.lock`) that nobody holds."""
    import fcntl

    for lock_file in path.parent.glob(f"{glob_escape(path.name)}.*.lock"):
        try:
            with lock_file.open("r") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held: BlockingIOError
                lock_file.unlink(missing_ok=True)
        except OSError:
            continue


def folder_beside(url: str, name: str) -> Path:
    """The folder `name` beside a SQLite database file, else in the working folder (where the
    server's files of a PostgreSQL database go); a malformed URL is refused later, by whoever
    opens it."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return Path(name)
    database = parsed.database or ""
    if (parsed.get_backend_name() == "sqlite" and database and database != ":memory:"
            and not database.startswith("file:")):
        return Path(database).expanduser().parent / name
    return Path(name)


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
    _OPENED.add(engine)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        if migrate:
            from .migrate import upgrade

            upgrade(engine)
    except (DBAPIError, RolloverError) as exc:
        engine.dispose()
        reason = (str(exc.orig).strip().splitlines()[0] if getattr(exc, "orig", None)
                  else str(exc))
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
        if database and _cannot_write(Path(database).expanduser()):
            event.listen(engine, "do_connect", _open_read_only)
            event.listen(engine, "connect", _sqlite_read_only_settings)
        else:
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


def _sqlite_settings(dbapi_connection, _record, read_only: bool = False) -> None:
    dbapi_connection.isolation_level = None  # BEGIN is issued by the "begin" event above
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    # query_only also tells store.access.read_only that this connection may not write
    cursor.execute("PRAGMA query_only = ON" if read_only else "PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 10000")
    # A million-row step rewrites the same index pages many times; with SQLite's default 2 MiB
    # page cache each rewrite goes out to the WAL again.
    cursor.execute("PRAGMA cache_size = -65536")
    cursor.close()


def _sqlite_read_only_settings(dbapi_connection, record) -> None:
    _sqlite_settings(dbapi_connection, record, read_only=True)


def _cannot_write(path: Path) -> bool:
    """A store file this operating-system user may read but not write (see docs/security.md)."""
    return path.is_file() and os.access(path, os.R_OK) and not os.access(path, os.W_OK)


def _open_read_only(_dialect, _record, cargs, cparams) -> None:
    """Open a store file this user cannot write read-only, creating nothing beside it.  While a
    writer has it open (its -wal file is there) the reader reads the writer's -wal and -shm too
    (mode=ro); at rest the file alone is the whole store (immutable: no -shm is made, which
    would belong to this user and stop the owner's next write)."""
    path = Path(cargs[0])
    in_use = Path(f"{path}-wal").exists()
    cargs[0] = f"{path.resolve().as_uri()}?{'mode=ro' if in_use else 'immutable=1'}"
    cparams["uri"] = True


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"

"""A backup restored over a database in use: staged beside it, then switched in by one
transaction (docs/backup.md, "Restoring through the server").

The backup is first restored into a *stage* nobody else reads: a private file beside a SQLite
database, a schema of its own (`rollover_restore_<random>`) in a PostgreSQL database.  There its
rows are counted and it is brought up to this rollover's schema.  Then one transaction on the
database itself (`replace_district`, on the caller's connection: the stage is `stage.schema`
there) replaces the rows of every table a backup holds with the stage's: whoever reads
meanwhile sees the rows before it until it commits and the restored ones after, never a moment
between.  The tables a backup leaves out (sign-ins, jobs, the backup key) are not the stage's:
the caller keeps them in the same transaction.  The stage is removed at the end, whatever
happened.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Connection, Engine, create_engine, delete, event, func, inspect, select, text,
)
from sqlalchemy.exc import DBAPIError

from .backup import (
    LOGICAL_FORMAT, PG_DUMP_FORMAT, SQLITE_FORMAT, STAGE_PREFIX, BackupRefused, backed_up_tables,
    build_schema, copy_sqlite_file, load_logical, load_pg_dump, make_private_file, pg_engine,
    sqlite_counts, sqlite_path,
)
from .database import describe, open_engine
from .migrate import upgrade

ATTACHED = "staged"  # the name a SQLite stage is attached under, beside the database


@dataclass
class Stage:
    """A backup restored where only this restore reads it."""

    url: str  # the database the restore replaces
    schema: str  # the name the switch reads the stage by
    engine: Engine  # on the stage alone
    path: Path | None = None  # SQLite: the stage's file

    def counts(self) -> dict[str, int]:
        """Rows per table a backup holds, of the tables the stage has."""
        with self.engine.connect() as conn:
            if self.path is not None:
                return sqlite_counts(conn.connection.driver_connection)
            present = set(inspect(conn).get_table_names())
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                    for t in backed_up_tables() if t.name in present}

    def upgrade(self) -> None:
        """Bring the stage to this rollover's schema (a backup of an older revision)."""
        upgrade(self.engine)

    @contextmanager
    def switching(self, engine: Engine) -> Iterator[Engine]:
        """An engine on the database of `engine` whose connections also see the stage, as
        `self.schema`: PostgreSQL's own (the stage is a schema of the same database); on
        SQLite one whose connections attach the stage's file."""
        if self.path is None:
            yield engine
            return
        switching = open_engine(self.url, migrate=False)
        stage = str(self.path)

        def attach(dbapi_connection, _record) -> None:
            dbapi_connection.execute(f"ATTACH DATABASE ? AS {ATTACHED}", (stage,))

        event.listen(switching, "connect", attach)
        switching.dispose()  # the connection open_engine tried had no stage attached
        try:
            yield switching
        finally:
            switching.dispose()


@contextmanager
def staged(path: Path, fmt: str, url: str, revision: str | None) -> Iterator[Stage]:
    """The backup file `path` (of format `fmt`, made at alembic `revision`) restored into a
    stage beside the database at `url`; removed when the block ends."""
    if fmt == SQLITE_FORMAT:
        with _sqlite_stage(path, url) as stage:
            yield stage
    elif fmt in (LOGICAL_FORMAT, PG_DUMP_FORMAT):
        with _postgres_stage(path, fmt, url, revision) as stage:
            yield stage
    else:
        raise BackupRefused(f"unknown backup format {fmt!r} in {path}")


@contextmanager
def _sqlite_stage(path: Path, url: str) -> Iterator[Stage]:
    database = sqlite_path(url)
    stage = database.with_name(f"{database.name}.restore-{secrets.token_hex(4)}.staged")
    engine = None
    try:
        make_private_file(stage)  # a copy of the district: private as its backup is
        copy_sqlite_file(path, stage)
        engine = create_engine(f"sqlite:///{stage}")
        yield Stage(url, ATTACHED, engine, stage)
    finally:
        if engine is not None:
            engine.dispose()
        for leftover in (stage, *(Path(f"{stage}{end}") for end in ("-journal", "-wal",
                                                                     "-shm"))):
            leftover.unlink(missing_ok=True)


@contextmanager
def _postgres_stage(path: Path, fmt: str, url: str, revision: str | None) -> Iterator[Stage]:
    schema = f"{STAGE_PREFIX}{secrets.token_hex(4)}"
    database = pg_engine(url)
    engine = None
    try:
        try:
            with database.begin() as conn:
                source = conn.execute(text("SELECT current_schema()")).scalar()
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        except DBAPIError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            raise BackupRefused(f"cannot restore over {describe(url)}: the backup is restored "
                                f"into a schema of its own first, and making one failed: "
                                f"{reason}") from None
        # Every connection of the stage's engine works in the stage's schema.
        engine = pg_engine(url, search_path=schema)
        with engine.begin() as conn:
            if fmt == LOGICAL_FORMAT:
                load_logical(conn, path)
            else:
                build_schema(conn, revision)
                present = set(inspect(conn).get_table_names())
                load_pg_dump(conn, path, [t for t in backed_up_tables() if t.name in present],
                             source)
        yield Stage(url, schema, engine)
    finally:
        if engine is not None:
            engine.dispose()
        try:
            with database.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            database.dispose()


def replace_district(conn: Connection, stage: Stage) -> dict[str, int]:
    """Replace the rows of every table a backup holds with the stage's (at the same schema),
    on the caller's transaction (its connection from `stage.switching`): children out first,
    parents in first.  The rows written per table.  Rows of the tables a backup leaves out that
    depend on rows going (a sign-in of a user) go with them: the caller keeps what it keeps."""
    tables = backed_up_tables()
    quote = conn.dialect.identifier_preparer.quote
    target = "main." if conn.dialect.name == "sqlite" else ""
    for table in reversed(tables):
        conn.execute(delete(table))
    written = {}
    for table in tables:
        columns = ", ".join(quote(c.name) for c in table.columns)
        written[table.name] = conn.exec_driver_sql(
            f"INSERT INTO {target}{quote(table.name)} ({columns}) "
            f"SELECT {columns} FROM {quote(stage.schema)}.{quote(table.name)}").rowcount
    if conn.dialect.name == "postgresql":
        _advance_sequences(conn, tables)
    return written


def _advance_sequences(conn: Connection, tables) -> None:
    """A generated key's next value past every key restored (a backup of a copy of this
    database may hold keys its own sequence never gave)."""
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        conn.execute(text(
            "SELECT setval(s.seq, m.top) FROM "
            "(SELECT pg_get_serial_sequence(:table, :column)::regclass AS seq) s, "
            f"(SELECT max({conn.dialect.identifier_preparer.quote(column.name)}) AS top "
            f"FROM {conn.dialect.identifier_preparer.quote(table.name)}) m "
            "WHERE s.seq IS NOT NULL AND m.top > coalesce(pg_sequence_last_value(s.seq), 0)"),
            {"table": table.name, "column": column.name})


__all__ = ["Stage", "staged", "replace_district"]

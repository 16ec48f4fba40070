"""Whole-database backups (YE-4): the file on disk, made and restored, for each kind of database.

SQLite: the online backup API (`sqlite3.Connection.backup`), page by page into a new file that is
then switched out of WAL mode so it stands alone; restored with the same API into the target file.

PostgreSQL: `pg_dump --format=custom` when `pg_dump` is on PATH (restored by `pg_restore`), else a
*logical export*: a zip archive holding `header.json` (format, alembic revision, tables and
columns) and one entry per table of `schema.metadata` in COPY text format, written with
`COPY ... TO STDOUT` and read back with `COPY ... FROM STDIN` (bulk, and exact for every type).

Every backup leaves out the rows of `backup_key` (the key that signs the manifests stays in the
database) and the running server's state: sign-in tokens, failed sign-ins and jobs (a restored copy
must neither accept old sign-ins nor run queued jobs again).  Its folder and files are made private
to their owner (0700, 0600) whatever the umask.

Everything here works on files and URLs; the manifest, ids and rules are in `services.backup`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, func, inspect, select
from sqlalchemy.engine import URL, make_url

from ..errors import RolloverError
from ..progress import COPYING_DATABASE, HASHING, RESTORING_BACKUP, Progress, Tally, no_progress
from .backup_key import put_backup_key
from .database import describe
from .migrate import VERSION_TABLE, alembic_config
from .schema import metadata
from .schema_process import backup_key
from .schema_server import api_tokens, jobs, sign_in_failures

SQLITE_FORMAT = "sqlite-backup"
PG_DUMP_FORMAT = "pg_dump-custom"
LOGICAL_FORMAT = "logical-copy"
SUFFIX = {SQLITE_FORMAT: ".sqlite3", PG_DUMP_FORMAT: ".pgdump", LOGICAL_FORMAT: ".zip"}
CHUNK = 1 << 20
HASH_REPORT_MIB = 64  # a report every 64 MiB hashed (a tenth of a second or so)
# SQLite: a copy in steps of a fiftieth of the database (at least this many pages), for its
# progress; if another connection writes meanwhile SQLite would start it over, so it is made
# again in one step instead.
BACKUP_STEP_PAGES = 1024
FOLDER_MODE, FILE_MODE = 0o700, 0o600
# The schema a restore through the server stages a backup in is named so, then random hex
# (store/staged_restore.py); no backup holds one.
STAGE_PREFIX = "rollover_restore_"


class BackupRefused(RolloverError):
    """A backup or restore that cannot be done; nothing was changed."""


@dataclass
class MadeFile:
    """What making a backup file found out."""

    format: str
    server_version: str
    alembic_revision: str | None
    row_counts: dict[str, int]


def kind_of_url(url: str) -> str:
    """"sqlite" or "postgresql" (the backend of a SQLAlchemy URL)."""
    try:
        return make_url(url).get_backend_name()
    except Exception:  # noqa: BLE001 - any unparsable URL is refused the same way
        raise BackupRefused(f"not a usable database URL {describe(url)!r}") from None


def sha256_of(path: Path, progress: Progress = no_progress) -> str:
    """The file's SHA-256; progress: "hashing the backup", in bytes read."""
    size = max(1, -(-path.stat().st_size // CHUNK))  # in MiB, rounded up
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        done = 0
        progress(HASHING, 0, size)
        while block := handle.read(CHUNK):
            digest.update(block)
            done += 1
            if done % HASH_REPORT_MIB == 0:
                progress(HASHING, min(done, size), size)
        progress(HASHING, size, size)
    return digest.hexdigest()


def pg_tools_available() -> bool:
    return shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None


# Tables whose rows no backup holds (see the module's docstring).
LEFT_OUT = tuple(t.name for t in (backup_key, api_tokens, sign_in_failures, jobs))


def backed_up_tables() -> list:
    """The tables whose rows a backup holds (and whose counts its manifest gives): all of the
    schema's but those LEFT_OUT."""
    return [t for t in metadata.sorted_tables if t.name not in LEFT_OUT]


# -- private files ----------------------------------------------------------------------------

def make_private_folder(folder: Path) -> None:
    """Create `folder` and any missing parent 0700, whatever the umask.  A folder that exists
    already is left as it is (it may be shared on purpose; the files in it are private)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(mode=FOLDER_MODE, exist_ok=True)
        os.chmod(path, FOLDER_MODE)


def make_private_file(path: Path) -> None:
    """Create an empty `path` readable and writable by its owner only (0600), whatever the umask,
    before anything is written into it; refused if it exists."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    os.chmod(path, FILE_MODE)


# -- making a backup --------------------------------------------------------------------------

def make_backup_file(engine: Engine, stem: Path, *, use_pg_dump: bool | None = None,
                     progress: Progress = no_progress) -> tuple[Path, MadeFile]:
    """Write the whole database into `stem` + the format's suffix, a file private to its owner;
    returns the file and facts.  Progress: "copying the database" (SQLite: in bytes copied), or
    "backing up" (the logical export: in rows; pg_dump: begun and done)."""
    if engine.dialect.name == "sqlite":
        path = stem.with_suffix(SUFFIX[SQLITE_FORMAT])
        make_private_file(path)
        return path, _sqlite_backup(engine, path, progress)
    if engine.dialect.name != "postgresql":
        raise BackupRefused(f"cannot back up a {engine.dialect.name} database")
    if use_pg_dump is None:
        use_pg_dump = pg_tools_available()
    if use_pg_dump and shutil.which("pg_dump") is None:
        raise BackupRefused("pg_dump is not on PATH")
    fmt = PG_DUMP_FORMAT if use_pg_dump else LOGICAL_FORMAT
    path = stem.with_suffix(SUFFIX[fmt])
    make_private_file(path)  # pg_dump and zipfile write into it, keeping its mode
    made = _pg_dump(engine, path, progress) if use_pg_dump else \
        _logical_export(engine, path, progress)
    return path, made


class _Written(Exception):
    """Another connection wrote while the database was copied step by step."""


def _copy_sqlite(source: sqlite3.Connection, target: sqlite3.Connection,
                 progress: Progress) -> None:
    """The whole database into `target`, in steps for its progress ("copying the database", in
    bytes); in one step (as it was then) if another connection writes between two steps."""
    pages = source.execute("PRAGMA page_count").fetchone()[0]
    page = source.execute("PRAGMA page_size").fetchone()[0]
    left = [pages]

    def copied(status: int, remaining: int, total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return  # the step waits for a writer; SQLite tries it again
        if remaining >= left[0]:  # SQLite started over: the source changed
            raise _Written
        left[0] = remaining
        progress(COPYING_DATABASE, page * (total - remaining), page * total)

    progress(COPYING_DATABASE, 0, page * pages)
    try:
        source.backup(target, pages=max(BACKUP_STEP_PAGES, pages // 50), progress=copied)
    except _Written:
        source.backup(target)
    progress(COPYING_DATABASE, page * pages, page * pages)


def _sqlite_backup(engine: Engine, path: Path, progress: Progress) -> MadeFile:
    raw = engine.raw_connection()
    try:
        source: sqlite3.Connection = raw.driver_connection
        target = sqlite3.connect(path, isolation_level=None)
        try:
            _copy_sqlite(source, target, progress)
            target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            counts = sqlite_counts(target)
            left_out = [name for name in LEFT_OUT if name in _sqlite_tables(target)]
            if left_out:
                # The key and the server's state stay behind; secure_delete overwrites their
                # bytes in the copy.
                target.execute("PRAGMA secure_delete = ON")
                for name in left_out:
                    target.execute(f'DELETE FROM "{name}"')
            revision = _sqlite_revision(target)
        finally:
            target.close()
    finally:
        raw.close()
    return MadeFile(SQLITE_FORMAT, sqlite3.sqlite_version, revision, counts)


def _sqlite_tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    present = _sqlite_tables(conn)
    return {t.name: conn.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0]
            for t in backed_up_tables() if t.name in present}


def _sqlite_revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _snapshot(conn: Connection) -> tuple[str, str | None, dict[str, int]]:
    """Server version, alembic revision and row counts, read in the caller's transaction."""
    version = conn.exec_driver_sql("SHOW server_version").scalar()
    present = set(inspect(conn).get_table_names())
    revision = (conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalar()
                if VERSION_TABLE in present else None)
    counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
              for t in backed_up_tables() if t.name in present}
    return version, revision, counts


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and an environment that carries it."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise BackupRefused(f"{what} failed: {lines[0] if lines else f'exit {done.returncode}'}")


def _pg_dump(engine: Engine, path: Path, progress: Progress) -> MadeFile:
    # Counts and dump read the same snapshot: pg_dump --snapshot shares our transaction's view.
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        with conn.begin():
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            version, revision, counts = _snapshot(conn)
            uri, env = _libpq(engine.url)
            progress("backing up", 0, 1)  # pg_dump says nothing while it works
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                  *(f"--exclude-table-data={name}" for name in LEFT_OUT),
                  f"--exclude-schema={STAGE_PREFIX}*",
                  f"--snapshot={snapshot}",
                  f"--file={path}", f"--dbname={uri}"], env, "pg_dump")
            progress("backing up", 1, 1)
    return MadeFile(PG_DUMP_FORMAT, version, revision, counts)


def _columns(table) -> list[str]:
    return [c.name for c in table.columns]


def _quoted(conn: Connection, names) -> str:
    quote = conn.dialect.identifier_preparer.quote
    return ", ".join(quote(n) for n in names)


def _logical_export(engine: Engine, path: Path, progress: Progress) -> MadeFile:
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        with conn.begin():
            version, revision, counts = _snapshot(conn)
            tables = [t for t in backed_up_tables() if t.name in counts]
            header = {"format": LOGICAL_FORMAT, "alembic_revision": revision,
                      "tables": [{"name": t.name, "columns": _columns(t), "rows": counts[t.name]}
                                 for t in tables]}
            driver = conn.connection.driver_connection
            backing_up = Tally(progress, "backing up", sum(counts[t.name] for t in tables))
            backing_up.start()
            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("header.json", json.dumps(header, indent=1))
                for table in tables:
                    order = _quoted(conn, [c.name for c in table.primary_key.columns])
                    query = (f"COPY (SELECT {_quoted(conn, _columns(table))} FROM "
                             f"{_quoted(conn, [table.name])} ORDER BY {order}) TO STDOUT")
                    with archive.open(f"{table.name}.copy", "w", force_zip64=True) as entry, \
                            driver.cursor() as cursor, cursor.copy(query) as copy:
                        for data in backing_up.rows(copy, counts[table.name]):  # a row each
                            entry.write(data)
            backing_up.finish()
    return MadeFile(LOGICAL_FORMAT, version, revision, counts)


# -- the target of a restore ------------------------------------------------------------------

def sqlite_path(url: str) -> Path:
    database = make_url(url).database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupRefused(f"restore needs a SQLite database file, not {describe(url)!r}")
    path = Path(database).expanduser()
    if not path.resolve().parent.is_dir():
        raise BackupRefused(f"cannot restore into {describe(url)}: folder "
                            f"{path.resolve().parent} does not exist")
    return path


def target_rows(url: str) -> dict[str, int]:
    """Rows in each rollover table the target already holds (empty: nothing there)."""
    names = {t.name for t in metadata.sorted_tables}
    if kind_of_url(url) == "sqlite":
        path = sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return {}
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            present = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")} & names
            counts = {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in present}
        except sqlite3.DatabaseError as exc:
            raise BackupRefused(f"cannot restore into {describe(url)}: {exc}") from None
        finally:
            conn.close()
        return {n: c for n, c in counts.items() if c}
    engine = pg_engine(url)
    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names()) & names
            counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                      for t in metadata.sorted_tables if t.name in present}
    except Exception as exc:  # noqa: BLE001 - an unreachable target is one clear line
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise BackupRefused(f"cannot open database {describe(url)}: {reason}") from None
    finally:
        engine.dispose()
    return {n: c for n, c in counts.items() if c}


def pg_engine(url: str, *, search_path: str | None = None) -> Engine:
    """An engine on the PostgreSQL database at `url`; with `search_path`, every connection of
    it works in that schema (which must exist)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if search_path is None:
        return create_engine(parsed)
    return create_engine(parsed, connect_args={"options": f"-c search_path={search_path}"})


# -- restoring --------------------------------------------------------------------------------



def restore_file(path: Path, fmt: str, url: str, progress: Progress = no_progress) -> None:
    """Put the backup in `path` into the database at `url`, replacing whatever it holds;
    progress: "restoring the backup", in bytes (of the SQLite file, or of the backup's tables;
    pg_restore, a process of its own, tells none: 0, then done)."""
    if fmt == SQLITE_FORMAT:
        copy_sqlite_file(path, sqlite_path(url), progress)
    elif fmt == PG_DUMP_FORMAT:
        progress(RESTORING_BACKUP, 0, 1)
        _pg_restore(path, url)
        progress(RESTORING_BACKUP, 1, 1)
    elif fmt == LOGICAL_FORMAT:
        _logical_restore(path, url, progress)
    else:
        raise BackupRefused(f"unknown backup format {fmt!r} in {path}")


_PAGES = 16_384  # 64 MiB of 4 KiB pages a step of a SQLite copy: progress every few seconds


def copy_sqlite_file(path: Path, target_path: Path, progress: Progress = no_progress) -> None:
    """A copy of the SQLite file at `path` (SQLite's online backup, `_PAGES` pages a step)."""
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(target_path, isolation_level=None)
        try:
            target.execute("PRAGMA busy_timeout = 10000")
            page = source.execute("PRAGMA page_size").fetchone()[0]
            progress(RESTORING_BACKUP, 0, path.stat().st_size)
            source.backup(target, pages=_PAGES, progress=lambda _status, remaining, total:
                          progress(RESTORING_BACKUP, page * (total - remaining), page * total))
        finally:
            target.close()
    finally:
        source.close()


def _pg_restore(path: Path, url: str) -> None:
    if shutil.which("pg_restore") is None:
        raise BackupRefused(f"backup {path.name} was made by pg_dump and pg_restore is not on PATH")
    uri, env = _libpq(make_url(url))
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", f"--dbname={uri}", str(path)],
         env, "pg_restore")


def _logical_restore(path: Path, url: str, progress: Progress = no_progress) -> None:
    engine = pg_engine(url)
    try:
        with engine.begin() as conn:
            # One transaction: drop what is there, then build and load the backup's.
            metadata.drop_all(conn)
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {VERSION_TABLE}")
            load_logical(conn, path, progress)
    finally:
        engine.dispose()


def build_schema(conn: Connection, revision: str | None) -> None:
    """The rollover tables as they were at alembic `revision` (none: this rollover's, stamped
    so), empty, on the caller's transaction and in its schema."""
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = conn
    if revision:
        command.upgrade(config, revision)
    else:
        metadata.create_all(conn)
        command.stamp(config, "head")


def load_logical(conn: Connection, path: Path, progress: Progress = no_progress) -> None:
    """Build the schema of a logical export's revision and load every table in bulk, on the
    caller's PostgreSQL transaction and in its schema (which holds no rollover table yet);
    progress: "restoring the backup", in bytes of the tables' data."""
    with zipfile.ZipFile(path) as archive:
        header = json.loads(archive.read("header.json"))
        build_schema(conn, header["alembic_revision"])
        driver = conn.connection.driver_connection
        total = sum(archive.getinfo(f"{e['name']}.copy").file_size for e in header["tables"])
        done = 0
        progress(RESTORING_BACKUP, 0, total)
        for entry in header["tables"]:
            table = metadata.tables[entry["name"]]
            columns = [c for c in entry["columns"] if c in table.c]
            query = (f"COPY {_quoted(conn, [table.name])} ({_quoted(conn, columns)}) "
                     "FROM STDIN")
            with archive.open(f"{table.name}.copy") as data, driver.cursor() as cursor, \
                    cursor.copy(query) as copy:
                while block := data.read(CHUNK):
                    copy.write(block)
                    done += len(block)
                    progress(RESTORING_BACKUP, done, total)
        conn.exec_driver_sql("ANALYZE " + _quoted(conn, [e["name"] for e in header["tables"]]))
        progress(RESTORING_BACKUP, total, total)


def load_pg_dump(conn: Connection, path: Path, tables, schema: str) -> None:
    """Load the rows of `tables` from a pg_dump archive made from `schema` into the tables of
    the same names on the caller's PostgreSQL transaction and schema (built at the archive's
    revision, empty).  `pg_restore --data-only` writes the tables' COPY text in the order of a
    list (parents first), which goes into COPY FROM STDIN as it comes."""
    if shutil.which("pg_restore") is None:
        raise BackupRefused(f"backup {path.name} was made by pg_dump and pg_restore is not on PATH")
    listed = _archive_data_entries(path, schema)
    wanted = [(table, listed[table.name]) for table in tables if table.name in listed]
    driver = conn.connection.driver_connection
    with tempfile.TemporaryDirectory() as scratch:
        order, errors = Path(scratch) / "order.list", Path(scratch) / "errors.txt"
        order.write_text("".join(f"{entry}\n" for _table, entry in wanted), encoding="utf-8")
        with open(errors, "wb") as said, subprocess.Popen(
                ["pg_restore", "--data-only", f"--use-list={order}", "--file=-", str(path)],
                stdout=subprocess.PIPE, stderr=said) as process:
            lines = iter(process.stdout)
            for table, _entry in wanted:
                header = next((line for line in lines if line.startswith(b"COPY ")), None)
                if header is None:
                    break  # pg_restore stopped short: its exit status says why
                query = (f"COPY {_quoted(conn, [table.name])} "
                         f"{_copy_columns(header, table.name, path)} FROM STDIN")
                with driver.cursor() as cursor, cursor.copy(query) as copy:
                    for line in lines:
                        if line.rstrip(b"\r\n") == b"\\.":
                            break
                        copy.write(line)
            for _rest in lines:
                pass
        if process.returncode != 0:
            said = [line for line in errors.read_text(errors="replace").splitlines()
                    if line.strip()]
            raise BackupRefused(
                f"pg_restore failed: {said[0] if said else f'exit {process.returncode}'}")


def _archive_data_entries(path: Path, schema: str) -> dict[str, str]:
    """The archive's table data entries of `schema`, by table: its list's lines (`pg_restore
    --list`), e.g. `3385; 0 16390 TABLE DATA public students postgres`."""
    done = subprocess.run(["pg_restore", "--list", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        said = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupRefused(f"pg_restore failed: {said[0] if said else f'exit {done.returncode}'}")
    entries = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 7 and not line.startswith(";") and parts[3:5] == ["TABLE", "DATA"] \
                and parts[5] == schema:
            entries[parts[6]] = line
    return entries


# `COPY public.students (student_id, "order") FROM stdin;`: the columns' list, as pg_dump
# quoted it.
_COPY_HEADER = re.compile(
    r'COPY (?:[a-z_][a-z0-9_]*|"[^"]+")\.("?)([a-z_][a-z0-9_]*)\1 '
    r'(\((?:[a-z_][a-z0-9_]*|"[^"]+")(?:, (?:[a-z_][a-z0-9_]*|"[^"]+"))*\)) FROM stdin;')


def _copy_columns(header: bytes, table: str, path: Path) -> str:
    found = _COPY_HEADER.fullmatch(header.decode("utf-8", errors="replace").rstrip("\r\n"))
    if found is None or found.group(2) != table:
        raise BackupRefused(f"backup file {path} holds data of table {table!r} that pg_restore "
                            "did not give as expected; restore refused")
    return found.group(3)


def give_backup_key(url: str, key: bytes) -> None:
    """Store `key` as the backup key of the database at `url` (just restored: its own journal
    settings are left as the backup had them)."""
    engine = create_engine(make_url(url)) if kind_of_url(url) == "sqlite" else pg_engine(url)
    try:
        with engine.begin() as conn:
            put_backup_key(conn, key)
    finally:
        engine.dispose()


def restored_counts(url: str) -> dict[str, int]:
    """Rows per rollover table in a database, to check a restore against its manifest."""
    if kind_of_url(url) == "sqlite":
        conn = sqlite3.connect(f"{sqlite_path(url).resolve().as_uri()}?mode=ro", uri=True)
        try:
            return sqlite_counts(conn)
        finally:
            conn.close()
    engine = pg_engine(url)
    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                    for t in backed_up_tables() if t.name in present}
    finally:
        engine.dispose()


__all__ = ["BackupRefused", "MadeFile", "make_backup_file", "restore_file", "target_rows",
           "restored_counts", "sha256_of", "kind_of_url", "pg_tools_available",
           "backed_up_tables", "give_backup_key", "make_private_folder", "make_private_file",
           "sqlite_path", "build_schema", "load_logical", "load_pg_dump", "STAGE_PREFIX",
           "pg_engine", "sqlite_counts", "copy_sqlite_file"]

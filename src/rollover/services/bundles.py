"""Import and export of district bundles: the service functions behind `rollover import|export`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, and_, delete, text
from sqlalchemy.exc import DBAPIError

from ..bundle.checks import BundleChecker, joined, problem_order
from ..bundle.folder import BundleRefused, bundle_files
from ..bundle.format import FILES, FILES_BY_TABLE, BundleFile
from ..bundle.writer import BundleWriter
from ..errors import RolloverError
from ..pause_points import pause_point
from ..progress import Progress, no_progress
from ..store.bulk import insert_first_rows, insert_rows, read_rows, refresh_statistics
from ..store.database import reading
from ..store.facts import StoreFacts
from ..store.schema import metadata
from .bulk_work import cycle_collection_paused
from .unit_of_work import operation, unit_of_work


# An import holds the district's write lock and needs `import` (YE-2).  It is a guarded
# transaction, not yet a run with an undo log (docs/undo.md).
IMPORT = operation("import", "import", "import", records_run=False)


@dataclass(frozen=True)
class ImportResult:
    rows: dict[str, int]  # bundle file name -> rows imported


def import_bundle(engine: Engine, folder: Path | str, *, replace: bool = False,
                  progress: Progress = no_progress, user: str | None = None) -> ImportResult:
    """Check the whole bundle and load it in one transaction; refuse it whole on any problem.

    Without `replace`, a row whose id is already in the store is a problem; with it, the
    bundle's row replaces the stored one (rows the bundle does not name are kept).
    """
    folder = Path(folder)
    present, problems = bundle_files(folder)
    with cycle_collection_paused(), \
            unit_of_work(engine, IMPORT, user=user, holder="import") as work:
        conn = work.conn  # YE-2: the right and the maintenance lock checked; the district lock
        # Checked and loaded in one transaction, so what was checked is what is written to; and
        # in one read of each file, its rows written as they pass (a refusal rolls them back).
        _allow_rows_naming_later_rows(conn)
        loader = _Loader(conn, replace) if not problems else None
        checker = BundleChecker(folder, BundleStoreFacts(conn), replace=replace,
                                progress=progress, sink=loader)
        check = checker.run(present)
        problems = sorted(problems + check.problems, key=problem_order)
        if problems:
            raise BundleRefused(problems)
        if loader.refusal is not None:
            raise loader.refusal  # the store refused what the checks let through
        refresh_statistics(conn, [metadata.tables[spec.table] for spec in present])
        pause_point("import:loaded")
    return ImportResult(rows=check.rows)


class _Loader:
    """The checker's row sink: each file's rows written into its table, in a savepoint, so that
    rows the store refuses (the checks name the problem a little later) leave the transaction
    usable for the rest of the checks."""

    def __init__(self, conn, replace: bool):
        self.conn = conn
        self.replace = replace
        self.refusal: Exception | None = None
        # The bulk writes use the driver's connection, so its own errors come through too.
        self.store_errors = (DBAPIError, conn.dialect.loaded_dbapi.Error)

    def refuses_repeated_key(self, spec: BundleFile) -> bool:
        primary_key = {c.name for c in metadata.tables[spec.table].primary_key.columns}
        return bool(spec.key) and primary_key == set(spec.key)

    def load(self, spec: BundleFile, rows, *, empty_table: bool) -> bool:
        savepoint = self.conn.begin_nested()
        try:
            load_rows(self.conn, spec, rows, replace=self.replace, empty_table=empty_table)
        except self.store_errors as exc:
            savepoint.rollback()
            self.refusal = exc
            return False
        savepoint.commit()
        return True


def _allow_rows_naming_later_rows(conn) -> None:
    """The checks let a row name a row further down its own file (success_plans.carried_from).
    PostgreSQL's COPY checks such a reference after the whole file; SQLite checks an immediate
    foreign key after every row, so there it is put off until commit (reset by the commit)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")


class BundleStoreFacts(StoreFacts):
    """The store's facts, and the one the module files' UNIQUE columns need.

    (`unique_owners` belongs beside the other facts in store/facts.py; it lives here until then.)
    """

    def unique_owners(self, spec: BundleFile, columns: tuple[str, ...]):
        """(unique value, key of the stored row holding it) for every stored row, each as the
        checker's joined text."""
        table = metadata.tables[spec.table]
        width = len(columns)
        for row in read_rows(self.conn, table, (*columns, *spec.key)):
            key = row[width:]
            yield joined(row[:width]), key[0] if len(key) == 1 else joined(key)


def load_rows(conn, spec: BundleFile, rows, *, replace: bool = False,
              empty_table: bool = False) -> None:
    """Write one bundle file's typed rows into its table (in the caller's transaction)."""
    table = metadata.tables[spec.table]
    columns = list(spec.column_names)
    if empty_table and not spec.single_row:
        insert_first_rows(conn, table, columns, rows)  # nothing to replace or keep apart
        return
    if spec.single_row:
        # The district's settings: one row under a fixed key, replaced by a newer bundle.
        conn.execute(delete(table))
        for row in rows:
            conn.execute(table.insert().values(district_key=1, **dict(zip(columns, row))))
        return
    has_surrogate_key = not set(spec.key) <= {c.name for c in table.primary_key.columns}
    if has_surrogate_key:
        rows = list(rows)  # boundary and override lists are small
        if replace:
            _delete_same_rows(conn, spec, table, rows)
        insert_rows(conn, table, columns, rows)
    else:
        insert_rows(conn, table, columns, rows, upsert=replace)


def _delete_same_rows(conn, spec: BundleFile, table, rows) -> None:
    """Remove stored rows that a bundle row repeats (matching on every key column, empty = empty)."""
    positions = [spec.column_names.index(k) for k in spec.key]
    for row in rows:
        conn.execute(delete(table).where(and_(*(
            table.c[k].is_not_distinct_from(row[i]) for k, i in zip(spec.key, positions)))))


def export_bundle(engine: Engine, folder: Path | str, *,
                  progress: Progress = no_progress) -> dict[str, int]:
    """Write every stored row as a bundle; files in key order, optional empty files left out.

    The folder is created if missing and refused if it exists and is not empty.
    """
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise RolloverError(f"export folder {str(folder)!r} exists and is not empty")
    folder.mkdir(parents=True, exist_ok=True)
    with reading(engine) as conn, BundleWriter(folder) as writer:  # one moment, all files
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {_quote(conn, t)}")).scalar()
                  for t in (f.table for f in FILES)}
        total = sum(counts.values())
        done = 0
        for spec in FILES:
            if spec.optional and not counts[spec.table]:
                continue
            table = metadata.tables[spec.table]
            rows = read_rows(conn, table, spec.column_names)
            writer.write(spec.table, _counted(rows, lambda n, d=done: progress("exporting",
                                                                              d + n, total)))
            done += counts[spec.table]
            pause_point(f"export:wrote {spec.name}")
        progress("exporting", total, total)
        return {FILES_BY_TABLE[t].name: n for t, n in writer.rows.items()}



def _counted(rows, progress):
    for count, row in enumerate(rows, start=1):
        if count % 20_000 == 0:
            progress(count)
        yield row


def _quote(conn, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)

"""Import and export of district bundles: the service functions behind `rollover import|export`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from ..bundle.checks import BundleChecker, joined, problem_order
from ..bundle.folder import BundleRefused, bundle_files
from ..bundle.format import AREAS_FILE, FILES, FILES_BY_TABLE, BundleFile
from ..bundle.writer import BundleWriter, unset_columns
from ..errors import RolloverError
from ..pause_points import pause_point
from ..progress import Progress, no_progress
from ..store.bulk import read_rows, refresh_statistics
from ..store.bundle_rows import is_bulk_load, load_rows
from ..store.database import reading
from ..store.facts import StoreFacts
from ..store.schema import boundary_areas, metadata
from .bundle_areas import (
    BundleAreas, checked_area_rows, load_area_rows, read_bundle_areas, write_bundle_areas,
)
from .unit_of_work import UnitOfWork, operation, unit_of_work


@dataclass(frozen=True)
class ImportResult:
    rows: dict[str, int]  # bundle file name -> rows imported
    # The import's run (`rollover undo RUN_ID` puts the store back); None for an import that
    # only added rows (no --replace), which is no run.
    run_id: str | None = None


# YE-2: the `import` right, holding the district's write lock.  An import that replaces stored
# rows (--replace) is a run: every row it inserts, replaces or deletes is saved, so that `rollover
# undo` puts the store back.  Without --replace an import only adds rows the store does not hold
# (the first load of a district among them, millions of rows that a backup would double); it is a
# guarded transaction, no run.  Either is a data load, not a user's change (YE-3).
IMPORT = operation("import", "import", "import", side_effects=False)
IMPORT_ADDING = operation("import", "import", "import", side_effects=False, records_run=False)


def import_bundle(engine: Engine, folder: Path | str, *, replace: bool = False,
                  progress: Progress = no_progress, user: str | None = None,
                  options: dict | None = None) -> ImportResult:
    """Check the whole bundle and load it in one transaction; refuse it whole on any problem.

    Without `replace`, a row whose id is already in the store is a problem; with it, the
    bundle's row replaces the stored one (rows the bundle does not name are kept), and the
    import is a run (kind "import") with its backup.  A refused import leaves no trace.
    `options`: what its run records of how it was asked (default: the folder and `replace`).
    """
    folder = Path(folder)
    present, problems = bundle_files(folder)
    areas = read_bundle_areas(folder)
    with unit_of_work(engine, IMPORT if replace else IMPORT_ADDING, user=user,
                      progress=progress,
                      options=options or {"bundle": str(folder), "replace": replace},
                      holder="import") as work:
        conn = work.conn
        # Checked and loaded in one transaction, so what was checked is what is written to; and
        # in one read of each file, its rows written as they pass (a refusal rolls them back).
        _allow_rows_naming_later_rows(conn)
        loader = (_Loader(work, replace, bulk=is_bulk_load(folder / f.name for f in present))
                  if not problems else None)
        checker = BundleChecker(folder, BundleStoreFacts(conn), replace=replace,
                                progress=progress, sink=loader)
        check = checker.run(present)
        problems = sorted(problems + check.problems, key=problem_order)
        if problems:  # the areas' references are checked once the files are in
            raise BundleRefused(problems + (areas.problems if areas is not None else []))
        if loader.refusal is not None:
            raise loader.refusal  # the store refused what the checks let through
        tables = [metadata.tables[spec.table] for spec in present]
        if areas is not None:
            check.rows[AREAS_FILE.name] = _load_areas(work, folder, areas, present, replace)
            tables.append(boundary_areas)
        refresh_statistics(conn, tables)
        pause_point("import:loaded")
        record = work.finish(counts=check.rows) if replace else None
    return ImportResult(rows=check.rows, run_id=record and record.run_id)


def _load_areas(work: UnitOfWork, folder: Path, areas: BundleAreas,
                present: list[BundleFile], replace: bool) -> int:
    """The bundle's areas, checked against the district the files have made, then written:
    added, or replacing the stored areas of their keys; how many the file holds."""
    rows, problems = checked_area_rows(work.conn, folder, areas, present, adding=not replace)
    if problems:
        raise BundleRefused(problems)
    load_area_rows(work.conn, work.change, rows, replace=replace)
    return len(rows)


class _Loader:
    """The checker's row sink: each file's rows written into its table, with their backup, in a
    savepoint, so that rows the store refuses (the checks name the problem a little later) leave
    the transaction usable for the rest of the checks."""

    def __init__(self, work: UnitOfWork, replace: bool, *, bulk: bool):
        self.work = work
        self.replace = replace
        self.bulk = bulk
        self.refusal: Exception | None = None
        # The bulk writes use the driver's connection, so its own errors come through too.
        self.store_errors = (DBAPIError, work.conn.dialect.loaded_dbapi.Error)

    def refuses_repeated_key(self, spec: BundleFile) -> bool:
        primary_key = {c.name for c in metadata.tables[spec.table].primary_key.columns}
        return bool(spec.key) and primary_key == set(spec.key)

    def load(self, spec: BundleFile, rows, *, empty_table: bool) -> bool:
        conn = self.work.conn
        savepoint = conn.begin_nested()
        try:
            load_rows(conn, self.work.change, spec, rows, replace=self.replace,
                      empty_table=empty_table, bulk=self.bulk)
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


def export_bundle(engine: Engine, folder: Path | str, *,
                  progress: Progress = no_progress) -> dict[str, int]:
    """Write every stored row as a bundle; files in key order, optional empty files left out.

    The folder is created if missing and refused if it exists and is not empty.
    """
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise RolloverError(f"export folder {str(folder)!r} exists and is not empty")
    folder.mkdir(parents=True, exist_ok=True)
    with reading(engine) as conn:
        rows = _export_files(conn, folder, progress)
        areas = write_bundle_areas(conn, folder)
    return rows | ({AREAS_FILE.name: areas} if areas else {})


def _export_files(conn, folder: Path, progress: Progress) -> dict[str, int]:
    """The CSV files of the bundle: every stored row of their tables."""
    with BundleWriter(folder, unset=_unset(conn)) as writer:
        # one moment, all files
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


def _unset(conn) -> dict[str, set[str]]:
    """Per table, the columns written only when set that no stored row sets."""
    def is_set(table: str, column: str) -> bool:
        return conn.execute(text(f"SELECT 1 FROM {_quote(conn, table)} WHERE "
                                 f"{_quote(conn, column)} IS NOT NULL LIMIT 1")).first() is not None
    return {spec.table: unset_columns(spec, lambda name, t=spec.table: is_set(t, name))
            for spec in FILES}


def bundle_rows(engine: Engine) -> int:
    """The rows an export of the district writes, counted (no row is read)."""
    with reading(engine) as conn:
        return sum(conn.execute(text(f"SELECT count(*) FROM {_quote(conn, f.table)}")).scalar()
                   for f in (*FILES, AREAS_FILE))


def _counted(rows, progress):
    for count, row in enumerate(rows, start=1):
        if count % 20_000 == 0:
            progress(count)
        yield row


def _quote(conn, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)

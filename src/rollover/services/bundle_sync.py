"""`rollover import BUNDLE_DIR --sync [--test] [--confirm]`: an import that makes the store equal
to the bundle, file by file (docs/bundle.md, "Sync").

For every file present, the stored table becomes the file: rows with a stored key replace the
stored row (as `--replace`), new rows are inserted, and the stored rows the file does not hold
are deleted, children before parents.  Files absent from the bundle are left as they are.

- The whole bundle is checked first, as by every import; a reference must then resolve in the
  bundle itself where its file is present (the stored rows it does not hold are deleted).
- A deletion that a row of a table the sync leaves alone still names by a foreign key is
  refused, naming it; so is, without `confirm`, deleting a row in the undo log of a completed
  run not undone (a roll forward's new enrollment, an edited student ...), naming each row and
  run.  A bundle's own rows (those of an import or a demo load) need no confirmation.
- `test`: everything is decided, nothing written (not even a run record); the result says what
  would be inserted, updated and deleted, and which deletions need `confirm`.
- The sync is a run of kind `import` through the unit of work: `rollover undo RUN_ID` puts the
  store back as it was, row by row.

Writes run in file order (parents first) while the files are checked, then the deletions run in
the reverse order of the tables' foreign keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from ..bundle.checks import BundleChecker, problem_order
from ..bundle.folder import BundleRefused, bundle_files
from ..bundle.format import AREAS_FILE, FILES_BY_TABLE, BundleFile, BundleProblem
from ..bundle.values import format_cell
from ..domain.change_plan import DELETE, INSERT, UPDATE, ChangeStep
from ..errors import RolloverError
from ..progress import Progress, no_progress
from ..store.bulk import refresh_statistics
from ..store.bundle_rows import CHUNK_ROWS, is_bulk_load, load_rows
from ..store.bundle_sync import rows_naming, rows_not_kept, runs_holding, sync_generated_keys
from ..store.schema import metadata
from ..store.undo_log import key_columns, key_encoder
from .bundle_areas import (
    BundleAreas, checked_area_rows, deleted_keys, load_area_rows, read_bundle_areas,
)
from .bundles import IMPORT, BundleStoreFacts, _allow_rows_naming_later_rows
from .unit_of_work import UnitOfWork, unit_of_work

# Runs that load a bundle's rows: what a later bundle takes back needs no confirmation.
DATA_LOADS = ("import", "demo")
COUNTED = {INSERT: "inserted", UPDATE: "updated", DELETE: "deleted"}


@dataclass(frozen=True)
class RunRow:
    """A row the sync deletes that a run made or changed."""

    file: str
    key: tuple[str, ...]
    run_id: str
    kind: str


@dataclass
class SyncResult:
    mode: str  # "test" or "run"
    run_id: str | None  # the sync's run (None for a test)
    rows: dict[str, int]  # bundle file -> its rows
    changes: dict[str, dict[str, int]]  # bundle file -> inserted, updated, deleted
    deleted: dict[str, list[tuple[str, ...]]]  # bundle file -> the keys of the rows deleted
    run_rows: list[RunRow] = field(default_factory=list)  # deleted rows that runs made

    @property
    def totals(self) -> dict[str, int]:
        return {counted: sum(c[counted] for c in self.changes.values())
                for counted in COUNTED.values()}

    def as_json(self) -> dict:
        return {"mode": self.mode, "run_id": self.run_id, "rows": self.rows,
                "changes": self.changes, "totals": self.totals,
                "deleted": {f: [list(k) for k in keys] for f, keys in self.deleted.items()},
                "run_rows": [{"file": r.file, "key": list(r.key), "run_id": r.run_id,
                              "kind": r.kind} for r in self.run_rows]}


class SyncNeedsConfirmation(RolloverError):
    """Deleting rows that runs made or changed: nothing is written without confirm (409)."""

    http_status = 409

    def __init__(self, rows: list[RunRow]):
        many = "s" if len(rows) > 1 else ""
        super().__init__(
            f"the sync would delete {len(rows)} row{many} that runs made or changed; look at "
            "them, then sync again with --confirm; nothing was written",
            [f"{r.file}: {shown_key(r.key)}: in the undo log of run {r.run_id} ({r.kind})"
             for r in rows])
        self.rows = rows


def shown_key(key: tuple[str, ...]) -> str:
    return " + ".join(repr(part) for part in key) or "the district's settings"


def refuse_sync_with_replace(sync: bool, replace: bool) -> None:
    if sync and replace:
        raise RolloverError("--sync and --replace: give one (--sync replaces rows as --replace "
                            "does, and deletes the stored rows the bundle's files do not hold)")


def sync_bundle(engine: Engine, folder: Path | str, *, test: bool = False,
                confirm: bool = False, progress: Progress = no_progress,
                user: str | None = None) -> SyncResult:
    """Make every table whose file the bundle holds equal to that file; see the module's
    docstring.  Refuses (BundleRefused, SyncNeedsConfirmation) with nothing written."""
    folder = Path(folder)
    present, problems = bundle_files(folder)
    areas = read_bundle_areas(folder)
    op = IMPORT.listing() if test else IMPORT  # a test writes nothing, not even a run record
    with unit_of_work(engine, op, user=user, test=test, progress=progress, write=not test,
                      options={"bundle": str(folder), "sync": True, "confirm": confirm},
                      holder="import" + (" (test)" if test else "")) as work:
        conn = work.conn
        _allow_rows_naming_later_rows(conn)
        loader = (_SyncLoader(work, bulk=is_bulk_load(folder / f.name for f in present))
                  if not problems else None)
        checker = BundleChecker(folder, SyncStoreFacts(conn, present), replace=True,
                                progress=progress, sink=loader)
        check = checker.run(present)
        problems = sorted(problems + check.problems, key=problem_order)
        if problems:  # the areas' references are checked once the files are in
            raise BundleRefused(problems + (areas.problems if areas is not None else []))
        if loader.refusal is not None:
            raise loader.refusal  # the store refused what the checks let through
        synced = {spec.table for spec in present}
        if areas is not None:  # before the deletions: an area names its school
            check.rows[AREAS_FILE.name] = _sync_areas(work, loader, folder, areas, present)
            synced.add(AREAS_FILE.table)
        deletions = _rows_to_delete(conn, present, loader)
        problems = _still_named(conn, deletions, synced)
        if problems:
            raise BundleRefused(problems)
        run_rows = _made_by_runs(conn, [*loader.deleted, *(
            (spec, row) for spec, rows in deletions for row in rows)])
        if run_rows and not confirm and not test:
            raise SyncNeedsConfirmation(run_rows)
        total = sum(len(rows) for _spec, rows in deletions)
        for spec, rows in deletions:
            for start in range(0, len(rows), CHUNK_ROWS):
                loader.change(ChangeStep(spec.table, DELETE, _whole(spec.table), [
                    (None, row, None) for row in rows[start:start + CHUNK_ROWS]]))
                progress("deleting", start + len(rows[start:start + CHUNK_ROWS]), total)
        reported = [*present, *([AREAS_FILE] if areas is not None else [])]
        result = SyncResult("test" if test else "run", None, check.rows,
                            {spec.name: loader.counts.get(spec.name, _none_counted())
                             for spec in reported},
                            {spec.name: loader.deleted_keys[spec.name] for spec in reported
                             if loader.deleted_keys.get(spec.name)}, run_rows)
        if not test:
            refresh_statistics(conn, [metadata.tables[spec.table] for spec in present])
            result.run_id = work.run_id
            work.finish(counts=result.totals, report=result.as_json())
    return result


def _sync_areas(work: UnitOfWork, loader: _SyncLoader, folder: Path, areas: BundleAreas,
                present: list[BundleFile]) -> int:
    """The stored areas made the file's (checked against the district the sync leaves),
    counted and remembered as the loader does a file's rows; how many the file holds."""
    rows, problems = checked_area_rows(work.conn, folder, areas, present, synced=True)
    if problems:
        raise BundleRefused(problems)
    loaded = load_area_rows(work.conn, work.change, rows, sync=True, draw_keys=not work.test)
    loader._count(AREAS_FILE.name, INSERT, loaded.inserted)
    loader._count(AREAS_FILE.name, DELETE, len(loaded.deleted))
    loader.deleted_keys[AREAS_FILE.name] = deleted_keys(loaded.deleted)
    loader.deleted += [(AREAS_FILE, row) for row in loaded.deleted]
    return len(rows)


class _SyncLoader:
    """The checker's row sink: each file's rows written (a replacing import's writes), the keys
    of a file going into a table that held rows kept, every change counted per file and
    action; in a test, nothing is written."""

    def __init__(self, work: UnitOfWork, *, bulk: bool):
        self.work = work
        self.bulk = bulk
        self.refusal: Exception | None = None
        self.store_errors = (DBAPIError, work.conn.dialect.loaded_dbapi.Error)
        self.kept: dict[str, set[tuple]] = {}  # table that held rows -> the bundle's keys
        self.counts: dict[str, dict[str, int]] = {}
        self.deleted_keys: dict[str, list[tuple[str, ...]]] = {}
        self.deleted: list[tuple[BundleFile, dict]] = []  # rows deleted while loading

    def refuses_repeated_key(self, spec: BundleFile) -> bool:
        # In a test nothing reaches the store: the checks must find every repeated key.
        primary_key = set(key_columns(metadata.tables[spec.table]))
        return not self.work.test and bool(spec.key) and primary_key == set(spec.key)

    def load(self, spec: BundleFile, rows, *, empty_table: bool) -> bool:
        conn = self.work.conn
        table = metadata.tables[spec.table]
        generated = not set(spec.key) <= set(key_columns(table))
        if empty_table and self.work.test:
            self._count(spec.name, INSERT, sum(1 for _row in rows))
            return True
        if not empty_table and not generated and not spec.single_row:
            keys = self.kept.setdefault(spec.table, set())  # an empty file keeps none
            rows = _keeping_keys(rows, [spec.column_names.index(k) for k in key_columns(table)],
                                 keys)
        savepoint = conn.begin_nested()
        try:
            if generated and not empty_table:
                sync_generated_keys(conn, self.change, spec, list(rows),
                                    draw_keys=not self.work.test)
            else:
                load_rows(conn, self.change, spec, rows, replace=True, empty_table=empty_table,
                          bulk=self.bulk)
        except self.store_errors as exc:
            savepoint.rollback()
            self.refusal = exc
            return False
        savepoint.commit()
        return True

    def change(self, step: ChangeStep, write=None) -> None:
        """Count and remember the step, then the unit of work's `change` (saved, written)."""
        spec = FILES_BY_TABLE[step.table]
        self._count(spec.name, step.action, len(step.rows))
        if step.action == DELETE:
            for _school, before, _after in step.rows:
                row = dict(zip(step.columns, before))
                self.deleted_keys[spec.name].append(tuple(format_cell(row[c]) for c in spec.key))
                if step.table not in self.kept:  # a generated key's or the settings' row
                    self.deleted.append((spec, row))
        self.work.change(step, write)

    def _count(self, file: str, action: str, rows: int) -> None:
        self.counts.setdefault(file, _none_counted())
        self.deleted_keys.setdefault(file, [])
        self.counts[file][COUNTED[action]] += rows


class SyncStoreFacts(BundleStoreFacts):
    """The store as the checks of a sync see it: the rows of a table whose file the bundle
    holds are the file's alone (the others are deleted)."""

    def __init__(self, conn: Connection, present: list[BundleFile]):
        super().__init__(conn)
        self.synced = {spec.table: spec.name for spec in present}
        self.deleted: set[tuple[str, str, str]] = set()  # named, stored, not in the file

    def missing(self, table: str, column: str, values: list[str]) -> set[str]:
        if table not in self.synced:
            return super().missing(table, column, values)
        stored = set(values) - super().missing(table, column, values)
        self.deleted.update((table, column, value) for value in stored)
        return set(values)  # not in the file (the checks ask for no other value)

    def describe_missing(self, table: str, column: str, value: str) -> str:
        if (table, column, value) in self.deleted:
            return (f"{value!r} is not in {self.synced[table]}: the sync deletes it from "
                    f"{table}.{column}")
        return super().describe_missing(table, column, value)

    def structure_calendars(self) -> dict[str, str]:
        return {} if "structures" in self.synced else super().structure_calendars()

    def grade_levels(self) -> set[tuple[str, str, str]]:
        return set() if "grade_levels" in self.synced else super().grade_levels()

    def calendar_dates(self) -> dict[str, tuple]:
        return {} if "calendars" in self.synced else super().calendar_dates()


def _none_counted() -> dict[str, int]:
    return {counted: 0 for counted in COUNTED.values()}


def _keeping_keys(rows, positions: list[int], keys: set[tuple]):
    for row in rows:
        keys.add(tuple(row[p] for p in positions))
        yield row


def _whole(table_name: str) -> tuple[str, ...]:
    return tuple(c.name for c in metadata.tables[table_name].columns)


def _rows_to_delete(conn: Connection, present: list[BundleFile], loader: _SyncLoader
                    ) -> list[tuple[BundleFile, list[tuple]]]:
    """The stored rows each present file does not hold (files into tables that held rows),
    children's tables before their parents'."""
    order = {t.name: i for i, t in enumerate(metadata.sorted_tables)}
    found = []
    for spec in sorted(present, key=lambda s: -order[s.table]):
        if spec.table in loader.kept:
            rows = rows_not_kept(conn, metadata.tables[spec.table], loader.kept[spec.table])
            if rows:
                found.append((spec, rows))
    return found


def _still_named(conn: Connection, deletions, synced: set[str]) -> list[BundleProblem]:
    problems = []
    for spec, rows in deletions:
        table = metadata.tables[spec.table]
        for named in rows_naming(conn, table, rows, lambda other: other not in synced):
            where = (f"{FILES_BY_TABLE[named.table].name}, not in the bundle,"
                     if named.table in FILES_BY_TABLE else f"table {named.table}")
            value = ", ".join(f"{c} {v!r}" for c, v in zip(named.columns, named.values))
            many = "s" if named.rows > 1 else ""
            problems.append(BundleProblem(spec.name, None, None, (
                f"the sync would delete the row of {value} (the file does not hold it), but "
                f"{named.rows} row{many} of {where} still name{'' if many else 's'} it")))
    return problems


def _made_by_runs(conn: Connection, deleted) -> list[RunRow]:
    """The deleted rows (spec, row as a dict or a whole tuple) that runs made or changed."""
    by_table: dict[str, dict[str, tuple[str, ...]]] = {}
    files = {spec.table: spec.name for spec, _row in deleted}
    for spec, row in deleted:
        columns = _whole(spec.table)
        values = row if isinstance(row, tuple) else tuple(row[c] for c in columns)
        key_text = key_encoder(metadata.tables[spec.table], columns)(values)
        shown = tuple(format_cell(values[columns.index(c)]) for c in spec.key)
        by_table.setdefault(spec.table, {})[key_text] = shown
    found = []
    for table, keys in by_table.items():
        for key_text, run_id, kind in runs_holding(conn, table, keys, DATA_LOADS):
            found.append(RunRow(files[table], keys[key_text], run_id, kind))
    return found

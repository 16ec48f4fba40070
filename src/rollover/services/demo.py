"""The demo district: `rollover demo` writes it as a bundle or loads it straight into the store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, exists, select

from ..bundle.format import AREAS_FILE, FILES, FILES_BY_TABLE
from ..bundle.writer import BundleWriter
from ..demo import DemoSummary, generate
from ..demo.generator import SYNTHETIC
from ..domain.change_plan import INSERT, ChangeStep
from ..errors import RolloverError
from ..interop.geojson import feature_collection_text
from ..progress import Progress, no_progress
from ..store.bulk import new_keys, refresh_statistics
from ..store.bundle_rows import delete_every_row, load_rows
from ..store.schema import metadata
from .unit_of_work import UnitOfWork, operation, unit_of_work

# Every table the demo fills, the year-end modules' included, parents before children
# (store.schema.BUNDLE_TABLES lists the core tables only); the attendance areas drawn as
# polygons (the Seattle geography) last, as no bundle file lists them yet.
AREAS = metadata.tables["boundary_areas"]
DISTRICT_TABLES = tuple(metadata.tables[f.table] for f in FILES) + (
    () if AREAS.name in FILES_BY_TABLE else (AREAS,))
# The generator's boundary_areas rows: the table's columns but its generated key.
AREA_COLUMNS = ("school_id", "program_id", "name", "low_grade", "high_grade", "low_sequence",
                "high_sequence", "geometry")


# YE-2: the `import` right, like an import.  With --replace a run with its backup, so that
# `rollover undo` puts back the district it replaced; without, it loads into an empty store only
# and is no run, like an import that only adds rows.  A data load, not a user's change (YE-3).
DEMO = operation("demo", "demo district", "import", side_effects=False)
DEMO_ADDING = operation("demo", "demo district", "import", side_effects=False,
                        records_run=False)


class _StoreSink:
    """Receives the generator's rows and loads them in bulk, with their backup, in the run."""

    def __init__(self, work: UnitOfWork):
        self.work = work

    def write(self, table: str, rows) -> None:
        if table == AREAS.name:
            self._insert_areas(rows)
        else:
            load_rows(self.work.conn, self.work.change, FILES_BY_TABLE[table], rows)

    def _insert_areas(self, rows) -> None:
        """One insert step under keys drawn before the write, so the saved rows carry the keys
        the rows get (as bundle_rows loads boundaries)."""
        key = AREAS.primary_key.columns.keys()[0]
        keys = new_keys(self.work.conn, AREAS, len(rows))
        self.work.change(ChangeStep(AREAS.name, INSERT, (key, *AREA_COLUMNS),
                                    [(None, None, (k, *row)) for k, row in zip(keys, rows)]))


class _BundleSink:
    """A bundle writer that keeps the attendance areas for their GeoJSON file."""

    def __init__(self, writer: BundleWriter):
        self.writer = writer
        self.areas: list[tuple] = []

    def write(self, table: str, rows) -> None:
        if table == AREAS.name:
            self.areas.extend(rows)
        else:
            self.writer.write(table, rows)


def write_demo_bundle(folder: Path | str, *, students: int, seed: int = 1,
                      progress: Progress = no_progress,
                      geography: str = SYNTHETIC) -> DemoSummary:
    """Write the demo district as a bundle folder (created if missing, refused if not empty).
    With the Seattle geography the households carry latitude and longitude, and the areas are
    `boundary_areas.geojson` (see `_write_areas`)."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise RolloverError(f"bundle folder {str(folder)!r} exists and is not empty")
    folder.mkdir(parents=True, exist_ok=True)
    unset = {} if geography != SYNTHETIC else {"households": {"latitude", "longitude"}}
    with BundleWriter(folder, unset=unset) as writer:
        sink = _BundleSink(writer)
        summary = _generate(sink, students, seed, progress, geography)
    if sink.areas:
        _write_areas(folder / AREAS_FILE.name, sink.areas)
    return summary


def _write_areas(path: Path, rows: list[tuple]) -> None:
    """The bundle's areas file (bundle/format.py AREAS_FILE), in the rows' order."""
    properties = AREAS_FILE.column_names
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(feature_collection_text(
            ({name: values[name] for name in properties}, values["geometry"])
            for values in (dict(zip(AREA_COLUMNS, row)) for row in rows)))


def load_demo(engine: Engine, *, students: int, seed: int = 1, replace: bool = False,
              progress: Progress = no_progress, user: str | None = None,
              geography: str = SYNTHETIC) -> DemoSummary:
    """Load the demo district into the store in one transaction.

    A store that already holds a district is refused unless `replace`, which first removes
    every district row (stored runs are kept) in a run (kind "demo") that saves every row it
    removes and writes.
    """
    options = {"students": students, "seed": seed, "replace": replace}
    if geography != SYNTHETIC:  # the runs of the synthetic demo keep the options they had
        options["geography"] = geography
    with unit_of_work(engine, DEMO if replace else DEMO_ADDING, user=user, progress=progress,
                      options=options) as work:
        conn = work.conn
        if _holds_a_district(conn):
            if not replace:
                raise RolloverError("the database already holds a district; "
                                    "use --replace to replace it with the demo district")
            for table in reversed(DISTRICT_TABLES):  # children first
                delete_every_row(conn, work.change, table)
        summary = _generate(_StoreSink(work), students, seed, progress, geography)
        refresh_statistics(conn, DISTRICT_TABLES)
        if replace:
            work.finish(counts=dict(summary.rows))
        return summary


def _holds_a_district(conn: Connection) -> bool:
    return any(conn.execute(select(exists().select_from(t))).scalar() for t in DISTRICT_TABLES)


def _generate(sink, students: int, seed: int, progress: Progress,
              geography: str = SYNTHETIC) -> DemoSummary:
    try:
        return generate(sink, students=students, seed=seed, progress=progress,
                        geography=geography)
    except ValueError as exc:
        raise RolloverError(str(exc)) from None

"""The demo district: `rollover demo` writes it as a bundle or loads it straight into the store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, exists, select

from ..bundle.format import FILES, FILES_BY_TABLE
from ..bundle.writer import BundleWriter
from ..demo import DemoSummary, generate
from ..errors import RolloverError
from ..progress import Progress, no_progress
from ..store.bulk import refresh_statistics
from ..store.bundle_rows import delete_every_row, load_rows
from ..store.schema import metadata
from .unit_of_work import UnitOfWork, operation, unit_of_work

# Every table the demo fills, the year-end modules' included, parents before children
# (store.schema.BUNDLE_TABLES lists the core tables only).
DISTRICT_TABLES = tuple(metadata.tables[f.table] for f in FILES)


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
        load_rows(self.work.conn, self.work.change, FILES_BY_TABLE[table], rows)


def write_demo_bundle(folder: Path | str, *, students: int, seed: int = 1,
                      progress: Progress = no_progress) -> DemoSummary:
    """Write the demo district as a bundle folder (created if missing, refused if not empty)."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise RolloverError(f"bundle folder {str(folder)!r} exists and is not empty")
    folder.mkdir(parents=True, exist_ok=True)
    with BundleWriter(folder, unset={"households": {"latitude", "longitude"}}) as writer:
        return _generate(writer, students, seed, progress)


def load_demo(engine: Engine, *, students: int, seed: int = 1, replace: bool = False,
              progress: Progress = no_progress, user: str | None = None) -> DemoSummary:
    """Load the demo district into the store in one transaction.

    A store that already holds a district is refused unless `replace`, which first removes
    every district row (stored runs are kept) in a run (kind "demo") that saves every row it
    removes and writes.
    """
    with unit_of_work(engine, DEMO if replace else DEMO_ADDING, user=user, progress=progress, options={
            "students": students, "seed": seed, "replace": replace}) as work:
        conn = work.conn
        if _holds_a_district(conn):
            if not replace:
                raise RolloverError("the database already holds a district; "
                                    "use --replace to replace it with the demo district")
            for table in reversed(DISTRICT_TABLES):  # children first
                delete_every_row(conn, work.change, table)
        summary = _generate(_StoreSink(work), students, seed, progress)
        refresh_statistics(conn, DISTRICT_TABLES)
        if replace:
            work.finish(counts=dict(summary.rows))
        return summary


def _holds_a_district(conn: Connection) -> bool:
    return any(conn.execute(select(exists().select_from(t))).scalar() for t in DISTRICT_TABLES)


def _generate(sink, students: int, seed: int, progress: Progress) -> DemoSummary:
    try:
        return generate(sink, students=students, seed=seed, progress=progress)
    except ValueError as exc:
        raise RolloverError(str(exc)) from None

"""The demo district: `rollover demo` writes it as a bundle or loads it straight into the store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, delete

from ..bundle.format import FILES_BY_TABLE
from ..bundle.writer import BundleWriter
from ..demo import DemoSummary, generate
from ..errors import RolloverError
from ..progress import Progress, no_progress
from ..store.bulk import refresh_statistics
from ..store.schema import BUNDLE_TABLES
from .bundles import load_rows
from .district import district_is_empty


class _StoreSink:
    """Receives the generator's rows and loads them in bulk, in the caller's transaction."""

    def __init__(self, conn):
        self.conn = conn

    def write(self, table: str, rows) -> None:
        load_rows(self.conn, FILES_BY_TABLE[table], rows)


def write_demo_bundle(folder: Path | str, *, students: int, seed: int = 1,
                      progress: Progress = no_progress) -> DemoSummary:
    """Write the demo district as a bundle folder (created if missing, refused if not empty)."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise RolloverError(f"bundle folder {str(folder)!r} exists and is not empty")
    folder.mkdir(parents=True, exist_ok=True)
    with BundleWriter(folder) as writer:
        return _generate(writer, students, seed, progress)


def load_demo(engine: Engine, *, students: int, seed: int = 1, replace: bool = False,
              progress: Progress = no_progress) -> DemoSummary:
    """Load the demo district into the store in one transaction.

    A store that already holds a district is refused unless `replace`, which first removes
    every district row (stored runs are kept).
    """
    with engine.begin() as conn:
        if not district_is_empty(conn):
            if not replace:
                raise RolloverError("the database already holds a district; "
                                    "use --replace to replace it with the demo district")
            for table in reversed(BUNDLE_TABLES):
                conn.execute(delete(table))
        summary = _generate(_StoreSink(conn), students, seed, progress)
        refresh_statistics(conn, BUNDLE_TABLES)
        return summary


def _generate(sink, students: int, seed: int, progress: Progress) -> DemoSummary:
    try:
        return generate(sink, students=students, seed=seed, progress=progress)
    except ValueError as exc:
        raise RolloverError(str(exc)) from None

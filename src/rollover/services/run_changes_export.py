"""`rollover export --changes RUN_ID --format csv OUT_DIR` (docs/interop.md, section 4): what a
real run inserted, updated and deleted in the bundle's tables, read from its undo log, as CSV
files a SIS can load back; and the same as a zip for `GET /api/v1/runs/{run_id}/changes.zip`.

    export_changes(engine, run_id, folder)       -> the summary: a row per file written
    write_changes_zip(engine, run_id, path)      -> the same files, zipped at `path`

Everything is read at one moment.  A run later undone still exports what it did (its undo log
is kept).  An undo, and a year-end restore, keep no undo log of their own: what they did is the
reverse of the runs they undid, in the order they put them back, and that is what they export.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine

from ..bundle.changes import CHANGE_FILES, ChangesWriter
from ..domain.change_plan import DELETE, INSERT, UPDATE
from ..domain.runs import RunRecord
from ..errors import RolloverError
from ..progress import Progress, no_progress
from ..store.database import reading
from ..store.runs import get_run
from ..store.undo_log import saved_steps, step_rows
from .reads import NotFound

FORMATS = ("csv",)
# Runs that put other runs back: they export the reverse of those runs' undo logs.
PUTTING_BACK = ("undo", "restore")
_REVERSE = {INSERT: DELETE, UPDATE: UPDATE, DELETE: INSERT}


class ChangesRefused(RolloverError):
    """An export of a run's changes that cannot be made; nothing was written."""


def export_changes(engine: Engine, run_id: str, folder: Path | str, *, fmt: str = "csv",
                   year: int | None = None, progress: Progress = no_progress) -> list[dict]:
    """Write the run's changes into `folder` (created if missing; refused if it exists and is
    not empty); returns the summary rows ({table, inserted, updated, deleted}).  Refused before
    anything is written: a format other than csv, a year (a run's changes are the run's), an
    unknown run, a Run Test."""
    folder = Path(folder)
    _refuse_options(fmt, year)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ChangesRefused(f"export folder {str(folder)!r} exists and is not empty")
    with reading(engine) as conn:
        record = _exportable(conn, run_id)
        created = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        try:
            with ChangesWriter(folder) as writer:
                for table, action, before, after in _changed_rows(conn, record, progress):
                    writer.change(table, action, before, after)
        except BaseException:
            _remove_written(folder, created)
            raise
    return writer.summary()


def write_changes_zip(engine: Engine, run_id: str, path: Path, *, fmt: str = "csv",
                      year: int | None = None) -> Path:
    """The files of `export_changes` as a zip at `path`, a file private to its owner; refused
    as `export_changes` refuses, leaving nothing at `path`."""
    _refuse_options(fmt, year)
    from .exports import zipped

    return zipped(path, lambda folder: export_changes(engine, run_id, folder),
                  prefix="rollover-changes-")


def _refuse_options(fmt: str, year: int | None) -> None:
    if fmt not in FORMATS:
        raise ChangesRefused(f"format {fmt!r}: a run's changes are written as csv only")
    if year is not None:
        raise ChangesRefused(f"year {year}: a run's changes are all the run's, of every year; "
                             "leave the year out")


def _exportable(conn: Connection, run_id: str) -> RunRecord:
    record = get_run(conn, run_id)
    if record is None:
        raise NotFound(f"unknown run {run_id!r} (see `rollover runs`)")
    if record.mode != "run":
        raise ChangesRefused(f"run {run_id} was a Run Test: it changed nothing to export")
    return record


def _changed_rows(conn: Connection, record: RunRecord, progress: Progress
                  ) -> Iterator[tuple[str, str, dict | None, dict | None]]:
    """(table, action, before, after) of every row the run changed, in the order it changed
    them."""
    if record.kind in PUTTING_BACK:
        runs = (record.report or {}).get("restored_runs", [])  # newest first: the undo's order
        steps = [step for run_id in runs for step in reversed(saved_steps(conn, run_id))]
    else:
        steps = saved_steps(conn, record.run_id)
    steps = [step for step in steps if step.table in CHANGE_FILES]  # no runs, logs, users
    total = sum(step.last_seq - step.first_seq + 1 for step in steps)
    done = 0
    for step in steps:
        if record.kind in PUTTING_BACK:
            for row in step_rows(conn, step, newest_first=True):
                yield step.table, _REVERSE[step.action], row.after, row.before
        else:
            for row in step_rows(conn, step):
                yield step.table, step.action, row.before, row.after
        done += step.last_seq - step.first_seq + 1
        progress("exporting", done, total)


def _remove_written(folder: Path, created: bool) -> None:
    """What a failed export wrote: the folder it created, else the files it put in it."""
    if created:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for file in folder.iterdir():
        file.unlink(missing_ok=True)

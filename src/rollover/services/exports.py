"""Exports through the server (docs/serve.md, "Export"): a district's bundle as a zip, answered
at once when the district is small, else written by an `export` job into a folder the server
owns, from which its download link serves it.

    is_large(engine)                         -> whether an export is a job (EXPORT_JOB_ROWS)
    write_bundle_zip(engine, path)           -> the zip of the bundle export, written at `path`
    write_export_zip(engine, path, fmt, year)-> the zip of an export in format `fmt`: bundle,
                                                edfi or oneroster (docs/interop.md)
    new_export_file(url)                     -> where an export job writes its zip (a new name)
    export_file(engine, job_id, url)         -> the zip of a succeeded export job, while it is kept

Export zips are kept EXPORT_KEEP after they are written; each export job removes the older ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
import os
import secrets
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from sqlalchemy import Engine

from ..domain.jobs import SUCCEEDED
from ..errors import RolloverError
from ..progress import Progress, no_progress
from ..store.backup import make_private_file, make_private_folder
from ..store.database import folder_beside
from .bundles import bundle_rows, export_bundle
from .edfi_export import export_edfi
from .jobs import get_job
from .oneroster_export import export_oneroster

DIR_VARIABLE = "ROLLOVER_EXPORT_DIR"
FOLDER_NAME = "rollover-exports"
PREFIX = "export-"
# Above this many rows an export is a job: a zip made inside the request would outlast it.
EXPORT_JOB_ROWS = 200_000
EXPORT_KEEP = dt.timedelta(hours=24)


class ExportNotFound(RolloverError):
    http_status = 404


def is_large(engine: Engine) -> bool:
    return bundle_rows(engine) > EXPORT_JOB_ROWS


def exports_folder(url: str) -> Path:
    """$ROLLOVER_EXPORT_DIR, else `rollover-exports` beside a SQLite database, else in the
    working folder.  Servers on several hosts need it shared (the worker writes, any serves)."""
    chosen = os.environ.get(DIR_VARIABLE)
    if chosen:
        return Path(chosen).expanduser()
    return folder_beside(url, FOLDER_NAME)


def new_export_file(url: str) -> Path:
    """A new name in the exports folder, for an export job's zip (never a path a user gives)."""
    return exports_folder(url) / f"{PREFIX}{secrets.token_hex(12)}.zip"


def write_bundle_zip(engine: Engine, path: Path, *, progress: Progress = no_progress) -> Path:
    """The district's bundle export (every stored row, read at one moment) as a zip at `path`,
    a file private to its owner; nothing is left at `path` when it fails."""
    return write_export_zip(engine, path, "bundle", progress=progress)


def write_export_zip(engine: Engine, path: Path, fmt: str = "bundle", year: int | None = None,
                     *, progress: Progress = no_progress) -> Path:
    """The export in format `fmt` (`bundle`: every stored row; `edfi`, `oneroster`: school year
    `year`, else the current one) as a zip at `path`, as `write_bundle_zip` says."""
    def write(folder: Path) -> None:
        if fmt == "edfi":
            export_edfi(engine, folder, year=year, progress=progress)
        elif fmt == "oneroster":
            export_oneroster(engine, folder, year=year, progress=progress)
        else:
            export_bundle(engine, folder, progress=progress)

    return zipped(path, write)


def zipped(path: Path, write: Callable[[Path], object], *,
           prefix: str = "rollover-export-") -> Path:
    """The files `write(folder)` writes into a new folder, as a zip at `path`, a file private to
    its owner; nothing is left at `path` when it fails."""
    work = Path(tempfile.mkdtemp(prefix=prefix, dir=path.parent))
    try:
        write(work / "files")
        partial = work / "export.zip"
        make_private_file(partial)
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as out:
            for file in sorted((work / "files").iterdir()):
                out.write(file, file.name)
        partial.replace(path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return path


def run_export(engine: Engine, file: str, fmt: str = "bundle", year: int | None = None, *,
               progress: Progress = no_progress) -> Path:
    """An export job's work: the zip at `file` (in the exports folder), older zips removed."""
    path = Path(file)
    make_private_folder(path.parent)
    _remove_old(path.parent)
    return write_export_zip(engine, path, fmt, year, progress=progress)


def _remove_old(folder: Path) -> None:
    oldest = time.time() - EXPORT_KEEP.total_seconds()
    for old in folder.glob(f"{PREFIX}*.zip"):
        try:
            if old.stat().st_mtime < oldest:
                old.unlink()
        except OSError:
            continue  # removed meanwhile by another worker


def export_file(engine: Engine, job_id: str, url: str) -> Path:
    """The zip of export job `job_id`, once it succeeded and while it is kept."""
    job = get_job(engine, job_id)
    if job.kind != "export" or job.state != SUCCEEDED:
        raise ExportNotFound(f"job {job_id!r} is no finished export")
    folder = exports_folder(url).resolve()
    path = Path(job.params.get("file") or "")
    if path.resolve().parent != folder or not path.is_file():
        raise ExportNotFound(f"the export of job {job_id} is no longer kept (exports are kept "
                             f"{EXPORT_KEEP.total_seconds() / 3600:g} hours)")
    return path

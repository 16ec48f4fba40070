"""`rollover export --format oneroster OUT_DIR [--year YEAR]`: one school year of the district
as OneRoster 1.2 CSV files (docs/interop.md, section 3), read at one moment.

The files are written into a new folder beside OUT_DIR, which takes OUT_DIR's place only once
every file is written: a refusal or a failure leaves nothing (not even the parent folders it
made).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy import Engine

from ..bundle.values import INT_MAX, INT_MIN
from ..errors import RolloverError
from ..interop.oneroster import NoCalendars, SchoolYearRows, write_oneroster
from ..progress import Progress, no_progress
from ..store import oneroster_rows as rows
from ..store.database import reading


@dataclass(frozen=True)
class OneRosterExport:
    year: int
    files: dict[str, int]  # each file written -> its rows (the header not counted)
    left_out: int  # schedules of students not in users.csv (not enrolled in the year)


def export_oneroster(engine: Engine, out_dir: Path | str, *, year: int | None = None,
                     progress: Progress = no_progress) -> OneRosterExport:
    """Write school `year` (default: the district's current school year) into `out_dir`,
    created if missing and refused if it exists and is not empty."""
    out_dir = Path(out_dir)
    refuse_unless_empty(out_dir)
    with reading(engine) as conn:  # one moment, every file
        year = export_year(conn, year)
        source = SchoolYearRows(
            year=year, district_name=rows.district_name(conn),
            calendars=rows.year_calendars(conn, year), schools=rows.year_schools(conn, year),
            terms=rows.year_terms(conn, year), enrollments=rows.year_enrollments(conn, year),
            courses=rows.year_courses(conn, year), sections=rows.year_sections(conn, year),
            schedules=rows.year_schedules(conn, year), total=rows.year_row_counts(conn, year))
        with written_into(out_dir) as folder:
            written = write_oneroster(folder, source, version=package_version(),
                                      progress=progress)
    return OneRosterExport(year, written.rows, written.left_out)


def export_year(conn, year: int | None) -> int:
    """The year asked for, else the district's current school year; refused when there is
    none, or when it has no calendars."""
    if year is None:
        year = rows.current_school_year(conn)
        if year is None:
            raise RolloverError("no school year given and the district has no current school "
                                "year: give one (--year)")
    if not INT_MIN <= year <= INT_MAX or not rows.has_calendars(conn, year):
        raise NoCalendars(year)  # a year the store cannot hold has none
    return year


def oneroster_year(engine: Engine, year: int | None = None) -> int:
    """The school year an export of `year` writes, or its refusal, without writing anything
    (the server checks it before it queues an export job)."""
    with reading(engine) as conn:
        return export_year(conn, year)


def refuse_unless_empty(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise RolloverError(f"export folder {str(out_dir)!r} exists and is not empty")


@contextmanager
def written_into(out_dir: Path) -> Iterator[Path]:
    """A new folder beside `out_dir` to write into, put in `out_dir`'s place at the end; on any
    error it is removed, with the parent folders made for it."""
    target = Path(os.path.abspath(out_dir))
    made = [p for p in target.parents if not p.exists()]  # the deepest first
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = target.parent / f".{target.name}.{secrets.token_hex(6)}.partial"
        work.mkdir()
    except OSError as exc:
        _remove_empty(made)
        raise RolloverError(f"cannot write export folder {str(out_dir)!r}: {exc.strerror}") \
            from None
    try:
        yield work
        refuse_unless_empty(out_dir)  # nothing came meanwhile
        try:
            if target.is_dir():
                target.rmdir()
            work.rename(target)
        except OSError as exc:
            raise RolloverError(f"cannot write export folder {str(out_dir)!r}: "
                                f"{exc.strerror}") from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        _remove_empty(made)
        raise


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            break  # something else is in it now


def package_version() -> str:
    """rollover's version, the manifest's `source.systemCode`."""
    try:
        return version("rollover")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"

"""The enrollment roll forward as a service: lock, load, decide, write (or not), record.

`roll_forward` is what `rollover forward`, and later the web page and the year-end process, call.
A test run and a real run go through the same code; the test run skips only the writing of the
new enrollments (RF-24).  A real run writes its enrollments and its run record in one
transaction, so a failure or a kill leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

from sqlalchemy import Engine

from ..domain.filter import parse_filter, student_id_list_filter
from ..domain.forward.options import ForwardOptions, OptionError, resolve
from ..domain.forward.plan import plan_forward
from ..pause_points import pause_point
from ..progress import Progress, no_progress
from ..domain.forward.report import ForwardReport
from ..store.locks import DISTRICT_WRITE, Holder, exclusive_transaction
from ..domain.runs import RunRecord
from ..domain.changes import inserts
from ..store.runs import (
    NEW_ENROLLMENT_COLUMNS, new_enrollment_rows, new_run_id, write_new_enrollments, write_run,
)
from ..store.side_effects import record_changes, side_effect_settings
from ..store.snapshot import load_catalog, load_snapshot
from .bulk_work import cycle_collection_paused
from .security import require

BUSY = "Enrollment roll forward is already in process"


# An @FILE of student ids: a whole district's ids fit many times over (docs/roll-forward.md).
MAX_FILTER_FILE_BYTES = 32 * 1024 * 1024


def compile_filter(expression: str | None, base: Path | None = None):
    """The ad hoc filter: an expression, or `@FILE` with one student id a line."""
    if expression is None:
        return None
    if not expression.startswith("@"):
        return parse_filter(expression)  # a FilterError names the problem and its position
    name = expression[1:]
    return student_id_list_filter(_filter_file_text((base or Path.cwd()) / name, name), name)


def _filter_file_text(path: Path, name: str) -> str:
    """The text of an @FILE, refused unless it is a regular file of at most MAX_FILTER_FILE_BYTES
    (a device may never end, and a pipe may never be written).  Opened without waiting, so a pipe
    is refused rather than waited on."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise OptionError(f"cannot read filter file {name!r}: {exc}") from None
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        os.close(fd)  # before a file object: Python refuses to make one of a folder
        raise OptionError(f"filter file {name!r} is not a regular file")
    with os.fdopen(fd, "rb") as file:
        size = status.st_size
        try:
            # At most one byte past the limit is read, even if the file grows meanwhile.
            data = file.read(MAX_FILTER_FILE_BYTES + 1) if size <= MAX_FILTER_FILE_BYTES else b""
            size = max(size, len(data))
            if size > MAX_FILTER_FILE_BYTES:
                raise OptionError(f"filter file {name!r} holds {size:,} bytes; a file of "
                                  f"student ids is at most {MAX_FILTER_FILE_BYTES >> 20} MiB")
            return data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise OptionError(f"cannot read filter file {name!r}: {exc}") from None


def source_calendars_of_year(engine: Engine, year: int) -> list[str]:
    """Every calendar of a school year, for a district-wide roll forward."""
    with engine.connect() as conn:
        ids = [c.calendar_id for c in load_catalog(conn).calendars_of_year(year)]
    if not ids:
        raise OptionError(f"no calendar in school year {year}")
    return sorted(ids)


def roll_forward(engine: Engine, options: ForwardOptions, *, user: str | None = None,
                 progress: Progress = no_progress) -> ForwardReport:
    """Run (or, with options.test, test) one roll forward; the report of what it decided."""
    student_filter = compile_filter(options.filter)
    started = dt.datetime.now(dt.timezone.utc)
    what = "roll forward Run Test" if options.test else "roll forward Run"
    with cycle_collection_paused(), \
            exclusive_transaction(engine, "forward", BUSY, write=not options.test,  # RF-23
                                  also=() if options.test else (DISTRICT_WRITE,),
                                  holder=Holder(what, user)) as conn:
        # YE-2, YE-11: the registration roll is district-wide; a test run writes its run record,
        # so it is a write too (refused while the system is locked).
        who = require(conn, user, "registration")
        catalog = load_catalog(conn)
        settings = resolve(options, catalog, student_filter)  # RF-26: before any work
        snapshot = load_snapshot(conn, catalog, [c.calendar_id for c in settings.source_calendars],
                                 settings.destination_year, settings.service_types, progress)
        plan = plan_forward(snapshot, settings, progress)
        pause_point("forward:planned")
        mode = "test" if options.test else "run"
        run_id = new_run_id("forward", started)
        if not options.test:
            write_new_enrollments(conn, run_id, plan.rolled)
            _record_side_effects(conn, who.recorded, plan.rolled)
        record = RunRecord(run_id=run_id, kind="forward", mode=mode, user_name=who.recorded,
                           started_at=started, finished_at=dt.datetime.now(dt.timezone.utc),
                           status="completed", options=options.as_dict(), counts=plan.totals)
        write_run(conn, record, plan.rolled, plan.warnings)
        pause_point("forward:written")
    return ForwardReport(record, plan.rolled, plan.warnings, snapshot.people.students, catalog)


def _record_side_effects(conn, user: str | None, rolled) -> None:
    """YE-3: audit, publish and notify the new enrollments when those settings are on."""
    settings = side_effect_settings(conn)
    if settings.any_on:
        record_changes(conn, user, [inserts("enrollments", NEW_ENROLLMENT_COLUMNS,
                                            new_enrollment_rows(rolled), lambda row: None)],
                       settings)

"""The enrollment roll forward as a service: decide, write (or not), keep the report.

`roll_forward` is what `rollover forward` (and later the web page) calls; the registration
module of the year-end process (`modules/registration.py`) goes through the same `decide`,
`enrollment_step`, `write_enrollments` and `keep_report`, adding only its own bookkeeping.  The
unit of work (`unit_of_work.py`) holds the locks, checks the right, saves the run's backup and
commits the enrollments, the report and the run record together, so a failure or a kill leaves
nothing behind.
"""

from __future__ import annotations

import os
import stat
from functools import partial
from pathlib import Path

from sqlalchemy import Engine

from dataclasses import dataclass

from sqlalchemy import Connection

from ..domain.change_plan import INSERT, ChangeStep
from ..domain.filter import parse_filter, student_id_list_filter
from ..domain.assemble import SharedValues
from ..domain.forward import common_case
from ..domain.forward.enroll import NewEnrollment
from ..domain.forward.options import ForwardOptions, OptionError, RunSettings, resolve
from ..domain.forward.plan import ForwardPlan, plan_forward
from ..domain.snapshot import Catalog, Snapshot
from ..pause_points import pause_point
from ..progress import PICKING_COMMON_CASE, Progress, Tally, no_progress
from ..domain.forward.report import ForwardReport
from ..store.runs import (
    ENROLLMENT_COLUMNS, enrollment_row, insert_new_enrollments, write_run_report,
)
from ..store.bulk import refresh_statistics
from ..store.new_enrollments import NewEnrollments
from ..store.run_pages import keep_grade_totals
from ..store.schema import run_rolled, run_warnings
from ..store.common_case import Picked
from ..store.common_case import common_case as picked_common_case, pick as pick_common_case
from ..store.snapshot import load_catalog, load_snapshot
from .unit_of_work import UnitOfWork, operation, unit_of_work

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
        return calendars_of_year(load_catalog(conn), year)


def calendars_of_year(catalog: Catalog, year: int) -> list[str]:
    """Every calendar of a school year, by id; refused when there is none."""
    ids = sorted(c.calendar_id for c in catalog.calendars_of_year(year))
    if not ids:
        raise OptionError(f"no calendar in school year {year}")
    return ids


# RF-23: one roll forward at a time, a Run Test included; the registration module holds it too.
FORWARD_LOCK = ("forward", BUSY)
FORWARD = operation("forward", "roll forward", "registration", locks=(FORWARD_LOCK,))


@dataclass
class Decision:
    """What a roll forward decided, and what it decided from."""

    settings: RunSettings
    snapshot: Snapshot
    plan: ForwardPlan
    # With `common_in_database`: the common case's enrollments, still in the database; the
    # plan's new enrollments are then the pure rules' alone (`plan.by_common_case` counts these).
    picked: Picked | None = None


def decide(conn: Connection, options: ForwardOptions, progress: Progress = no_progress, *,
           catalog: Catalog | None = None, with_students: bool = True,
           second_path: bool = True, common_in_database: bool = False) -> Decision:
    """Check the options against the district (RF-26: before any work), read the enrollments
    and decide every one of them: the one decision of `forward` and of the registration
    module.  The run's common case, where it has one, is picked by the database
    (`domain/forward/common_case.py`); `second_path` False decides every candidate by the pure
    rules alone (what the common case is proved against).  `common_in_database`: the common
    case's new enrollments are not made in Python but left to `store/new_enrollments.py`
    (`Decision.picked`), which the caller numbers with the plan's."""
    catalog = catalog or load_catalog(conn)
    settings = resolve(options, catalog, compile_filter(options.filter))
    load = partial(load_snapshot, conn, catalog,
                   [c.calendar_id for c in settings.source_calendars], settings.destination_year,
                   settings.service_types, progress,
                   with_students=with_students or settings.student_filter is not None)
    if not (second_path and common_case.applies(settings, catalog)):
        snapshot = load()
        return Decision(settings, snapshot, plan_forward(snapshot, settings, progress))
    routes = common_case.routes(catalog, settings)
    progress(PICKING_COMMON_CASE, 0, 2)
    shared = SharedValues()
    if common_in_database:
        picked = pick_common_case(conn, settings, routes)
        progress(PICKING_COMMON_CASE, 2, 2)
        left_out = picked.count()
        snapshot = load(only_where=picked.not_picked, shared=shared, left_out=left_out,
                        left_out_students=picked.student_ids() if with_students else frozenset())
        plan = plan_forward(snapshot, settings, progress)
        plan.by_common_case = left_out
        return Decision(settings, snapshot, plan, picked)
    with picked_common_case(conn, settings, routes) as picked:
        progress(PICKING_COMMON_CASE, 1, 2)
        common = common_case.new_enrollments(picked.rows(), routes, settings, shared)
        progress(PICKING_COMMON_CASE, 2, 2)
        snapshot = load(only_where=picked.not_picked, shared=shared, left_out=len(common),
                        left_out_students=frozenset(
                            n.student_id for n in common) if with_students else frozenset())
    return Decision(settings, snapshot, plan_forward(snapshot, settings, progress, common))


def enrollment_step(run_id: str, rolled: list[NewEnrollment], *, test: bool) -> ChangeStep:
    """The new enrollments as whole rows, each with its school; a Run names them after the run
    (`RUN-0000001` ...), a Run Test names none (bundle.md: null in a test run)."""
    if not test:
        for seq, entry in enumerate(rolled, start=1):
            entry.enrollment_id = f"{run_id}-{seq:07d}"
    return ChangeStep("enrollments", INSERT, ENROLLMENT_COLUMNS,
                      [(r.school_id, None, enrollment_row(r)) for r in rolled])


def write_enrollments(work: UnitOfWork, step: ChangeStep) -> None:
    """The new enrollments through the unit of work, written in bulk (with the named pause point
    `forward:writing` half way, where a test can hold the run), counted in its progress."""
    work.change(step, write=lambda: insert_new_enrollments(
        work.conn, ENROLLMENT_COLUMNS, [after for _school, _before, after in step.rows],
        counted=work.counted))


# A report this large changes the report tables' statistics enough that PostgreSQL would plan
# the pages of its students badly (a quarter of a second a page instead of a fiftieth).
LARGE_REPORT_ROWS = 10_000


def keep_report(conn: Connection, run_id: str, plan: ForwardPlan,
                progress: Progress = no_progress, numbered: NewEnrollments | None = None) -> None:
    """RF-25: every new enrollment and warning of the run, for `rollover report` and the pages
    of its students, and its counts per calendar and grade for its totals; a large report's
    tables analysed at once, in the run's transaction.  `numbered`: the run's new enrollments
    as numbered in the database (the plan's and the common case's), copied from there.
    Progress: "writing the report", in rows written, and a quarter of the new enrollments for
    each side of the totals (counting reads them again, a quarter of the time it took to write
    them)."""
    rolled = len(plan.rolled) if numbered is None else len(numbered)
    warnings = len(plan.warnings)
    side = rolled // 4
    writing = Tally(progress, "writing the report", rolled + warnings + 2 * side).start()
    if numbered is None:
        write_run_report(conn, run_id, plan.rolled, plan.warnings, counted=writing.rows)
    else:
        numbered.write_report()
        writing.add(rolled)
        write_run_report(conn, run_id, [], plan.warnings, counted=writing.rows)
    keep_grade_totals(conn, run_id, after_each_side=lambda: writing.add(side))
    if rolled + warnings >= LARGE_REPORT_ROWS:
        refresh_statistics(conn, [run_rolled, run_warnings])
    writing.finish()


def roll_forward(engine: Engine, options: ForwardOptions, *, user: str | None = None,
                 progress: Progress = no_progress) -> ForwardReport:
    """Run (or, with options.test, test) one roll forward; the report of what it decided.  A
    test run and a real run go through the same code; the test run writes only its record and
    report (RF-24)."""
    compile_filter(options.filter)  # a bad filter is refused before the district is read
    with unit_of_work(engine, FORWARD, user=user, test=options.test,
                      options=options.as_dict(), progress=progress) as work:
        decision = decide(work.conn, options, progress)
        pause_point("forward:planned")
        plan = decision.plan
        step = enrollment_step(work.run_id, plan.rolled, test=options.test)
        work.expect([step])
        write_enrollments(work, step)
        keep_report(work.conn, work.run_id, plan, progress)
        record = work.finish(counts=plan.totals)
        pause_point("forward:written")
    return ForwardReport(record, plan.rolled, plan.warnings, decision.snapshot.people.students,
                         decision.snapshot.catalog)

"""Stored runs (RF-25): the run record, and what a roll forward decided, written in bulk."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from itertools import chain, islice

from sqlalchemy import Connection, select

from ..domain.forward.enroll import NewEnrollment
from ..domain.forward.plan import ForwardWarning
from ..domain.runs import RunRecord
from ..pause_points import pause_point
from .bulk import insert_rows
from .schema import enrollments, run_rolled, run_warnings, runs

ROLLED_COLUMNS = [c.name for c in run_rolled.columns]
WARNING_COLUMNS = [c.name for c in run_warnings.columns]
STREAM = {"stream_results": True, "yield_per": 10_000}
ENROLLMENT_COLUMNS = tuple(c.name for c in enrollments.columns)


def new_run_id(kind: str, now: dt.datetime) -> str:
    """Sortable by time, unique across hosts: e.g. forward-20261122T093012-3f9a1c."""
    return f"{kind}-{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def insert_new_enrollments(conn: Connection, columns, rows: list[tuple],
                           counted: Callable[[Iterable], Iterable] = iter) -> None:
    """Insert a run's new enrollments in bulk, with the named moment `forward:writing` half way
    (a test holds the run mid-write there); `counted` passes the rows on (a progress count)."""
    half = len(rows) // 2
    insert_rows(conn, enrollments, list(columns),
                chain(counted(islice(rows, half)), _pausing_at("forward:writing"),
                      counted(islice(rows, half, None))))


def _pausing_at(point: str):
    """No rows: placed in a stream of rows, it marks a named moment of the write there (a test
    holds the run mid-write at it)."""
    pause_point(point)
    yield from ()


def enrollment_row(r: NewEnrollment) -> tuple:
    """A new enrollment as a whole enrollments row (ENROLLMENT_COLUMNS' order): no end date,
    status or action (a student retained this year is not retained again next year), no
    next-year fields yet."""
    return (r.enrollment_id, r.student_id, r.calendar_id, r.structure_id, r.grade,
            r.service_type, r.start_date, None, None, None, None, None, None,
            r.local_start_status, r.graduation_cohort, r.source_enrollment_id)


# The row above lists the columns in this order; a new column must be placed there too.
assert ENROLLMENT_COLUMNS == (
    "enrollment_id", "student_id", "calendar_id", "structure_id", "grade", "service_type",
    "start_date", "end_date", "end_status", "end_action", "next_calendar_id", "next_structure_id",
    "next_grade", "local_start_status", "graduation_cohort", "rolled_from")


# The rows below list the columns in these orders; a new column must be placed there too.
assert ROLLED_COLUMNS == [
    "run_id", "seq", "student_id", "source_enrollment_id", "enrollment_id", "source_calendar_id",
    "source_grade", "calendar_id", "structure_id", "grade", "start_date", "service_type",
    "local_start_status", "graduation_cohort", "last_day_ender", "warnings", "rule"]
assert WARNING_COLUMNS == ["run_id", "seq", "student_id", "source_enrollment_id", "code",
                           "message", "source_calendar_id"]


def write_run_report(conn: Connection, run_id: str, rolled: list[NewEnrollment],
                     warnings: list[ForwardWarning],
                     counted: Callable[[Iterable], Iterable] = iter) -> None:
    """RF-25: what a roll forward decided, test or real: each new enrollment and warning,
    numbered 1, 2, 3 ... in decision order (store/run_pages.py pages by that number);
    `counted` passes the rows on (a progress count)."""
    insert_rows(conn, run_rolled, ROLLED_COLUMNS, counted(
        (run_id, seq, r.student_id, r.source_enrollment_id, r.enrollment_id,
         r.source_calendar_id, r.source_grade, r.calendar_id, r.structure_id, r.grade,
         r.start_date, r.service_type, r.local_start_status, r.graduation_cohort,
         r.last_day_ender, " ".join(r.warnings), r.rule)
        for seq, r in enumerate(rolled, start=1)))
    insert_rows(conn, run_warnings, WARNING_COLUMNS, counted(
        (run_id, seq, w.student_id, w.source_enrollment_id, w.code, w.message,
         w.source_calendar_id)
        for seq, w in enumerate(warnings, start=1)))


def list_runs(conn: Connection) -> list[RunRecord]:
    """Every stored run, newest first."""
    rows = conn.execute(select(runs).order_by(runs.c.started_at.desc(), runs.c.run_id.desc()))
    return [RunRecord(**row._mapping) for row in rows]


def get_run(conn: Connection, run_id: str) -> RunRecord | None:
    row = conn.execute(select(runs).where(runs.c.run_id == run_id)).first()
    return None if row is None else RunRecord(**row._mapping)


def stored_rolled(conn: Connection, run_id: str):
    """The new enrollments a stored run decided, in their order (rows of run_rolled)."""
    return conn.execute(
        select(run_rolled).where(run_rolled.c.run_id == run_id).order_by(run_rolled.c.seq),
        execution_options=STREAM)


def stored_warnings(conn: Connection, run_id: str):
    return conn.execute(
        select(run_warnings).where(run_warnings.c.run_id == run_id).order_by(run_warnings.c.seq),
        execution_options=STREAM)

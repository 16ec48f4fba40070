"""Stored runs: the list of them (`rollover runs`) and one again (`rollover report`)."""

from __future__ import annotations

from sqlalchemy import Engine, select, union

from ..domain.forward.enroll import NewEnrollment
from ..domain.forward.options import ForwardOptions
from ..domain.forward.plan import ForwardWarning
from ..domain.forward.report import ForwardReport
from ..domain.people import Student
from ..domain.runs import RunRecord
from ..progress import Progress, Tally, no_progress
from ..store import runs as stored
from ..store.database import reading
from ..store.schema import run_rolled, run_warnings, students
from ..store.snapshot import load_catalog
from .reads import NotFound


# The runs that place students, each keeping its per-student report (RF-25): a roll forward, and
# the registration module of the year-end process, which rolls forward the same way.
PLACING_KINDS = ("forward", "registration")


def places_students(record: RunRecord) -> bool:
    return record.kind in PLACING_KINDS


def list_runs(engine: Engine) -> list[RunRecord]:
    with reading(engine) as conn:
        return stored.list_runs(conn)


def get_run(engine: Engine, run_id: str) -> RunRecord:
    """A stored run of any kind; an unknown id is refused naming it."""
    with reading(engine) as conn:
        record = stored.get_run(conn, run_id)
    if record is None:
        raise NotFound(f"unknown run {run_id!r} (see `rollover runs`)")
    return record


# What a Run Test and a Run share when they decide the same: every option but these.
NOT_DECIDING = ("test", "totals_only", "show_warnings")
AS_SETS = ("source_calendars", "source_grades", "service_types")


def latest_run_test(engine: Engine, options: ForwardOptions) -> RunRecord | None:
    """The latest completed roll forward Run Test with the same options as `options` (a Run's
    before it runs: the Run Test it follows), or None."""
    wanted = _deciding(options.as_dict())
    for record in list_runs(engine):  # newest first
        if (record.kind == "forward" and record.mode == "test" and record.status == "completed"
                and _deciding(record.options or {}) == wanted):
            return record
    return None


def _deciding(options: dict) -> dict:
    return {key: sorted(value) if key in AS_SETS and value is not None else value
            for key, value in options.items() if key not in NOT_DECIDING}


def forward_report(engine: Engine, run_id: str,
                   progress: Progress = no_progress) -> ForwardReport:
    """A stored roll forward run as the same report it printed when it ran.  Progress:
    "reading the run", in its new enrollments and warnings (then its students and the
    catalog, counted as one each)."""
    with reading(engine) as conn:
        record = stored.get_run(conn, run_id)
        if record is None:
            raise NotFound(f"unknown run {run_id!r} (see `rollover runs`)")
        if not places_students(record):
            raise NotFound(f"run {run_id!r} is a {record.kind} run, not a roll forward")
        counts = record.counts or {}
        read = Tally(progress, "reading the run",
                     counts.get("rolled", 0) + counts.get("not_rolled", 0) + 2).start()
        rolled = [NewEnrollment(
            student_id=r.student_id, source_enrollment_id=r.source_enrollment_id,
            source_calendar_id=r.source_calendar_id, source_grade=r.source_grade,
            calendar_id=r.calendar_id, school_id="", structure_id=r.structure_id, grade=r.grade,
            start_date=r.start_date, service_type=r.service_type,
            local_start_status=r.local_start_status, graduation_cohort=r.graduation_cohort,
            last_day_ender=bool(r.last_day_ender), rule=r.rule or "",
            warnings=r.warnings.split() if r.warnings else [], enrollment_id=r.enrollment_id)
            for r in read.rows(stored.stored_rolled(conn, run_id))]
        warnings = [ForwardWarning(w.student_id, w.source_enrollment_id, w.code, w.message,
                                   w.source_calendar_id)
                    for w in read.rows(stored.stored_warnings(conn, run_id))]
        involved = union(
            select(run_rolled.c.student_id).where(run_rolled.c.run_id == run_id),
            select(run_warnings.c.student_id).where(run_warnings.c.run_id == run_id))
        s = students.c
        people = read.part({row[0]: Student(*row) for row in conn.execute(
            select(*(s[name] for name in Student.__slots__))
            .where(s.student_id.in_(select(involved.subquery()))))})
        catalog = read.part(load_catalog(conn))
        read.finish()
        return ForwardReport(record, rolled, warnings, people, catalog)

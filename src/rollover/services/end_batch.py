"""Ending the old year (YE-15) as services: the end batch and the clean-up.

`end_batch` and `cleanup` are what `rollover end-batch` and `rollover cleanup` (and later the
web page and the year-end process) call.  Each reads, decides, writes and records its run in ONE
transaction (the unit of work, `unit_of_work.py`, which also saves the run's backup for undo): a failure anywhere leaves nothing behind.  An end date
before the last instructional day of the calendar's last term is refused unless `early`, naming
what the clean-up (its own decisions) would then remove.  A test run (`test=True`, YE-17) goes
through the same code and skips only the enrollment writes; it stores its run record.
Refusals (`EndBatchRefused`, exit status 2) come before anything is written.  Nothing here
prints; progress goes to the `progress(label, done, total)` callback.

Either takes several calendars (a `CalendarChoice` as the options' calendar_id) as ONE run: the
same unit of work, one calendar after the other, one run record and one undo; a refusal in any
calendar rolls back them all.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, replace

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ..domain import cleanup as cleaning
from ..domain import end_batch as ending
from ..domain.calendar_choice import CalendarChoice
from ..domain.calendars import Calendar
from ..domain.cleanup import CleanupOptions, CleanupPlan
from ..domain.end_batch import (
    LAST_DAY, EndBatchOptions, EndBatchPlan, EndBatchRefused, summed,
)
from ..domain.people import Enrollment, Student
from ..domain.runs import RunRecord
from ..domain.snapshot import Catalog
from ..progress import Progress, no_progress
from ..store import enrollment_batches as batches
from ..domain.change_plan import ChangeStep, deletes, updates
from ..store.run_changes import whole_rows
from ..store.runs import ENROLLMENT_COLUMNS
from ..store.snapshot import load_catalog
from .forward import compile_filter
from .unit_of_work import operation, unit_of_work

# YE-2: the registration right at the calendar's school; neither holds the district's write
# lock (a user's edits elsewhere go on meanwhile).
END_BATCH = operation("end-batch", "end batch", "registration", scope="schools",
                      district_write=False)
CLEANUP = operation("cleanup", "clean-up", "registration", scope="schools",
                    district_write=False)

__all__ = ["LAST_DAY", "CalendarChoice", "CleanupOptions", "CleanupReport", "EndBatchOptions",
           "EndBatchRefused", "EndBatchReport", "cleanup", "end_batch"]


@dataclass
class _PlannedRun:
    """A stored run with the plans it carried out (or, in a test run, would have): one per
    calendar, in the order they were done; `many`: a run over several calendars (a
    CalendarChoice), whose report and totals are those of them all."""

    run: RunRecord
    plans: list
    students: dict[str, Student]
    many: bool = False

    @property
    def plan(self):
        """The plan of a run over one calendar."""
        return self.plans[0]

    @property
    def totals(self) -> dict:
        if not self.many:
            return self.plan.totals
        return {"calendars": len(self.plans), **summed(p.totals for p in self.plans)}

    def as_json(self) -> dict:
        """The `--json` object: the stored report with its run id."""
        return {"run_id": self.run.run_id, **self.run.report}


@dataclass
class EndBatchReport(_PlannedRun):
    @property
    def ended(self):
        return [e for plan in self.plans for e in plan.ended]

    @property
    def skipped(self):
        return [s for plan in self.plans for s in plan.skipped]


@dataclass
class CleanupReport(_PlannedRun):
    @property
    def removed(self):
        return [r for plan in self.plans for r in plan.removed]

    @property
    def kept(self):
        return [k for plan in self.plans for k in plan.kept]


def end_batch(engine: Engine, options: EndBatchOptions, *, user: str | None = None,
              progress: Progress = no_progress) -> EndBatchReport:
    """End the chosen active enrollments of a calendar, graduates first (or, with
    options.test, only decide and report); the report of what it decided.  With a
    CalendarChoice as options.calendar_id, of every calendar chosen, in one run: all of them
    or, refused in any, none."""
    student_filter = compile_filter(options.filter)
    mode = "test" if options.test else "run"
    many = isinstance(options.calendar_id, CalendarChoice)
    with _refused_by_store(), unit_of_work(engine, END_BATCH, user=user, test=options.test,
                                           options=options.as_dict()) as work:
        conn = work.conn
        progress("loading", 0, 2)
        catalog = load_catalog(conn)
        if not many:
            batches.read_last_instructional_days(conn, catalog, [options.calendar_id])
            settings = ending.resolve_end_batch(options, catalog, student_filter)
            work.at_schools({settings.calendar.school_id})  # YE-2: at the calendar's school
            plan, students = _end_calendar(work, catalog, settings, progress)
            record = work.finish(counts=plan.totals,
                                 report=_with_schools(ending.report_object(plan, mode), catalog),
                                 options={**options.as_dict(),
                                          "end_date": settings.end_date.isoformat()})
            return EndBatchReport(record, [plan], students)
        calendars = ending.choose(options.calendar_id, catalog)
        progress("loading", 2, 2)  # each calendar's own reading is in "calendars"
        ending.check_grades_offered(options.grades, calendars)
        batches.read_last_instructional_days(conn, catalog, [c.calendar_id for c in calendars])
        every = [ending.resolve_end_batch(replace(options, calendar_id=c.calendar_id), catalog,
                                          student_filter, check_grades=False)
                 for c in calendars]  # every calendar's options checked before any is ended
        work.at_schools({c.school_id for c in calendars})  # YE-2: at each calendar's school
        plans, students = [], {}
        for done, settings in enumerate(every):
            progress("calendars", done, len(every))
            plan, found = _end_calendar(work, catalog, settings)
            plans.append(plan)
            students.update(found)
        progress("calendars", len(every), len(every))
        report = _with_schools(
            ending.batches_report_object(plans, mode, _given_date(options.end_date)), catalog)
        record = work.finish(counts=report["totals"], report=report,
                             options={**options.as_dict(),
                                      "calendars": [c.calendar_id for c in calendars]})
    return EndBatchReport(record, plans, students, many=True)


def _with_schools(report: dict, catalog: Catalog) -> dict:
    """Each calendar's school, by id and name, in its report: what its text names."""
    for one in report.get("calendars", [report]):
        school_id = catalog.calendars[one["calendar_id"]].school_id
        school = catalog.schools.get(school_id)
        one["school_id"], one["school_name"] = school_id, school.name if school else None
    return report


def _end_calendar(work, catalog: Catalog, settings: ending.EndBatchSettings,
                  progress: Progress = no_progress) -> tuple[EndBatchPlan, dict[str, Student]]:
    """Decide one calendar's end batch and end its enrollments (a Run Test: count them)."""
    conn, test = work.conn, work.test
    calendar_id = settings.calendar.calendar_id
    school_id = settings.calendar.school_id
    enrollments = batches.calendar_enrollments(conn, calendar_id)
    students = batches.calendar_students(conn, calendar_id)
    progress("loading", 2, 2)
    plan = ending.plan_end_batch(settings, enrollments, students)  # refusals: nothing written
    if ending.ends_early(settings):  # refused unless options.early
        ending.accept_early_end(plan, _cleanup_would_remove(conn, catalog, plan))
    groups = [(settings.graduate_status, plan.graduates),  # graduates first
              (settings.end_status, plan.others)]
    done = 0
    for status, rows in groups:
        if not test:
            progress("ending", done, len(plan.ended))
        ids = [e.enrollment_id for e in rows]
        step = ended_rows(conn, school_id, ids, settings.end_date, status)
        work.change(step, write=lambda ids=ids, status=status: batches.end_enrollments(
            conn, ids, settings.end_date, status))
        done += len(rows)
    if not test:
        progress("ending", done, len(plan.ended))
    return plan, students


def _given_date(end_date: dt.date | str) -> str:
    return end_date.isoformat() if isinstance(end_date, dt.date) else str(end_date).strip()


def cleanup(engine: Engine, options: CleanupOptions, *, user: str | None = None,
            progress: Progress = no_progress) -> CleanupReport:
    """Remove the rolled next-year enrollments of a calendar whose source ended before the last
    term and whose student has no other active enrollment that year (or, with options.test,
    only decide and report); the report of what it decided.  With a CalendarChoice as
    options.calendar_id, of every calendar chosen, one after the other in one run."""
    student_filter = compile_filter(options.filter)
    mode = "test" if options.test else "run"
    many = isinstance(options.calendar_id, CalendarChoice)
    with _refused_by_store(), unit_of_work(engine, CLEANUP, user=user, test=options.test,
                                           options=options.as_dict()) as work:
        conn = work.conn
        progress("loading", 0, 5)
        catalog = load_catalog(conn)
        if not many:
            calendar = cleaning.resolve_cleanup(options, catalog)
            work.at_schools({calendar.school_id})  # YE-2, as in end_batch
            plan, students = _clean_calendar(work, catalog, calendar, student_filter, progress)
            record = work.finish(counts=plan.totals, report=_with_schools(
                cleaning.report_object(plan, mode), catalog))
            return CleanupReport(record, [plan], students)
        calendars = ending.choose(options.calendar_id, catalog)
        progress("loading", 5, 5)  # each calendar's own reading is in "calendars"
        work.at_schools({c.school_id for c in calendars})
        plans, students = [], {}
        for done, calendar in enumerate(calendars):
            progress("calendars", done, len(calendars))
            plan, found = _clean_calendar(work, catalog, calendar, student_filter)
            plans.append(plan)
            students.update(found)
        progress("calendars", len(calendars), len(calendars))
        report = _with_schools(cleaning.cleanups_report_object(plans, mode), catalog)
        record = work.finish(counts=report["totals"], report=report,
                             options={**options.as_dict(),
                                      "calendars": [c.calendar_id for c in calendars]})
    return CleanupReport(record, plans, students, many=True)


def _clean_calendar(work, catalog: Catalog, calendar: Calendar, student_filter,
                    progress: Progress = no_progress) -> tuple[CleanupPlan, dict[str, Student]]:
    """Decide one next-year calendar's clean-up and remove what it decides (a Run Test: count
    it).  It reads after the removals of the calendars before it in the run."""
    conn, test = work.conn, work.test
    students = batches.calendar_students(conn, calendar.calendar_id)
    progress("loading", 1, 5)
    found = _CleanupInputs.read(conn, catalog, calendar, progress)
    plan = cleaning.plan_cleanup(catalog, calendar, found.enrollments, students, found.active,
                                 found.sources, found.rolled_on, student_filter)
    if not test:
        progress("removing", 0, len(plan.removed))
    ids = [r.enrollment_id for r in plan.removed]
    step = deletes("enrollments", ENROLLMENT_COLUMNS,
                   whole_rows(conn, "enrollments", ids), lambda row: calendar.school_id)
    work.change(step, write=lambda: batches.delete_enrollments(conn, ids))
    if not test:
        progress("removing", len(plan.removed), len(plan.removed))
    return plan, students


def ended_rows(conn: Connection, school_id: str, ids: list[str], end_date: dt.date,
               status: str) -> ChangeStep:
    """The enrollments to end, as they are and as they will be."""
    end_date_at = ENROLLMENT_COLUMNS.index("end_date")
    status_at = ENROLLMENT_COLUMNS.index("end_status")

    def ended(row: tuple) -> tuple:
        values = list(row)
        values[end_date_at], values[status_at] = end_date, status
        return tuple(values)

    return updates("enrollments", ENROLLMENT_COLUMNS,
                   ((row, ended(row)) for row in whole_rows(conn, "enrollments", ids)),
                   lambda row: school_id)


@dataclass
class _CleanupInputs:
    """What the clean-up of one next-year calendar reads, besides its students."""

    enrollments: list[Enrollment]
    active: list[Enrollment]
    sources: dict[str, Enrollment]
    rolled_on: dict[str, list[str]]

    @classmethod
    def read(cls, conn: Connection, catalog: Catalog, calendar: Calendar,
             progress: Progress = no_progress) -> _CleanupInputs:
        calendar_id, year = calendar.calendar_id, calendar.school_year
        enrollments = batches.calendar_enrollments(conn, calendar_id)
        progress("loading", 2, 5)
        active = batches.active_in_year(conn, calendar_id, year)
        progress("loading", 3, 5)
        sources = batches.rolled_sources(conn, calendar_id, year)
        # "left early" is measured against each source calendar's last instructional day
        batches.read_last_instructional_days(conn, catalog,
                                             {s.calendar_id for s in sources.values()})
        progress("loading", 4, 5)
        rolled_on = batches.rolled_on(conn, calendar_id)
        progress("loading", 5, 5)
        return cls(enrollments, active, sources, rolled_on)


def _cleanup_would_remove(conn: Connection, catalog: Catalog, plan: EndBatchPlan) -> int:
    """How many rolled next-year enrollments a clean-up would remove once the plan's
    enrollments have ended: the clean-up's own decisions, in every calendar they were rolled
    into."""
    end_date = plan.settings.end_date
    ending = {e.enrollment_id: end_date for e in plan.ended}
    if not ending:
        return 0
    removed = 0
    for calendar_id in batches.calendars_rolled_into(conn, plan.settings.calendar.calendar_id):
        calendar = catalog.calendars[calendar_id]
        found = _CleanupInputs.read(conn, catalog, calendar)
        removed += len(cleaning.removed_once_ended(catalog, calendar, found.enrollments,
                                                   found.active, found.sources,
                                                   found.rolled_on, ending))
    return removed


@contextmanager
def _refused_by_store():
    """A constraint the database enforces (e.g. another table still naming an enrollment to
    remove, checked at commit) turned into a refusal; the transaction is rolled back whole."""
    try:
        yield
    except IntegrityError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise EndBatchRefused(f"the database refused the change ({reason}); "
                              "nothing was written") from None

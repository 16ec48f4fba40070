"""The clean-up after the end batch (YE-15): which rolled next-year enrollments of a calendar are
removed, and why every other rolled one is kept.  Pure decisions from in-memory rows.

A next-year enrollment of the clean-up calendar is removed when all of these hold:

1. it was rolled (`rolled_from` set) and has no end date of its own (one ended by hand is kept);
2. its source enrollment has since ended before the last instructional day of its last term,
   "the last term" ending on the latest term end among all term schedules of the source
   enrollment's calendar (a calendar without terms: its end date), and its last instructional
   day being that day or, when the calendar's days say it has no classes, the school day before
   (`calendars.last_instructional_day`);
3. no enrollment was rolled from it in turn;
4. the student has no other active enrollment (no end date) in the clean-up calendar's school
   year.  The one being removed does not count, and neither does another rolled enrollment
   whose own source ended before its last term: it is a leftover of the same kind, not a
   re-enrolment (a student rolled into two calendars, RF-10, and withdrawn in March has both
   removed, one calendar at a time).

Only enrollments whose student and next-year enrollment pass `--filter` are considered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from .calendar_choice import CalendarChoice
from .calendars import Calendar, last_instructional_day, last_term_end
from .end_batch import EndBatchRefused, summed
from .forward.select import filter_record
from .people import Enrollment, Student
from .snapshot import Catalog
from .suggestions import did_you_mean


@dataclass(frozen=True)
class CleanupOptions:
    """`calendar_id`: the next-year calendar to clean up, or several as a CalendarChoice (one
    run over them all)."""

    calendar_id: str | CalendarChoice
    filter: str | None = None  # an expression, or "@FILE" with student ids
    test: bool = False

    def as_dict(self) -> dict:
        calendars = self.calendar_id
        return {**({"calendar_id": calendars} if not isinstance(calendars, CalendarChoice)
                   else {"choice": calendars.as_dict()}),
                "filter": self.filter, "test": self.test}


def resolve_cleanup(options: CleanupOptions, catalog: Catalog) -> Calendar:
    calendar = catalog.calendars.get(options.calendar_id)
    if calendar is None:
        raise EndBatchRefused(f"unknown calendar {options.calendar_id!r}"
                              f"{did_you_mean(options.calendar_id, catalog.calendars)}")
    return calendar


@dataclass(frozen=True, slots=True)
class CleanupEntry:
    enrollment_id: str
    student_id: str
    rolled_from: str
    reason: str


@dataclass
class CleanupPlan:
    calendar: Calendar
    removed: list[CleanupEntry] = field(default_factory=list)
    kept: list[CleanupEntry] = field(default_factory=list)
    not_rolled: int = 0  # enrollments of the calendar (passing the filter) with no rolled_from

    @property
    def totals(self) -> dict:
        return {"removed": len(self.removed), "kept": len(self.kept),
                "not_rolled": self.not_rolled}


def ended_early(source: Enrollment | None, catalog: Catalog) -> bool:
    """The source enrollment ended before the last instructional day of its calendar's last
    term."""
    if source is None or source.end_date is None:
        return False
    calendar = catalog.calendars.get(source.calendar_id)
    return calendar is not None and source.end_date < last_instructional_day(calendar)


def _last_day_words(calendar: Calendar) -> str:
    """How reasons name the day: "the last day of its last term" when classes go on to its
    end, else "the last instructional day of its last term"."""
    if last_instructional_day(calendar) == last_term_end(calendar):
        return "the last day of its last term"
    return "the last instructional day of its last term"


def plan_cleanup(catalog: Catalog, calendar: Calendar, enrollments: Iterable[Enrollment],
                 students: dict[str, Student], active_in_year: Iterable[Enrollment],
                 sources: dict[str, Enrollment], rolled_on: dict[str, list[str]],
                 student_filter=None) -> CleanupPlan:
    """Decide every enrollment of the clean-up calendar.

    `enrollments`: every enrollment of the calendar.  `active_in_year`: the enrollments with no
    end date, in any calendar of the calendar's school year, of those students.  `sources`: the
    enrollments these were rolled from, by id.  `rolled_on`: enrollment id -> ids of the
    enrollments rolled from it (only the calendar's enrollments need be keys).
    """
    year = calendar.school_year
    plan = CleanupPlan(calendar)
    active: dict[str, list[Enrollment]] = {}
    for other in active_in_year:
        active.setdefault(other.student_id, []).append(other)

    def leftover(enrollment: Enrollment) -> bool:
        return (enrollment.rolled_from is not None
                and ended_early(sources.get(enrollment.rolled_from), catalog))

    considered = []
    for enrollment in enrollments:
        if enrollment.calendar_id != calendar.calendar_id:
            continue
        if student_filter is not None and not student_filter.matches(
                filter_record(enrollment, students.get(enrollment.student_id), calendar)):
            continue
        considered.append(enrollment)
    considered.sort(key=lambda e: (e.student_id, e.enrollment_id))

    for enrollment in considered:
        if enrollment.rolled_from is None:
            plan.not_rolled += 1
            continue
        reason, remove = _decide(enrollment, sources.get(enrollment.rolled_from), catalog, year,
                                 active.get(enrollment.student_id, ()), leftover,
                                 rolled_on.get(enrollment.enrollment_id, ()))
        entry = CleanupEntry(enrollment.enrollment_id, enrollment.student_id,
                             enrollment.rolled_from, reason)
        (plan.removed if remove else plan.kept).append(entry)
    return plan


def _decide(enrollment: Enrollment, source: Enrollment | None, catalog: Catalog, year: int,
            active: Iterable[Enrollment], leftover, rolled_on) -> tuple[str, bool]:
    if enrollment.end_date is not None:
        return ((f"next-year enrollment already ended ({enrollment.end_date.isoformat()}): "
                 "changed by hand, left alone"), False)
    if source is None:
        return f"source enrollment {enrollment.rolled_from} not found", False
    if source.end_date is None:
        return f"source not ended ({source.enrollment_id} has no end date)", False
    source_calendar = catalog.calendars.get(source.calendar_id)
    if source_calendar is None:  # pragma: no cover - the schema's foreign key forbids it
        return f"source calendar {source.calendar_id} not found", False
    last, words = last_instructional_day(source_calendar), _last_day_words(source_calendar)
    ended = source.end_date.isoformat()
    if source.end_date == last:
        return f"source ended on {words} ({ended})", False
    if source.end_date > last:
        return f"source ended {ended}, after {words} ({last.isoformat()})", False
    if rolled_on:
        return ((f"enrollment {', '.join(sorted(rolled_on))} was rolled from it; "
                 "clean that up first"), False)
    others = sorted(o.enrollment_id for o in active
                    if o.enrollment_id != enrollment.enrollment_id and not leftover(o))
    if others:
        return (f"student has another active enrollment in {year} ({', '.join(others)})",
                False)
    return ((f"source ended {ended}, before {words} ({last.isoformat()}), and no other "
             f"active enrollment in {year}"), True)


def removed_once_ended(catalog: Catalog, calendar: Calendar, enrollments: Iterable[Enrollment],
                       active_in_year: Iterable[Enrollment], sources: dict[str, Enrollment],
                       rolled_on: dict[str, list[str]],
                       ending: Mapping[str, dt.date]) -> list[CleanupEntry]:
    """What a clean-up of `calendar` would remove once the enrollments `ending` (id -> end
    date) have ended so, of what was rolled from them: `plan_cleanup` itself (no filter), on
    the sources as they would then be."""
    then = {source_id: replace(source, end_date=ending[source_id]) if source_id in ending
            else source for source_id, source in sources.items()}
    plan = plan_cleanup(catalog, calendar, enrollments, {}, active_in_year, then, rolled_on)
    return [entry for entry in plan.removed if entry.rolled_from in ending]


# -- the report as data (stored with the run; reports/end_batch.py renders it) ---------------------

def report_object(plan: CleanupPlan, mode: str) -> dict:
    """The `cleanup --json` object without its run_id (what the run record stores)."""
    def entries(rows):
        return [{"enrollment_id": r.enrollment_id, "student_id": r.student_id,
                 "rolled_from": r.rolled_from, "reason": r.reason} for r in rows]

    return {"mode": mode, "calendar_id": plan.calendar.calendar_id,
            "removed": entries(plan.removed), "kept": entries(plan.kept),
            "totals": plan.totals}


def cleanups_report_object(plans: list[CleanupPlan], mode: str) -> dict:
    """The `cleanup --json` object of a run over several calendars, without its run_id: each
    calendar's report (as one calendar's, without its mode) in order, and the totals."""
    calendars = []
    for plan in plans:
        one = report_object(plan, mode)
        del one["mode"]
        calendars.append(one)
    return {"mode": mode, "calendars": calendars,
            "totals": {"calendars": len(plans), **summed(p.totals for p in plans)}}

"""A whole roll forward, decided in memory: every candidate, in a fixed order, through the rules.

The same plan is made for a test run and a real run (RF-24); only the writing differs, and that
is not done here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import groupby

from ...progress import EVERY_ROWS, Progress, no_progress
from ..snapshot import Snapshot
from .enroll import NewEnrollment, new_enrollment
from .ledger import DestinationLedger
from .options import OptionError, RunSettings
from .place import PlacementContext, place
from .select import is_candidate, rolls
from .warnings import MULTIPLE_DESTINATIONS

SERVICE_ORDER = {"primary": 0, "special_ed": 1, "partial": 2}


@dataclass(frozen=True, slots=True)
class ForwardWarning:
    student_id: str
    source_enrollment_id: str
    code: str
    message: str
    source_calendar_id: str | None = None  # where the source enrollment was (a run's page by school)


@dataclass
class ForwardPlan:
    settings: RunSettings
    rolled: list[NewEnrollment] = field(default_factory=list)
    warnings: list[ForwardWarning] = field(default_factory=list)
    not_rolled: int = 0
    by_common_case: int = 0  # of `rolled`, decided by the common case (common_case.py)

    @property
    def totals(self) -> dict:
        return forward_totals(Counter((r.calendar_id, r.grade) for r in self.rolled),
                              self.not_rolled)


def forward_totals(by_destination: Counter, not_rolled: int) -> dict:
    """RF-25: counts, and new enrollments per destination calendar and grade."""
    return {
        "rolled": sum(by_destination.values()),
        "not_rolled": not_rolled,
        "by_destination": [{"calendar_id": c, "grade": g, "count": n}
                           for (c, g), n in sorted(by_destination.items())],
    }


def plan_forward(snapshot: Snapshot, settings: RunSettings,
                 progress: Progress = no_progress,
                 common: list[NewEnrollment] = ()) -> ForwardPlan:
    """Decide every candidate enrollment; raise OptionError if RF-17 finds no start date.

    `common`: the new enrollments of the run's common case, already decided
    (`common_case.py`), by student; they take their places among the others."""
    plan = ForwardPlan(settings)
    plan.by_common_case = len(common)
    waiting = _InStudentOrder(common, plan.rolled)
    ctx = PlacementContext(snapshot, settings)
    ledger = DestinationLedger(snapshot.people.destination_enrollments,
                               settings.options.allow_duplicate_primary)
    include_last_day = settings.options.include_last_day_enders
    last_term_ends = {c.calendar_id: c.last_term_ends() for c in settings.source_calendars}
    students = snapshot.people.students
    calendars = snapshot.catalog.calendars
    total = len(snapshot.candidates) + len(common)
    progress("deciding", 0, total)  # sorting a district's enrollments takes a moment
    # A fixed order, so a test run and a real run decide alike: by student, primary first (the
    # ledger relies on seeing each student's candidates together).
    candidates = sorted(snapshot.candidates, key=lambda e: (
        e.student_id, SERVICE_ORDER.get(e.service_type, 9), e.start_date, e.enrollment_id))
    done, next_report = 0, EVERY_ROWS
    for student_id, enrollments in groupby(candidates, key=lambda e: e.student_id):
        done += waiting.up_to(student_id)
        first_new = len(plan.rolled)
        for enrollment in enrollments:
            done += 1
            if done >= next_report:
                progress("deciding", done, total)
                next_report = done + EVERY_ROWS
            calendar = calendars[enrollment.calendar_id]
            if not is_candidate(enrollment, settings, calendar, students.get(student_id)):
                continue  # RF-1
            rolling, last_day_ender = rolls(enrollment, calendar, include_last_day,
                                            last_term_ends[enrollment.calendar_id])
            if not rolling:
                continue  # RF-2: dropped enrollments never roll and are not warned about
            _decide(plan, enrollment, ctx, ledger, last_day_ender)
        _flag_multiple_destinations(plan, plan.rolled[first_new:])
    waiting.up_to(None)
    progress("deciding", total, total)
    _refuse_missing_start_dates(plan)
    return plan


class _InStudentOrder:
    """The common case's new enrollments, each put in the plan before the first student after
    its own (a student of the common case has no other candidate)."""

    def __init__(self, common: list[NewEnrollment], rolled: list[NewEnrollment]):
        self._common, self._next, self._rolled = common, 0, rolled

    def up_to(self, student_id: str | None) -> int:
        """Put in those of students before this one (None: all that are left); how many."""
        common, start = self._common, self._next
        end = start
        while end < len(common) and (student_id is None or common[end].student_id < student_id):
            end += 1
        self._rolled.extend(common[start:end])
        self._next = end
        return end - start


def _decide(plan: ForwardPlan, enrollment, ctx: PlacementContext, ledger: DestinationLedger,
            last_day_ender: bool) -> None:
    decision = place(enrollment, ctx)
    warn = [ForwardWarning(enrollment.student_id, enrollment.enrollment_id, n.code, n.message,
                           enrollment.calendar_id) for n in decision.notices]
    created = 0
    for placement in decision.placements:
        refusal = ledger.admit(enrollment.student_id, placement.calendar.calendar_id,
                               enrollment.service_type, enrollment.enrollment_id)
        if refusal is not None:
            warn.append(ForwardWarning(enrollment.student_id, enrollment.enrollment_id,
                                       refusal.code, refusal.message, enrollment.calendar_id))
            continue
        plan.rolled.append(new_enrollment(enrollment, placement, ctx.settings, last_day_ender))
        created += 1
    plan.warnings.extend(warn)
    if warn and not created:
        plan.not_rolled += 1


def _flag_multiple_destinations(plan: ForwardPlan, new: list[NewEnrollment]) -> None:
    """MULTIPLE_DESTINATIONS: on every new enrollment of a student who gets more than one."""
    if len(new) < 2:
        return
    calendars = ", ".join(n.calendar_id for n in new)
    for entry in new:
        entry.warnings += (MULTIPLE_DESTINATIONS,)
    sources = {n.source_enrollment_id: n.source_calendar_id for n in new}
    for source, source_calendar in sources.items():
        plan.warnings.append(ForwardWarning(
            new[0].student_id, source, MULTIPLE_DESTINATIONS,
            f"rolled into {len(new)} calendars ({calendars}); keep one in the clean-up",
            source_calendar))


def _refuse_missing_start_dates(plan: ForwardPlan) -> None:
    """RF-17: a destination calendar with neither days nor terms, and no start date override,
    refuses the whole run before anything is written."""
    missing = sorted({r.calendar_id for r in plan.rolled if r.start_date is None})
    if missing:
        raise OptionError(f"destination calendar{'s' if len(missing) > 1 else ''} "
                          f"{', '.join(repr(c) for c in missing)} "
                          f"{'have' if len(missing) > 1 else 'has'} neither instructional "
                          "days nor terms; give a start date (--start-date)")

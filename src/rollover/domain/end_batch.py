"""The end batch (YE-15): which active enrollments of a calendar end, with which status, in which
order, and which are left alone.  Pure decisions from in-memory rows; nothing here reads or
writes the store.

- The chosen enrollments are those of the calendar, in the chosen grades (all when none are
  given), whose student and enrollment pass the ad hoc filter (the roll forward's filter record:
  the student's fields, the enrollment's fields and school_id).
- Of these, an enrollment with no end date whose end action is `promote` or empty ends: end
  date and end status.  Graduates (grade sequence = the highest sequence offered anywhere in the
  district in the calendar's school year; ungraded levels, sequence 0, never) come first and get
  the graduate status (without one, the end status).
- Retained or demoted enrollments and already-ended enrollments are skipped, with the reason.
- The end date may be LAST_DAY: the calendar's own last instructional day of its last term.
- Several calendars (a CalendarChoice, `calendar_choice.py`) are decided one by one with the
  same options, their grades checked against them together (`check_grades_offered`).
- Refused before anything is written (`EndBatchRefused`, exit status 2): an unknown calendar, a
  grade the calendar does not offer, a bad or empty date or end status, an end date outside the
  calendar (before its start date or after its end date), an end date before the start date of
  an enrollment that would end (naming those enrollments), and without `early` an end date
  before the last instructional day of the calendar's last term (naming how many rolled
  next-year enrollments a clean-up would then remove: it counts those students as having left
  early).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import RolloverError
from .calendar_choice import CalendarChoice, choice_problems, chosen_calendars
from .calendars import Calendar, last_instructional_day
from .forward.select import filter_record
from .people import Enrollment, Student
from .snapshot import Catalog
from .suggestions import did_you_mean

ENDING_ACTIONS = (None, "promote")  # the end actions whose enrollments end (YE-15)
# The end date that is each calendar's own last instructional day of its last term.
LAST_DAY = "last-day"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_NAMED = 20  # enrollments named in a one-line message; every one is in the details


class EndBatchRefused(RolloverError):
    """A refused end batch or clean-up: exit status 2, nothing written.  `lines` (e.g. every
    enrollment that starts after the end date) are printed before the message."""

    def __init__(self, message: str, lines: Iterable[str] = ()):
        super().__init__(message)
        self.lines = list(lines)

    def details(self) -> list[str]:
        return list(self.lines)


def parse_date(value: dt.date | str, what: str) -> dt.date:
    """A date given as a date or as YYYY-MM-DD text; EndBatchRefused naming the bad value."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if _ISO_DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise EndBatchRefused(f"{what} {str(value)!r} is not a date (YYYY-MM-DD)")


@dataclass(frozen=True)
class EndBatchOptions:
    """The options of one end batch, as a user gives them.  `calendar_id`: one calendar, or
    several as a CalendarChoice (one run over them all); `end_date`: a date, YYYY-MM-DD, or
    LAST_DAY."""

    calendar_id: str | CalendarChoice
    end_date: dt.date | str
    end_status: str
    grades: tuple[str, ...] = ()
    filter: str | None = None  # an expression, or "@FILE" with student ids
    graduate_status: str | None = None
    test: bool = False
    early: bool = False  # allow an end date before the last instructional day

    def as_dict(self) -> dict:
        """The options as stored with the run (JSON-ready)."""
        end_date = self.end_date
        calendars = self.calendar_id
        return {
            **({"calendar_id": calendars} if not isinstance(calendars, CalendarChoice)
               else {"choice": calendars.as_dict()}),
            "grades": list(self.grades),
            "filter": self.filter,
            "end_date": end_date.isoformat() if isinstance(end_date, dt.date) else end_date,
            "end_status": self.end_status,
            "graduate_status": self.graduate_status,
            "test": self.test,
            "early": self.early,
        }


@dataclass(frozen=True)
class EndBatchSettings:
    """Options checked against the catalog (before any enrollment is read)."""

    options: EndBatchOptions
    calendar: Calendar
    end_date: dt.date
    end_status: str
    graduate_status: str
    grades: frozenset[str]
    highest_sequence: int | None
    student_filter: object | None = None  # a compiled filter with .matches(record)


def resolve_end_batch(options: EndBatchOptions, catalog: Catalog, student_filter=None, *,
                      check_grades: bool = True) -> EndBatchSettings:
    """Check every option against the catalog; EndBatchRefused names the first bad value.
    `check_grades` False: the grades were checked against several calendars together
    (`check_grades_offered`), and this one need not offer them all."""
    calendar = catalog.calendars.get(options.calendar_id)
    if calendar is None:
        raise EndBatchRefused(f"unknown calendar {options.calendar_id!r}"
                              f"{did_you_mean(options.calendar_id, catalog.calendars)}")
    offered = {g for s in calendar.structures.values() for g in s.grades}
    for grade in options.grades if check_grades else ():
        if grade not in offered:
            raise EndBatchRefused(
                f"grade {grade!r} is not offered by calendar {calendar.calendar_id!r} "
                f"(grades: {', '.join(sorted(offered)) or 'none'})"
                f"{did_you_mean(grade, offered)}")
    end_date = (last_instructional_day(calendar) if options.end_date == LAST_DAY
                else parse_date(options.end_date, "end date"))
    if end_date < calendar.start_date:
        raise EndBatchRefused(
            f"end date {end_date.isoformat()} is outside calendar {calendar.calendar_id!r}: "
            f"before its start date {calendar.start_date.isoformat()}")
    if end_date > calendar.end_date:
        raise EndBatchRefused(
            f"end date {end_date.isoformat()} is outside calendar {calendar.calendar_id!r}: "
            f"after its end date {calendar.end_date.isoformat()}")
    end_status = _status(options.end_status, "end status")
    graduate_status = (end_status if options.graduate_status is None
                       else _status(options.graduate_status, "graduate status"))
    return EndBatchSettings(
        options=options, calendar=calendar, end_date=end_date, end_status=end_status,
        graduate_status=graduate_status, grades=frozenset(options.grades),
        highest_sequence=catalog.highest_sequence(calendar.school_year),
        student_filter=student_filter)


def choose(choice: CalendarChoice, catalog: Catalog) -> list[Calendar]:
    """The calendars of a run over several (`calendar_choice`); EndBatchRefused naming every
    bad value."""
    problems = choice_problems(choice, catalog)
    if len(problems) == 1:
        raise EndBatchRefused(problems[0])
    if problems:
        raise EndBatchRefused(f"{len(problems)} problems with the calendars chosen; nothing was "
                              "written", problems)
    return chosen_calendars(choice, catalog)


def check_grades_offered(grades: Iterable[str], calendars: list[Calendar]) -> None:
    """A run over several calendars: each grade must be offered by at least one of them (a
    calendar that does not offer it has no enrollment in it)."""
    offered = {g for c in calendars for s in c.structures.values() for g in s.grades}
    for grade in grades:
        if grade not in offered:
            raise EndBatchRefused(
                f"grade {grade!r} is not offered by any of the {len(calendars)} calendars "
                f"chosen (grades: {', '.join(sorted(offered)) or 'none'})"
                f"{did_you_mean(grade, offered)}")


def _status(code: str | None, what: str) -> str:
    """End-status codes are free text, but not empty (an ended enrollment needs one)."""
    if code is None or not str(code).strip():
        raise EndBatchRefused(f"{what} is empty: give a code (free text)")
    return str(code).strip()


@dataclass(frozen=True, slots=True)
class Ended:
    enrollment_id: str
    student_id: str
    grade: str
    end_status: str
    graduate: bool
    start_date: dt.date


@dataclass(frozen=True, slots=True)
class Skipped:
    enrollment_id: str
    student_id: str
    grade: str
    reason: str


@dataclass(frozen=True)
class EarlyEnd:
    """An end date before the last instructional day of the calendar's last term (`early`)."""

    end_date: dt.date
    calendar_id: str
    last_instructional_day: dt.date
    cleanup_would_remove: int  # rolled next-year enrollments of the students it ends

    def describe(self, quoted: bool = False) -> str:
        """The sentence "2027-06-04 is before 2027-06-11, the last ...: a clean-up would then
        remove ..."; `quoted` puts the calendar id in quotes, as refusals do."""
        count = self.cleanup_would_remove
        calendar = repr(self.calendar_id) if quoted else self.calendar_id
        return (f"{self.end_date.isoformat()} is before "
                f"{self.last_instructional_day.isoformat()}, the last instructional day of the "
                f"last term of calendar {calendar}: a clean-up would then remove "
                f"{count:,} rolled next-year enrollment{'s' if count != 1 else ''} of the "
                "students it ends")


@dataclass
class EndBatchPlan:
    settings: EndBatchSettings
    ended: list[Ended] = field(default_factory=list)  # graduates first
    skipped: list[Skipped] = field(default_factory=list)
    early: EarlyEnd | None = None

    @property
    def graduates(self) -> list[Ended]:
        return [e for e in self.ended if e.graduate]

    @property
    def others(self) -> list[Ended]:
        return [e for e in self.ended if not e.graduate]

    @property
    def totals(self) -> dict:
        return {"ended": len(self.ended), "graduates": len(self.graduates),
                "skipped": len(self.skipped)}


def skip_reason(enrollment: Enrollment) -> str | None:
    """Why a chosen enrollment is left alone, or None when it ends."""
    if enrollment.end_date is not None:
        status = f", {enrollment.end_status}" if enrollment.end_status else ""
        return f"already ended ({enrollment.end_date.isoformat()}{status})"
    if enrollment.end_action == "retain":
        return "retained (end action retain)"
    if enrollment.end_action == "demote":
        return "demoted (end action demote)"
    if enrollment.end_action not in ENDING_ACTIONS:  # pragma: no cover - the schema forbids it
        return f"end action {enrollment.end_action}"
    return None


def plan_end_batch(settings: EndBatchSettings, enrollments: Iterable[Enrollment],
                   students: dict[str, Student]) -> EndBatchPlan:
    """Decide every enrollment of the calendar; EndBatchRefused when the end date is before the
    start date of an enrollment that would end."""
    calendar = settings.calendar
    plan = EndBatchPlan(settings)
    chosen = []
    for enrollment in enrollments:
        if enrollment.calendar_id != calendar.calendar_id:
            continue
        if settings.grades and enrollment.grade not in settings.grades:
            continue
        if settings.student_filter is not None and not settings.student_filter.matches(
                filter_record(enrollment, students.get(enrollment.student_id), calendar)):
            continue
        chosen.append((_sequence(calendar, enrollment), enrollment))
    chosen.sort(key=lambda pair: (pair[0], pair[1].grade, pair[1].student_id,
                                  pair[1].enrollment_id))

    highest = settings.highest_sequence
    graduates, others = [], []
    for sequence, enrollment in chosen:
        reason = skip_reason(enrollment)
        if reason is not None:
            plan.skipped.append(Skipped(enrollment.enrollment_id, enrollment.student_id,
                                        enrollment.grade, reason))
            continue
        graduate = sequence != 0 and highest is not None and sequence == highest
        status = settings.graduate_status if graduate else settings.end_status
        (graduates if graduate else others).append(Ended(
            enrollment.enrollment_id, enrollment.student_id, enrollment.grade, status, graduate,
            enrollment.start_date))
    plan.ended = graduates + others

    too_early = [e for e in plan.ended if settings.end_date < e.start_date]
    if too_early:
        named = ", ".join(e.enrollment_id for e in too_early[:MAX_NAMED])
        more = f" and {len(too_early) - MAX_NAMED} more" if len(too_early) > MAX_NAMED else ""
        raise EndBatchRefused(
            f"end date {settings.end_date.isoformat()} is before the start date of "
            f"{len(too_early)} enrollment{'s' if len(too_early) != 1 else ''}: {named}{more}; "
            "nothing was written",
            [f"enrollment {e.enrollment_id} (student {e.student_id}, grade {e.grade}) starts "
             f"{e.start_date.isoformat()}" for e in too_early])
    return plan


def ends_early(settings: EndBatchSettings) -> bool:
    """The end date is before the last instructional day of the calendar's last term."""
    return settings.end_date < last_instructional_day(settings.calendar)


def accept_early_end(plan: EndBatchPlan, cleanup_would_remove: int) -> EarlyEnd:
    """An end date before the last instructional day is refused unless the options say
    `early`: the clean-up counts every student it ends as having left early, and would remove
    `cleanup_would_remove` rolled next-year enrollments.  With `early`, what the plan reports."""
    settings = plan.settings
    early = EarlyEnd(settings.end_date, settings.calendar.calendar_id,
                     last_instructional_day(settings.calendar), cleanup_would_remove)
    if not settings.options.early:
        raise EndBatchRefused(
            f"end date {early.describe(quoted=True)}; nothing was written (give --early to end "
            f"them on {settings.end_date.isoformat()} anyway)")
    plan.early = early
    return early


def _sequence(calendar: Calendar, enrollment: Enrollment) -> int:
    structure = calendar.structures.get(enrollment.structure_id)
    level = structure.grades.get(enrollment.grade) if structure is not None else None
    return level.sequence if level is not None else 0


# -- the report as data (stored with the run; reports/end_batch.py renders it) ---------------------

def report_object(plan: EndBatchPlan, mode: str) -> dict:
    """The `end-batch --json` object without its run_id (what the run record stores)."""
    return {
        "mode": mode,
        "calendar_id": plan.settings.calendar.calendar_id,
        "end_date": plan.settings.end_date.isoformat(),
        "ended": [{"enrollment_id": e.enrollment_id, "student_id": e.student_id,
                   "grade": e.grade, "end_status": e.end_status, "graduate": e.graduate}
                  for e in plan.ended],
        "skipped": [{"enrollment_id": s.enrollment_id, "student_id": s.student_id,
                     "reason": s.reason} for s in plan.skipped],
        "totals": plan.totals,
        **({"early": {"last_instructional_day": plan.early.last_instructional_day.isoformat(),
                      "cleanup_would_remove": plan.early.cleanup_would_remove}}
           if plan.early is not None else {}),
    }


def batches_report_object(plans: list[EndBatchPlan], mode: str, end_date: str) -> dict:
    """The `end-batch --json` object of a run over several calendars, without its run_id: each
    calendar's report (as one calendar's, without its mode) in the order they were ended, and
    the totals over them all.  `end_date` as given (a date, or LAST_DAY)."""
    calendars = []
    for plan in plans:
        one = report_object(plan, mode)
        del one["mode"]
        calendars.append(one)
    return {"mode": mode, "end_date": end_date, "calendars": calendars,
            "totals": {"calendars": len(plans), **summed(p.totals for p in plans)}}


def summed(totals: Iterable[dict]) -> dict:
    """Counts added up, key by key, in the order of the first."""
    result: dict = {}
    for one in totals:
        for key, value in one.items():
            result[key] = result.get(key, 0) + value
    return result

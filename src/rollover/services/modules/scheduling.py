"""The `scheduling` module (YE-12): the master schedule (courses and their sections) copied into
the next year's calendars, course requests and schedules of deleted students removed, and, with
`purge_schedules_before=YEAR`, old years' student schedules purged.

The decisions are `domain/year_end/scheduling.py`; this file reads what they need, in bulk.  Its
reads of calendars, ids and enrollments serve the other year-end modules too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Connection, Select, func, select

from ...domain.change_plan import ModulePlan
from ...domain.year_end.rows import (
    CalendarRow, Course, CourseRequest, EnrollmentPlace, Section, StudentSchedule,
)
from ...domain.year_end.scheduling import SchedulingRows, plan_scheduling
from ...progress import Progress, Tally, no_progress
from ...store.schema import calendars, enrollments
from ...store.schema_modules import course_requests, courses, sections, student_schedules
from . import ModuleContext, ModuleRefused, RolloverModule, register

PURGE = "purge_schedules_before"
OPTION_HELP = {PURGE: "YEAR: also delete the student schedules of school years before YEAR "
                      "(at most the school year being closed)"}


def parse_options(given: dict[str, str]) -> dict:
    unknown = sorted(set(given) - set(OPTION_HELP))
    if unknown:
        raise ModuleRefused(f"unknown option{'s' if len(unknown) > 1 else ''} "
                            f"{', '.join(repr(u) for u in unknown)}; the scheduling module "
                            f"takes: {', '.join(OPTION_HELP)}")
    if PURGE not in given:
        return {}
    try:
        return {PURGE: int(given[PURGE].strip())}
    except ValueError:
        raise ModuleRefused(f"option {PURGE}: not a school year: {given[PURGE]!r}") from None


def purge_year(ctx: ModuleContext) -> int | None:
    """YE-12: the purge only reaches years before the one being closed, or that one too."""
    year = ctx.options.get(PURGE)
    if year is not None and year > ctx.school_year:
        raise ModuleRefused(f"option {PURGE}={year}: must be at most {ctx.school_year}, the "
                            f"school year being closed; nothing was written")
    return year


# -- reads -----------------------------------------------------------------------------------------
def calendar_ids_of_year(year: int) -> Select:
    return select(calendars.c.calendar_id).where(calendars.c.school_year == year)


def read_calendars(conn: Connection, school_year: int,
                   before_year: int | None = None) -> list[CalendarRow]:
    """The calendars of the school year and the next (and of years before `before_year`)."""
    c = calendars.c
    which = c.school_year.in_([school_year, school_year + 1])
    if before_year is not None:
        which = which | (c.school_year < before_year)
    query = select(*(c[name] for name in CalendarRow._fields)).where(which)
    return [CalendarRow(*row) for row in conn.execute(query.order_by(c.calendar_id))]


def whole_rows(table, row_type) -> list:
    return [table.c[name] for name in row_type._fields]


def read_courses(conn: Connection, year: int) -> list[Course]:
    query = (select(*whole_rows(courses, Course))
             .where(courses.c.calendar_id.in_(calendar_ids_of_year(year))))
    return [Course(*row) for row in conn.execute(query)]


def read_sections(conn: Connection, year: int) -> list[Section]:
    of_year = select(courses.c.course_id).where(
        courses.c.calendar_id.in_(calendar_ids_of_year(year)))
    query = select(*whole_rows(sections, Section)).where(sections.c.course_id.in_(of_year))
    return [Section(*row) for row in conn.execute(query)]


def read_course_numbers(conn: Connection, year: int) -> frozenset[tuple[str, str]]:
    c = courses.c
    query = select(c.calendar_id, c.number).where(c.calendar_id.in_(calendar_ids_of_year(year)))
    return frozenset((row[0], row[1]) for row in conn.execute(query))


def read_ids(conn: Connection, column) -> frozenset[str]:
    return frozenset(conn.execute(select(column)).scalars())


def read_requests(conn: Connection, year: int) -> list[tuple[str, CourseRequest]]:
    """Course requests for courses of the year's calendars, with the course's calendar."""
    query = (select(courses.c.calendar_id, *whole_rows(course_requests, CourseRequest))
             .join(courses, courses.c.course_id == course_requests.c.course_id)
             .where(courses.c.calendar_id.in_(calendar_ids_of_year(year))))
    return [(row[0], CourseRequest(*row[1:])) for row in conn.execute(query)]


def read_schedules(conn: Connection, calendar_ids: Select) -> list[tuple[str, StudentSchedule]]:
    """Student schedules in sections of the given calendars, with the section's calendar."""
    query = (select(courses.c.calendar_id, *whole_rows(student_schedules, StudentSchedule))
             .join(sections, sections.c.section_id == student_schedules.c.section_id)
             .join(courses, courses.c.course_id == sections.c.course_id)
             .where(courses.c.calendar_id.in_(calendar_ids)))
    return [(row[0], StudentSchedule(*row[1:])) for row in conn.execute(query)]


def count_enrollments(conn: Connection, year: int) -> int:
    """How many enrollments the year's calendars hold (a count on their index)."""
    e = enrollments.c
    return conn.execute(select(func.count()).select_from(enrollments)
                        .where(e.calendar_id.in_(calendar_ids_of_year(year)))).scalar_one()


def read_enrolled(conn: Connection, year: int,
                  counted: Callable[[Iterable], Iterable] = iter) -> frozenset[tuple[str, str]]:
    """(student, calendar) of every enrollment in the year's calendars; `counted` passes the
    rows on (a progress count of them).  The set drops a student's second enrollment in a
    calendar: no DISTINCT for the database to sort out first (rows arrive at once)."""
    e = enrollments.c
    query = select(e.student_id, e.calendar_id).where(
        e.calendar_id.in_(calendar_ids_of_year(year)))
    return frozenset((row[0], row[1]) for row in counted(conn.execute(query)))


def read_places(conn: Connection, year: int, students: Select) -> list[EnrollmentPlace]:
    """Every enrollment in the year's calendars of the given students, with its school."""
    e, c = enrollments.c, calendars.c
    query = (select(e.student_id, e.calendar_id, c.school_id, e.start_date)
             .join(calendars, c.calendar_id == e.calendar_id)
             .where(c.school_year == year, e.student_id.in_(students)))
    return [EnrollmentPlace(*row) for row in conn.execute(query)]


def read_scheduling_rows(conn: Connection, school_year: int, purge_before: int | None,
                         progress: Progress = no_progress) -> SchedulingRows:
    """What the decisions read.  Progress: "reading", in next year's enrollments read (by far
    the largest read: the master schedule is a district's courses and sections)."""
    next_year = school_year + 1
    reading = Tally(progress, "reading", count_enrollments(conn, next_year)).start()
    old_schedules = [] if purge_before is None else read_schedules(
        conn, select(calendars.c.calendar_id).where(calendars.c.school_year < purge_before))
    rows = SchedulingRows(
        calendars=read_calendars(conn, school_year, purge_before),
        courses=read_courses(conn, school_year),
        sections=read_sections(conn, school_year),
        next_year_numbers=read_course_numbers(conn, next_year),
        taken_course_ids=read_ids(conn, courses.c.course_id),
        taken_section_ids=read_ids(conn, sections.c.section_id),
        next_year_requests=read_requests(conn, next_year),
        next_year_schedules=read_schedules(conn, calendar_ids_of_year(next_year)),
        next_year_enrolled=read_enrolled(conn, next_year, reading.rows),
        old_schedules=old_schedules)
    reading.finish()
    return rows


def plan(ctx: ModuleContext) -> ModulePlan:
    purge_before = purge_year(ctx)
    rows = read_scheduling_rows(ctx.conn, ctx.school_year, purge_before, ctx.progress)
    return plan_scheduling(rows, ctx.school_year, purge_before)


MODULE = register(RolloverModule(
    name="scheduling", title="Scheduling rollover (master schedule, requests, schedules)",
    tables=("courses", "sections", "course_requests", "student_schedules"),
    requires=("registration",), plan=plan, parse_options=parse_options,
    option_help=OPTION_HELP))

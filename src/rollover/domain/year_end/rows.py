"""The module tables' rows as named tuples, their fields exactly the table's columns in order
(`store/schema_modules.py`; a test proves they match), so a row read from the store is a whole row
and a row decided here can be written, backed up and restored as it is (YE-8)."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class CalendarRow(NamedTuple):
    """The calendar columns the modules match on (not the whole calendars row)."""

    calendar_id: str
    school_id: str
    school_year: int
    name: str


class Course(NamedTuple):
    course_id: str
    calendar_id: str
    number: str
    name: str


class Section(NamedTuple):
    section_id: str
    course_id: str
    number: str
    teacher: str | None
    room: str | None
    capacity: int | None


class CourseRequest(NamedTuple):
    student_id: str
    course_id: str


class StudentSchedule(NamedTuple):
    student_id: str
    section_id: str
    start_date: dt.date | None
    end_date: dt.date | None


class GradingPeriod(NamedTuple):
    grading_period_id: str
    calendar_id: str
    name: str
    sequence: int
    start_date: dt.date
    end_date: dt.date


class MarkType(NamedTuple):
    mark_type_id: str
    calendar_id: str
    code: str
    name: str


class SuccessPlan(NamedTuple):
    plan_id: str
    student_id: str
    school_year: int
    status: str
    title: str
    carried_from: str | None


class PlanGoal(NamedTuple):
    goal_id: str
    plan_id: str
    description: str
    progress: str | None


class AttendanceCode(NamedTuple):
    school_year: int
    code: str
    name: str
    excused: bool | None


class Participation(NamedTuple):
    student_id: str
    program_id: str
    start_date: dt.date
    end_date: dt.date | None


class EnrollmentPlace(NamedTuple):
    """Where and when a student is enrolled (a few enrollment columns with the calendar's
    school), enough to say whether a student was rolled and which school a row belongs to."""

    student_id: str
    calendar_id: str
    school_id: str
    start_date: dt.date

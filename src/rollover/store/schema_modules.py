"""Tables of the year-end modules' data (YE-11..YE-14 and the remaining modules): homerooms and
counselors, the master schedule, course requests and schedules, grading, success plans and
attendance codes.  Each is a bundle file too (`bundle/format.py`), with the same conventions."""

from __future__ import annotations

from sqlalchemy import (
    Boolean, CheckConstraint, Column, Date, ForeignKey, Index, Integer, Table, Text,
    UniqueConstraint,
)

from .metadata import metadata
from .types import Key

# YE-11: this year's homeroom and counselor, and next year's, which the registration module
# sets on the new enrollment.
enrollment_staff = Table(
    "enrollment_staff", metadata,
    Column("enrollment_id", Key, ForeignKey("enrollments.enrollment_id"), primary_key=True),
    Column("homeroom", Text),
    Column("counselor", Text),
    Column("next_homeroom", Text),
    Column("next_counselor", Text),
)

courses = Table(
    "courses", metadata,
    Column("course_id", Key, primary_key=True),
    Column("calendar_id", Key, ForeignKey("calendars.calendar_id"), nullable=False),
    Column("number", Key, nullable=False),
    Column("name", Text, nullable=False),
    # A course number names one course in a calendar: the scheduling module copies by number.
    UniqueConstraint("calendar_id", "number"),
)

sections = Table(
    "sections", metadata,
    Column("section_id", Key, primary_key=True),
    Column("course_id", Key, ForeignKey("courses.course_id"), nullable=False),
    Column("number", Key, nullable=False),
    Column("teacher", Text),
    Column("room", Text),
    Column("capacity", Integer),
    UniqueConstraint("course_id", "number"),
)

course_requests = Table(
    "course_requests", metadata,
    Column("student_id", Key, ForeignKey("students.student_id"), primary_key=True),
    Column("course_id", Key, ForeignKey("courses.course_id"), primary_key=True),
    Index(None, "course_id"),
)

student_schedules = Table(
    "student_schedules", metadata,
    Column("student_id", Key, ForeignKey("students.student_id"), primary_key=True),
    Column("section_id", Key, ForeignKey("sections.section_id"), primary_key=True),
    Column("start_date", Date),
    Column("end_date", Date),
    Index(None, "section_id"),
)

grading_periods = Table(
    "grading_periods", metadata,
    Column("grading_period_id", Key, primary_key=True),
    Column("calendar_id", Key, ForeignKey("calendars.calendar_id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    UniqueConstraint("calendar_id", "name"),
)

mark_types = Table(
    "mark_types", metadata,
    Column("mark_type_id", Key, primary_key=True),
    Column("calendar_id", Key, ForeignKey("calendars.calendar_id"), nullable=False),
    Column("code", Key, nullable=False),
    Column("name", Text, nullable=False),
    UniqueConstraint("calendar_id", "code"),
)

student_marks = Table(
    "student_marks", metadata,
    Column("student_id", Key, ForeignKey("students.student_id"), primary_key=True),
    Column("section_id", Key, ForeignKey("sections.section_id"), primary_key=True),
    Column("grading_period_id", Key, ForeignKey("grading_periods.grading_period_id"),
           primary_key=True),
    Column("mark_type_id", Key, ForeignKey("mark_types.mark_type_id"), primary_key=True),
    Column("mark", Text, nullable=False),
)

success_plans = Table(
    "success_plans", metadata,
    Column("plan_id", Key, primary_key=True),
    Column("student_id", Key, ForeignKey("students.student_id"), nullable=False),
    Column("school_year", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("title", Text, nullable=False),
    # YE-14: the plan of the year before this one was carried from (a re-run skips it).
    Column("carried_from", Key, ForeignKey("success_plans.plan_id", deferrable=True,
                                           initially="DEFERRED")),
    CheckConstraint("status IN ('open', 'closed')", name="status"),
    Index(None, "student_id"),
)

plan_goals = Table(
    "plan_goals", metadata,
    Column("goal_id", Key, primary_key=True),
    Column("plan_id", Key, ForeignKey("success_plans.plan_id"), nullable=False),
    Column("description", Text, nullable=False),
    Column("progress", Text),
    Index(None, "plan_id"),
)

attendance_codes = Table(
    "attendance_codes", metadata,
    Column("school_year", Integer, primary_key=True),
    Column("code", Key, primary_key=True),
    Column("name", Text, nullable=False),
    Column("excused", Boolean),
)

# Module tables, parents before children (the order of loading, the reverse of deleting).
MODULE_TABLES = (
    enrollment_staff, courses, sections, course_requests, student_schedules, grading_periods,
    mark_types, student_marks, success_plans, plan_goals, attendance_codes,
)

"""The district's tables: one SQLAlchemy Core table per bundle file, plus users and runs.

Columns and their order follow `bundle/format.py`; the primary keys are the bundle's row keys, so a
second row with the same id is refused by the database as well as by the import.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Column, Date, DateTime, Double, ForeignKey,
    ForeignKeyConstraint, Index, Integer, Table, Text, UniqueConstraint, func,
)

from .metadata import metadata
from .types import Key

# Self-references are checked at commit, so a file may name a row that comes later in it.
_LATER = {"deferrable": True, "initially": "DEFERRED"}

district = Table(
    "district", metadata,
    Column("district_key", Integer, primary_key=True, autoincrement=False),
    Column("name", Text),
    Column("restrict_to_boundaries", Boolean),
    Column("student_assignment_validation", Boolean),
    Column("local_start_status_required", Boolean),
    Column("current_school_year", Integer),
    CheckConstraint("district_key = 1", name="single_row"),
)

schools = Table(
    "schools", metadata,
    Column("school_id", Key, primary_key=True),
    Column("name", Text, nullable=False),
    Column("next_school_id", Key, ForeignKey("schools.school_id", **_LATER)),
    Index(None, "name"),  # a run's rows by next school, read in order (store/run_order.py)
)

calendars = Table(
    "calendars", metadata,
    Column("calendar_id", Key, primary_key=True),
    Column("school_id", Key, ForeignKey("schools.school_id"), nullable=False),
    Column("school_year", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("requires_student_assignment", Boolean),
    Index(None, "school_year", "school_id"),
    Index(None, "school_id"),
)

structures = Table(
    "structures", metadata,
    Column("structure_id", Key, primary_key=True),
    Column("calendar_id", Key, ForeignKey("calendars.calendar_id"), nullable=False),
    Column("name", Text, nullable=False),
    # Lets grade levels and enrollments prove their structure belongs to their calendar.
    UniqueConstraint("calendar_id", "structure_id"),
)

terms = Table(
    "terms", metadata,
    Column("term_id", Key, primary_key=True),
    Column("structure_id", Key, ForeignKey("structures.structure_id"), nullable=False),
    Column("term_schedule", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Index(None, "structure_id"),
)

days = Table(
    "days", metadata,
    Column("calendar_id", Key, ForeignKey("calendars.calendar_id"), primary_key=True),
    Column("date", Date, primary_key=True),
    Column("instructional", Boolean, nullable=False),
)

grade_levels = Table(
    "grade_levels", metadata,
    Column("calendar_id", Key, primary_key=True),
    Column("structure_id", Key, ForeignKey("structures.structure_id"), primary_key=True),
    Column("grade", Key, primary_key=True),
    Column("sequence", Integer, nullable=False),
    Column("state_grade", Text),
    Column("requires_student_assignment", Boolean),
    ForeignKeyConstraint(["calendar_id", "structure_id"],
                         ["structures.calendar_id", "structures.structure_id"]),
)

students = Table(
    "students", metadata,
    Column("student_id", Key, primary_key=True),
    Column("student_number", Text),
    Column("last_name", Text, nullable=False),
    Column("first_name", Text, nullable=False),
    Column("birth_date", Date),
)

# A search by the start of a name or number (store/run_pages.py): each case-folded, in byte order
# on both databases (text_pattern_ops on PostgreSQL, SQLite's BINARY), with the student's id.
for _name in ("first_name", "last_name", "student_number"):
    Index(f"ix_students_lower_{_name}", func.lower(students.c[_name]).label(_name),
          students.c.student_id, postgresql_ops={_name: "text_pattern_ops"})

# A run's rows by student name or number, read in order (store/run_order.py): the sorts' own
# keys, in the database's own order (its collation on PostgreSQL), with the student's id.
Index("ix_students_name_order", func.lower(students.c.last_name),
      func.lower(students.c.first_name), students.c.student_id)
Index(None, students.c.student_number, students.c.student_id)

households = Table(
    "households", metadata,
    Column("household_id", Key, primary_key=True),
    Column("number", Integer),
    Column("street", Text),
    Column("city", Text),
    Column("zip", Text),
    # Where the household is (WGS 84), for attendance areas drawn as polygons; optional.
    Column("latitude", Double),
    Column("longitude", Double),
)

household_members = Table(
    "household_members", metadata,
    Column("household_id", Key, ForeignKey("households.household_id"), primary_key=True),
    Column("student_id", Key, ForeignKey("students.student_id"), primary_key=True),
    Column("primary", Boolean, nullable=False),
    Index(None, "student_id"),
)

programs = Table(
    "programs", metadata,
    Column("program_id", Key, primary_key=True),
    Column("name", Text, nullable=False),
    Column("continuous", Boolean),
)

boundaries = Table(
    "boundaries", metadata,
    # The bundle gives boundary rows no id; this one keeps them in the order they came.
    Column("boundary_key", Integer, primary_key=True, autoincrement=True),
    Column("school_id", Key, ForeignKey("schools.school_id"), nullable=False),
    Column("program_id", Key, ForeignKey("programs.program_id")),
    Column("street", Text, nullable=False),
    Column("city", Text),
    Column("zip", Text),
    Column("low_number", Integer, nullable=False),
    Column("high_number", Integer, nullable=False),
    Column("side", Text, nullable=False),
    Column("resides", Boolean),
    CheckConstraint("side IN ('odd', 'even', 'both')", name="side"),
    Index(None, "street"),
    Index(None, "school_id"),
)

# Attendance areas drawn as polygons: a school's (program_id empty) or a program's at that
# school, for the grades of sequences low..high (resolved from the grade codes on import).
# The geometry is GeoJSON text (WGS 84), so both databases keep it without PostGIS.
boundary_areas = Table(
    "boundary_areas", metadata,
    Column("area_key", Integer, primary_key=True, autoincrement=True),
    Column("school_id", Key, ForeignKey("schools.school_id"), nullable=False),
    Column("program_id", Key, ForeignKey("programs.program_id")),
    Column("name", Text, nullable=False),  # the value of the feature's naming property
    Column("low_grade", Key, nullable=False),
    Column("high_grade", Key, nullable=False),
    Column("low_sequence", Integer, nullable=False),
    Column("high_sequence", Integer, nullable=False),
    Column("geometry", Text, nullable=False),
    CheckConstraint("low_sequence <= high_sequence", name="grade_span"),
    Index(None, "school_id"),
)

program_participations = Table(
    "program_participations", metadata,
    Column("student_id", Key, ForeignKey("students.student_id"), primary_key=True),
    Column("program_id", Key, ForeignKey("programs.program_id"), primary_key=True),
    Column("start_date", Date, primary_key=True),
    Column("end_date", Date),
)

assignment_overrides = Table(
    "assignment_overrides", metadata,
    # No id in the bundle, and program_id may be empty, so it cannot be part of a primary key.
    Column("override_key", Integer, primary_key=True, autoincrement=True),
    Column("student_id", Key, ForeignKey("students.student_id"), nullable=False),
    Column("school_id", Key, ForeignKey("schools.school_id"), nullable=False),
    Column("school_year", Integer, nullable=False),
    Column("program_id", Key, ForeignKey("programs.program_id")),
    Index(None, "student_id"),
)

local_start_statuses = Table(
    "local_start_statuses", metadata,
    Column("code", Key, primary_key=True),
    Column("name", Text, nullable=False),
    Column("is_default", Boolean),
    Column("active", Boolean),
    Column("first_year", Integer),
    Column("last_year", Integer),
)

enrollments = Table(
    "enrollments", metadata,
    Column("enrollment_id", Key, primary_key=True),
    Column("student_id", Key, ForeignKey("students.student_id"), nullable=False),
    Column("calendar_id", Key, ForeignKey("calendars.calendar_id"), nullable=False),
    Column("structure_id", Key, nullable=False),
    Column("grade", Key, nullable=False),
    Column("service_type", Text, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("end_status", Text),
    Column("end_action", Text),
    Column("next_calendar_id", Key, ForeignKey("calendars.calendar_id")),
    Column("next_structure_id", Key, ForeignKey("structures.structure_id")),
    Column("next_grade", Key),
    Column("local_start_status", Key, ForeignKey("local_start_statuses.code")),
    Column("graduation_cohort", Integer),
    Column("rolled_from", Key, ForeignKey("enrollments.enrollment_id", **_LATER)),
    # The grade must be one its calendar and structure offer.
    ForeignKeyConstraint(["calendar_id", "structure_id", "grade"],
                         ["grade_levels.calendar_id", "grade_levels.structure_id",
                          "grade_levels.grade"]),
    CheckConstraint("service_type IN ('primary', 'partial', 'special_ed')", name="service_type"),
    CheckConstraint("end_action IN ('promote', 'retain', 'demote')", name="end_action"),
    # A whole school year is read by calendar; a student's enrollments by student.
    Index(None, "calendar_id", "structure_id", "grade"),
    Index(None, "student_id"),
    Index(None, "rolled_from"),
)

users = Table(
    "users", metadata,
    Column("user_name", Key, primary_key=True),
    Column("full_name", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # argon2id (docs/sign-in.md); empty for a user who cannot sign in until one is set
    Column("password_hash", Text),
)

runs = Table(
    "runs", metadata,
    Column("run_id", Key, primary_key=True),
    Column("kind", Text, nullable=False),  # e.g. "forward", "import"
    Column("mode", Text, nullable=False),  # "test" or "run"
    Column("user_name", Text),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", Text, nullable=False),
    Column("options", JSON, nullable=False),
    Column("counts", JSON, nullable=False),
    # The whole report of a run whose outcomes have no table of their own (check, end batch...).
    Column("report", JSON),
    Index(None, "kind", "started_at"),
)

# What a roll forward decided, test or real (RF-25): every new enrollment and every warning.
run_rolled = Table(
    "run_rolled", metadata,
    Column("run_id", Key, ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("student_id", Key, nullable=False),
    Column("source_enrollment_id", Key, nullable=False),
    Column("enrollment_id", Key),  # empty in a test run
    Column("source_calendar_id", Key, nullable=False),
    Column("source_grade", Key, nullable=False),
    Column("calendar_id", Key, nullable=False),
    Column("structure_id", Key, nullable=False),
    Column("grade", Key, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("service_type", Text, nullable=False),
    Column("local_start_status", Key),
    Column("graduation_cohort", Integer),
    Column("last_day_ender", Boolean, nullable=False),
    Column("warnings", Text, nullable=False),  # codes, space-separated
    Column("rule", Text),  # the rule that chose the destination, e.g. "RF-8" (empty before 0005)
    # A page of a run, filtered by grade, destination or student (store/run_pages.py); each
    # holds what the other filters and the order need, so no row is read to find a page.
    Index(None, "run_id", "grade", "seq"),
    Index(None, "run_id", "calendar_id", "grade", "seq"),
    Index(None, "run_id", "student_id", "grade", "calendar_id", "seq"),
    Index(None, "run_id", "rule", "seq"),  # its rows by deciding rule (store/run_order.py)
)

run_warnings = Table(
    "run_warnings", metadata,
    Column("run_id", Key, ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("student_id", Key, nullable=False),
    Column("source_enrollment_id", Key, nullable=False),
    Column("code", Text, nullable=False),
    Column("message", Text, nullable=False),
    # The source enrollment's calendar when the run decided (empty if it was gone at 0005).
    Column("source_calendar_id", Key),
    Index(None, "run_id", "code", "seq"),
    Index(None, "run_id", "source_calendar_id", "seq"),
)

# A roll forward's counts per calendar and grade, kept when its report is written: where the
# enrollments it decided were ("source", rolled or not) and where its new ones go
# ("destination").  Its results' totals, read without reading the run's rows (a million of them).
run_grade_totals = Table(
    "run_grade_totals", metadata,
    Column("run_id", Key, ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("side", Text, primary_key=True),
    Column("calendar_id", Key, primary_key=True),
    Column("grade", Key, primary_key=True),
    Column("count", Integer, nullable=False),
)

# Bundle tables, parents before children: the order of loading, and the reverse of deleting.
# Each is a CSV file of the bundle (bundle/format.py FILES) but boundary_areas, its GeoJSON file
# (bundle/format.py AREAS_FILE).
BUNDLE_TABLES = (
    district, schools, calendars, structures, terms, days, grade_levels, students, households,
    household_members, programs, boundaries, boundary_areas, program_participations,
    assignment_overrides, local_start_statuses, enrollments,
)

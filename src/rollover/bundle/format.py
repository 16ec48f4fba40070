"""The district bundle's files and columns, as data (documented whole in docs/bundle.md).

Every reader, writer, validator and table of the project takes its column lists from here, so a
column is added in one place.  Nothing here knows about databases or terminals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Kinds of cell.  Parsing and formatting of each live in `values.py`.
ID = "id"
TEXT = "text"
DATE = "date"
BOOL = "bool"
INT = "int"
DECIMAL = "decimal"
ENUM = "enum"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = TEXT
    required: bool = False  # a value must be given (the column itself is always expected)
    choices: tuple[str, ...] = ()  # for ENUM
    references: str | None = None  # "file.column" whose values this one must be one of
    optional_column: bool = False  # the header may leave this column out
    bounds: tuple[float, float] | None = None  # for DECIMAL: the lowest and highest value
    # An export writes this column only when some row sets it, so a district that never used
    # it exports the same files as before the column existed.
    written_when_set: bool = False


@dataclass(frozen=True)
class BundleFile:
    name: str  # file name in the bundle, e.g. "schools.csv"
    table: str  # table in the store
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # columns that identify a row; unique within the file and the store
    optional: bool = False  # the file may be absent
    # Other column sets the store keeps unique (its UNIQUE constraints), checked like the key so
    # that a repeat is a `file:line` problem, never a database error.
    unique: tuple[tuple[str, ...], ...] = ()
    single_row: bool = False
    doc: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.optional_column)


def _id(name: str, references: str | None = None, required: bool = True) -> Column:
    return Column(name, ID, required=required, references=references)


SERVICE_TYPES = ("primary", "partial", "special_ed")
END_ACTIONS = ("promote", "retain", "demote")
SIDES = ("odd", "even", "both")
PLAN_STATUSES = ("open", "closed")

FILES: tuple[BundleFile, ...] = (
    BundleFile(
        "district.csv", "district",
        (
            Column("name", TEXT),
            Column("restrict_to_boundaries", BOOL),
            Column("student_assignment_validation", BOOL),
            Column("local_start_status_required", BOOL),
            Column("current_school_year", INT),
        ),
        key=(), optional=True, single_row=True,
        doc="District settings, one row.",
    ),
    BundleFile(
        "schools.csv", "schools",
        (
            _id("school_id"),
            Column("name", TEXT, required=True),
            Column("next_school_id", ID, references="schools.school_id", optional_column=True),
        ),
        key=("school_id",),
        doc="The schools.",
    ),
    BundleFile(
        "calendars.csv", "calendars",
        (
            _id("calendar_id"),
            _id("school_id", "schools.school_id"),
            Column("school_year", INT, required=True),
            Column("name", TEXT, required=True),
            Column("start_date", DATE, required=True),
            Column("end_date", DATE, required=True),
            Column("requires_student_assignment", BOOL),
        ),
        key=("calendar_id",),
        doc="One school's calendar for one school year.",
    ),
    BundleFile(
        "structures.csv", "structures",
        (
            _id("structure_id"),
            _id("calendar_id", "calendars.calendar_id"),
            Column("name", TEXT, required=True),
        ),
        key=("structure_id",),
        doc="The schedule structures of a calendar.",
    ),
    BundleFile(
        "terms.csv", "terms",
        (
            _id("term_id"),
            _id("structure_id", "structures.structure_id"),
            Column("term_schedule", TEXT, required=True),
            Column("name", TEXT, required=True),
            Column("start_date", DATE, required=True),
            Column("end_date", DATE, required=True),
        ),
        key=("term_id",),
        doc="The terms of a structure, grouped in term schedules.",
    ),
    BundleFile(
        "days.csv", "days",
        (
            _id("calendar_id", "calendars.calendar_id"),
            Column("date", DATE, required=True),
            Column("instructional", BOOL, required=True),
        ),
        key=("calendar_id", "date"), optional=True,
        doc="The days of a calendar, school days or not.",
    ),
    BundleFile(
        "grade_levels.csv", "grade_levels",
        (
            _id("calendar_id", "calendars.calendar_id"),
            _id("structure_id", "structures.structure_id"),
            Column("grade", ID, required=True),
            Column("sequence", INT, required=True),
            Column("state_grade", TEXT),
            Column("requires_student_assignment", BOOL),
        ),
        key=("calendar_id", "structure_id", "grade"),
        doc="The grades a calendar and structure offer, in the district-wide series of grades.",
    ),
    BundleFile(
        "students.csv", "students",
        (
            _id("student_id"),
            Column("student_number", TEXT),
            Column("last_name", TEXT, required=True),
            Column("first_name", TEXT, required=True),
            Column("birth_date", DATE),
        ),
        key=("student_id",),
        doc="The students.",
    ),
    BundleFile(
        "households.csv", "households",
        (
            _id("household_id"),
            Column("number", INT),
            Column("street", TEXT),
            Column("city", TEXT),
            Column("zip", TEXT),
            Column("latitude", DECIMAL, optional_column=True, bounds=(-90.0, 90.0),
                   written_when_set=True),
            Column("longitude", DECIMAL, optional_column=True, bounds=(-180.0, 180.0),
                   written_when_set=True),
        ),
        key=("household_id",),
        doc="The households (addresses) students live in; `latitude` and `longitude` (WGS 84 "
            "degrees, both or neither) place a household for attendance areas drawn as "
            "polygons.",
    ),
    BundleFile(
        "household_members.csv", "household_members",
        (
            _id("household_id", "households.household_id"),
            _id("student_id", "students.student_id"),
            Column("primary", BOOL, required=True),
        ),
        key=("household_id", "student_id"),
        doc="Which students live in which households.",
    ),
    BundleFile(
        "programs.csv", "programs",
        (
            _id("program_id"),
            Column("name", TEXT, required=True),
            Column("continuous", BOOL),
        ),
        key=("program_id",), optional=True,
        doc="Programs students take part in (gifted, immersion …).",
    ),
    BundleFile(
        "boundaries.csv", "boundaries",
        (
            _id("school_id", "schools.school_id"),
            Column("program_id", ID, references="programs.program_id"),
            Column("street", TEXT, required=True),
            Column("city", TEXT),
            Column("zip", TEXT),
            Column("low_number", INT, required=True),
            Column("high_number", INT, required=True),
            Column("side", ENUM, required=True, choices=SIDES),
            Column("resides", BOOL),
        ),
        # No id in the contract: a row is identified by everything but `resides`.
        key=("school_id", "program_id", "street", "city", "zip", "low_number", "high_number",
             "side"),
        optional=True,
        doc=("Street segments mapped to a school, or to a school's program (RF-14). A row has no "
             "id: its key is every column but `resides`."),
    ),
    BundleFile(
        "program_participations.csv", "program_participations",
        (
            _id("student_id", "students.student_id"),
            _id("program_id", "programs.program_id"),
            Column("start_date", DATE, required=True),
            Column("end_date", DATE),
        ),
        key=("student_id", "program_id", "start_date"), optional=True,
        doc="A student's part in a program, from a start date.",
    ),
    BundleFile(
        "assignment_overrides.csv", "assignment_overrides",
        (
            _id("student_id", "students.student_id"),
            _id("school_id", "schools.school_id"),
            Column("school_year", INT, required=True),
            Column("program_id", ID, references="programs.program_id"),
        ),
        key=("student_id", "school_id", "school_year", "program_id"), optional=True,
        doc=("Permission for a student to attend a school outside their boundary in a school year "
             "(RF-15, RF-16)."),
    ),
    BundleFile(
        "local_start_statuses.csv", "local_start_statuses",
        (
            Column("code", ID, required=True),
            Column("name", TEXT, required=True),
            Column("is_default", BOOL),
            Column("active", BOOL),
            Column("first_year", INT),
            Column("last_year", INT),
        ),
        key=("code",), optional=True,
        doc="The codes a new enrollment's local start status may take (RF-18).",
    ),
    BundleFile(
        "enrollments.csv", "enrollments",
        (
            _id("enrollment_id"),
            _id("student_id", "students.student_id"),
            _id("calendar_id", "calendars.calendar_id"),
            _id("structure_id", "structures.structure_id"),
            Column("grade", ID, required=True),
            Column("service_type", ENUM, required=True, choices=SERVICE_TYPES),
            Column("start_date", DATE, required=True),
            Column("end_date", DATE),
            Column("end_status", TEXT),
            Column("end_action", ENUM, choices=END_ACTIONS),
            Column("next_calendar_id", ID, references="calendars.calendar_id"),
            Column("next_structure_id", ID, references="structures.structure_id"),
            Column("next_grade", ID),
            Column("local_start_status", ID, references="local_start_statuses.code"),
            Column("graduation_cohort", INT),
            Column("rolled_from", ID, references="enrollments.enrollment_id"),
        ),
        key=("enrollment_id",),
        doc="A student's enrollment in a calendar, structure and grade.",
    ),
    # -- the year-end modules' files (store/schema_modules.py), parents before children ---------
    BundleFile(
        "enrollment_staff.csv", "enrollment_staff",
        (
            _id("enrollment_id", "enrollments.enrollment_id"),
            Column("homeroom", TEXT),
            Column("counselor", TEXT),
            Column("next_homeroom", TEXT),
            Column("next_counselor", TEXT),
        ),
        key=("enrollment_id",), optional=True,
        doc="This year's homeroom and counselor of an enrollment, and next year's (YE-11).",
    ),
    BundleFile(
        "courses.csv", "courses",
        (
            _id("course_id"),
            _id("calendar_id", "calendars.calendar_id"),
            Column("number", ID, required=True),
            Column("name", TEXT, required=True),
        ),
        key=("course_id",), optional=True, unique=(("calendar_id", "number"),),
        doc="The courses of a calendar's master schedule (YE-12).",
    ),
    BundleFile(
        "sections.csv", "sections",
        (
            _id("section_id"),
            _id("course_id", "courses.course_id"),
            Column("number", ID, required=True),
            Column("teacher", TEXT),
            Column("room", TEXT),
            Column("capacity", INT),
        ),
        key=("section_id",), optional=True, unique=(("course_id", "number"),),
        doc="The sections of a course (YE-12).",
    ),
    BundleFile(
        "course_requests.csv", "course_requests",
        (
            _id("student_id", "students.student_id"),
            _id("course_id", "courses.course_id"),
        ),
        key=("student_id", "course_id"), optional=True,
        doc="Courses a student asked for (YE-12).",
    ),
    BundleFile(
        "student_schedules.csv", "student_schedules",
        (
            _id("student_id", "students.student_id"),
            _id("section_id", "sections.section_id"),
            Column("start_date", DATE),
            Column("end_date", DATE),
        ),
        key=("student_id", "section_id"), optional=True,
        doc="The sections a student is scheduled into (YE-12).",
    ),
    BundleFile(
        "grading_periods.csv", "grading_periods",
        (
            _id("grading_period_id"),
            _id("calendar_id", "calendars.calendar_id"),
            Column("name", TEXT, required=True),
            Column("sequence", INT, required=True),
            Column("start_date", DATE, required=True),
            Column("end_date", DATE, required=True),
        ),
        key=("grading_period_id",), optional=True, unique=(("calendar_id", "name"),),
        doc="A calendar's grading periods (YE-13).",
    ),
    BundleFile(
        "mark_types.csv", "mark_types",
        (
            _id("mark_type_id"),
            _id("calendar_id", "calendars.calendar_id"),
            Column("code", ID, required=True),
            Column("name", TEXT, required=True),
        ),
        key=("mark_type_id",), optional=True, unique=(("calendar_id", "code"),),
        doc="The kinds of mark a calendar gives (YE-13).",
    ),
    BundleFile(
        "student_marks.csv", "student_marks",
        (
            _id("student_id", "students.student_id"),
            _id("section_id", "sections.section_id"),
            _id("grading_period_id", "grading_periods.grading_period_id"),
            _id("mark_type_id", "mark_types.mark_type_id"),
            Column("mark", TEXT, required=True),
        ),
        key=("student_id", "section_id", "grading_period_id", "mark_type_id"), optional=True,
        doc="A student's mark in a section for a grading period (YE-13: never copied).",
    ),
    BundleFile(
        "success_plans.csv", "success_plans",
        (
            _id("plan_id"),
            _id("student_id", "students.student_id"),
            Column("school_year", INT, required=True),
            Column("status", ENUM, required=True, choices=PLAN_STATUSES),
            Column("title", TEXT, required=True),
            Column("carried_from", ID, references="success_plans.plan_id"),
        ),
        key=("plan_id",), optional=True,
        doc="A student's success plan for a school year (YE-14).",
    ),
    BundleFile(
        "plan_goals.csv", "plan_goals",
        (
            _id("goal_id"),
            _id("plan_id", "success_plans.plan_id"),
            Column("description", TEXT, required=True),
            Column("progress", TEXT),
        ),
        key=("goal_id",), optional=True,
        doc="The goals of a success plan (YE-14: copied, progress cleared).",
    ),
    BundleFile(
        "attendance_codes.csv", "attendance_codes",
        (
            Column("school_year", INT, required=True),
            Column("code", ID, required=True),
            Column("name", TEXT, required=True),
            Column("excused", BOOL),
        ),
        key=("school_year", "code"), optional=True,
        doc="A school year's attendance codes.",
    ),
)

FILES_BY_NAME: dict[str, BundleFile] = {f.name: f for f in FILES}
FILES_BY_TABLE: dict[str, BundleFile] = {f.table: f for f in FILES}

# Attendance areas drawn as polygons: a GeoJSON FeatureCollection beside the CSV files, one
# feature per area, these its properties (docs/attendance-areas.md, "Areas in the bundle").  Not
# among FILES: the CSV reader, writer and checks never read it (services/bundle_areas.py does).
AREAS_FILE = BundleFile(
    "boundary_areas.geojson", "boundary_areas",
    (
        _id("school_id", "schools.school_id"),
        Column("program_id", ID, references="programs.program_id"),
        Column("name", TEXT, required=True),
        _id("low_grade", "grade_levels.grade"),
        _id("high_grade", "grade_levels.grade"),
    ),
    key=("school_id", "program_id", "low_grade", "high_grade"), optional=True,
    doc=("Attendance areas drawn as polygons (RF-14): a GeoJSON FeatureCollection in WGS 84 "
         "longitude and latitude, one feature per area, its geometry a Polygon or MultiPolygon "
         "and its properties these. An area without `program_id` is the school's own; with it, "
         "that program's area at the school. The area serves the grades from `low_grade` to "
         "`high_grade`, codes of the district's grade levels. Its key is the school, program and "
         "grades: several features may share it (a school's area in pieces)."),
)


@dataclass
class BundleProblem:
    """One problem found in a bundle: printed as `file:line: column: message`."""

    file: str
    line: int | None
    column: str | None
    message: str
    sort_key: tuple = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"

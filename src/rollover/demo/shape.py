"""Every number of the demo district in one place: sizes, grades, ids and rates.

docs/demo-district.md documents each of them; tests and the benchmark rely on them, so a change
here is a change of that document too.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- size ---------------------------------------------------------------------------------------
MIN_STUDENTS = 100
MAX_STUDENTS = 1_000_000

STUDENTS_PER_ELEMENTARY = 450
STUDENTS_PER_MIDDLE = 700
STUDENTS_PER_HIGH = 1_400

# --- grades -------------------------------------------------------------------------------------
# One district-wide series; PK = 1 keeps every graded sequence positive, 0 is "ungraded" (RF-3).
PK, KG, UG = "PK", "KG", "UG"
GRADED: tuple[str, ...] = (PK, KG, "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11",
                           "12")
SEQUENCE: dict[str, int] = {grade: position + 1 for position, grade in enumerate(GRADED)}
SEQUENCE[UG] = 0
GRADE_OF_SEQUENCE: dict[int, str] = {seq: grade for grade, seq in SEQUENCE.items() if seq > 0}
K12: tuple[str, ...] = GRADED[1:]  # the grades students are spread evenly over

ELEMENTARY, MIDDLE, HIGH, CAREER = "elementary", "middle", "high", "career"
LEVEL_GRADES: dict[str, tuple[str, ...]] = {
    ELEMENTARY: (KG, "01", "02", "03", "04", "05"),
    MIDDLE: ("06", "07", "08"),
    HIGH: ("09", "10", "11", "12"),
    CAREER: ("09", "10", "11", "12"),
}
LEVEL_OF_GRADE: dict[str, str] = {PK: ELEMENTARY, UG: HIGH}
for _level in (ELEMENTARY, MIDDLE, HIGH):
    LEVEL_OF_GRADE.update({grade: _level for grade in LEVEL_GRADES[_level]})

# Years of age on 1 September of the school year's first calendar year: KG children are 5.
AGE_ON_FIRST_SEPTEMBER: dict[str, int] = {grade: SEQUENCE[grade] + 3 for grade in GRADED}

# Share of the first elementary area's students who are in PK (half a grade's cohort).
PK_SHARE_OF_FIRST_AREA = 1 / 26

# --- ids (fixed width, so string order is generation order) -------------------------------------
SCHOOL_PREFIX = {ELEMENTARY: "ELM", MIDDLE: "MID", HIGH: "HIG", CAREER: "CTR"}
SCHOOL_NUMBER_WIDTH = 4           # up to 9,999 schools of a kind: 1,026 elementaries at 1M
STUDENT_ID_FORMAT = "S{:07d}"
HOUSEHOLD_ID_FORMAT = "H{:07d}"
ENROLLMENT_ID_FORMAT = "E{:08d}"
STUDENT_NUMBER_MODULUS = 1_000_000  # student numbers are 6 digits, a permutation of 000000-999999
STUDENT_NUMBER_STEP = 387_199       # coprime with the modulus, so numbers never repeat

MAIN, ACADEMY = "Main", "Academy"

# --- calendar -----------------------------------------------------------------------------------
TERM_SCHEDULES: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    # level -> (term schedule, term code prefix, term names)
    ELEMENTARY: (("Trimesters", "T", ("Trimester 1", "Trimester 2", "Trimester 3")),),
    MIDDLE: (("Semesters", "S", ("Semester 1", "Semester 2")),),
    HIGH: (("Semesters", "S", ("Semester 1", "Semester 2")),
           ("Quarters", "Q", ("Quarter 1", "Quarter 2", "Quarter 3", "Quarter 4"))),
}
TERM_SCHEDULES[CAREER] = TERM_SCHEDULES[HIGH]
FIRST_TERM_DAY_NOT_BEFORE = (8, 18)  # month, day of the fall: terms start the Monday on or after
FIRST_TERM_DAY_OFFSET = {ELEMENTARY: 2, MIDDLE: 0, HIGH: 0, CAREER: 0}  # elementaries: Wednesday
LAST_TERM_DAY_NOT_AFTER = (6, 10)    # month, day of the spring: terms end the Friday on or before
TEACHER_WORK_DAYS = 2                # non-instructional weekdays before the first term day
ACADEMY_EXTRA_DAYS = 7               # the Academy structure's last term ends a week later
WINTER_BREAK = ((12, 21), (1, 1))    # every weekday from 21 December to 1 January
DROP_WINDOW = ((10, 1), (4, 30))     # mid-year drops happen on instructional days in this window

# --- local start statuses: (code, name, is_default, active, years back first, years back last) --
LOCAL_START_STATUSES = (
    ("01", "Returning", True, True, None, None),
    ("02", "New to district", False, True, None, None),
    ("03", "Transfer in", False, True, None, None),
    ("04", "Re-entry", False, True, None, None),
    ("99", "Old code (inactive)", False, False, 10, 2),
)
# Start status of ordinary enrollments: cumulative shares, the rest "01".
START_STATUS_SHARES = (("02", 0.06), ("03", 0.03), ("99", 0.01))
REENROLLMENT_START_STATUS = "04"

# --- programs -----------------------------------------------------------------------------------
IMMERSION, GIFTED = "IMM", "GT"
PROGRAMS = ((GIFTED, "Gifted and Talented", False), (IMMERSION, "Spanish Immersion", True))

# --- addresses ----------------------------------------------------------------------------------
OWN_STREETS_PER_ELEMENTARY = 3  # whole streets ("both" sides), besides the shared neighbour street
HOUSE_NUMBERS = (100, 1999)     # every street's boundary range
# Where the areas are polygons (the Seattle geography), every this-many-th household has no
# location: an address the district's geocoder could not place.  The areas cannot decide for it
# (the roll forward falls back to street ranges, then the feeder school), and `rollover check`
# lists it (HOUSEHOLD_WITHOUT_LOCATION).
UNLOCATED_EVERY = 200
HOUSEHOLD_SIZE_SHARES = ((1, 0.5), (2, 0.35), (3, 0.15))  # siblings per family household
FIRST_ZIP = 58_101              # zip of the first high-school area; the next ones count up
# Share of households whose street is written in capitals ("MAPLE STREET"): boundaries must match
# addresses case-insensitively (RF-14), and the demo data should show it.
ADDRESS_UPPERCASE_RATE = 0.01
REENROLL_GAP_DAYS = (1, 14)     # a re-enrollment starts this many calendar days after the drop
DISTRICT_NAME = "Riverton Unified School District"

# --- rates (shares of students unless said otherwise) ------------------------------------------
RETAIN_RATE = 0.02
DEMOTE_RATE = 0.002             # never PK or KG
PROMOTE_SHARE_OF_REST = 0.5     # the rest: "promote" or empty (same meaning)
DROP_RATE = 0.05
REENROLL_SHARE_OF_DROPPED = 0.5
LAST_DAY_RATE = 0.03
NEXT_CALENDAR_RATE = 0.03       # of students who will roll (not dropped, not graduating, not UG)
SECOND_PRIMARY_HOUSEHOLD_RATE = 0.05  # needs a second elementary area
NON_PRIMARY_HOUSEHOLD_RATE = 0.02
SPECIAL_ED_RATE = 0.03
UNGRADED_SHARE_OF_HIGH_SPECIAL_ED = 0.05
CAREER_CENTER_RATE = 0.02       # of high-school students (09-12)
ACADEMY_SHARE = 0.3             # of the first high school's students
IMMERSION_SHARE_OF_FIRST_ELEMENTARY = 0.5
GIFTED_RATE = 0.01
OVERRIDE_RATE = 0.001           # plus the district's first student, so there is always one
DROP_END_STATUSES = ("W01", "W02", "W03")
LAST_DAY_END_STATUS = "E01"

# --- the year-end modules' data (current-year calendars only) -----------------------------------
# Courses of each level's master schedule: (course number, name); middle and high offer more.
COURSES: dict[str, tuple[tuple[str, str], ...]] = {
    ELEMENTARY: (("0100", "Reading and Writing"), ("0200", "Mathematics"), ("0300", "Science"),
                 ("0400", "Art and Music")),
    MIDDLE: (("1100", "English"), ("1200", "Mathematics"), ("1300", "Science"),
             ("1400", "Social Studies"), ("1500", "Spanish"), ("1600", "Physical Education")),
    HIGH: (("2100", "English"), ("2200", "Algebra"), ("2210", "Geometry"), ("2300", "Biology"),
           ("2310", "Chemistry"), ("2400", "U.S. History"), ("2500", "Spanish"),
           ("2600", "Physical Education")),
    CAREER: (("3100", "Automotive Technology"), ("3200", "Culinary Arts"),
             ("3300", "Health Sciences")),
}
COURSE_ID_FORMAT = "{calendar_id}-C{position:02d}"   # 2027-HIG0001-C01; sections add -1 .. -3
SECTIONS_PER_COURSE = (1, 3)          # drawn per course, from the calendar alone (not the seed)
SECTION_CAPACITY = {ELEMENTARY: 25, MIDDLE: 30, HIGH: 32, CAREER: 20}
# Courses an active student is scheduled into at their own school (one section each); a partial
# student at the career center takes one of its courses.
COURSES_TAKEN = {ELEMENTARY: 4, MIDDLE: 4, HIGH: 4, CAREER: 1}
ROOMS = {ELEMENTARY: (1, 30), MIDDLE: (100, 160), HIGH: (100, 260), CAREER: (1, 20)}
COUNSELORS_PER_SCHOOL = {ELEMENTARY: 1, MIDDLE: 2, HIGH: 3, CAREER: 1}
STAFF_TITLES = ("Ms.", "Mr.", "Mx.", "Dr.")
NEXT_STAFF_RATE = 0.85                # of students who will roll: next homeroom and counselor
COURSE_REQUEST_RATE = 0.2             # of active middle and high school students: 1-2 requests
# Grading periods: four quarters splitting the Main structure's terms evenly; mark types.
GRADING_PERIODS = ("Quarter 1", "Quarter 2", "Quarter 3", "Quarter 4")  # ids <calendar>-Q1 ..
MARK_TYPES = (("E", "Exam"), ("Q", "Quarter mark"))       # ids <calendar>-E, <calendar>-Q
MARKED_LEVELS = (MIDDLE, HIGH, CAREER)  # a Q mark for Quarter 1 in every scheduled section
MARK_SHARES = (("A", 0.25), ("B", 0.35), ("C", 0.25), ("D", 0.1))  # the rest F
SUCCESS_PLAN_RATE = 0.05              # of students with an active primary enrollment
OPEN_PLAN_SHARE = 0.8                 # the rest closed
PLAN_ID_FORMAT = "P{:07d}"            # goals: <plan_id>-1 .. -3
GOALS_PER_PLAN = (1, 3)
PLAN_TITLES = ("Reading support", "Math support", "Attendance plan", "Behavior support",
               "Transition plan", "Credit recovery")
PLAN_GOALS = ("Read 20 minutes every day", "Complete homework on time", "Attend every school day",
              "Meet with the counselor every two weeks", "Raise the math mark by one letter",
              "Join one school activity", "Use the planner daily")
GOAL_PROGRESS = ("Not started", "Some progress", "On track", "Met")
# (code, name, excused) for the source year.
ATTENDANCE_CODES = (("A", "Absent", False), ("E", "Excused absence", True),
                    ("P", "Present", False), ("T", "Tardy", False))


@dataclass(frozen=True)
class SchoolCounts:
    elementary: int
    middle: int
    high: int


def check_students(students: int) -> None:
    if not isinstance(students, int) or isinstance(students, bool) or not (
            MIN_STUDENTS <= students <= MAX_STUDENTS):
        raise ValueError(f"students must be a whole number from {MIN_STUDENTS:,} to "
                         f"{MAX_STUDENTS:,}, not {students!r}")


def school_counts(students: int) -> SchoolCounts:
    """How many schools of each level a district of this many students has (at least one each)."""
    per_grade = students / len(K12)
    elementary = max(1, round(per_grade * len(LEVEL_GRADES[ELEMENTARY]) / STUDENTS_PER_ELEMENTARY))
    middle = max(1, round(per_grade * len(LEVEL_GRADES[MIDDLE]) / STUDENTS_PER_MIDDLE))
    high = max(1, round(per_grade * len(LEVEL_GRADES[HIGH]) / STUDENTS_PER_HIGH))
    # Feeder blocks need every middle fed by an elementary and every high by a middle.
    middle = min(middle, elementary)
    high = min(high, middle)
    return SchoolCounts(elementary, middle, high)

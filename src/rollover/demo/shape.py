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

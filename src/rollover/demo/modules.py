"""The year-end modules' data of the demo district, for the source year's calendars: the master
schedule (courses, sections), grading periods, mark types and attendance codes, made once; and per
area, made from that area's enrollments: homerooms and counselors, schedules, course requests,
marks and success plans.

The master schedule depends only on the calendars (like the places).  The people's module rows
draw from a generator of their own per area, so the rows `people.py` makes are the same with or
without them.  Rows are plain tuples in the column order of bundle/format.py, in key order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import combinations, groupby

from . import names
from .calendars import Calendar, Calendars, even_split
from .people import PARTIAL, PRIMARY, SEQUENCE_STEP, cumulative, draw
from .places import Area, School
from .shape import (
    ATTENDANCE_CODES, COUNSELORS_PER_SCHOOL, COURSE_ID_FORMAT, COURSE_REQUEST_RATE, COURSES,
    COURSES_TAKEN, DROP_END_STATUSES, GOAL_PROGRESS, GOALS_PER_PLAN, GRADE_OF_SEQUENCE,
    GRADING_PERIODS, HIGH, LEVEL_OF_GRADE, MARK_SHARES, MARK_TYPES, MARKED_LEVELS, MIDDLE,
    NEXT_STAFF_RATE, OPEN_PLAN_SHARE, PLAN_GOALS, PLAN_ID_FORMAT, PLAN_TITLES, ROOMS,
    SECTION_CAPACITY, SECTIONS_PER_COURSE, SEQUENCE, STAFF_TITLES, SUCCESS_PLAN_RATE, UG,
)

# Positions in an enrollment row (bundle/format.py's enrollments.csv).
STUDENT, CALENDAR, GRADE, SERVICE, START, END, END_STATUS, END_ACTION, NEXT_CALENDAR = (
    1, 2, 4, 5, 6, 7, 8, 9, 10)
MARKS = cumulative(MARK_SHARES)
REQUESTING_LEVELS = (MIDDLE, HIGH)

# The module tables of one chunk, in the order they are written (after people.CHUNK_TABLES).
MODULE_CHUNK_TABLES = ("enrollment_staff", "course_requests", "student_schedules",
                       "student_marks", "success_plans", "plan_goals")


@dataclass(frozen=True)
class Course:
    course_id: str
    number: str
    name: str
    section_ids: tuple[str, ...]


@dataclass(frozen=True)
class CalendarCourses:
    """A source-year calendar's master schedule and grading, as the people's rows need them
    (worked out once: a million students draw from them)."""

    calendar: Calendar
    courses: tuple[Course, ...]
    # Every set of courses a student may take here (COURSES_TAKEN of them, in course order, so
    # their sections come in key order), and for each the courses it leaves out.
    course_sets: tuple[tuple[Course, ...], ...]
    untaken: tuple[tuple[Course, ...], ...]
    first_period_id: str  # the grading period marks are given in
    quarter_mark_id: str  # the mark type they are given as

    @property
    def school(self) -> School:
        return self.calendar.school

    @property
    def level(self) -> str:
        return self.calendar.school.level


def staff_name(school: School, number: int) -> str:
    """A teacher's or counselor's name, the same for the same school and number."""
    rng = random.Random(f"rollover-demo/staff/{school.school_id}/{number}")
    return (f"{STAFF_TITLES[int(rng.random() * len(STAFF_TITLES))]} "
            f"{names.LAST_NAMES[int(rng.random() * len(names.LAST_NAMES))]}")


ROOM_NAMES = {level: tuple(f"Room {n}" for n in range(low, high + 1))
              for level, (low, high) in ROOMS.items()}


def room(rng: random.Random, level: str) -> str:
    rooms = ROOM_NAMES[level]
    return rooms[int(rng.random() * len(rooms))]


class MasterSchedule:
    """Courses, sections, grading periods and mark types of every source-year calendar."""

    def __init__(self, calendars: Calendars):
        self.source_year = calendars.source_year
        current = [c for c in calendars.all if c.school_year == calendars.source_year]
        self.by_calendar: dict[str, CalendarCourses] = {
            c.calendar_id: self._calendar_courses(c) for c in current}
        self._sections: list[tuple] = []
        for calendar in current:
            self._sections.extend(self._section_rows(calendar))

    @staticmethod
    def _calendar_courses(calendar: Calendar) -> CalendarCourses:
        rng = random.Random(f"rollover-demo/master/{calendar.calendar_id}")
        low, high = SECTIONS_PER_COURSE
        courses = []
        level = calendar.school.level
        for position, (number, name) in enumerate(COURSES[level], start=1):
            course_id = COURSE_ID_FORMAT.format(calendar_id=calendar.calendar_id,
                                                position=position)
            sections = low + int(rng.random() * (high - low + 1))
            courses.append(Course(course_id, number, name,
                                  tuple(f"{course_id}-{n}" for n in range(1, sections + 1))))
        course_sets = tuple(combinations(courses, min(COURSES_TAKEN[level], len(courses))))
        untaken = tuple(tuple(c for c in courses if c not in taken) for taken in course_sets)
        return CalendarCourses(calendar, tuple(courses), course_sets, untaken,
                               f"{calendar.calendar_id}-Q1", f"{calendar.calendar_id}-Q")

    def _section_rows(self, calendar: Calendar) -> list[tuple]:
        school = calendar.school
        rng = random.Random(f"rollover-demo/master/{calendar.calendar_id}/sections")
        rows = []
        teacher = 0
        for course in self.by_calendar[calendar.calendar_id].courses:
            for number, section_id in enumerate(course.section_ids, start=1):
                teacher += 1
                rows.append((section_id, course.course_id, str(number),
                             staff_name(school, 100 + teacher), room(rng, school.level),
                             SECTION_CAPACITY[school.level]))
        return rows

    def course_rows(self) -> list[tuple]:
        return [(course.course_id, calendar_id, course.number, course.name)
                for calendar_id, schedule in self.by_calendar.items()
                for course in schedule.courses]

    def section_rows(self) -> list[tuple]:
        return self._sections

    def grading_period_rows(self) -> list[tuple]:
        rows = []
        for calendar_id, schedule in self.by_calendar.items():
            main = schedule.calendar.main
            spans = even_split(main.first_day, main.last_day, len(GRADING_PERIODS))
            for sequence, (name, (start, end)) in enumerate(zip(GRADING_PERIODS, spans),
                                                            start=1):
                rows.append((f"{calendar_id}-Q{sequence}", calendar_id, name, sequence, start,
                             end))
        return rows

    def mark_type_rows(self) -> list[tuple]:
        return [(f"{calendar_id}-{code}", calendar_id, code, name)
                for calendar_id in self.by_calendar for code, name in MARK_TYPES]

    def attendance_code_rows(self) -> list[tuple]:
        return [(self.source_year, code, name, excused)
                for code, name, excused in ATTENDANCE_CODES]


@dataclass
class PlanCounter:
    """The last success plan number handed out, shared by all chunks."""

    plan: int = 0


class ModuleRows:
    """Makes each area's module rows from its enrollments; holds what every area needs."""

    def __init__(self, calendars: Calendars, master: MasterSchedule, seed: int):
        self.master = master
        self.seed = seed
        self.ids = PlanCounter()
        self.next_calendars = {c.calendar_id: c for c in calendars.next.values()}
        self.counselors = {school.school_id: counselors_by_letter(school)
                           for school in (c.school for c in calendars.source.values())}

    def area_rows(self, area: Area, students: list[tuple], enrollments: list[tuple],
                  schools_of=None) -> dict[str, list[tuple]]:
        """Every module chunk table's rows for the people of one area, each list in key order.
        `schools_of(student_id)`: the schools of the student's household (`.school_of_level`);
        by default the area's."""
        chunk = ModuleChunk(self, area, random.Random(
            f"rollover-demo/{self.seed}/area/{area.index}/modules"),
            schools_of or (lambda student_id: area))
        last_names = {student[0]: student[2] for student in students}
        for student_id, own in groupby(enrollments, key=lambda e: e[STUDENT]):
            chunk.add_student(student_id, last_names[student_id], list(own))
        return {"enrollment_staff": chunk.staff, "course_requests": chunk.requests,
                "student_schedules": chunk.schedules, "student_marks": chunk.marks,
                "success_plans": chunk.plans, "plan_goals": chunk.goals}


def counselors_by_letter(school: School) -> tuple[str, ...]:
    """A school's counselor for each first letter A-Z of a last name: they split the alphabet."""
    counselors = [staff_name(school, n) for n in range(COUNSELORS_PER_SCHOOL[school.level])]
    return tuple(counselors[letter * len(counselors) // 26] for letter in range(26))


def active_enrollments(enrollments: list[tuple]) -> tuple[tuple | None, list[tuple]]:
    """A student's primary enrollment still active at the end of the year (not dropped; a
    last-day ender counts) and their active partial ones."""
    primary, partials = None, []
    for enrollment in enrollments:
        if enrollment[END_STATUS] in DROP_END_STATUSES:
            continue
        if enrollment[SERVICE] == PRIMARY and primary is None:
            primary = enrollment
        elif enrollment[SERVICE] == PARTIAL:
            partials.append(enrollment)
    return primary, partials


class ModuleChunk:
    """The module rows of one area under construction."""

    def __init__(self, rows: ModuleRows, area: Area, rng: random.Random, schools_of):
        self.rows = rows
        self.by_calendar = rows.master.by_calendar
        self.area = area
        self.schools_of = schools_of
        self.rng = rng
        self.staff: list[tuple] = []
        self.requests: list[tuple] = []
        self.schedules: list[tuple] = []
        self.marks: list[tuple] = []
        self.plans: list[tuple] = []
        self.goals: list[tuple] = []

    def add_student(self, student_id: str, last_name: str, enrollments: list[tuple]) -> None:
        primary, partials = active_enrollments(enrollments)
        if primary is None:
            return  # dropped and not back: no homeroom, schedule or plan this year
        schedule = self.by_calendar[primary[CALENDAR]]
        self.add_staff(primary, schedule.school, last_name)
        chosen = int(self.rng.random() * len(schedule.course_sets))
        sections = self.pick_sections(primary, schedule, schedule.course_sets[chosen])
        for partial in partials:
            elsewhere = self.by_calendar[partial[CALENDAR]]
            taken = elsewhere.course_sets[int(self.rng.random() * len(elsewhere.course_sets))]
            sections += self.pick_sections(partial, elsewhere, taken)
        if partials:
            sections.sort(key=lambda picked: picked[0])
        for section_id, where, enrollment in sections:
            self.schedules.append((student_id, section_id, enrollment[START], enrollment[END]))
            if where.level in MARKED_LEVELS:
                self.marks.append((student_id, section_id, where.first_period_id,
                                   where.quarter_mark_id, draw(self.rng, MARKS, "F")))
        if schedule.level in REQUESTING_LEVELS:
            self.add_requests(student_id, schedule.untaken[chosen])
        if self.rng.random() < SUCCESS_PLAN_RATE:
            self.add_plan(student_id)

    # --- the parts of one student --------------------------------------------------------------

    def add_staff(self, primary: tuple, school: School, last_name: str) -> None:
        rng = self.rng
        letter = min(max(ord(last_name[0].upper()) - ord("A"), 0), 25)
        next_homeroom = next_counselor = None
        next_school = self.next_school(primary, school)
        if next_school is not None and rng.random() < NEXT_STAFF_RATE:
            next_homeroom = room(rng, next_school.level)
            next_counselor = self.rows.counselors[next_school.school_id][letter]
        self.staff.append((primary[0], room(rng, school.level),
                           self.rows.counselors[school.school_id][letter], next_homeroom,
                           next_counselor))

    def next_school(self, primary: tuple, school: School) -> School | None:
        """Where the student is expected next year: the next-calendar fields, else the own school
        while the level stays, else the household's school of the coming level; None for students
        who will not roll (ungraded, graduating)."""
        grade = primary[GRADE]
        if grade == UG:
            return None
        target = GRADE_OF_SEQUENCE.get(SEQUENCE[grade] + SEQUENCE_STEP[primary[END_ACTION]])
        if target is None:  # a promoted 12th grader graduates
            return None
        if primary[NEXT_CALENDAR] is not None:
            return self.rows.next_calendars[primary[NEXT_CALENDAR]].school
        level = LEVEL_OF_GRADE[target]
        if level == school.level:
            return school
        return self.schools_of(primary[STUDENT]).school_of_level(level)

    def pick_sections(self, enrollment: tuple, schedule: CalendarCourses,
                      courses: tuple[Course, ...]) -> list[tuple[str, CalendarCourses, tuple]]:
        """(section id, its calendar's schedule, the enrollment): one section of each course."""
        rng = self.rng
        return [(course.section_ids[int(rng.random() * len(course.section_ids))], schedule,
                 enrollment) for course in courses]

    def add_requests(self, student_id: str, untaken: tuple[Course, ...]) -> None:
        """Some middle and high school students ask for one or two courses they do not take."""
        rng = self.rng
        if rng.random() >= COURSE_REQUEST_RATE or not untaken:
            return
        first = int(rng.random() * len(untaken))
        wanted = {first, (first + 1) % len(untaken)} if rng.random() < 0.5 else {first}
        for position in sorted(wanted):
            self.requests.append((student_id, untaken[position].course_id))

    def add_plan(self, student_id: str) -> None:
        rng = self.rng
        ids = self.rows.ids
        ids.plan += 1
        plan_id = PLAN_ID_FORMAT.format(ids.plan)
        status = "open" if rng.random() < OPEN_PLAN_SHARE else "closed"
        title = PLAN_TITLES[int(rng.random() * len(PLAN_TITLES))]
        self.plans.append((plan_id, student_id, self.rows.master.source_year, status, title,
                           None))
        low, high = GOALS_PER_PLAN
        goals = rng.sample(PLAN_GOALS, low + int(rng.random() * (high - low + 1)))
        for number, description in enumerate(goals, start=1):
            progress = GOAL_PROGRESS[int(rng.random() * len(GOAL_PROGRESS))]
            self.goals.append((f"{plan_id}-{number}", plan_id, description, progress))

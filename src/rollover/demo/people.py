"""Households, students, household members, program participations, assignment overrides and
enrollments of the demo district, made one elementary area (one chunk) at a time.

Every area draws from its own random generator, seeded from the district seed and the area's
index, so an area's people do not depend on how many numbers earlier areas drew.  Ids come from
counters shared by all areas, so they increase from chunk to chunk.  Rows are plain tuples in the
column order of bundle/format.py.  Where the areas are polygons (the Seattle geography) a household
is a point of its own and its students attend the schools whose areas hold it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass

from . import names
from .calendars import Calendar, Calendars, Structure
from .places import Area, Places, School
from .shape import (
    ACADEMY_SHARE, ADDRESS_UPPERCASE_RATE, AGE_ON_FIRST_SEPTEMBER, CAREER_CENTER_RATE, DEMOTE_RATE,
    DROP_END_STATUSES, DROP_RATE, ELEMENTARY, ENROLLMENT_ID_FORMAT, GIFTED, GIFTED_RATE, GRADED,
    GRADE_OF_SEQUENCE, HIGH, HOUSEHOLD_ID_FORMAT, HOUSEHOLD_SIZE_SHARES, IMMERSION,
    IMMERSION_SHARE_OF_FIRST_ELEMENTARY, K12, KG, LAST_DAY_END_STATUS, LAST_DAY_RATE,
    LEVEL_GRADES, LEVEL_OF_GRADE, LOCAL_START_STATUSES, NEXT_CALENDAR_RATE,
    NON_PRIMARY_HOUSEHOLD_RATE, OVERRIDE_RATE, PK, PK_SHARE_OF_FIRST_AREA, PROMOTE_SHARE_OF_REST,
    REENROLLMENT_START_STATUS, REENROLL_GAP_DAYS, REENROLL_SHARE_OF_DROPPED, RETAIN_RATE,
    SECOND_PRIMARY_HOUSEHOLD_RATE, SEQUENCE, SPECIAL_ED_RATE, START_STATUS_SHARES,
    STUDENT_ID_FORMAT, STUDENT_NUMBER_MODULUS, STUDENT_NUMBER_STEP, UG, UNLOCATED_EVERY,
    UNGRADED_SHARE_OF_HIGH_SPECIAL_ED,
)

PROMOTE, RETAIN, DEMOTE = "promote", "retain", "demote"
PRIMARY, PARTIAL, SPECIAL_ED = "primary", "partial", "special_ed"
SEQUENCE_STEP = {None: 1, PROMOTE: 1, RETAIN: 0, DEMOTE: -1}
DEFAULT_START_STATUS = next(code for code, _, is_default, *_ in LOCAL_START_STATUSES if is_default)

# The tables of one chunk, in the order they are written.
CHUNK_TABLES = ("households", "students", "household_members", "program_participations",
                "assignment_overrides", "enrollments")


@dataclass
class IdCounters:
    """The last number handed out for each kind of id, shared by all chunks."""

    student: int = 0
    household: int = 0
    enrollment: int = 0


def area_sizes(students: int, areas: int) -> list[int]:
    base, extra = divmod(students, areas)
    return [base + (1 if index < extra else 0) for index in range(areas)]


def area_grades(area_index: int, size: int) -> list[str]:
    """Grades of one area's students before shuffling: even over KG-12, plus PK in the first."""
    pk = round(size * PK_SHARE_OF_FIRST_AREA) if area_index == 0 else 0
    graded = size - pk
    return [PK] * pk + [K12[slot * len(K12) // graded] for slot in range(graded)]


def cumulative(shares) -> tuple[tuple[object, float], ...]:
    total, out = 0.0, []
    for value, share in shares:
        total += share
        out.append((value, total))
    return tuple(out)


def draw(rng: random.Random, table: tuple[tuple[object, float], ...], otherwise):
    """The value of the first cumulative share above a uniform draw, else `otherwise`."""
    r = rng.random()
    for value, upto in table:
        if r < upto:
            return value
    return otherwise


class People:
    """Makes the people of each area; holds what every area needs, worked out once."""

    def __init__(self, places: Places, calendars: Calendars, students: int, seed: int):
        self.places = places
        self.calendars = calendars
        self.students = students
        self.seed = seed
        self.source_year = calendars.source_year
        self.destination_year = calendars.source_year + 1
        self.sizes = area_sizes(students, len(places.areas))
        self.ids = IdCounters()
        self.number_offset = random.Random(f"rollover-demo/{seed}/student-numbers").randrange(
            STUDENT_NUMBER_MODULUS)
        self.household_sizes = cumulative(HOUSEHOLD_SIZE_SHARES)
        self.start_statuses = cumulative(START_STATUS_SHARES)
        fall = self.source_year - 1
        # Born between 2 September and 1 September, so the age on 1 September fits the grade.
        self.birth_ranges: dict[str, tuple[int, int]] = {}
        for grade in GRADED:
            first = dt.date(fall - AGE_ON_FIRST_SEPTEMBER[grade] - 1, 9, 2).toordinal()
            last = dt.date(fall - AGE_ON_FIRST_SEPTEMBER[grade], 9, 1).toordinal()
            self.birth_ranges[grade] = (first, last - first + 1)
        # Graduation cohort of a high-school grade: 12 -> this year, 09 -> three years on.
        self.cohorts = {grade: self.source_year + 12 - int(grade)
                        for grade in LEVEL_GRADES[HIGH]}
        regular = [s for s in places.schools if s is not places.career_center]
        self.source_offering = self._offering(regular, calendars.source)
        self.next_offering = self._offering(regular, calendars.next)
        self.career_calendar = (None if places.career_center is None
                                else calendars.source[places.career_center.school_id])
        # The schools of each student of the chunk made last (their first household's).
        self._schools: dict[str, object] = {}

    @staticmethod
    def _offering(schools: list[School], by_school: dict[str, Calendar]
                  ) -> dict[str, tuple[Calendar, ...]]:
        offering: dict[str, list[Calendar]] = {}
        for school in schools:
            calendar = by_school[school.school_id]
            for grade in calendar.main.grades:
                offering.setdefault(grade, []).append(calendar)
        return {grade: tuple(calendars) for grade, calendars in offering.items()}

    # --- one chunk -------------------------------------------------------------------------------

    def area_rows(self, area: Area) -> dict[str, list[tuple]]:
        """Every chunk table's rows for the people of one area, each list in key order."""
        rng = random.Random(f"rollover-demo/{self.seed}/area/{area.index}")
        grades = area_grades(area.index, self.sizes[area.index])
        rng.shuffle(grades)
        chunk = AreaChunk(self, area, rng)
        self._schools = chunk.schools
        position = 0
        while position < len(grades):
            family_size = draw(rng, self.household_sizes, HOUSEHOLD_SIZE_SHARES[-1][0])
            chunk.add_family(grades[position:position + family_size])
            position += family_size
        chunk.members.sort()
        chunk.participations.sort()
        return {"households": chunk.households, "students": chunk.students,
                "household_members": chunk.members, "program_participations": chunk.participations,
                "assignment_overrides": chunk.overrides, "enrollments": chunk.enrollments}

    def schools_of(self, student_id: str):
        """The schools (an `Area` or a located `Home`: `.school_of_level(level)`) of a student
        of the chunk made last: those of their first household."""
        return self._schools[student_id]


class AreaChunk:
    """The rows of one area under construction."""

    def __init__(self, people: People, area: Area, rng: random.Random):
        self.people = people
        self.area = area
        self.rng = rng
        self.ids = people.ids
        self.households: list[tuple] = []
        self.students: list[tuple] = []
        self.members: list[tuple] = []
        self.participations: list[tuple] = []
        self.overrides: list[tuple] = []
        self.enrollments: list[tuple] = []
        self.schools: dict[str, object] = {}  # student id -> its household's schools
        area_map = people.places.area_map
        self.points = None if area_map is None else area_map.points(people.seed, area.index)

    # --- ids and addresses -----------------------------------------------------------------------

    def new_household(self, area: Area):
        """A new household in the area: its id, and what says its students' schools (the
        area, or where the areas are polygons the household's point)."""
        rng = self.rng
        self.ids.household += 1
        household_id = HOUSEHOLD_ID_FORMAT.format(self.ids.household)
        if self.points is not None:
            home = self.points.home(area, rng)
            self.households.append(home.household_row(
                household_id, located=self.ids.household % UNLOCATED_EVERY != 0))
            return household_id, home
        segments = area.segments
        segment = segments[int(rng.random() * len(segments))]
        number = segment.first_number + segment.number_step * int(rng.random()
                                                                  * segment.number_count)
        street = segment.street.upper() if rng.random() < ADDRESS_UPPERCASE_RATE else segment.street
        self.households.append((household_id, number, street, segment.city, segment.zip, None,
                                None))
        return household_id, area

    def new_enrollment_id(self) -> str:
        self.ids.enrollment += 1
        return ENROLLMENT_ID_FORMAT.format(self.ids.enrollment)

    def other_area(self) -> Area | None:
        areas = self.people.places.areas
        if len(areas) < 2:
            return None
        index = int(self.rng.random() * (len(areas) - 1))
        return areas[index + 1 if index >= self.area.index else index]

    # --- a family --------------------------------------------------------------------------------

    def add_family(self, grades: list[str]) -> None:
        rng = self.rng
        household_id, schools = self.new_household(self.area)
        last_name = names.LAST_NAMES[int(rng.random() * len(names.LAST_NAMES))]
        student_ids = [self.add_student(grade, last_name, schools) for grade in grades]
        for student_id in student_ids:
            self.members.append((household_id, student_id, True))
        for student_id in student_ids:
            # A second home (parents apart) in another area, and sometimes a non-primary one.
            if rng.random() < SECOND_PRIMARY_HOUSEHOLD_RATE:
                other = self.other_area()
                if other is not None:
                    self.members.append((self.new_household(other)[0], student_id, True))
            if rng.random() < NON_PRIMARY_HOUSEHOLD_RATE:
                areas = self.people.places.areas
                somewhere = areas[int(rng.random() * len(areas))]
                self.members.append((self.new_household(somewhere)[0], student_id, False))

    def add_student(self, grade: str, last_name: str, schools) -> str:
        """`schools`: the household's schools (`.school_of_level(level)`)."""
        people, rng, area = self.people, self.rng, self.area
        ids = self.ids
        ids.student += 1
        student_id = STUDENT_ID_FORMAT.format(ids.student)
        number = (STUDENT_NUMBER_STEP * (ids.student - 1) + people.number_offset) \
            % STUDENT_NUMBER_MODULUS
        first_name = names.FIRST_NAMES[int(rng.random() * len(names.FIRST_NAMES))]
        birth_first, birth_span = people.birth_ranges[grade]
        birth_date = dt.date.fromordinal(birth_first + int(rng.random() * birth_span))
        self.students.append((student_id, f"{number:06d}", last_name, first_name, birth_date))
        self.schools[student_id] = schools

        level = LEVEL_OF_GRADE[grade]
        school = schools.school_of_level(level)
        calendar = people.calendars.source[school.school_id]
        structure = self.pick_structure(calendar)
        special_ed = rng.random() < SPECIAL_ED_RATE
        enrolled_grade = grade
        if special_ed and level == HIGH and rng.random() < UNGRADED_SHARE_OF_HIGH_SPECIAL_ED:
            enrolled_grade = UG
        cohort = people.cohorts.get(grade)
        end_action = self.draw_end_action(grade) if enrolled_grade != UG else None

        end_date = end_status = None
        dropped = last_day = False
        r = rng.random()
        if r < DROP_RATE:
            dropped = True
            end_date = calendar.drop_days[int(rng.random() * len(calendar.drop_days))]
            end_status = DROP_END_STATUSES[int(rng.random() * len(DROP_END_STATUSES))]
        elif r < DROP_RATE + LAST_DAY_RATE:
            last_day = True
            end_date, end_status = structure.last_day, LAST_DAY_END_STATUS

        next_calendar_id = next_structure_id = next_grade = None
        if not dropped and enrolled_grade != UG:
            target = GRADE_OF_SEQUENCE.get(SEQUENCE[grade] + SEQUENCE_STEP[end_action])
            if target is not None and rng.random() < NEXT_CALENDAR_RATE:
                next_calendar = self.hand_placed_calendar(school, target, schools)
                next_calendar_id = next_calendar.calendar_id
                next_structure_id = self.pick_any_structure(next_calendar).structure_id
                next_grade = target

        start_status = draw(rng, people.start_statuses, DEFAULT_START_STATUS)
        first_day = structure.first_day
        self.enrollments.append((
            self.new_enrollment_id(), student_id, calendar.calendar_id, structure.structure_id,
            enrolled_grade, PRIMARY, first_day, end_date, end_status, end_action, next_calendar_id,
            next_structure_id, next_grade, start_status, cohort, None))

        if dropped and rng.random() < REENROLL_SHARE_OF_DROPPED:
            self.add_reenrollment(student_id, school, enrolled_grade, end_date, end_action, cohort)
        service = (end_date, end_status, end_action, start_status, cohort)
        if special_ed:
            self.add_service_enrollment(student_id, calendar, structure, enrolled_grade,
                                        SPECIAL_ED, service)
        # Drawn even without a career center, so the other draws stay where they were.
        if level == HIGH and enrolled_grade != UG and rng.random() < CAREER_CENTER_RATE \
                and people.career_calendar is not None:
            career = people.career_calendar
            if last_day:  # ends on the last day of the career center's own last term
                service = (career.main.last_day, *service[1:])
            self.add_service_enrollment(student_id, career, career.main, grade, PARTIAL, service)

        # Programs: GT sorts before IMM, so one student's participations are in key order.
        if rng.random() < GIFTED_RATE:
            self.participations.append((student_id, GIFTED, first_day, None))
        if area.index == 0 and level == ELEMENTARY and \
                rng.random() < IMMERSION_SHARE_OF_FIRST_ELEMENTARY:
            self.participations.append((student_id, IMMERSION, first_day, None))

        if ids.student == 1 or rng.random() < OVERRIDE_RATE:
            self.add_override(student_id, grade, schools)
        return student_id

    # --- the parts of one student ----------------------------------------------------------------

    def draw_end_action(self, grade: str) -> str | None:
        rng = self.rng
        r = rng.random()
        if r < RETAIN_RATE:
            return RETAIN
        if r < RETAIN_RATE + DEMOTE_RATE and grade not in (PK, KG):
            return DEMOTE  # never PK or KG: below KG is PK (one school only), then ungraded 0
        return PROMOTE if rng.random() < PROMOTE_SHARE_OF_REST else None

    def add_service_enrollment(self, student_id: str, calendar: Calendar, structure: Structure,
                               grade: str, service_type: str, ending: tuple) -> None:
        """A special_ed or partial enrollment beside the primary one; it ends with it."""
        end_date, end_status, end_action, start_status, cohort = ending
        self.enrollments.append((
            self.new_enrollment_id(), student_id, calendar.calendar_id, structure.structure_id,
            grade, service_type, structure.first_day, end_date, end_status, end_action, None,
            None, None, start_status, cohort, None))

    def pick_structure(self, calendar: Calendar) -> Structure:
        if len(calendar.structures) > 1 and self.rng.random() < ACADEMY_SHARE:
            return calendar.structures[1]
        return calendar.main

    def pick_any_structure(self, calendar: Calendar) -> Structure:
        structures = calendar.structures
        return structures[int(self.rng.random() * len(structures))]

    def hand_placed_calendar(self, school: School, target: str, schools) -> Calendar:
        """A next-year calendar offering the target grade, other than the one the student would
        reach anyway (own school or boundary school) when there is another."""
        candidates = self.people.next_offering[target]
        usual = {school.school_id, schools.school_of_level(LEVEL_OF_GRADE[target]).school_id}
        others = [c for c in candidates if c.school.school_id not in usual]
        pool = others or candidates
        return pool[int(self.rng.random() * len(pool))]

    def add_reenrollment(self, student_id: str, school: School, grade: str, dropped_on: dt.date,
                         end_action: str | None, cohort: int | None) -> None:
        rng = self.rng
        candidates = self.people.source_offering[grade]
        others = [c for c in candidates if c.school is not school]
        pool = others or candidates
        calendar = pool[int(rng.random() * len(pool))]
        structure = self.pick_structure(calendar)
        low, high = REENROLL_GAP_DAYS
        earliest = dropped_on + dt.timedelta(days=low + int(rng.random() * (high - low + 1)))
        days = calendar.instructional_days
        start = days[min(bisect.bisect_left(days, earliest), len(days) - 1)]
        self.enrollments.append((
            self.new_enrollment_id(), student_id, calendar.calendar_id, structure.structure_id,
            grade, PRIMARY, start, None, None, end_action, None, None, None,
            REENROLLMENT_START_STATUS, cohort, None))

    def add_override(self, student_id: str, grade: str, schools) -> None:
        """School choice: allowed next year at a school of the coming level that is not the
        boundary school (the career center when the level has only one school)."""
        places = self.people.places
        coming = GRADE_OF_SEQUENCE.get(SEQUENCE[grade] + 1, grade) if grade != UG else grade
        level = LEVEL_OF_GRADE[coming]
        boundary_school = schools.school_of_level(level)
        others = [s for s in places.by_level[level] if s is not boundary_school]
        school = others[int(self.rng.random() * len(others))] if others else places.career_center
        if school is None:
            return  # one school of the level and no career center: no choice to make
        self.overrides.append((student_id, school.school_id, self.people.destination_year, None))

"""The `scheduling` module's decisions (YE-12): the master schedule copied into the next year,
the schedules of deleted students removed, and (an option) old years' schedules purged.

- Every course of a calendar of the school year is copied, with its sections, into the matching
  next-year calendar of its school (`next_calendars.py`) under new ids; a course whose number
  is already in that calendar is skipped whole, its sections too (a re-run creates nothing).
- Course requests and student schedules in next-year calendars of students who have no
  enrollment in that calendar (never rolled, or removed) are deleted.
- With `purge_schedules_before=YEAR`, student schedules in calendars of school years before
  YEAR are deleted too.  Student marks are not touched: they name the section, not the schedule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..calendar_roll import IdAllocator, next_id
from ..change_plan import ModulePlan, deletes, inserts
from .next_calendars import Copies, CopyRule, copy_into_next_calendars, match_next_calendars
from .rows import CalendarRow, Course, CourseRequest, Section, StudentSchedule

COURSE_RULE: CopyRule[Course] = CopyRule(
    what="course", calendar_of=lambda c: c.calendar_id, name_of=lambda c: c.number,
    id_of=lambda c: c.course_id,
    make_copy=lambda c, new_id, calendar_id: c._replace(course_id=new_id,
                                                        calendar_id=calendar_id))


@dataclass(frozen=True)
class SchedulingRows:
    """What the plan reads.  Requests and schedules come as (calendar id, row): the calendar of
    the course or section they name."""

    calendars: Sequence[CalendarRow]  # of the school year, the next, and any purged year
    courses: Sequence[Course]  # of the school year's calendars
    sections: Sequence[Section]  # of those courses
    next_year_numbers: frozenset[tuple[str, str]]  # (calendar id, course number) already there
    taken_course_ids: frozenset[str]  # every course id stored
    taken_section_ids: frozenset[str]  # every section id stored
    next_year_requests: Sequence[tuple[str, CourseRequest]] = ()
    next_year_schedules: Sequence[tuple[str, StudentSchedule]] = ()
    next_year_enrolled: frozenset[tuple[str, str]] = frozenset()  # (student id, calendar id)
    old_schedules: Sequence[tuple[str, StudentSchedule]] = ()  # candidates for the purge


@dataclass
class MasterScheduleCopy:
    courses: Copies[Course]
    sections: list[Section]


def copy_master_schedule(rows: SchedulingRows, school_year: int) -> MasterScheduleCopy:
    """YE-12: the school year's courses and their sections, copied into next-year calendars."""
    matches = match_next_calendars(rows.calendars, school_year)
    courses = copy_into_next_calendars(rows.courses, COURSE_RULE, matches,
                                       rows.next_year_numbers, rows.taken_course_ids,
                                       school_year)
    return MasterScheduleCopy(courses, copy_sections(rows, courses, school_year))


def copy_sections(rows: SchedulingRows, courses: Copies[Course], school_year: int
                  ) -> list[Section]:
    """The sections of every copied course, under new ids, pointing at the course's copy."""
    copy_of = {source.course_id: copy.course_id for source, copy in courses.created}
    ids = IdAllocator(rows.taken_section_ids)
    return [section._replace(section_id=ids.allocate(next_id(section.section_id, school_year)),
                             course_id=copy_of[section.course_id])
            for section in sorted(rows.sections, key=lambda s: (s.course_id, s.number))
            if section.course_id in copy_of]


StudentRow = CourseRequest | StudentSchedule


def of_deleted_students(placed: Sequence[tuple[str, StudentRow]],
                        enrolled: frozenset[tuple[str, str]]) -> list[tuple[str, StudentRow]]:
    """YE-12: rows in a next-year calendar whose student has no enrollment in that calendar."""
    return [(calendar_id, row) for calendar_id, row in placed
            if (row.student_id, calendar_id) not in enrolled]


def schedules_to_purge(schedules: Sequence[tuple[str, StudentSchedule]],
                       calendars: Sequence[CalendarRow],
                       before_year: int | None) -> list[tuple[str, StudentSchedule]]:
    """YE-12 (option): schedules in calendars of school years before `before_year`."""
    if before_year is None:
        return []
    year_of = {c.calendar_id: c.school_year for c in calendars}
    return [(calendar_id, row) for calendar_id, row in schedules
            if calendar_id in year_of and year_of[calendar_id] < before_year]


def plan_scheduling(rows: SchedulingRows, school_year: int,
                    purge_before: int | None = None) -> ModulePlan:
    """Everything the scheduling module changes: courses and sections inserted (parents first),
    then requests and schedules deleted (they have no children)."""
    school_of = {c.calendar_id: c.school_id for c in rows.calendars}
    copied = copy_master_schedule(rows, school_year)  # YE-12: the master schedule
    course_school = {c.course_id: school_of.get(c.calendar_id) for c in copied.courses.copies}
    # YE-12: deleted students' requests and schedules; the purge only with the option.
    requests = of_deleted_students(rows.next_year_requests, rows.next_year_enrolled)
    schedules = of_deleted_students(rows.next_year_schedules, rows.next_year_enrolled)
    purged = schedules_to_purge(rows.old_schedules, rows.calendars, purge_before)
    # Each row is keyed by its whole self (its primary key is part of it): its calendar's school.
    school_of_row = {row: school_of.get(calendar_id)
                     for calendar_id, row in [*requests, *schedules, *purged]}

    plan = ModulePlan(summary={
        "courses_copied": len(copied.courses.created),
        "courses_skipped": len(copied.courses.skipped),
        "courses_without_next_calendar": len(copied.courses.not_copied),
        "sections_copied": len(copied.sections),
        "deleted_students": len({row.student_id for _c, row in [*requests, *schedules]}),
        "requests_deleted": len(requests),
        "schedules_deleted": len(schedules),
        "schedules_purged": len(purged),
    })
    plan.add(inserts("courses", Course._fields, copied.courses.copies,
                     lambda r: school_of.get(r.calendar_id)))
    plan.add(inserts("sections", Section._fields, copied.sections,
                     lambda r: course_school[r.course_id]))
    plan.add(deletes("course_requests", CourseRequest._fields, [r for _c, r in requests],
                     school_of_row.get))
    plan.add(deletes("student_schedules", StudentSchedule._fields,
                     [r for _c, r in [*schedules, *purged]], school_of_row.get))
    plan.messages.extend(copied.courses.messages)
    return plan

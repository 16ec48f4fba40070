"""Who is selected (roll-forward.md §2): RF-1 and RF-2."""

from __future__ import annotations

from ..calendars import Calendar
from ..people import Enrollment, Student
from .options import RunSettings


def is_candidate(enrollment: Enrollment, settings: RunSettings, calendar: Calendar,
                 student: Student | None) -> bool:
    """RF-1: in a source calendar, of a selected service type, in the source structure (by
    name) if given, in a selected source grade if given, and passing the ad hoc filter."""
    if enrollment.service_type not in settings.service_types:
        return False
    wanted_structure = settings.options.source_structure
    if wanted_structure is not None:
        structure = calendar.structures.get(enrollment.structure_id)
        if structure is None or structure.name != wanted_structure:
            return False
    if settings.source_grades and enrollment.grade not in settings.source_grades:
        return False
    if settings.student_filter is not None:
        return settings.student_filter.matches(filter_record(enrollment, student, calendar))
    return True


def filter_record(enrollment: Enrollment, student: Student | None, calendar: Calendar) -> dict:
    """The fields the ad hoc filter can read: the student's, the enrollment's, and school_id."""
    record = {name: getattr(enrollment, name) for name in Enrollment.__slots__}
    if student is not None:
        record.update((name, getattr(student, name)) for name in Student.__slots__)
    else:
        record.update(dict.fromkeys(Student.__slots__[1:]))
    record["school_id"] = calendar.school_id
    return record


def rolls(enrollment: Enrollment, calendar: Calendar, include_last_day_enders: bool,
          last_term_ends: set | None = None) -> tuple[bool, bool]:
    """RF-2: (rolls, last-day ender).  An enrollment with no end date rolls.  With *include
    last-day enders*, one ending on the last day of the last term of any term schedule of its
    calendar rolls too, marked.  Every other ended ("dropped") enrollment never rolls."""
    if enrollment.end_date is None:
        return True, False
    if include_last_day_enders:
        ends = last_term_ends if last_term_ends is not None else calendar.last_term_ends()
        if enrollment.end_date in ends:
            return True, True
    return False, False

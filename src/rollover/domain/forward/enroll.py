"""What a new enrollment gets (roll-forward.md §5): RF-17 .. RF-20."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..people import Enrollment
from .options import RunSettings
from .place import Placement


@dataclass(slots=True)
class NewEnrollment:
    """One enrollment the run creates (or, in a test run, would create)."""

    student_id: str
    source_enrollment_id: str
    source_calendar_id: str
    source_grade: str
    calendar_id: str
    school_id: str
    structure_id: str
    grade: str
    start_date: dt.date | None  # None only until RF-17 refuses the run
    service_type: str
    local_start_status: str | None
    graduation_cohort: int | None
    last_day_ender: bool
    rule: str
    warnings: tuple[str, ...] = ()  # codes; most new enrollments have none
    enrollment_id: str | None = None  # given when a real run writes it


def new_enrollment(source: Enrollment, placement: Placement, settings: RunSettings,
                   last_day_ender: bool) -> NewEnrollment:
    calendar, structure, grade = placement.calendar, placement.structure, placement.grade
    return NewEnrollment(
        # RF-19: the student, the service type, the structure and grade placed; no end date;
        # the enrollment it was rolled from.
        student_id=source.student_id,
        source_enrollment_id=source.enrollment_id,
        source_calendar_id=source.calendar_id,
        source_grade=source.grade,
        calendar_id=calendar.calendar_id,
        school_id=calendar.school_id,
        structure_id=structure.structure_id,
        grade=grade.grade,
        start_date=start_date(placement, settings),
        service_type=source.service_type,
        local_start_status=settings.start_status,  # RF-18, resolved with the options
        graduation_cohort=graduation_cohort(source, grade.state_grade, settings.destination_year),
        last_day_ender=last_day_ender,
        rule=placement.rule,
    )


def start_date(placement: Placement, settings: RunSettings) -> dt.date | None:
    """RF-17: the override; else the destination calendar's first instructional day; else the
    start of the destination structure's first term (None: the run will be refused)."""
    return (settings.options.start_date or placement.calendar.first_instructional_day
            or placement.structure.first_term_start)


def graduation_cohort(source: Enrollment, state_grade: str | None, destination_year: int):
    """RF-20: the source enrollment's cohort when it has one; else, entering state grade 09,
    the destination school year + 3."""
    if source.graduation_cohort is not None:
        return source.graduation_cohort
    if state_grade == "09":
        return destination_year + 3
    return None

"""A student's rows of users.csv, roles.csv and demographics.csv, from their enrollments of the
year (docs/interop.md, section 3): the main enrollment decides the user's grade and primary
school; each school they are enrolled at is one role."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from operator import attrgetter

from .format import CEDS_GRADES, Enrollment


def _latest_first(enrollment: Enrollment) -> tuple:
    """Order: the latest start_date first, then the smallest enrollment_id."""
    return -enrollment.start_date.toordinal(), enrollment.enrollment_id


def main_enrollment(enrollments: Sequence[Enrollment]) -> Enrollment:
    """Of a student's enrollments of the year (the `primary` service ones if any), the latest
    start_date, then the smallest enrollment_id."""
    primary = [e for e in enrollments if e.service_type == "primary"]
    return min(primary or enrollments, key=_latest_first)


def user_cells(main: Enrollment) -> dict[str, object]:
    """The user's cells of users.csv, by column name (the others empty)."""
    known_as = main.student_number or main.student_id
    grade = main.state_grade if main.state_grade in CEDS_GRADES else None
    return {"sourcedId": main.student_id, "enabledUser": "true", "username": known_as,
            "givenName": main.first_name, "familyName": main.last_name, "identifier": known_as,
            "grades": grade, "primaryOrgSourcedId": main.school_id}


def role_cells(enrollments: Sequence[Enrollment], main: Enrollment) -> list[dict[str, object]]:
    """One role per school the student is enrolled at, by school_id: named by the enrollment
    there that started last, `primary` at the main enrollment's school, from the first start to
    the last end (none while one of them is open)."""
    roles = []
    by_school = sorted(enrollments, key=attrgetter("school_id"))
    for school_id, group in groupby(by_school, key=attrgetter("school_id")):
        there = list(group)
        ends = [e.end_date for e in there]
        roles.append({
            "sourcedId": min(there, key=_latest_first).enrollment_id,
            "userSourcedId": main.student_id,
            "roleType": "primary" if school_id == main.school_id else "secondary",
            "role": "student",
            "beginDate": min(e.start_date for e in there),
            "endDate": None if None in ends else max(ends),
            "orgSourcedId": school_id,
        })
    return roles


def demographics_cells(main: Enrollment) -> dict[str, object]:
    return {"sourcedId": main.student_id, "birthDate": main.birth_date}

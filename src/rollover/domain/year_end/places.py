"""Which enrollment speaks for a student when a row has no calendar of its own (a success plan,
a program participation): its school is the row's school in the rollover log (YE-8)."""

from __future__ import annotations

from collections.abc import Iterable

from .rows import EnrollmentPlace


def first_places(places: Iterable[EnrollmentPlace]) -> dict[str, EnrollmentPlace]:
    """Each student's earliest enrollment (then the smallest calendar id): in the next year, the
    one the student starts with."""
    chosen: dict[str, EnrollmentPlace] = {}
    for place in sorted(places, key=lambda p: (p.start_date, p.calendar_id), reverse=True):
        chosen[place.student_id] = place
    return chosen


def last_places(places: Iterable[EnrollmentPlace]) -> dict[str, EnrollmentPlace]:
    """Each student's latest enrollment (then the largest calendar id): in the school year being
    closed, the one the student ends it with."""
    chosen: dict[str, EnrollmentPlace] = {}
    for place in sorted(places, key=lambda p: (p.start_date, p.calendar_id)):
        chosen[place.student_id] = place
    return chosen


def school_of(student_id: str, *choices: dict[str, EnrollmentPlace]) -> str | None:
    """The school of the first of `choices` that places the student; None if none does."""
    for places in choices:
        if student_id in places:
            return places[student_id].school_id
    return None

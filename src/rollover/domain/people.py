"""Students, their enrollments and their households' addresses, as the rules read them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Student:
    student_id: str
    student_number: str | None
    last_name: str
    first_name: str
    birth_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Enrollment:
    enrollment_id: str
    student_id: str
    calendar_id: str
    structure_id: str
    grade: str
    service_type: str
    start_date: dt.date
    end_date: dt.date | None = None
    end_status: str | None = None
    end_action: str | None = None
    next_calendar_id: str | None = None
    next_structure_id: str | None = None
    next_grade: str | None = None
    local_start_status: str | None = None
    graduation_cohort: int | None = None
    rolled_from: str | None = None


@dataclass(frozen=True, slots=True)
class Address:
    """A household's address, normalised for boundary matching (RF-14), and where it is
    (WGS 84 degrees; None when the household is not located) for attendance areas."""

    number: int | None
    street: str
    city: str
    zip: str
    latitude: float | None = None
    longitude: float | None = None

    @classmethod
    def of(cls, number, street, city, zip_code, latitude=None, longitude=None) -> "Address":
        return cls(number, normalise(street), normalise(city), normalise(zip_code), latitude,
                   longitude)

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def normalise(text: str | None) -> str:
    """Case- and whitespace-insensitive form of a street, city or zip (RF-14)."""
    return " ".join((text or "").split()).casefold()


@dataclass(frozen=True, slots=True)
class Participation:
    program_id: str
    start_date: dt.date
    end_date: dt.date | None

    def active_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)

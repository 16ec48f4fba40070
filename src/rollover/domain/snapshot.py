"""The in-memory snapshot of a district's two school years that the roll forward rules read.

The catalog (schools, calendars with structures, terms, days and grades, start statuses,
settings) is small and loaded whole; the people part holds only what the run's candidates need.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .boundaries import Boundaries
from .calendars import Calendar, School
from .people import Address, Enrollment, Participation, Student


@dataclass(frozen=True)
class DistrictSettings:
    name: str | None = None
    restrict_to_boundaries: bool = False
    student_assignment_validation: bool = False
    local_start_status_required: bool = False
    current_school_year: int | None = None


@dataclass(frozen=True, slots=True)
class StartStatus:
    code: str
    name: str
    is_default: bool = False
    active: bool = True
    first_year: int | None = None
    last_year: int | None = None


@dataclass
class Catalog:
    district: DistrictSettings = field(default_factory=DistrictSettings)
    schools: dict[str, School] = field(default_factory=dict)
    calendars: dict[str, Calendar] = field(default_factory=dict)
    start_statuses: dict[str, StartStatus] = field(default_factory=dict)
    continuous_programs: frozenset[str] = frozenset()

    def calendars_of_year(self, year: int) -> list[Calendar]:
        return [c for c in self.calendars.values() if c.school_year == year]

    def calendars_by_school(self, year: int) -> dict[str, list[Calendar]]:
        by_school: dict[str, list[Calendar]] = defaultdict(list)
        for calendar in sorted(self.calendars_of_year(year), key=lambda c: c.calendar_id):
            by_school[calendar.school_id].append(calendar)
        return dict(by_school)

    def highest_sequence(self, year: int) -> int | None:
        """The highest grade sequence offered anywhere in the district in a year (RF-5)."""
        sequences = [g.sequence for c in self.calendars_of_year(year)
                     for s in c.structures.values() for g in s.grades.values()]
        return max(sequences, default=None)


@dataclass
class People:
    """Who the run is about: the candidates' students, households, programs and overrides, and
    the enrollments they already have in the destination year."""

    students: dict[str, Student] = field(default_factory=dict)
    primary_addresses: dict[str, tuple[Address, ...]] = field(default_factory=dict)
    participations: dict[str, list[Participation]] = field(default_factory=dict)
    # (student_id, school_id) -> program ids of the overrides for the destination year
    # (None stands for an override for the school itself).
    overrides: dict[tuple[str, str], set[str | None]] = field(default_factory=dict)
    # student_id -> (calendar_id, service_type) of every destination-year enrollment before the run
    destination_enrollments: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


@dataclass
class Snapshot:
    catalog: Catalog
    people: People
    boundaries: Boundaries
    candidates: list[Enrollment]

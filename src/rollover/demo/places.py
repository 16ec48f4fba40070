"""Schools, their feeder chains, streets and boundaries of the demo district.

The district is a row of elementary attendance *areas*.  Area i owns a few whole streets and shares
one street with area i + 1 (odd numbers to i, even numbers to i + 1).  Consecutive areas feed one
middle school and consecutive middle schools one high school, so the middle and high boundaries are
unions of elementary areas and every address lies in exactly one school of each level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import names
from .shape import (
    CAREER, DISTRICT_NAME, ELEMENTARY, FIRST_ZIP, HIGH, HOUSE_NUMBERS, IMMERSION, MIDDLE,
    OWN_STREETS_PER_ELEMENTARY, SCHOOL_NUMBER_WIDTH, SCHOOL_PREFIX, SchoolCounts,
)

if TYPE_CHECKING:
    from .seattle_areas import SeattleMap

SCHOOL_KIND_NAME = {ELEMENTARY: "Elementary", MIDDLE: "Middle School", HIGH: "High School"}


@dataclass(frozen=True)
class School:
    school_id: str
    name: str
    level: str
    index: int  # position among the schools of its level, from 0
    next_school_id: str | None


@dataclass(frozen=True)
class Segment:
    """One boundary row's address part: a street (or one side of it) of one elementary area."""

    street: str
    city: str
    zip: str
    low: int
    high: int
    side: str  # "both", "odd" or "even"
    first_number: int  # the lowest house number on this side
    number_step: int  # 1 for "both", 2 for one side
    number_count: int  # how many house numbers this side has

    def boundary_row(self, school_id: str, program_id: str | None = None) -> tuple:
        return (school_id, program_id, self.street, self.city, self.zip, self.low, self.high,
                self.side, None)


@dataclass(frozen=True)
class Area:
    """The attendance area of one elementary school, with the middle and high school it feeds."""

    index: int
    elementary: School
    middle: School
    high: School
    segments: tuple[Segment, ...]  # none where the areas are polygons (the Seattle geography)

    def school_of_level(self, level: str) -> School:
        return {ELEMENTARY: self.elementary, MIDDLE: self.middle, HIGH: self.high}[level]


@dataclass(frozen=True)
class Places:
    schools: tuple[School, ...]  # in school_id order
    by_level: dict[str, tuple[School, ...]]
    career_center: School | None  # None: the district has none (the Seattle geography)
    areas: tuple[Area, ...]
    # The attendance areas drawn as polygons, and the households' points (the Seattle
    # geography); None: streets and boundary rows only.
    area_map: SeattleMap | None = None
    district_name: str = DISTRICT_NAME

    def boundary_area_rows(self) -> list[tuple]:
        return [] if self.area_map is None else self.area_map.boundary_area_rows(self.areas)

    def school_rows(self) -> list[tuple]:
        return [(s.school_id, s.name, s.next_school_id) for s in self.schools]

    def boundary_rows(self) -> list[tuple]:
        """School boundaries (elementary, then middle, then high), then the immersion program's."""
        rows: list[tuple] = []
        for level in (ELEMENTARY, MIDDLE, HIGH):
            # Areas come in feeder blocks, so area order is also middle and high school order.
            for area in self.areas:
                school_id = area.school_of_level(level).school_id
                rows.extend(seg.boundary_row(school_id) for seg in area.segments)
        # Immersion continues at the first middle and high school; its program boundary takes in
        # the areas of the first two middle schools, so it reaches past the first middle's own.
        immersion_areas = [a for a in self.areas if a.middle.index < 2]
        for school in (self.by_level[MIDDLE][0], self.by_level[HIGH][0]):
            for area in immersion_areas:
                rows.extend(seg.boundary_row(school.school_id, IMMERSION) for seg in area.segments)
        return rows


def school_id(level: str, index: int) -> str:
    return f"{SCHOOL_PREFIX[level]}{index + 1:0{SCHOOL_NUMBER_WIDTH}d}"


def feeder_index(index: int, count: int, fed_count: int) -> int:
    """Which of fed_count schools the index-th of count schools feeds: contiguous blocks."""
    return index * fed_count // count


def zip_of_high(high_index: int) -> str:
    return f"{FIRST_ZIP + high_index:05d}"


def city_of_high(high_index: int) -> str:
    return names.CITIES[high_index % len(names.CITIES)]


def build_places(counts: SchoolCounts) -> Places:
    highs = tuple(School(school_id(HIGH, i), names.school_name(i, SCHOOL_KIND_NAME[HIGH]), HIGH, i,
                         None) for i in range(counts.high))
    middles = tuple(
        School(school_id(MIDDLE, i), names.school_name(i, SCHOOL_KIND_NAME[MIDDLE]), MIDDLE, i,
               highs[feeder_index(i, counts.middle, counts.high)].school_id)
        for i in range(counts.middle))
    elementaries = tuple(
        School(school_id(ELEMENTARY, i), names.school_name(i, SCHOOL_KIND_NAME[ELEMENTARY]),
               ELEMENTARY, i, middles[feeder_index(i, counts.elementary, counts.middle)].school_id)
        for i in range(counts.elementary))
    career_center = School(school_id(CAREER, 0), "Regional Career Center", CAREER, 0, None)
    middle_by_id = {m.school_id: m for m in middles}
    high_by_id = {h.school_id: h for h in highs}

    low, high = HOUSE_NUMBERS
    odd_first, even_first = low + (low % 2 == 0), low + (low % 2 == 1)

    def whole(street: str, city: str, zip_code: str) -> Segment:
        return Segment(street, city, zip_code, low, high, "both", low, 1, high - low + 1)

    def side(street: str, city: str, zip_code: str, which: str) -> Segment:
        first = odd_first if which == "odd" else even_first
        return Segment(street, city, zip_code, low, high, which, first, 2, (high - first) // 2 + 1)

    areas: list[Area] = []
    street_number = 0
    shared_from_previous: Segment | None = None
    for elementary in elementaries:
        middle = middle_by_id[elementary.next_school_id]
        high_school = high_by_id[middle.next_school_id]
        city, zip_code = city_of_high(high_school.index), zip_of_high(high_school.index)
        segments: list[Segment] = []
        if shared_from_previous is not None:
            segments.append(shared_from_previous)
        for _ in range(OWN_STREETS_PER_ELEMENTARY):
            segments.append(whole(names.street_name(street_number), city, zip_code))
            street_number += 1
        shared_from_previous = None
        if elementary.index + 1 < len(elementaries):
            # The street on the border with the next area: odd side here, even side there.
            street = names.street_name(street_number)
            street_number += 1
            segments.append(side(street, city, zip_code, "odd"))
            shared_from_previous = side(street, city, zip_code, "even")
        areas.append(Area(elementary.index, elementary, middle, high_school, tuple(segments)))

    schools = tuple(sorted((*elementaries, *middles, *highs, career_center),
                           key=lambda s: s.school_id))
    by_level = {ELEMENTARY: elementaries, MIDDLE: middles, HIGH: highs, CAREER: (career_center,)}
    return Places(schools, by_level, career_center, tuple(areas))

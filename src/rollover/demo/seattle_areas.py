"""The Seattle geography of the demo district (`--geography seattle`): the schools, feeder
chains and attendance areas of Seattle Public Schools' real areas (the files of demo/seattle/,
CC0), and the seeded points inside them where the households live.

Every area is a school: 57 elementary, 10 middle and 9 high schools, named after the area.  An
elementary feeds the middle school whose area holds its area's representative point, a middle
school the high school likewise.  A household's point lies inside one area of each level, and
those are its students' schools.  docs/attendance-areas.md, "The Seattle demo", by example.
"""

from __future__ import annotations

import json
import random
import re
from collections import deque
from dataclasses import dataclass
from importlib.resources import files

import shapely
from shapely.geometry.base import BaseGeometry

from . import names
from .calendars import grades_offered
from .places import SCHOOL_KIND_NAME, Area, Places, School
from .shape import (
    CAREER, ELEMENTARY, HIGH, HOUSE_NUMBERS, IMMERSION, LEVEL_GRADES, MIDDLE,
    OWN_STREETS_PER_ELEMENTARY, SCHOOL_PREFIX, SEQUENCE, UG,
)

DISTRICT_NAME = "Seattle Public Schools (demo district)"
CITY = "Seattle"
# The data folder is package data (pyproject.toml); per level, its file and the property naming
# the area.
DATA_FOLDER = "seattle"
AREA_FILES = {
    ELEMENTARY: ("sps_attendance_area_ES.geojson", "ES_ZONE"),
    MIDDLE: ("sps_attendance_area_MS.geojson", "MS_ZONE"),
    HIGH: ("sps_attendance_area_HS.geojson", "HS_ZONE"),
}
# Abbreviations of the areas' names, spelt out (or dropped) in the schools' names.
LEVEL_ABBREVIATIONS = (" Elem", " HS")
WORDS = (("Int'l", "International"),)
# Coordinates are kept to 6 decimals (about 0.1 m), so the stored and the bundle's values agree;
# a point is tested after rounding.
DIGITS = 6
# Candidate points drawn at a time for one area: few at first (most chunks place only a
# household or two in another area), doubling while more are asked for.
FIRST_DRAW, LARGEST_DRAW = 8, 512


@dataclass(frozen=True)
class AreaFeature:
    """One attendance area of the data: the school it is, its name and its polygon."""

    school: School
    name: str  # the value of the file's naming property, e.g. "Ballard"
    geometry: BaseGeometry
    geojson: str  # the feature's geometry as compact GeoJSON text


@dataclass(frozen=True)
class Home:
    """Where a household lives: its address and point, and the schools whose areas hold it."""

    number: int
    street: str
    latitude: float
    longitude: float
    elementary: School
    middle: School
    high: School

    def school_of_level(self, level: str) -> School:
        return {ELEMENTARY: self.elementary, MIDDLE: self.middle, HIGH: self.high}[level]

    def household_row(self, household_id: str, located: bool = True) -> tuple:
        if not located:
            return (household_id, self.number, self.street, CITY, None, None, None)
        return (household_id, self.number, self.street, CITY, None, self.latitude,
                self.longitude)


def school_name(zone: str, level: str) -> str:
    """"Ballard" -> "Ballard High School", "Hamilton Int'l" -> "Hamilton International Middle
    School", "West Seattle Elem" -> "West Seattle Elementary"; a K-8 area keeps its own name,
    "Madrona K-8" -> "Madrona K-8 School"."""
    stem = _stem(zone)
    for short, long in WORDS:
        stem = stem.replace(short, long)
    kind = "School" if stem.endswith(" K-8") else SCHOOL_KIND_NAME[level]
    return f"{stem} {kind}"


def school_id(zone: str, level: str) -> str:
    """"Ballard" -> "HIG-BALLARD", "B.F. Day" -> "ELM-BF-DAY", "Hamilton Int'l" ->
    "MID-HAMILTON-INTL": the level's prefix and the name in capitals."""
    letters = re.sub(r"[.']", "", _stem(zone)).upper()
    return f"{SCHOOL_PREFIX[level]}-{re.sub(r'[^A-Z0-9]+', '-', letters).strip('-')}"


def _stem(zone: str) -> str:
    for abbreviation in LEVEL_ABBREVIATIONS:
        if zone.endswith(abbreviation):
            return zone[:-len(abbreviation)]
    return zone


def read_features(level: str) -> list[tuple[str, dict]]:
    """(name, GeoJSON geometry) of every area of a level, as the data file has them."""
    file_name, naming = AREA_FILES[level]
    data = files("rollover.demo").joinpath(DATA_FOLDER, file_name)
    collection = json.loads(data.read_text(encoding="utf-8"))
    return [(feature["properties"][naming], feature["geometry"])
            for feature in collection["features"]]


def _holder(geometry: BaseGeometry, areas: list[AreaFeature]) -> AreaFeature:
    """The area holding the geometry's representative point (else the one sharing the most
    of it, so a point on no area still finds one)."""
    point = geometry.representative_point()
    holding = [a for a in areas if a.geometry.covers(point)]
    if len(holding) == 1:
        return holding[0]
    return max(holding or areas, key=lambda a: (a.geometry.intersection(geometry).area,
                                                 a.school.school_id))


def _features(level: str, fed: list[AreaFeature] | None) -> list[AreaFeature]:
    """A level's areas as schools, in school id order; `fed`: the level they feed."""
    read = sorted(((school_id(name, level), name, geometry)
                   for name, geometry in read_features(level)))
    ids = [school for school, _, _ in read]
    if len(set(ids)) != len(ids):
        raise ValueError(f"two {level} areas share a school id: {ids}")
    out = []
    for index, (school, name, geojson) in enumerate(read):
        geometry = shapely.from_geojson(json.dumps(geojson))
        feeds = None if fed is None else _holder(geometry, fed).school.school_id
        out.append(AreaFeature(School(school, school_name(name, level), level, index, feeds),
                               name, geometry, json.dumps(geojson, separators=(",", ":"))))
    return out


class SeattleMap:
    """The areas of the three levels, indexed for finding which of them hold a point."""

    def __init__(self):
        self.high = _features(HIGH, None)
        self.middle = _features(MIDDLE, self.high)
        self.elementary = _features(ELEMENTARY, self.middle)
        self.by_level = {ELEMENTARY: self.elementary, MIDDLE: self.middle, HIGH: self.high}
        self._trees = {level: shapely.STRtree([a.geometry for a in areas])
                       for level, areas in self.by_level.items()}
        for area in self.elementary:
            shapely.prepare(area.geometry)  # every candidate point is tested against its area

    def places(self) -> Places:
        schools = {level: tuple(a.school for a in areas) for level, areas in self.by_level.items()}
        by_id = {s.school_id: s for level in schools.values() for s in level}
        areas = []
        for feature in self.elementary:
            middle = by_id[feature.school.next_school_id]
            areas.append(Area(feature.school.index, feature.school, middle,
                              by_id[middle.next_school_id], ()))
        return Places(tuple(sorted(by_id.values(), key=lambda s: s.school_id)),
                      {**schools, CAREER: ()}, None, tuple(areas), area_map=self,
                      district_name=DISTRICT_NAME)

    def boundary_area_rows(self, areas: tuple[Area, ...]) -> list[tuple]:
        """Every school's own area (elementary, middle, high, each in school id order), then the
        immersion program's: it continues at the middle school the first elementary feeds and
        at that middle school's high school, for everyone living in that middle school's area.
        Rows: school_id, program_id, name, low and high grade and sequence, geometry."""
        rows = [_area_row(a.school, None, a, _grade_span(a.school))
                for level in (ELEMENTARY, MIDDLE, HIGH) for a in self.by_level[level]]
        if areas:
            middle_area = next(a for a in self.middle
                               if a.school.school_id == areas[0].middle.school_id)
            for school in (areas[0].middle, areas[0].high):
                span = (LEVEL_GRADES[school.level][0], LEVEL_GRADES[school.level][-1])
                rows.append(_area_row(school, IMMERSION, middle_area, span))
        return rows

    def points(self, seed: int, chunk_index: int) -> "HouseholdPoints":
        return HouseholdPoints(self, seed, chunk_index)

    def homes_among(self, area_index: int, coordinates: list[tuple[float, float]]
                    ) -> list[tuple[float, float, School, School]]:
        """The (latitude, longitude) points that lie inside the elementary area and inside
        exactly one area of every level, with their middle and high school."""
        inside = shapely.contains_xy(self.elementary[area_index].geometry,
                                     [lon for _, lon in coordinates],
                                     [lat for lat, _ in coordinates])
        coordinates = [c for c, kept in zip(coordinates, inside.tolist()) if kept]
        if not coordinates:
            return []
        points = shapely.points([lon for _, lon in coordinates],
                                [lat for lat, _ in coordinates])
        held: dict[str, list[list[int]]] = {}
        for level, tree in self._trees.items():
            found = [[] for _ in coordinates]
            point_at, area_at = tree.query(points, predicate="covered_by")
            for p, a in zip(point_at.tolist(), area_at.tolist()):
                found[p].append(a)
            held[level] = found
        homes = []
        for i, (lat, lon) in enumerate(coordinates):
            if held[ELEMENTARY][i] != [area_index] or len(held[MIDDLE][i]) != 1 \
                    or len(held[HIGH][i]) != 1:
                continue
            homes.append((lat, lon, self.middle[held[MIDDLE][i][0]].school,
                          self.high[held[HIGH][i][0]].school))
        return homes


def _grade_span(school: School) -> tuple[str, str]:
    """The lowest and highest graded grade the school's calendars offer (PK at the first
    elementary)."""
    graded = sorted((g for g in grades_offered(school) if g != UG), key=SEQUENCE.__getitem__)
    return graded[0], graded[-1]


def _area_row(school: School, program_id: str | None, area: AreaFeature,
              span: tuple[str, str]) -> tuple:
    low, high = span
    return (school.school_id, program_id, area.name, low, high, SEQUENCE[low], SEQUENCE[high],
            area.geojson)


class HouseholdPoints:
    """Seeded household points for the people of one chunk: uniform points in an elementary
    area's bounds, kept when they fall inside it (rejection sampling), a few at a time.  Each
    area drawn into has its own generator, so the points do not depend on the people's draws."""

    def __init__(self, area_map: SeattleMap, seed: int, chunk_index: int):
        self.map = area_map
        self.seed = seed
        self.chunk_index = chunk_index
        self._rngs: dict[int, random.Random] = {}
        self._ready: dict[int, deque] = {}
        self._draw_size: dict[int, int] = {}

    def home(self, area: Area, rng: random.Random) -> Home:
        """A household in the area: a point of its own, a made-up street address from the
        people's generator `rng`."""
        ready = self._ready.setdefault(area.index, deque())
        while not ready:
            ready.extend(self._draw(area.index))
        latitude, longitude, middle, high = ready.popleft()
        low, high_number = HOUSE_NUMBERS
        number = low + int(rng.random() * (high_number - low + 1))
        street = names.street_name(area.index * OWN_STREETS_PER_ELEMENTARY
                                   + int(rng.random() * OWN_STREETS_PER_ELEMENTARY))
        return Home(number, street, latitude, longitude, area.elementary, middle, high)

    def _draw(self, area_index: int) -> list[tuple[float, float, School, School]]:
        rng = self._rngs.get(area_index)
        if rng is None:
            rng = self._rngs[area_index] = random.Random(
                f"rollover-demo/{self.seed}/area/{self.chunk_index}/points/{area_index}")
        size = self._draw_size.get(area_index, FIRST_DRAW)
        self._draw_size[area_index] = min(2 * size, LARGEST_DRAW)
        low_x, low_y, high_x, high_y = self.map.elementary[area_index].geometry.bounds
        coordinates = [(round(low_y + rng.random() * (high_y - low_y), DIGITS),
                        round(low_x + rng.random() * (high_x - low_x), DIGITS))
                       for _ in range(size)]
        return self.map.homes_among(area_index, coordinates)

"""Attendance areas drawn as polygons: which areas hold a located household (RF-14, areas).

A household with a location (WGS 84 latitude and longitude) is inside an area when its point
is inside the area's polygon or multipolygon, **on the edge included** (shapely's `covers`: a
house on the line between two areas is in both, and `rollover check` lists it).  A hole is not
inside.  The polygons are prepared once per snapshot and indexed in an STRtree.  A few points
are looked up through the index; a snapshot's households all at once by a sweep: the points
sorted by longitude, each area takes the slice within its bounds and tests it with one
vectorised `intersects_xy` of its prepared polygon (no point objects made: three times faster
than the index at a million homes, where making the points alone costs a second).  Either
way each point's answer is kept, and then is a lookup.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

# numpy and shapely are imported where a geometry is made or a point looked up: loading them
# costs every `rollover` command a sixth of a second, and a district without areas never needs
# them.
if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

POLYGONAL = ("Polygon", "MultiPolygon")
_FEW = 64  # points looked up through the index; more, by the sweep


class AreaGeometryError(ValueError):
    """A geometry that cannot be an attendance area (the message says why)."""


@dataclass(frozen=True, slots=True)
class Area:
    """One attendance area: a school's (program_id None) or a program's at the school, for the
    grades of sequences low_sequence..high_sequence."""

    school_id: str
    program_id: str | None
    name: str
    low_sequence: int
    high_sequence: int
    geometry: BaseGeometry

    def serves(self, sequence: int) -> bool:
        return self.low_sequence <= sequence <= self.high_sequence


def area_geometry(geojson: dict | str) -> BaseGeometry:
    """A GeoJSON geometry (a dict or its text) as a valid polygon or multipolygon, or
    AreaGeometryError naming what is wrong with it."""
    if isinstance(geojson, str):
        try:
            geojson = json.loads(geojson)
        except ValueError as bad:
            raise AreaGeometryError(f"the geometry is not JSON ({bad})") from None
    if not isinstance(geojson, dict) or geojson.get("type") not in POLYGONAL:
        kind = geojson.get("type") if isinstance(geojson, dict) else type(geojson).__name__
        raise AreaGeometryError(f"the geometry is a {kind!s}, not a Polygon or MultiPolygon")
    import shapely

    try:
        geometry = shapely.from_geojson(json.dumps(geojson))
    except (shapely.errors.GEOSException, ValueError) as bad:
        raise AreaGeometryError(f"the geometry cannot be read ({bad})") from None
    if geometry.is_empty:
        raise AreaGeometryError("the geometry is empty")
    if not geometry.is_valid:
        raise AreaGeometryError(f"the geometry is not valid ({shapely.is_valid_reason(geometry)})")
    low_x, low_y, high_x, high_y = geometry.bounds
    if not (-180 <= low_x <= high_x <= 180 and -90 <= low_y <= high_y <= 90):
        raise AreaGeometryError("the geometry's coordinates are not WGS 84 longitude and "
                                f"latitude (its bounds are {geometry.bounds})")
    return geometry


class Areas:
    """A district's attendance areas, indexed once; which of them hold a point."""

    def __init__(self, areas: Iterable[Area] = ()):
        self.areas: tuple[Area, ...] = tuple(areas)
        self._geometries = self._tree = None
        if self.areas:
            import numpy as np
            import shapely

            self._geometries = np.array([a.geometry for a in self.areas], dtype=object)
            shapely.prepare(self._geometries)
            self._tree = shapely.STRtree(self._geometries)
        # Each looked-up point's set of areas (an index into _sets: a city's homes fall into a
        # few hundred sets), and each set's answer per grade and program, made once: the roll
        # forward asks for every student, often more than once.
        self._held: dict[tuple[float, float], int] = {}
        self._sets: list[tuple[int, ...]] = []
        self._set_of: dict[tuple[int, ...], int] = {}
        self._answers: dict[tuple[int, int | None, str | None], tuple[Area, ...]] = {}
        # (program_id, sequence) pairs some area serves: where none does, street ranges decide.
        self._served: dict[str | None, list[tuple[int, int]]] = {}
        self._covered: dict[tuple[int, str | None], bool] = {}
        for area in self.areas:
            self._served.setdefault(area.program_id, []).append(
                (area.low_sequence, area.high_sequence))

    def __bool__(self) -> bool:
        return bool(self.areas)

    def cover(self, sequence: int, program_id: str | None = None) -> bool:
        """Whether the district has areas (the schools', or one program's) for this grade."""
        key = (sequence, program_id)
        covered = self._covered.get(key)
        if covered is None:
            covered = self._covered[key] = any(
                low <= sequence <= high for low, high in self._served.get(program_id, ()))
        return covered

    def locate(self, points: Iterable[tuple[float, float]]) -> None:
        """Look up many (latitude, longitude) points at once, for `holding` to answer later."""
        wanted = [p for p in dict.fromkeys(points) if p not in self._held]
        if not wanted or not self.areas:
            self._held.update(dict.fromkeys(wanted, self._set_id(())))
            return
        import numpy as np

        latitudes, longitudes = np.array(wanted, dtype=float).T
        if len(wanted) <= _FEW:
            found_point, found_area = self._by_index(latitudes, longitudes)
        else:
            found_point, found_area = self._by_sweep(latitudes, longitudes)
        # Each point's set of areas as a bit mask (64 areas a word): a city's million homes
        # fall into a few hundred distinct sets, each made a tuple once.
        words = (len(self.areas) + 63) // 64
        masks = np.zeros((len(wanted), words), dtype=np.uint64)
        np.bitwise_or.at(masks, (found_point, found_area // 64),
                         np.left_shift(np.uint64(1), (found_area % 64).astype(np.uint64)))
        order = np.lexsort(masks.T[::-1])
        ordered = masks[order]
        starts = np.concatenate(([True], np.any(ordered[1:] != ordered[:-1], axis=1)))
        which = np.empty(len(wanted), dtype=np.int64)
        which[order] = np.cumsum(starts) - 1
        sets = [self._set_id(tuple(i for i in range(len(self.areas))
                                   if int(row[i // 64]) >> (i % 64) & 1))
                for row in ordered[starts]]
        self._held.update(zip(wanted, [sets[i] for i in which.tolist()]))

    def _set_id(self, indexes: tuple[int, ...]) -> int:
        found = self._set_of.get(indexes)
        if found is None:
            found = self._set_of[indexes] = len(self._sets)
            self._sets.append(indexes)
        return found

    def _by_index(self, latitudes, longitudes):
        """(point, area) pairs, edge included: the index's boxes, then `covers`."""
        import shapely

        points = shapely.points(longitudes, latitudes)
        found_point, found_area = self._tree.query(points)
        covered = shapely.covers(self._geometries[found_area], points[found_point])
        return found_point[covered], found_area[covered]

    def _by_sweep(self, latitudes, longitudes):
        """(point, area) pairs, edge included (`intersects_xy` of a point is `covers`)."""
        import numpy as np
        import shapely

        order = np.argsort(longitudes, kind="stable")
        xs, ys = longitudes[order], latitudes[order]
        found_point, found_area = [], []
        for index, geometry in enumerate(self._geometries):
            low_x, low_y, high_x, high_y = geometry.bounds
            first = np.searchsorted(xs, low_x, side="left")
            last = np.searchsorted(xs, high_x, side="right")
            inside_box = first + np.nonzero((ys[first:last] >= low_y)
                                            & (ys[first:last] <= high_y))[0]
            hit = inside_box[shapely.intersects_xy(geometry, xs[inside_box], ys[inside_box])]
            found_point.append(order[hit])
            found_area.append(np.full(len(hit), index, dtype=np.int64))
        return np.concatenate(found_point), np.concatenate(found_area)

    def holding(self, latitude: float, longitude: float, sequence: int | None = None,
                program_id: str | None = None) -> tuple[Area, ...]:
        """The areas (the schools', or one program's) holding the point, edge included, for
        the grade of `sequence` (any grade when None), in the order they were given."""
        point = (latitude, longitude)
        held = self._held.get(point)
        if held is None:
            self.locate([point])
            held = self._held[point]
        key = (held, sequence, program_id)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = tuple(
                area for area in (self.areas[i] for i in self._sets[held])
                if area.program_id == program_id and (sequence is None or area.serves(sequence)))
        return answer

"""The district's attendance areas drawn as plain SVG: no map tiles, no script, no request
anywhere.  One map per grade span (each distinct program and low..high grade sequences, the
schools' own areas first), each area a path with its school and grades in its title and a label
at its representative point; given a projection, each school area also shows the students the
projection places at its school in the grades of its span.

Longitude and latitude are drawn with an equirectangular projection, the longitudes shortened
by the cosine of the map's middle latitude (so a district's shape is not stretched sideways),
into a viewBox at most VIEW_SIZE units on its longer side.  Each area is simplified there
(tolerance SIMPLIFY_TOLERANCE of that size, topology kept) so a district's map stays small;
the picture is styled by classes of `area_map.css` (the pages' stylesheet, inlined in a run's
HTML report): the pages' Content-Security-Policy allows no inline style.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path

import jinja2
import numpy as np
import shapely
from markupsafe import Markup
from shapely.geometry.base import BaseGeometry

from ..domain.areas import POLYGONAL, AreaGeometryError, area_geometry

VIEW_SIZE = 1000.0  # the longer side of a map's viewBox, in its units
MARGIN = 12.0  # around the areas, in viewBox units (a border is not cut off)
# Of VIEW_SIZE: 0.6 units, under a pixel where the map is drawn 1,000 pixels wide or less.
SIMPLIFY_TOLERANCE = 0.0006
FILLS = 6  # area-fill-0 .. area-fill-5 of area_map.css; neighbouring areas differ
# A label's font size, in viewBox units: from the map's typical area, shrunk to fit the area's
# width, never under MIN_FONT (the area's title and the table beside the map name it anyway).
MIN_FONT, MAX_FONT = 5.0, 28.0
CHARACTER_WIDTH = 0.55  # an average character's width, in ems

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = (Path(__file__).resolve().parent.parent / "entrypoints" / "web" / "pages"
              / "static" / "area_map.css")

_environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                  trim_blocks=True, lstrip_blocks=True,
                                  undefined=jinja2.StrictUndefined)


@dataclass(frozen=True)
class DrawnArea:
    school_id: str
    school_name: str
    grades: str  # "KG–05"
    title: str  # what the area's <title> says
    path: str  # the SVG path data, one subpath per ring
    label_x: str  # viewBox units, as written
    label_y: str
    font_size: str
    fill: int  # its fill class, area-fill-N
    students: int | None  # projected at its school in its grades; None without a projection


@dataclass(frozen=True)
class AreaMap:
    map_id: str  # the id its elements' ids start with
    heading: str
    title: str  # what the picture is, its <title>
    caption: str
    width: str  # of the viewBox, as written
    height: str
    areas: tuple[DrawnArea, ...]
    year: int | None  # the projected year its counts are of, None without counts
    not_drawn: tuple[str, ...]  # areas whose stored geometry could not be read, and why


def area_maps(data: dict, projection: dict | None = None) -> list[AreaMap]:
    """The maps of `data` (`services.area_map.attendance_areas`), with the students of
    `projection` (`services.projection.projection`) in each school area when given."""
    groups: dict[tuple, list[dict]] = {}
    for row in data["areas"]:
        groups.setdefault((row["program_id"], row["low_sequence"], row["high_sequence"]),
                          []).append(row)
    order = sorted(groups, key=lambda key: (key[0] is not None, key[1], key[2],
                                            groups[key][0]["program_name"] or "", key[0] or ""))
    students = _students(data["grade_sequences"], projection)
    return [_area_map(f"area-map-{number}", groups[key], students, projection)
            for number, key in enumerate(order, start=1)]


def area_maps_html(maps: list[AreaMap], heading_level: int = 3) -> Markup:
    """The maps as HTML, each with its heading (an <hN>), the SVG picture and its caption, and
    a table of its areas beside it; nothing when there are no maps."""
    if not maps:
        return Markup("")
    return Markup(_macros().maps(maps, heading_level))


def area_map_svg(area_map: AreaMap) -> Markup:
    """The map's <svg> element alone (well-formed XML)."""
    return Markup(_macros().svg(area_map))


def stylesheet() -> str:
    """The maps' stylesheet, for a document that inlines it."""
    return STYLESHEET.read_text(encoding="utf-8")


def _macros():
    return _environment.get_template("area_maps.html").module


def _area_map(map_id: str, rows: list[dict], students, projection: dict | None) -> AreaMap:
    first = rows[0]
    grades = _grades(first)
    program = first["program_name"] or first["program_id"]
    heading = f"{program}, grades {grades}" if program else f"Grades {grades}"
    title = (f"Map of the attendance areas of {program} for grades {grades}"
             if program else f"Map of the schools' attendance areas for grades {grades}")
    shapes, not_drawn = [], []
    for row in rows:
        try:
            shapes.append((row, _stored_geometry(row["geometry"])))
        except AreaGeometryError as bad:
            not_drawn.append(f"{row['school_name'] or row['school_id']}: {bad}")
    width, height, projected = _projected([geometry for _row, geometry in shapes])
    fills = _fills(projected)
    base_font = _base_font(projected)
    drawn = []
    for (row, _geometry), geometry, fill in zip(shapes, projected, fills):
        count = (students(row["school_id"], row["low_sequence"], row["high_sequence"])
                 if projection is not None and row["program_id"] is None else None)
        name = row["school_name"] or row["school_id"]
        x, y, font = _label(geometry, name, base_font, counted=count is not None)
        named = f"{name}: grades {_grades(row)}" + (
            f", {count:,} students projected for {projection['year']}" if count is not None
            else "")
        drawn.append(DrawnArea(row["school_id"], name, _grades(row), named,
                               _path(geometry.simplify(SIMPLIFY_TOLERANCE * VIEW_SIZE,
                                                       preserve_topology=True)),
                               x, y, font, fill, count))
    counted = projection is not None and first["program_id"] is None
    areas = f"{len(drawn)} attendance area{'' if len(drawn) == 1 else 's'}"
    what = f"{areas} of {program}" if program else f"{areas} of the schools"
    caption = f"{what} for grades {grades}" + (
        f", each with the students projected at its school in those grades in "
        f"{projection['year']}" if counted else "") + "."
    if program and projection is not None:
        caption += " The projection counts schools, not programs: no count is shown."
    return AreaMap(map_id, heading, title, caption, width, height, tuple(drawn),
                   projection["year"] if counted else None, tuple(not_drawn))


def _stored_geometry(text: str) -> BaseGeometry:
    """A stored area's geometry.  It was checked when it was imported (`area_geometry`), so it
    is read straight from its text (`area_geometry` reads it twice over, a third of a second
    for a city's areas); one that is no valid polygon is checked again, for `area_geometry`'s
    message of why."""
    try:
        geometry = shapely.from_geojson(text)
    except (shapely.errors.GEOSException, ValueError):
        geometry = None
    if (geometry is None or geometry.is_empty or geometry.geom_type not in POLYGONAL
            or not geometry.is_valid):
        return area_geometry(text)  # raises AreaGeometryError
    return geometry


def _grades(row: dict) -> str:
    low, high = row["low_grade"], row["high_grade"]
    return low if low == high else f"{low}–{high}"


def _students(sequences: dict[tuple[str, str], int], projection: dict | None):
    """count(school id, low, high): the projection's students at the school in the grades of
    sequences low..high (0 for a school it does not hold)."""
    grades: dict[str, list[tuple[int | None, int]]] = {}
    for school in (projection or {}).get("schools", ()):
        grades[school["school_id"]] = [(sequences.get((school["school_id"], g["grade"])),
                                        g["projected"]) for g in school["grades"]]

    def count(school_id: str, low: int, high: int) -> int:
        return sum(projected for sequence, projected in grades.get(school_id, ())
                   if sequence is not None and low <= sequence <= high)
    return count


def _projected(geometries: list[BaseGeometry]) -> tuple[str, str, list[BaseGeometry]]:
    """(viewBox width, height, each geometry in viewBox units: x east, y south)."""
    if not geometries:
        return _number(VIEW_SIZE), _number(VIEW_SIZE / 2), []
    west, south, east, north = shapely.total_bounds(geometries)
    shorten = math.cos(math.radians((south + north) / 2))
    span_x, span_y = max((east - west) * shorten, 1e-9), max(north - south, 1e-9)
    scale = (VIEW_SIZE - 2 * MARGIN) / max(span_x, span_y)

    def project(coordinates: np.ndarray) -> np.ndarray:
        return np.column_stack(((coordinates[:, 0] - west) * shorten * scale + MARGIN,
                                (north - coordinates[:, 1]) * scale + MARGIN))
    return (_number(span_x * scale + 2 * MARGIN), _number(span_y * scale + 2 * MARGIN),
            [shapely.transform(g, project) for g in geometries])


def _fills(geometries: list[BaseGeometry]) -> list[int]:
    """A fill for each area, none the same as a neighbour's while FILLS are enough: the most
    crowded areas choose first.  Neighbours are areas within a unit of each other: areas drawn
    touching whose stored edges are a rounding apart."""
    if not geometries:
        return []
    tree = shapely.STRtree(geometries)
    touching, other = tree.query(geometries, predicate="dwithin", distance=1.0)
    neighbours: dict[int, set[int]] = {i: set() for i in range(len(geometries))}
    for i, j in zip(touching.tolist(), other.tolist()):
        if i != j:
            neighbours[i].add(j)
    fills: dict[int, int] = {}
    for i in sorted(neighbours, key=lambda i: (-len(neighbours[i]), i)):
        taken = {fills[j] for j in neighbours[i] if j in fills}
        fills[i] = next((f for f in range(FILLS) if f not in taken), i % FILLS)
    return [fills[i] for i in range(len(geometries))]


def _base_font(geometries: list[BaseGeometry]) -> float:
    """A label's size on this map: a fifth of its typical area's side."""
    if not geometries:
        return MAX_FONT
    side = math.sqrt(statistics.median(g.area for g in geometries))
    return min(MAX_FONT, max(MIN_FONT, side / 5))


def _label(geometry: BaseGeometry, name: str, base_font: float,
           counted: bool) -> tuple[str, str, str]:
    """(x, y, font size) of the area's label: centred on the representative point of its
    largest part (the first line's baseline `y`; a count is a second line), as large as the
    map's labels are while the name fits that part's width."""
    parts = getattr(geometry, "geoms", [geometry])
    largest = max(parts, key=lambda part: part.area)
    point = largest.representative_point()
    low_x, _low_y, high_x, _high_y = largest.bounds
    fitting = (high_x - low_x) / (CHARACTER_WIDTH * max(len(name), 1))
    font = max(MIN_FONT, min(base_font, fitting))
    baseline = point.y - 0.22 * font if counted else point.y + 0.35 * font
    return _number(point.x), _number(baseline), _number(font)


def _path(geometry: BaseGeometry) -> str:
    """SVG path data: each ring of each polygon a closed subpath, holes included (drawn as
    holes by fill-rule evenodd).  A ring starts at its first point ("M x y") and goes on by
    steps from point to point ("l dx dy ..."), to a tenth of a unit: the steps are short."""
    parts = getattr(geometry, "geoms", [geometry])
    rings = [ring for part in parts for ring in (part.exterior, *part.interiors)]
    return "".join(_subpath(np.asarray(ring.coords)) for ring in rings)


def _subpath(coordinates: np.ndarray) -> str:
    # In tenths of a unit, rounded once: the steps add up to the rounded points exactly.  A
    # ring's last point repeats its first: "z" closes it.
    tenths = np.rint(coordinates[:-1] * 10).astype(np.int64)
    steps = np.diff(tenths, axis=0)
    steps = steps[(steps != 0).any(axis=1)]  # points one rounding made the same
    start = f"M{_tenths(tenths[0, 0])} {_tenths(tenths[0, 1])}"
    if not len(steps):
        return start + "z"
    numbers = [_tenths(value) for value in steps.ravel().tolist()]
    # A minus sign separates two numbers itself.
    joined = "".join(n if n.startswith("-") or i == 0 else " " + n
                     for i, n in enumerate(numbers))
    return f"{start}l{joined}z"


def _tenths(value: int) -> str:
    """A number of tenths as SVG writes it shortest: 12 "1.2", -3 "-.3", 10 "1"."""
    whole, tenth = divmod(abs(int(value)), 10)
    sign = "-" if value < 0 else ""
    if not tenth:
        return f"{sign}{whole}"
    return f"{sign}{whole if whole else ''}.{tenth}"


def _number(value: float) -> str:
    """To a tenth of a unit, without a trailing ".0"."""
    text = f"{float(value):.1f}"
    return text[:-2] if text.endswith(".0") else text

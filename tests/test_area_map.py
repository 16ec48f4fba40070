"""The projection's map of the district's attendance areas (docs/attendance-areas.md, "The map on
the projection"): plain SVG, one map per grade span (the schools' areas first), each area one
path named by its school in its title, holes drawn as holes, a label inside its area, and the
students projected at its school in its grades; on the projection page and in a run's HTML
report, on SQLite and PostgreSQL.  A district without areas shows no map."""

from __future__ import annotations

import datetime as dt
import json
import math
import re

import numpy as np
import pytest
import shapely
from lxml import etree
from shapely.geometry import MultiPoint, Polygon, box

from rollover.domain.forward.options import ForwardOptions
from rollover.domain.runs import RunRecord
from rollover.reports.area_map import area_map_svg, area_maps
from rollover.reports.run_html import run_html
from rollover.services.area_map import attendance_areas
from rollover.services.forward import roll_forward
from rollover.services.projection import projection
from rollover.store.bulk import insert_rows
from rollover.store.schema import boundary_areas

from . import cli
from .api_setup import api, quick_hashes  # noqa: F401 - fixtures
from .districts import District
from .test_web_admin_pages import signed_in

SVG = "{http://www.w3.org/2000/svg}"
# Sequence 0 is an ungraded grade's (RF-5): KG is 1.
ELEMENTARY = {"KG": 1, "01": 2, "02": 3, "03": 4, "04": 5, "05": 6}
MIDDLE = {"06": 7, "07": 8, "08": 9}
NAMES = {"NOR": "North Elementary", "SOU": "South & Sons Elementary",
         "RIN": "Ring Elementary", "ISL": "Islands Elementary", "MID": "Central Middle"}
AREA_COLUMNS = ["school_id", "program_id", "name", "low_grade", "high_grade", "low_sequence",
                "high_sequence", "geometry"]


def square(west: float, south: float, side: float) -> list[list[float]]:
    return [[west, south], [west + side, south], [west + side, south + side],
            [west, south + side], [west, south]]


# Two squares side by side (North above South), a square with a square hole (Ring), two
# squares apart (Islands: one in Ring's hole), all for KG-05; the middle school's over them all,
# and a program's at North.
GEOMETRIES = {
    "NOR": {"type": "Polygon", "coordinates": [square(-122.40, 47.60, 0.10)]},
    "SOU": {"type": "Polygon", "coordinates": [square(-122.40, 47.50, 0.10)]},
    "RIN": {"type": "Polygon", "coordinates": [
        [[-122.30, 47.50], [-122.20, 47.50], [-122.20, 47.70], [-122.30, 47.70],
         [-122.30, 47.50]], square(-122.27, 47.57, 0.04)]},
    "ISL": {"type": "MultiPolygon", "coordinates": [[square(-122.26, 47.58, 0.02)],
                                                     [square(-122.18, 47.50, 0.02)]]},
    "MID": {"type": "Polygon", "coordinates": [square(-122.40, 47.50, 0.24)]},
}


def district() -> District:
    """Five schools with 2027 and 2028 calendars; students in 2027 at North (two in 01, one in
    05 who leaves for the middle school), at South (one in KG) and at the middle school."""
    d = District()
    for school in NAMES:
        grades = MIDDLE if school == "MID" else ELEMENTARY
        d.school(school, name=NAMES[school], next_school="MID" if school != "MID" else None)
        d.calendar(f"{school}27", school, 2027, grades)
        d.calendar(f"{school}28", school, 2028, grades)
    d.program("IMM")
    for number, (school, grade) in enumerate(
            [("NOR", "01"), ("NOR", "01"), ("NOR", "05"), ("SOU", "KG"), ("MID", "06")]):
        d.student(f"S{number}")
        d.enroll(f"E{number}", f"S{number}", f"{school}27", grade)
    return d


def area_rows() -> list[tuple]:
    elementary = [(school, None, NAMES[school], "KG", "05", 1, 6, json.dumps(GEOMETRIES[school]))
                  for school in ("NOR", "SOU", "RIN", "ISL")]
    return elementary + [
        ("MID", None, NAMES["MID"], "06", "08", 7, 9, json.dumps(GEOMETRIES["MID"])),
        ("NOR", "IMM", "North immersion", "KG", "05", 1, 6,
         json.dumps({"type": "Polygon", "coordinates": [square(-122.40, 47.60, 0.05)]}))]


def store_areas(engine, rows: list[tuple]) -> None:
    with engine.begin() as conn:
        insert_rows(conn, boundary_areas, AREA_COLUMNS, rows)


@pytest.fixture
def with_areas(engine, tmp_path):
    district().load(engine, tmp_path / "bundle")
    store_areas(engine, area_rows())
    return engine


def rings_of(path: str) -> list[Polygon]:
    """The rings of a path of the maps ("M x y l dx dy ... z" each) as polygons."""
    rings = []
    for start, steps in re.findall(r"M([^lz]+)(?:l([^z]*))?z", path):
        point = np.array([float(n) for n in re.findall(r"-?[\d.]+", start)])
        moves = np.array([float(n) for n in re.findall(r"-?\d*\.?\d+", steps or "")])
        points = np.vstack([point, point + np.cumsum(moves.reshape(-1, 2), axis=0)])
        rings.append(Polygon(points))
    return rings


def inside(rings: list[Polygon], x: float, y: float) -> bool:
    """Whether the point is filled under fill-rule evenodd: inside an odd number of rings."""
    return sum(ring.contains(shapely.Point(x, y)) for ring in rings) % 2 == 1


def parsed(area_map) -> etree._Element:
    return etree.fromstring(str(area_map_svg(area_map)).encode())  # well-formed XML or raises


def test_a_map_per_grade_span_the_schools_first_one_path_per_area_named(with_areas):
    maps = area_maps(attendance_areas(with_areas), projection(with_areas, 2028))
    assert [m.heading for m in maps] == ["Grades KG–05", "Grades 06–08",
                                         "Program IMM, grades KG–05"]
    svg = parsed(maps[0])
    assert svg.tag == f"{SVG}svg" and svg.get("role") == "img"
    labelled_by = svg.get("aria-labelledby").split()
    assert labelled_by == ["area-map-1-title", "area-map-1-caption"]
    assert svg.find(f"{SVG}title").text == "Map of the schools' attendance areas for grades KG–05"
    paths = svg.findall(f".//{SVG}path")
    assert [p.get("data-school-id") for p in paths] == ["NOR", "SOU", "RIN", "ISL"]
    assert [p.find(f"{SVG}title").text.split(":")[0] for p in paths] == [
        NAMES[s] for s in ("NOR", "SOU", "RIN", "ISL")]
    assert all(p.get("fill-rule") == "evenodd" for p in paths)
    fills = {p.get("data-school-id"): p.get("class") for p in paths}
    assert len({fills[s] for s in ("NOR", "SOU", "RIN")}) == 3  # neighbours differ
    assert all("style" not in p.attrib for p in svg.iter())  # the pages forbid inline styles


def test_holes_are_holes_and_a_multipolygon_is_several_subpaths(with_areas):
    [elementary, *_rest] = area_maps(attendance_areas(with_areas))
    svg = parsed(elementary)
    rings = {p.get("data-school-id"): rings_of(p.get("d")) for p in svg.iter(f"{SVG}path")}
    assert {school: len(r) for school, r in rings.items()} == {"NOR": 1, "SOU": 1, "RIN": 2,
                                                               "ISL": 2}
    outer, hole = rings["RIN"]
    assert outer.contains(hole)
    middle_of_hole = hole.centroid
    assert not inside(rings["RIN"], middle_of_hole.x, middle_of_hole.y)  # evenodd: not filled
    assert inside(rings["ISL"], middle_of_hole.x, middle_of_hole.y)  # the island in the hole
    assert rings["ISL"][0].disjoint(rings["ISL"][1])
    # North is drawn above South, and a degree of longitude shortened by cos(latitude).
    north, south = rings["NOR"][0], rings["SOU"][0]
    assert north.bounds[3] == pytest.approx(south.bounds[1], abs=0.2)
    low_x, low_y, high_x, high_y = south.bounds
    assert (high_x - low_x) / (high_y - low_y) == pytest.approx(math.cos(math.radians(47.6)),
                                                                rel=0.01)
    # Each label sits in its own area (Ring's not in its hole).
    for text in svg.iter(f"{SVG}text"):
        school = next(s for s, name in NAMES.items() if text.text == name)
        x, y = float(text.get("x")), float(text.get("y"))
        assert inside(rings[school], x, y), school


def test_each_school_area_shows_the_students_projected_at_its_school_in_its_grades(with_areas):
    engine = with_areas
    run = roll_forward(engine, ForwardOptions(source_calendars=tuple(
        f"{school}27" for school in NAMES), test=True))
    projected = projection(engine, 2028, run.run.run_id)
    elementary, middle, program = area_maps(attendance_areas(engine), projected)
    shown = {a.school_id: a.students for a in elementary.areas}
    # Two 01s move up to 02 at North, the KG to 01 at South; the 05 and the 06 go up to 07-08.
    assert shown == {"NOR": 2, "SOU": 1, "RIN": 0, "ISL": 0}
    assert {a.school_id: a.students for a in middle.areas} == {"MID": 2}
    assert [a.students for a in program.areas] == [None]  # the projection counts schools
    svg = parsed(elementary)
    titles = [p.find(f"{SVG}title").text for p in svg.iter(f"{SVG}path")]
    assert titles[0] == "North Elementary: grades KG–05, 2 students projected for 2028"
    assert [t.find(f"{SVG}tspan").text for t in svg.iter(f"{SVG}text")] == ["2", "1", "0", "0"]
    assert "2028" in elementary.caption and "no count" in program.caption


def test_a_districts_57_areas_make_a_small_map():
    """57 areas of a city's size (Voronoi cells, their edges every 5 m with a wiggle: 138,000
    points, 5.5 MB of GeoJSON) draw as an SVG of under 80 kB."""
    rng = np.random.default_rng(1)
    frame = box(-122.44, 47.50, -122.24, 47.74)
    seeds = MultiPoint(np.column_stack([rng.uniform(-122.44, -122.24, 57),
                                        rng.uniform(47.50, 47.74, 57)]))

    def wiggle(c):
        return np.column_stack([c[:, 0] + 0.00015 * np.sin(c[:, 1] * 6000),
                                c[:, 1] + 0.0001 * np.sin(c[:, 0] * 5000)])
    areas = []
    for number, cell in enumerate(shapely.voronoi_polygons(seeds, extend_to=frame).geoms):
        geometry = shapely.transform(shapely.segmentize(cell.intersection(frame), 0.00005),
                                     wiggle)
        areas.append({"school_id": f"S{number}", "school_name": f"School {number} Elementary",
                      "program_id": None, "program_name": None, "low_grade": "KG",
                      "high_grade": "05", "low_sequence": 0, "high_sequence": 5,
                      "geometry": shapely.to_geojson(geometry)})
    assert sum(len(a["geometry"]) for a in areas) > 5_000_000
    [drawn] = area_maps({"areas": areas, "grade_sequences": {}})
    svg = parsed(drawn)
    assert len(svg.findall(f".//{SVG}path")) == 57
    assert len(str(area_map_svg(drawn)).encode()) < 80_000


def test_the_projection_page_shows_the_map_to_a_signed_in_user(api):
    store_areas(api.engine, [
        ("HSA", None, "HSA area", "09", "12", 9, 12,
         json.dumps({"type": "Polygon", "coordinates": [square(-122.40, 47.60, 0.10)]})),
        ("HSB", None, "HSB area", "09", "12", 9, 12,
         json.dumps({"type": "Polygon", "coordinates": [square(-122.30, 47.60, 0.10)]}))])
    signed_in(api.client)
    page = api.client.get("/projection")
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self';")
    assert '<link rel="stylesheet" href="/static/area_map.css">' in page.text
    [svg_text] = re.findall(r"<svg.*?</svg>", page.text, re.S)
    svg = etree.fromstring(svg_text.encode())
    titles = [p.find(f"{SVG}title").text for p in svg.iter(f"{SVG}path")]
    school_names = {s["school_id"]: s["name"] for s in projection(api.engine)["schools"]}
    assert [t.split(":")[0] for t in titles] == [school_names["HSA"], school_names["HSB"]]
    assert all("students projected for 2028" in t for t in titles)
    assert " style=" not in page.text and "<script>" not in page.text
    stylesheet = api.client.get("/static/area_map.css")
    assert stylesheet.status_code == 200 and ".area-fill-0" in stylesheet.text


def test_a_district_without_areas_shows_no_map(api):
    signed_in(api.client)
    page = api.client.get("/projection")
    assert page.status_code == 200 and 'id="grade-chart"' in page.text
    assert "<svg" not in page.text and "area_map.css" not in page.text
    record = RunRecord("forward-20270101T000000-abcdef", "forward", "test", None,
                       dt.datetime(2027, 1, 1), None, "completed", {}, {})
    summary = {"run_id": record.run_id, "mode": "test",
               "totals": {"rolled": 0, "not_rolled": 0, "warnings": 0},
               "warnings_by_code": [], "schools": [], "projected_year": None}
    report = run_html(record, summary, None, projection_refused="no calendars",
                      areas=attendance_areas(api.engine))
    assert "<svg" not in report and "area-map" not in report


def test_the_html_report_of_a_run_test_draws_the_maps_with_its_students(with_areas, db_url,
                                                                          tmp_path):
    run = roll_forward(with_areas, ForwardOptions(source_calendars=tuple(
        f"{school}27" for school in NAMES), test=True))
    out = tmp_path / "report.html"
    done = cli.rollover("--db", db_url, "report", run.run.run_id, "--format", "html",
                        "--out", str(out))
    assert done.returncode == 0, done.stderr
    document = out.read_text(encoding="utf-8")
    svgs = [etree.fromstring(text.encode())
            for text in re.findall(r"<svg xmlns.*?</svg>", document, re.S)]
    assert [s.find(f"{SVG}title").text for s in svgs] == [
        "Map of the schools' attendance areas for grades KG–05",
        "Map of the schools' attendance areas for grades 06–08",
        "Map of the attendance areas of Program IMM for grades KG–05"]
    assert [p.find(f"{SVG}title").text for p in svgs[1].iter(f"{SVG}path")] == [
        "Central Middle: grades 06–08, 2 students projected for 2028"]
    assert ".area-fill-0" in document  # the maps' stylesheet, inlined: the file stands alone
    assert 'id="area-map-1-table"' in document and "South &amp; Sons Elementary" in document


def test_a_stored_geometry_that_cannot_be_read_is_left_off_and_named():
    def row(school_id: str, geometry: str) -> dict:
        return {"school_id": school_id, "school_name": NAMES[school_id], "program_id": None,
                "program_name": None, "low_grade": "KG", "high_grade": "05", "low_sequence": 1,
                "high_sequence": 6, "geometry": geometry}
    [drawn] = area_maps({"areas": [row("NOR", json.dumps(GEOMETRIES["NOR"])),
                                   row("SOU", "not json")], "grade_sequences": {}})
    assert [a.school_id for a in drawn.areas] == ["NOR"]
    assert len(drawn.not_drawn) == 1 and drawn.not_drawn[0].startswith(
        "South & Sons Elementary: the geometry is not JSON")
    assert len(parsed(drawn).findall(f".//{SVG}path")) == 1

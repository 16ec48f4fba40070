"""Attendance areas drawn as polygons (rules.md RF-14, areas), and the rules that ask them:
RF-9, RF-10, RF-15 and RF-16.

The areas are unit squares near longitude 10, latitude 50; points are (latitude, longitude).
The rule is shown first on `domain/areas.py` and `domain/boundaries.py` directly, then through
the roll forward, three ways (`forward`): decided in memory by the District builder's plan, and
as a Run Test on a stored district, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

import pytest

from rollover.domain.areas import Area, AreaGeometryError, Areas, area_geometry
from rollover.domain.boundaries import Boundaries, BoundaryRow
from rollover.domain.people import Address
from rollover.store.database import open_engine

from .conftest import emptied_postgres, migrated_sqlite
from .districts import District, rolled, warned


# -- polygons -----------------------------------------------------------------------------------
def ring(west: float, south: float, size: float = 1.0) -> list[list[float]]:
    """A closed square ring of GeoJSON positions ([longitude, latitude]), counter-clockwise."""
    east, north = west + size, south + size
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def square(west: float, south: float, size: float = 1.0) -> dict:
    return {"type": "Polygon", "coordinates": [ring(west, south, size)]}


def with_hole(outer: dict, west: float, south: float, size: float) -> dict:
    hole = list(reversed(ring(west, south, size)))
    return {"type": "Polygon", "coordinates": [*outer["coordinates"], hole]}


def multi(*polygons: dict) -> dict:
    return {"type": "MultiPolygon", "coordinates": [p["coordinates"] for p in polygons]}


WEST_SQUARE = square(10, 50)   # longitude 10..11, latitude 50..51
EAST_SQUARE = square(11, 50)   # longitude 11..12: shares the edge at longitude 11
INSIDE_WEST, INSIDE_EAST = (50.5, 10.5), (50.5, 11.5)
OUTSIDE = (52.5, 15.5)
ON_SHARED_EDGE = (50.5, 11.0)


def area(school_id: str, geometry: dict, low: int = 1, high: int = 12,
         program_id: str | None = None) -> Area:
    return Area(school_id, program_id, f"{school_id} area", low, high, area_geometry(geometry))


def held(areas: Areas, point, sequence=None, program_id=None) -> list[str]:
    return [a.school_id for a in areas.holding(*point, sequence, program_id)]


# -- RF-14 (areas) on domain/areas.py -----------------------------------------------------------
def test_rf14_areas_a_point_inside_a_square_is_in_its_area():
    assert held(Areas([area("A", WEST_SQUARE)]), INSIDE_WEST) == ["A"]


def test_rf14_areas_a_point_outside_every_square_is_in_no_area():
    areas = Areas([area("A", WEST_SQUARE), area("B", EAST_SQUARE)])
    assert held(areas, OUTSIDE) == []
    assert held(areas, (50.5, 9.999)) == []


@pytest.mark.parametrize("point", [(50.0, 10.5), (51.0, 10.5), (50.5, 10.0), (50.0, 10.0),
                                   (51.0, 11.0)], ids=["south", "north", "west", "corner-sw",
                                                       "corner-ne"])
def test_rf14_areas_a_point_exactly_on_the_edge_is_inside(point):
    """The documented decision: the edge (and a corner) belongs to the area."""
    assert held(Areas([area("A", WEST_SQUARE)]), point) == ["A"]


def test_rf14_areas_a_point_on_the_edge_two_areas_share_is_in_both():
    areas = Areas([area("A", WEST_SQUARE), area("B", EAST_SQUARE)])
    assert held(areas, ON_SHARED_EDGE) == ["A", "B"]


def test_rf14_areas_a_point_inside_a_hole_is_outside_the_area():
    """The hole (longitude 10.25..10.75, latitude 50.25..50.75) is not part of the area; its
    rim is the polygon's edge, so inside."""
    areas = Areas([area("A", with_hole(WEST_SQUARE, 10.25, 50.25, 0.5))])
    assert held(areas, (50.5, 10.5)) == []
    assert held(areas, (50.1, 10.1)) == ["A"]
    assert held(areas, (50.25, 10.5)) == ["A"]


def test_rf14_areas_a_point_in_either_part_of_a_multipolygon_is_inside():
    areas = Areas([area("A", multi(square(10, 50), square(13, 50)))])
    assert held(areas, (50.5, 10.5)) == ["A"]
    assert held(areas, (50.5, 13.5)) == ["A"]
    assert held(areas, (50.5, 12.0)) == []  # between the parts


def test_rf14_areas_holding_answers_for_the_grade_and_the_program_asked():
    areas = Areas([area("MS", WEST_SQUARE, 6, 8), area("HS", WEST_SQUARE, 9, 12),
                   area("HSP", WEST_SQUARE, 9, 12, program_id="P")])
    assert held(areas, INSIDE_WEST, 7) == ["MS"]
    assert held(areas, INSIDE_WEST, 9) == ["HS"]
    assert held(areas, INSIDE_WEST, 9, "P") == ["HSP"]
    assert held(areas, INSIDE_WEST, 5) == []
    assert held(areas, INSIDE_WEST) == ["MS", "HS"]  # any grade, the schools' areas


def test_rf14_areas_cover_says_which_grades_the_district_has_areas_for():
    areas = Areas([area("MS", WEST_SQUARE, 6, 8), area("HSP", EAST_SQUARE, 9, 12, "P")])
    assert [s for s in range(1, 13) if areas.cover(s)] == [6, 7, 8]
    assert [s for s in range(1, 13) if areas.cover(s, "P")] == [9, 10, 11, 12]
    assert not areas.cover(9, "Q")


def test_rf14_areas_locate_looks_up_many_points_at_once_with_the_same_answers():
    areas = Areas([area("A", WEST_SQUARE), area("B", EAST_SQUARE)])
    points = [INSIDE_WEST, INSIDE_EAST, OUTSIDE, ON_SHARED_EDGE, INSIDE_WEST]
    alone = [held(Areas(areas.areas), p) for p in points]
    areas.locate(points)
    assert [held(areas, p) for p in points] == alone == [["A"], ["B"], [], ["A", "B"], ["A"]]


@pytest.mark.parametrize("geometry, message", [
    ({"type": "Point", "coordinates": [10, 50]}, "a Point, not a Polygon or MultiPolygon"),
    ("not json", "not JSON"),
    ({"type": "Polygon", "coordinates": [[[10, 50], [11, 51], [11, 50], [10, 51], [10, 50]]]},
     "not valid"),
    (square(500, 50), "not WGS 84"),
], ids=["point", "text", "bow-tie", "bounds"])
def test_rf14_areas_a_geometry_that_cannot_be_an_area_is_refused_saying_why(geometry, message):
    with pytest.raises(AreaGeometryError, match=message):
        area_geometry(geometry)


def test_rf14_areas_the_geometry_may_be_given_as_its_stored_text():
    assert area_geometry(json.dumps(WEST_SQUARE)).equals(area_geometry(WEST_SQUARE))


# -- RF-14 (areas) on domain/boundaries.py: areas or street ranges ------------------------------
def located(point=None, street: str = "Elm St") -> Address:
    latitude, longitude = point or (None, None)
    return Address.of(5, street, "Town", "11111", latitude, longitude)


def elm_street_to_a() -> Boundaries:
    """Street ranges: Elm St is school A's.  Areas: school B's square holds INSIDE_EAST, for
    grades 6-8 only; program P's square at school C holds INSIDE_WEST, for grades 9-12."""
    return Boundaries([BoundaryRow("A", None, "ELM ST", "TOWN", "11111", 1, 99, "both"),
                       BoundaryRow("A", "P", "ELM ST", "TOWN", "11111", 1, 99, "both")],
                      Areas([area("B", EAST_SQUARE, 6, 8),
                             area("C", WEST_SQUARE, 9, 12, program_id="P")]))


def test_rf14_areas_decide_for_a_located_household_where_the_district_has_areas_for_the_grade():
    boundaries = elm_street_to_a()
    assert boundaries.schools_holding(located(INSIDE_EAST), 7) == [("B", False)]
    assert boundaries.school_holds("B", [located(INSIDE_EAST)], 7)
    assert not boundaries.school_holds("A", [located(INSIDE_EAST)], 7)


def test_rf14_areas_a_located_household_outside_every_area_is_in_no_boundary():
    """Where the areas decide, a household outside them is in none: its street range does not
    stand in (`rollover check` lists the household)."""
    assert elm_street_to_a().schools_holding(located(OUTSIDE), 7) == []


def test_rf14_areas_an_unlocated_household_falls_back_to_the_street_ranges():
    assert elm_street_to_a().schools_holding(located(None), 7) == [("A", False)]


def test_rf14_areas_a_grade_without_areas_falls_back_to_the_street_ranges():
    boundaries = elm_street_to_a()
    assert boundaries.schools_holding(located(INSIDE_EAST), 5) == [("A", False)]
    assert boundaries.schools_holding(located(INSIDE_EAST), 9) == [("A", False)]


def test_rf14_areas_a_program_is_decided_by_its_own_areas_only():
    boundaries = elm_street_to_a()
    assert boundaries.schools_holding(located(INSIDE_WEST), 9, "P") == [("C", False)]
    assert boundaries.schools_holding(located(INSIDE_EAST), 9, "P") == []
    # grade 7: the program has no areas for it (the schools' areas do not count): streets
    assert boundaries.schools_holding(located(INSIDE_WEST), 7, "P") == [("A", False)]


def test_rf14_areas_an_area_is_never_marked_resides():
    boundaries = Boundaries([BoundaryRow("A", None, "ELM ST", "TOWN", "11111", 1, 99, "both",
                                         resides=True)],
                            Areas([area("A", WEST_SQUARE), area("B", EAST_SQUARE)]))
    assert boundaries.schools_holding(located(ON_SHARED_EDGE), 7) == [("A", False),
                                                                      ("B", False)]


# -- through the roll forward -------------------------------------------------------------------
@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def forward(request, tmp_path, postgres_url, sqlite_template):
    """`forward(district, **options)`: the District builder's plan in memory, or a Run Test
    through the service on a stored district (`District.load`: its areas inserted as rows)."""
    from rollover.services.forward import roll_forward

    if request.param == "memory":
        yield lambda district, **options: district.plan(**options)
        return
    url = (emptied_postgres(postgres_url) if request.param == "postgresql"
           else migrated_sqlite(sqlite_template, tmp_path / "forward.db"))
    engine = open_engine(url)

    def run(district, **options):
        district.load(engine, tmp_path / "bundle")
        return roll_forward(engine, district.options(test=True, **options))

    yield run
    engine.dispose()


def codes(result, student_id: str) -> list[str]:
    return [code for student, code in warned(result) if student == student_id]


def middle_to_high(**settings) -> District:
    """MS offers 08 and nothing next year; HSA and HSB offer 09 next year.  The street ranges
    give Elm St to HSA; the areas (grades 9-12) give the west square to HSA, the east one to
    HSB.  An eighth grader goes wherever RF-9 or RF-10 sends them."""
    d = District(**settings)
    for school in ("MS", "HSA", "HSB"):
        d.school(school)
    d.calendar("MS27", "MS", 2027, ["08"])
    d.calendar("HSA28", "HSA", 2028, ["09"])
    d.calendar("HSB28", "HSB", 2028, ["09"])
    d.boundary("HSA", "Elm St")
    d.area("HSA", WEST_SQUARE, 9, 12)
    d.area("HSB", EAST_SQUARE, 9, 12)
    return d


def eighth_grader(d: District, student_id: str, location=None, street: str = "Elm St") -> None:
    d.student(student_id)
    d.household(f"H{student_id}", 5, street, student_id, location=location)
    d.enroll(f"E{student_id}", student_id, "MS27", "08")


def test_rf10_a_located_household_inside_an_area_goes_to_its_school_not_its_street_range(
        forward):
    d = middle_to_high()
    eighth_grader(d, "S1", INSIDE_EAST)
    eighth_grader(d, "S2", INSIDE_WEST)
    result = forward(d)
    assert rolled(result) == [("S1", "HSB28", "09"), ("S2", "HSA28", "09")]
    assert warned(result) == []


def test_rf10_an_unlocated_household_falls_back_to_the_street_ranges(forward):
    d = middle_to_high()
    eighth_grader(d, "S1")
    assert rolled(forward(d)) == [("S1", "HSA28", "09")]


def test_rf10_a_grade_without_areas_falls_back_to_the_street_ranges(forward):
    d = middle_to_high()
    d.rows["boundary_areas"] = []
    d.area("HSB", EAST_SQUARE, 10, 12)  # no area for grade 09
    eighth_grader(d, "S1", INSIDE_EAST)
    assert rolled(forward(d)) == [("S1", "HSA28", "09")]


def test_rf10_a_located_household_outside_every_area_has_no_boundary_school(forward):
    d = middle_to_high()
    eighth_grader(d, "S1", OUTSIDE)
    result = forward(d)
    assert rolled(result) == []
    assert warned(result) == [("S1", "NO_DESTINATION")]


def test_rf10_a_household_on_the_edge_two_areas_share_goes_to_both_schools(forward):
    d = middle_to_high()
    eighth_grader(d, "S1", ON_SHARED_EDGE)
    result = forward(d)
    assert rolled(result) == [("S1", "HSA28", "09"), ("S1", "HSB28", "09")]
    assert all(r.warnings == ("MULTIPLE_DESTINATIONS",) for r in result.rolled)


def test_rf10_a_household_in_a_hole_goes_to_the_area_the_hole_leaves_to(forward):
    """HSB's square has a hole; HSA's area is the island inside it."""
    d = middle_to_high()
    d.rows["boundary_areas"] = []
    d.area("HSB", with_hole(WEST_SQUARE, 10.25, 50.25, 0.5), 9, 12)
    d.area("HSA", square(10.25, 50.25, 0.5), 9, 12)
    eighth_grader(d, "S1", (50.5, 10.5), street="Oak St")
    eighth_grader(d, "S2", (50.1, 10.1), street="Oak St")
    assert rolled(forward(d)) == [("S1", "HSA28", "09"), ("S2", "HSB28", "09")]


def test_rf10_either_part_of_a_multipolygon_area_goes_to_its_school(forward):
    d = middle_to_high()
    d.rows["boundary_areas"] = []
    d.area("HSB", multi(square(10, 50), square(13, 50)), 9, 12)
    eighth_grader(d, "S1", (50.5, 10.5), street="Oak St")
    eighth_grader(d, "S2", (50.5, 13.5), street="Oak St")
    eighth_grader(d, "S3", (50.5, 12.0), street="Oak St")
    result = forward(d)
    assert rolled(result) == [("S1", "HSB28", "09"), ("S2", "HSB28", "09")]
    assert warned(result) == [("S3", "NO_DESTINATION")]


def in_program(d: District, *, areas: bool = True) -> District:
    """Continuous program P, placed at HSC: by its street range (Oak St) and, with `areas`, by
    its area (the west square, grades 9-12)."""
    d.school("HSC")
    d.calendar("HSC28", "HSC", 2028, ["09"])
    d.program("P", continuous=True)
    d.boundary("HSC", "Oak St", program="P")
    if areas:
        d.area("HSC", WEST_SQUARE, 9, 12, program_id="P")
    return d


def test_rf9_a_continuous_program_is_placed_by_its_own_areas(forward):
    d = in_program(middle_to_high())
    eighth_grader(d, "S1", INSIDE_WEST, street="Oak St")
    eighth_grader(d, "S2", INSIDE_EAST, street="Oak St")  # outside P's area: RF-10 decides
    d.participation("S1", "P")
    d.participation("S2", "P")
    result = forward(d)
    assert rolled(result) == [("S1", "HSC28", "09"), ("S2", "HSB28", "09")]
    assert [r.rule for r in result.rolled] == ["RF-9", "RF-10"]


def test_rf9_a_program_without_areas_keeps_its_street_ranges_beside_the_schools_areas(forward):
    d = in_program(middle_to_high(), areas=False)
    eighth_grader(d, "S1", INSIDE_EAST, street="Oak St")
    d.participation("S1", "P")
    result = forward(d)
    assert rolled(result) == [("S1", "HSC28", "09")]
    assert [r.rule for r in result.rolled] == ["RF-9"]


def test_rf9_an_unlocated_household_falls_back_to_the_program_street_ranges(forward):
    d = in_program(middle_to_high())
    eighth_grader(d, "S1", street="Oak St")
    d.participation("S1", "P")
    assert rolled(forward(d)) == [("S1", "HSC28", "09")]


def two_high_schools(location, **settings) -> District:
    """S1 is a sophomore at HSA; both HSA and HSB offer grade 11 next year.  Street ranges:
    Elm St (where S1 lives) is HSA's.  Areas (grades 9-12): the west square is HSA's, the east
    square HSB's."""
    d = District(**settings)
    d.school("HSA")
    d.school("HSB")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    d.calendar("HSA28", "HSA", 2028, ["11"])
    d.calendar("HSB28", "HSB", 2028, ["11"])
    d.boundary("HSA", "Elm St")
    d.area("HSA", WEST_SQUARE, 9, 12)
    d.area("HSB", EAST_SQUARE, 9, 12)
    d.student("S1")
    d.household("H1", 5, "Elm St", "S1", location=location)
    d.enroll("E1", "S1", "HSA27", "10")
    return d


def test_rf15_inside_the_school_area_stays_at_the_same_school(forward):
    result = forward(two_high_schools(INSIDE_WEST, restrict_to_boundaries=True))
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []


def test_rf15_outside_the_school_area_is_not_placed_at_the_same_school(forward):
    """The street range says HSA; the area, which decides, says HSB."""
    result = forward(two_high_schools(INSIDE_EAST, restrict_to_boundaries=True))
    assert rolled(result) == [("S1", "HSB28", "11")]
    assert codes(result, "S1") == ["OUT_OF_BOUNDARY"]


def test_rf15_outside_every_area_and_no_override_is_not_placed(forward):
    result = forward(two_high_schools(OUTSIDE, restrict_to_boundaries=True))
    assert rolled(result) == []
    assert codes(result, "S1") == ["OUT_OF_BOUNDARY", "NO_DESTINATION"]


def test_rf15_outside_the_area_an_override_admits_to_the_same_school(forward):
    d = two_high_schools(INSIDE_EAST, restrict_to_boundaries=True)
    d.override("S1", "HSA", year=2028)
    result = forward(d)
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []


def test_rf15_an_unlocated_household_is_admitted_by_its_street_range(forward):
    result = forward(two_high_schools(None, restrict_to_boundaries=True))
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []


def feeder(location, **settings) -> District:
    """MS feeds HS (RF-11); HS's area is the west square (grades 9-12) and its street range
    Elm St, where S1 lives."""
    d = District(**settings)
    d.school("HS")
    d.school("MS", next_school="HS")
    d.calendar("MS27", "MS", 2027, ["08"])
    d.calendar("HS28", "HS", 2028, ["09"])
    d.boundary("HS", "Elm St")
    d.area("HS", WEST_SQUARE, 9, 12)
    d.student("S1")
    d.household("H1", 5, "Elm St", "S1", location=location)
    d.enroll("E1", "S1", "MS27", "08")
    return d


def test_rf15_outside_the_feeder_school_area_and_no_override_is_not_placed(forward):
    result = forward(feeder(INSIDE_EAST, restrict_to_boundaries=True))
    assert rolled(result) == []
    assert codes(result, "S1") == ["OUT_OF_BOUNDARY"]


def test_rf15_outside_the_feeder_school_area_an_override_admits(forward):
    d = feeder(INSIDE_EAST, restrict_to_boundaries=True)
    d.override("S1", "HS", year=2028)
    result = forward(d)
    assert rolled(result) == [("S1", "HS28", "09")]
    assert [r.rule for r in result.rolled] == ["RF-11"]


def test_rf15_without_restriction_the_feeder_takes_a_household_outside_its_area(forward):
    result = forward(feeder(INSIDE_EAST))
    assert rolled(result) == [("S1", "HS28", "09")]
    assert [r.rule for r in result.rolled] == ["RF-11"]


def test_rf16a_validation_checks_the_same_school_against_its_area(forward):
    result = forward(two_high_schools(INSIDE_EAST, student_assignment_validation=True))
    assert rolled(result) == [("S1", "HSB28", "11")]
    assert codes(result, "S1") == ["OUT_OF_BOUNDARY"]


def test_rf16a_inside_the_same_school_area_stays(forward):
    result = forward(two_high_schools(INSIDE_WEST, student_assignment_validation=True))
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []


def test_rf16a_override_for_the_school_admits_outside_its_area(forward):
    d = two_high_schools(INSIDE_EAST, student_assignment_validation=True)
    d.override("S1", "HSA", year=2028)
    result = forward(d)
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []


def test_rf16a_program_override_admits_where_the_program_area_holds_the_household(forward):
    d = two_high_schools(INSIDE_EAST, student_assignment_validation=True)
    d.program("P", continuous=False)
    d.area("HSA", EAST_SQUARE, 9, 12, program_id="P")
    d.override("S1", "HSA", year=2028, program="P")
    result = forward(d)
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []


def test_rf16a_program_override_does_not_admit_outside_the_program_area(forward):
    """P's street range holds Elm St, but P has areas for grade 11 and the household is
    outside them: the areas decide."""
    d = two_high_schools(INSIDE_EAST, student_assignment_validation=True)
    d.program("P", continuous=False)
    d.boundary("HSA", "Elm St", program="P")
    d.area("HSA", square(20, 50), 9, 12, program_id="P")
    d.override("S1", "HSA", year=2028, program="P")
    result = forward(d)
    assert rolled(result) == [("S1", "HSB28", "11")]
    assert codes(result, "S1") == ["OUT_OF_BOUNDARY"]


def test_rf16b_on_a_shared_edge_with_validation_both_schools_are_destinations(forward):
    """An area is never marked resides: on the edge of two schools' areas, validation has no
    resides row to pick one, and the student gets an enrollment at each (and `rollover check`
    lists the household).  A resides street range does not stand in for the areas."""
    d = middle_to_high(student_assignment_validation=True)
    d.rows["boundaries"] = []
    d.boundary("HSA", "Elm St", resides=True)
    d.boundary("HSB", "Elm St")
    eighth_grader(d, "S1", ON_SHARED_EDGE)
    eighth_grader(d, "S2")  # unlocated: the resides street range picks HSA
    result = forward(d)
    assert rolled(result) == [("S1", "HSA28", "09"), ("S1", "HSB28", "09"),
                              ("S2", "HSA28", "09")]


def test_rf14_areas_many_points_at_once_get_the_answers_each_gets_alone():
    """Past a few points `locate` sweeps the points sorted by longitude instead of asking the
    index: on edges, corners, in holes and in multipolygons the answers are the same, and so
    on Seattle's real areas (their vertices are points on their edges)."""
    import random
    from importlib import resources

    shapes = [area("A", WEST_SQUARE), area("B", EAST_SQUARE),
              area("H", with_hole(square(10, 51), 10.25, 51.25, 0.5)),
              area("M", multi(square(12, 50, 0.5), square(12.5, 51, 0.5)))]
    grid = [(50 + i / 8, 10 + j / 8) for i in range(17) for j in range(25)]  # edges, corners
    seattle = []
    for name, prop in (("sps_attendance_area_ES.geojson", "ES_ZONE"),
                       ("sps_attendance_area_HS.geojson", "HS_ZONE")):
        text = (resources.files("rollover.demo") / "seattle" / name).read_text("utf-8")
        for feature in json.loads(text)["features"]:
            seattle.append(area(feature["properties"][prop], feature["geometry"]))
    rng = random.Random(14)
    vertices = [tuple(reversed(xy)) for a in seattle[:12]
                for xy in rng.sample(list(a.geometry.exterior.coords)
                                     if a.geometry.geom_type == "Polygon"
                                     else list(a.geometry.geoms[0].exterior.coords), 20)]
    spread = [(rng.uniform(47.49, 47.74), rng.uniform(-122.44, -122.23)) for _ in range(400)]
    for areas, points in ((shapes, grid), (seattle, vertices + spread)):
        together = Areas(areas)
        together.locate(points)
        assert len(points) > 64  # the sweep, not the index
        alone = [held(Areas(areas), p) for p in points]
        assert [held(together, p) for p in points] == alone
        assert any(len(a) > 1 for a in alone) and any(not a for a in alone)

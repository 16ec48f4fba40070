"""`rollover boundaries import FILE.geojson` and `rollover boundaries list` (docs/attendance-
areas.md, "Importing areas"), and the bundle's `boundary_areas.geojson` ("Areas in the bundle").

The GeoJSON files are small and written here: two squares, a multipolygon and a polygon with a
hole.  An import stores one area a feature, replaces the stored areas of its kind whose grades
overlap, and is a run `rollover undo` puts back exactly; every refusal names each problem (the
feature's place and name, or the map file's line) and writes nothing.  Runs on SQLite and
PostgreSQL (`engine`, `db_url`); commands in process (tests/security_setup.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from rollover.bundle.folder import BundleRefused
from rollover.bundle.format import FILES
from rollover.services.areas_import import import_areas, list_areas
from rollover.services.bundle_sync import sync_bundle
from rollover.services.bundles import export_bundle, import_bundle
from rollover.store.schema import boundary_areas, runs

from .districts import District
from .security_setup import every_row, refused, rollover
from .test_undo import ok

ELEMENTARY = {"KG": 0, "01": 1, "02": 2, "03": 3, "04": 4, "05": 5}
REFUSED = "areas import refused: {} problems; nothing was written"


def district() -> District:
    """Two elementary schools, a middle school, a program; a high school whose grade 09 is
    sequence 9 this year and 10 next (a code that names no one grade)."""
    d = District()
    for school in ("E1", "E2"):
        d.school(school)
        d.calendar(f"{school}27", school, 2027, ELEMENTARY)
    d.school("M1")
    d.calendar("M127", "M1", 2027, ["06", "07", "08"])
    d.school("H1")
    d.calendar("H127", "H1", 2027, {"09": 9})
    d.calendar("H128", "H1", 2028, {"09": 10})
    d.program("IMM")
    return d


@pytest.fixture
def loaded(engine, tmp_path):
    district().load(engine, tmp_path / "district")
    return engine


# -- the files ---------------------------------------------------------------------------------
def square(lon: float, lat: float, size: float = 0.01) -> list[list[float]]:
    """A ring, counter-clockwise, closed."""
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size],
            [lon, lat]]


SQUARE_1 = {"type": "Polygon", "coordinates": [square(-122.30, 47.60)]}
SQUARE_2 = {"type": "Polygon", "coordinates": [square(-122.28, 47.60)]}
TWO_SQUARES = {"type": "MultiPolygon", "coordinates": [[square(-122.26, 47.60)],
                                                       [square(-122.24, 47.60)]]}
WITH_A_HOLE = {"type": "Polygon", "coordinates": [square(-122.20, 47.60, 0.1),
                                                  square(-122.19, 47.61)[::-1]]}


def feature(name, geometry, **more) -> dict:
    properties = {} if name is None else {"SCHOOL": name}
    return {"type": "Feature", "properties": {**properties, **more}, "geometry": geometry}


def write(path: Path, *features: dict, **members) -> str:
    path.write_text(json.dumps({"type": "FeatureCollection", **members,
                                "features": list(features)}, indent=2), encoding="utf-8")
    return str(path)


def elementary(tmp_path: Path, name: str = "elementary.geojson") -> str:
    """E1: a square and a multipolygon; E2: a square and a polygon with a hole."""
    return write(tmp_path / name, feature("E1", SQUARE_1), feature("E2", SQUARE_2),
                 feature("E1", TWO_SQUARES), feature("E2", WITH_A_HOLE))


def compact(geometry: dict) -> str:
    return json.dumps(geometry, separators=(",", ":"))


def areas(engine) -> list[tuple]:
    """The stored areas, by key, without it."""
    a = boundary_areas.c
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            select(a.school_id, a.program_id, a.name, a.low_grade, a.high_grade, a.low_sequence,
                   a.high_sequence, a.geometry).order_by(a.area_key))]


def imported(db_url: str, *args: str) -> dict:
    return json.loads(ok(rollover(db_url, "boundaries", "import", *args, "--json")).stdout)


def cells(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


# -- importing ---------------------------------------------------------------------------------
def test_each_feature_becomes_an_area_of_its_school_for_the_grades(loaded, db_url, tmp_path):
    done = ok(rollover(db_url, "boundaries", "import", elementary(tmp_path), "--school-property",
                       "SCHOOL", "--grades", "KG-05"))
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"imported 4 areas from {tmp_path / 'elementary.geojson'}: the "
                               "schools' own areas for grades KG-05, replacing no stored area "
                               "(run areas-")
    assert [cells(line) for line in lines[1:]] == [["SCHOOL", "AREAS", "VERTICES"],
                                                   ["E1", "2", "15"], ["E2", "2", "15"]]
    assert areas(loaded) == [
        ("E1", None, "E1", "KG", "05", 0, 5, compact(SQUARE_1)),
        ("E2", None, "E2", "KG", "05", 0, 5, compact(SQUARE_2)),
        ("E1", None, "E1", "KG", "05", 0, 5, compact(TWO_SQUARES)),
        ("E2", None, "E2", "KG", "05", 0, 5, compact(WITH_A_HOLE))]


def test_an_import_reports_reading_checking_writing_and_committing(loaded, tmp_path):
    from rollover.services.areas_import import import_areas

    from .test_progress import Recorded

    progress = Recorded()
    import_areas(loaded, elementary(tmp_path), school_property="SCHOOL", grades="KG-05",
                 progress=progress)
    assert progress.phases() == ["reading the file", "checking the areas", "writing",
                                 "committing"]
    progress.assert_each_phase_counts_up_to_its_whole()
    assert ("checking the areas", 4, 4) in progress.calls


def test_names_are_mapped_to_schools_and_a_program_gets_its_own_areas(loaded, db_url,
                                                                      tmp_path):
    (tmp_path / "map.csv").write_text("school_id,name\r\nE1,Adams Elementary\r\n\r\n"
                                      "E2,\"Lincoln, Abraham\"\r\n", encoding="utf-8")
    geojson = write(tmp_path / "immersion.geojson",
                    feature("Adams Elementary", SQUARE_1), feature("Lincoln, Abraham", SQUARE_2),
                    feature("M1", WITH_A_HOLE),  # a school id needs no line of the map
                    crs={"type": "name",
                         "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}})
    result = imported(db_url, geojson, "--school-property", "SCHOOL", "--grades", "03-07",
                      "--map", str(tmp_path / "map.csv"), "--kind", "program",
                      "--program", "IMM")
    assert result["program_id"] == "IMM" and result["grades"] == ["03", "07"]
    assert [(a[0], a[1], a[2], a[5], a[6]) for a in areas(loaded)] == [
        ("E1", "IMM", "Adams Elementary", 3, 7), ("E2", "IMM", "Lincoln, Abraham", 3, 7),
        ("M1", "IMM", "M1", 3, 7)]


def test_a_number_names_a_school_too_and_one_grade_is_a_span(loaded, db_url, tmp_path):
    (tmp_path / "map.csv").write_text("name,school_id\n7,M1\n", encoding="utf-8")
    geojson = write(tmp_path / "m.geojson", feature(7, SQUARE_1))
    imported(db_url, geojson, "--school-property", "SCHOOL", "--grades", "06", "--map",
             str(tmp_path / "map.csv"))
    assert [(a[0], a[2], a[3], a[4], a[5], a[6]) for a in areas(loaded)] == [
        ("M1", "7", "06", "06", 6, 6)]


def test_list_shows_every_area(loaded, db_url, tmp_path):
    assert ok(rollover(db_url, "boundaries", "list")).stdout.startswith("no attendance areas")
    imported(db_url, elementary(tmp_path), "--school-property", "SCHOOL", "--grades", "KG-05")
    imported(db_url, write(tmp_path / "p.geojson", feature("M1", SQUARE_1)),
             "--school-property", "SCHOOL", "--grades", "06-08", "--kind", "program",
             "--program", "IMM")
    shown = ok(rollover(db_url, "boundaries", "list")).stdout.splitlines()
    assert [cells(line) for line in shown] == [
        ["SCHOOL", "PROGRAM", "NAME", "GRADES", "VERTICES"],
        ["E1", "-", "E1", "KG-05", "5"], ["E1", "-", "E1", "KG-05", "10"],
        ["E2", "-", "E2", "KG-05", "5"], ["E2", "-", "E2", "KG-05", "10"],
        ["M1", "IMM", "M1", "06-08", "5"]]
    listed = json.loads(ok(rollover(db_url, "boundaries", "list", "--json")).stdout)
    assert [(a["school_id"], a["program_id"], a["vertices"]) for a in listed][-1] == \
        ("M1", "IMM", 5)
    assert [(a.school_id, a.low_grade) for a in list_areas(loaded)][:2] == [("E1", "KG")] * 2


def test_importing_again_replaces_the_areas_whose_grades_overlap(loaded, db_url, tmp_path):
    imported(db_url, elementary(tmp_path), "--school-property", "SCHOOL", "--grades", "KG-05")
    imported(db_url, write(tmp_path / "middle.geojson", feature("M1", SQUARE_1)),
             "--school-property", "SCHOOL", "--grades", "06-08")
    imported(db_url, write(tmp_path / "program.geojson", feature("E1", SQUARE_2)),
             "--school-property", "SCHOOL", "--grades", "KG-05", "--kind", "program",
             "--program", "IMM")
    again = imported(db_url, write(tmp_path / "again.geojson", feature("E2", SQUARE_1)),
                     "--school-property", "SCHOOL", "--grades", "KG-05")
    assert again["replaced"] == 4  # the four elementary areas; not the middle's, nor IMM's
    assert [(a[0], a[1], a[3], a[4]) for a in areas(loaded)] == [
        ("M1", None, "06", "08"), ("E1", "IMM", "KG", "05"), ("E2", None, "KG", "05")]
    wider = imported(db_url, write(tmp_path / "k8.geojson", feature("M1", TWO_SQUARES)),
                     "--school-property", "SCHOOL", "--grades", "04-06")
    assert wider["replaced"] == 2  # KG-05 and 06-08 both overlap 04-06
    assert [(a[0], a[1], a[3], a[4]) for a in areas(loaded)] == [
        ("E1", "IMM", "KG", "05"), ("M1", None, "04", "06")]


def test_undo_puts_the_areas_back_exactly(loaded, db_url, tmp_path):
    before = every_row(loaded)
    first = imported(db_url, elementary(tmp_path), "--school-property", "SCHOOL",
                     "--grades", "KG-05")
    after_first = every_row(loaded)
    second = imported(db_url, write(tmp_path / "again.geojson", feature("E2", SQUARE_1)),
                      "--school-property", "SCHOOL", "--grades", "01-02")
    assert second["replaced"] == 4
    ok(rollover(db_url, "undo", second["run_id"]))
    now = every_row(loaded)
    assert now["boundary_areas"] == after_first["boundary_areas"]  # keys included
    ok(rollover(db_url, "undo", first["run_id"]))
    now = every_row(loaded)
    assert now["boundary_areas"] == before["boundary_areas"] == []
    assert {t: rows for t, rows in now.items() if not t.startswith("run")} == \
        {t: rows for t, rows in before.items() if not t.startswith("run")}


# -- refusals ----------------------------------------------------------------------------------
def refused_whole(engine, db_url, *args: str) -> list[str]:
    """The problems of a refused import, having checked that it wrote nothing."""
    before = every_row(engine)
    done = rollover(db_url, "boundaries", "import", *args)
    lines = done.stderr.strip().splitlines()
    count = len(lines) - 1
    assert refused(done, REFUSED.format(count) if count != 1
                   else REFUSED.format(1).replace("problems", "problem")), done.stderr
    assert every_row(engine) == before
    return lines[:-1]


def test_every_problem_of_the_file_and_the_map_is_named(loaded, db_url, tmp_path):
    (tmp_path / "map.csv").write_text(
        "name,school_id\nAdams,E1\nGhost,Z9\nAdams,E2\nOnly one cell\n", encoding="utf-8")
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    file = write(tmp_path / "bad.geojson",
                 feature("E1", SQUARE_1),  # fine
                 feature("E2", None),
                 feature("Adams", {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}),
                 feature("E1", bowtie),
                 feature(None, SQUARE_1, NAME="E1"),
                 feature("Nowhere", SQUARE_2),
                 feature("Ghost", SQUARE_2),  # the map's line names the school it lacks
                 feature("E1", {"type": "Polygon", "coordinates": [square(500, 47)]}))
    problems = refused_whole(loaded, db_url, file, "--school-property", "SCHOOL", "--grades",
                             "KG-05", "--map", str(tmp_path / "map.csv"))
    where = str(tmp_path / "bad.geojson")
    assert problems == [
        f"{tmp_path / 'map.csv'}:3: school_id 'Z9' is no school of the district",
        f"{tmp_path / 'map.csv'}:4: name 'Adams' is on line 2 already",
        f"{tmp_path / 'map.csv'}:5: expected 2 cells, found 1",
        f"{where}: features[1] (SCHOOL 'E2'): it has no geometry",
        f"{where}: features[2] (SCHOOL 'Adams'): the geometry is a LineString, not a Polygon "
        "or MultiPolygon",
        f"{where}: features[3] (SCHOOL 'E1'): the geometry is not valid (Self-intersection"
        "[0.5 0.5])",
        f"{where}: features[4]: no property 'SCHOOL' (its properties: NAME)",
        f"{where}: features[5] (SCHOOL 'Nowhere'): 'Nowhere' is no school id of the district "
        f"nor a name in {tmp_path / 'map.csv'}",
        f"{where}: features[7] (SCHOOL 'E1'): the geometry's coordinates are not WGS 84 "
        "longitude and latitude (its bounds are (500.0, 47.0, 500.01, 47.01))"]


@pytest.mark.parametrize("text, problem", [
    ('{"type": "FeatureCollection",\n  "features": [1,]}',
     "not JSON: line 2 column 18: Expecting value"),
    ('{"type": "Feature", "geometry": null}',
     "not a GeoJSON FeatureCollection (it is an object of type 'Feature')"),
    ('[]', "not a GeoJSON FeatureCollection (it is a list)"),
    ('{"type": "FeatureCollection", "features": []}', "it holds no features"),
    ('{"type": "FeatureCollection", "features": [], "crs": {"type": "name", "properties": '
     '{"name": "urn:ogc:def:crs:EPSG::3857"}}}',
     "crs 'urn:ogc:def:crs:EPSG…': the coordinates must be WGS 84 longitude and latitude "
     "(CRS84, EPSG:4326); export the file again in that system"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
     '{"type": "Polygon", "coordinates": [[[0, 0], [1, NaN], [1, 1], [0, 0]]]}}]}',
     "not JSON: NaN is no JSON number"),
])
def test_a_file_that_is_no_feature_collection_is_refused(loaded, db_url, tmp_path, text,
                                                         problem):
    (tmp_path / "x.geojson").write_text(text, encoding="utf-8")
    problems = refused_whole(loaded, db_url, str(tmp_path / "x.geojson"),
                             "--school-property", "SCHOOL", "--grades", "KG-05")
    assert problems == [f"{tmp_path / 'x.geojson'}: {problem}"]


def test_an_epsg_4326_crs_is_accepted(loaded, db_url, tmp_path):
    file = write(tmp_path / "old.geojson", feature("E1", SQUARE_1),
                 crs={"type": "name", "properties": {"name": "EPSG:4326"}})
    assert len(imported(db_url, file, "--school-property", "SCHOOL", "--grades", "KG-05")
               ["areas"]) == 1


@pytest.mark.parametrize("grades, problem", [
    ("K-05", "--grades K-05: grade 'K' is in no grade level of the district (its grades: KG, "
             "01, 02, 03, 04, 05, 06, 07, 08, 09)"),
    ("08-09", "--grades 08-09: grade '09' has different sequences in different calendars "
              "(9, 10), so it names no one grade"),
    ("05-KG", "--grades 05-KG: grade '05' (sequence 5) comes after grade 'KG' (sequence 0): "
              "give the lower grade first"),
])
def test_grades_must_name_one_span_of_the_districts_grades(loaded, db_url, tmp_path, grades,
                                                           problem):
    assert refused_whole(loaded, db_url, elementary(tmp_path), "--school-property", "SCHOOL",
                         "--grades", grades) == [problem]


@pytest.mark.parametrize("args, message", [
    (("--kind", "program"), "--kind program: give the program (--program ID)"),
    (("--program", "IMM"), "--program goes with --kind program (a program's areas)"),
    (("--grades", "KG-05-06"), "--grades: 'KG-05-06' is not a span of grades: write LOW-HIGH, "
                               "two grade codes such as KG-05 or 06-08"),
])
def test_options_that_do_not_go_together_are_refused(loaded, db_url, tmp_path, args, message):
    before = every_row(loaded)
    given = ("--school-property", "SCHOOL", "--grades", "KG-05", *args)
    assert refused(rollover(db_url, "boundaries", "import", elementary(tmp_path), *given),
                   message)
    assert every_row(loaded) == before


def test_an_unknown_program_and_a_missing_file_are_refused(loaded, db_url, tmp_path):
    assert refused_whole(loaded, db_url, elementary(tmp_path), "--school-property", "SCHOOL",
                         "--grades", "KG-05", "--kind", "program", "--program", "NOPE") == [
        "--program 'NOPE': no such program in the district"]
    assert refused_whole(loaded, db_url, str(tmp_path / "none.geojson"), "--school-property",
                         "SCHOOL", "--grades", "KG-05") == [
        f"{tmp_path / 'none.geojson'}: no such file"]
    assert refused_whole(loaded, db_url, elementary(tmp_path), "--school-property", "SCHOOL",
                         "--grades", "KG-05", "--map", str(tmp_path / "none.csv")) == [
        f"{tmp_path / 'none.csv'}: no such file"]
    (tmp_path / "map.csv").write_text("name,school\nA,E1\n", encoding="utf-8")
    assert refused_whole(loaded, db_url, elementary(tmp_path), "--school-property", "SCHOOL",
                         "--grades", "KG-05", "--map", str(tmp_path / "map.csv")) == [
        f"{tmp_path / 'map.csv'}:1: the header must be name,school_id (it is name,school)"]


# -- the bundle --------------------------------------------------------------------------------
def test_an_export_holds_the_areas_and_imports_back_equal(loaded, engine, db_url, tmp_path):
    export_bundle(loaded, tmp_path / "without")
    assert not (tmp_path / "without" / "boundary_areas.geojson").exists()
    import_areas(loaded, elementary(tmp_path), school_property="SCHOOL", grades="KG-05")
    import_areas(loaded, write(tmp_path / "p.geojson", feature("M1", SQUARE_1)),
                 school_property="SCHOOL", grades="06-08", kind="program", program="IMM")
    stored = areas(loaded)
    rows = export_bundle(loaded, tmp_path / "out")
    assert rows["boundary_areas.geojson"] == 5
    written = json.loads((tmp_path / "out" / "boundary_areas.geojson").read_text("utf-8"))
    assert [f["properties"] for f in written["features"]][-1] == {
        "school_id": "M1", "program_id": "IMM", "name": "M1", "low_grade": "06",
        "high_grade": "08"}
    assert [f["geometry"] for f in written["features"]] == [
        SQUARE_1, SQUARE_2, TWO_SQUARES, WITH_A_HOLE, SQUARE_1]
    # the same areas again: --replace and --sync leave them as they are
    assert import_bundle(loaded, tmp_path / "out", replace=True).rows[
        "boundary_areas.geojson"] == 5
    synced = sync_bundle(loaded, tmp_path / "out")
    assert synced.changes["boundary_areas.geojson"] == {"inserted": 0, "updated": 0,
                                                         "deleted": 0}
    assert areas(loaded) == stored
    # a bundle without the file leaves them alone
    assert import_bundle(loaded, tmp_path / "without", replace=True).run_id
    assert areas(loaded) == stored
    export_bundle(loaded, tmp_path / "again")
    assert (tmp_path / "again" / "boundary_areas.geojson").read_bytes() == \
        (tmp_path / "out" / "boundary_areas.geojson").read_bytes()


def test_a_bundle_with_areas_loads_into_an_empty_store(engine, tmp_path):
    folder = district().write_bundle(tmp_path / "bundle")
    export = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"school_id": "E1", "program_id": None, "name": "E1",
                                           "low_grade": "KG", "high_grade": "05"},
         "geometry": WITH_A_HOLE},
        {"type": "Feature", "properties": {"school_id": "M1", "name": "Middle",
                                           "low_grade": "06", "high_grade": "08"},
         "geometry": TWO_SQUARES}]}
    (folder / "boundary_areas.geojson").write_text(json.dumps(export), encoding="utf-8")
    result = import_bundle(engine, folder)
    assert result.rows["boundary_areas.geojson"] == 2
    assert areas(engine) == [("E1", None, "E1", "KG", "05", 0, 5, compact(WITH_A_HOLE)),
                             ("M1", None, "Middle", "06", "08", 6, 8, compact(TWO_SQUARES))]
    export_bundle(engine, tmp_path / "out")
    again = json.loads((tmp_path / "out" / "boundary_areas.geojson").read_text("utf-8"))
    export["features"][1]["properties"]["program_id"] = None
    assert again == export


def bundle_areas_file(folder: Path, *features: dict) -> Path:
    (folder / "boundary_areas.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": list(features)}), encoding="utf-8")
    return folder


def area_feature(school: str, geometry, low: str = "KG", high: str = "05", **more) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": {
        "school_id": school, "name": school, "low_grade": low, "high_grade": high, **more}}


def test_a_bundles_areas_are_checked_like_the_command(loaded, tmp_path):
    folder = district().write_bundle(tmp_path / "bundle")
    bundle_areas_file(folder, area_feature("E1", SQUARE_1),
                      area_feature("Z9", SQUARE_1),
                      area_feature("E2", {"type": "Point", "coordinates": [0, 0]}),
                      area_feature("E2", SQUARE_2, high="09"),
                      area_feature("E2", SQUARE_2, program_id="NOPE", colour="red"),
                      area_feature("M1", SQUARE_2, low="08", high="06"))
    before = every_row(loaded)
    with pytest.raises(BundleRefused) as refusal:
        import_bundle(loaded, folder, replace=True)
    name = "boundary_areas.geojson"
    assert refusal.value.details() == [
        f"{name}: features[1] (school_id 'Z9'): school_id 'Z9' does not exist in "
        "schools.school_id",
        f"{name}: features[2] (school_id 'E2'): the geometry is a Point, not a Polygon or "
        "MultiPolygon",
        f"{name}: features[3] (school_id 'E2'): low_grade + high_grade: grade '09' has "
        "different sequences in different calendars (9, 10), so it names no one grade",
        f"{name}: features[4] (school_id 'E2'): unknown property 'colour' (expected: "
        "school_id, program_id, name, low_grade, high_grade)",
        f"{name}: features[5] (school_id 'M1'): low_grade + high_grade: grade '08' (sequence "
        "8) comes after grade '06' (sequence 6): give the lower grade first"]
    assert every_row(loaded) == before


def test_a_plain_import_adds_areas_and_replace_and_sync_change_them(loaded, db_url,
                                                                    tmp_path):
    import_areas(loaded, elementary(tmp_path), school_property="SCHOOL", grades="KG-05")
    before = every_row(loaded)
    # a plain import refuses a key the store holds, as it refuses a stored id
    bare = tmp_path / "bare"  # the required files, empty, and the areas
    bare.mkdir()
    for spec in FILES:
        if not spec.optional:
            (bare / spec.name).write_text(",".join(spec.column_names) + "\r\n")
    two_areas = (area_feature("E1", SQUARE_2), area_feature("M1", SQUARE_2, "06", "08"))
    bundle_areas_file(bare, *two_areas)
    with pytest.raises(BundleRefused) as refusal:
        import_bundle(loaded, bare)
    assert refusal.value.details() == [
        "boundary_areas.geojson: features[0] (school_id 'E1'): the store holds areas of "
        "school_id 'E1', program_id '', grades KG-05 already (import with --replace to "
        "replace them)"]
    assert every_row(loaded) == before
    # --replace: E1's KG-05 areas replaced, E2's kept, M1's added; undone exactly
    replaced = import_bundle(loaded, bare, replace=True)
    assert [(a[0], a[3], a[7]) for a in areas(loaded)] == [
        ("E2", "KG", compact(SQUARE_2)), ("E2", "KG", compact(WITH_A_HOLE)),
        ("E1", "KG", compact(SQUARE_2)), ("M1", "06", compact(SQUARE_2))]
    ok(rollover(db_url, "undo", replaced.run_id))
    assert every_row(loaded)["boundary_areas"] == before["boundary_areas"]
    # --sync: the areas become the file's; the test says so and writes nothing
    full = bundle_areas_file(Path(export_bundle(loaded, tmp_path / "full") and
                                  tmp_path / "full"), *two_areas)
    before = every_row(loaded)
    test = sync_bundle(loaded, full, test=True)
    assert test.changes["boundary_areas.geojson"] == {"inserted": 2, "updated": 0,
                                                       "deleted": 4}
    assert every_row(loaded) == before
    synced = ok(rollover(db_url, "import", str(full), "--sync", "--confirm"))
    assert "boundary_areas.geojson: 2 inserted, 0 updated, 4 deleted" in synced.stdout
    assert [(a[0], a[3]) for a in areas(loaded)] == [("E1", "KG"), ("M1", "06")]
    with loaded.connect() as conn:
        sync_run = conn.execute(select(runs.c.run_id).where(runs.c.kind == "import")
                                .order_by(runs.c.started_at.desc())).scalars().first()
    ok(rollover(db_url, "undo", sync_run))
    assert every_row(loaded)["boundary_areas"] == before["boundary_areas"]


def test_a_sync_deleting_areas_an_areas_import_made_needs_confirm(loaded, db_url, tmp_path):
    import_areas(loaded, elementary(tmp_path), school_property="SCHOOL", grades="KG-05")
    export_bundle(loaded, tmp_path / "out")
    bundle_areas_file(tmp_path / "out", area_feature("E1", SQUARE_1))
    done = rollover(db_url, "import", str(tmp_path / "out"), "--sync")
    assert done.exit_code == 2, done.stderr
    assert "boundary_areas.geojson: 'E2' + '' + 'KG' + '05': in the undo log of run areas-" \
        in done.stderr


def test_undoing_an_import_undoes_the_later_import_that_replaced_it(loaded, db_url, tmp_path):
    before = every_row(loaded)["boundary_areas"]
    first = imported(db_url, elementary(tmp_path), "--school-property", "SCHOOL",
                     "--grades", "KG-05")
    second = imported(db_url, write(tmp_path / "again.geojson", feature("E2", SQUARE_1)),
                      "--school-property", "SCHOOL", "--grades", "KG-05")
    undone = ok(rollover(db_url, "undo", first["run_id"]))
    assert f"newest first: {second['run_id']}, {first['run_id']}" in undone.stdout
    assert every_row(loaded)["boundary_areas"] == before


# -- a run's changes ---------------------------------------------------------------------------
def test_an_areas_runs_changes_export_names_every_area_with_its_geometry(loaded, db_url,
                                                                         tmp_path):
    first = imported(db_url, elementary(tmp_path), "--school-property", "SCHOOL",
                     "--grades", "KG-05")
    second = imported(db_url, write(tmp_path / "again.geojson", feature("E2", SQUARE_1)),
                      "--school-property", "SCHOOL", "--grades", "01-02")
    ok(rollover(db_url, "export", str(tmp_path / "changes"), "--changes", second["run_id"]))
    summary = (tmp_path / "changes" / "summary.csv").read_text(encoding="utf-8").splitlines()
    assert summary == ["table,inserted,updated,deleted", "boundary_areas,1,0,4"]
    lines = (tmp_path / "changes" / "boundary_areas.csv").read_text(
        encoding="utf-8").splitlines()
    header = lines[0].split(",")
    assert header == ["action", "school_id", "program_id", "name", "low_grade", "high_grade",
                      "geometry", "before_school_id", "before_program_id", "before_name",
                      "before_low_grade", "before_high_grade", "before_geometry"]
    import csv as csv_module
    rows = list(csv_module.reader(lines[1:]))
    assert [(r[0], r[1], r[4], r[5]) for r in rows] == [
        ("delete", "E1", "KG", "05"), ("delete", "E2", "KG", "05"), ("delete", "E1", "KG", "05"),
        ("delete", "E2", "KG", "05"), ("insert", "E2", "01", "02")]
    assert rows[-1][6] == compact(SQUARE_1) and rows[0][6] == compact(SQUARE_1)
    assert first["run_id"] != second["run_id"]

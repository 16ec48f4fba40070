"""`rollover demo --geography seattle`: the demo district on Seattle Public Schools' real
attendance areas (docs/attendance-areas.md, "The Seattle demo").  The data ships as package
data, unmodified; the district has a school per area, its feeder chains follow the map, every
household lies inside one area of each level and its students attend those schools; loaded on
SQLite and PostgreSQL it checks, tests and runs its year end, and a grade-8 student living in
Ballard's high school area rolls to Ballard High School by RF-10."""

from __future__ import annotations

import hashlib
import json
import tomllib
from importlib.resources import files
from pathlib import Path, PurePosixPath

import pytest
import shapely
from sqlalchemy import func, select, update

from rollover.demo import generate
from rollover.demo.seattle_areas import AREA_FILES, read_features
from rollover.demo.shape import ELEMENTARY, HIGH, MIDDLE, UNLOCATED_EVERY
from rollover.domain.areas import Area, Areas, area_geometry
from rollover.domain.forward.options import ForwardOptions
from rollover.services.demo import load_demo, write_demo_bundle
from rollover.services.forward import roll_forward, source_calendars_of_year
from rollover.services.readiness import check_readiness
from rollover.services.runs import list_runs
from rollover.services.undo import undo
from rollover.store.schema import (
    assignment_overrides, boundaries, boundary_areas, calendars, enrollments, household_members,
    households, program_participations, schools,
)

from . import cli

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = 600
YEAR = 2027
# The data files and their git blob ids (the README of the data folder lists them).
BLOBS = {
    "sps_attendance_area_ES.geojson": "bf406b5331f27e5b38d10c14f0ae3dc5c04ff0dd",
    "sps_attendance_area_MS.geojson": "aa83d924846423a28e9fb5f899318189eddd4ac5",
    "sps_attendance_area_HS.geojson": "3c76140588bae16163e3510bf86325019e1facf0",
    "sps_school_site_2015_2016.geojson": "d019f9325a176ca1f8084e795f3f0624e4e8d0ab",
}
LEVEL_OF_PREFIX = {"ELM": ELEMENTARY, "MID": MIDDLE, "HIG": HIGH}
SEQUENCE_OF_LEVEL = {ELEMENTARY: 2, MIDDLE: 8, HIGH: 11}  # KG, 06 and 09


class ListSink:
    def __init__(self):
        self.calls: list[tuple[str, list[tuple]]] = []

    def write(self, table, rows):
        self.calls.append((table, list(rows)))

    def rows(self, table: str) -> list[tuple]:
        return [row for name, rows in self.calls if name == table for row in rows]


@pytest.fixture(scope="module")
def generated():
    sink = ListSink()
    summary = generate(sink, students=STUDENTS, seed=1, geography="seattle")
    return sink, summary


def data_folder():
    return files("rollover.demo").joinpath("seattle")


def area_index(rows) -> Areas:
    """The domain's areas of boundary_areas rows (school_id, program_id, name, low_grade,
    high_grade, low_sequence, high_sequence, geometry), the schools' own only."""
    return Areas(Area(school, program, name, low, high, area_geometry(geometry))
                 for school, program, name, _lg, _hg, low, high, geometry in rows
                 if program is None)


def level_of(school_id: str) -> str:
    return LEVEL_OF_PREFIX[school_id.split("-")[0]]


# -- the data -----------------------------------------------------------------------------------
def test_the_data_ships_as_package_data_byte_for_byte():
    folder = data_folder()
    for name, blob in BLOBS.items():
        data = folder.joinpath(name).read_bytes()
        assert hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() == blob, name
    readme = folder.joinpath("README.md").read_text(encoding="utf-8")
    assert "CC0" in readme and "9c56894e67e3fb0faa3219efb6a0d66312298428" in readme
    assert all(blob in readme for blob in BLOBS.values())
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["rollover"]
    package = ROOT / "src" / "rollover"
    shipped = [p.relative_to(package) for p in (package / "demo" / "seattle").iterdir()]
    assert sorted(p.name for p in shipped) == sorted([*BLOBS, "README.md"])
    assert all(any(PurePosixPath(p.as_posix()).match(pattern)
                   and len(PurePosixPath(pattern).parts) == len(p.parts)
                   for pattern in patterns) for p in shipped)


def test_the_area_files_hold_57_10_and_9_areas():
    assert {level: len(read_features(level)) for level in AREA_FILES} == {
        ELEMENTARY: 57, MIDDLE: 10, HIGH: 9}


# -- the district, as the generator writes it ---------------------------------------------------
def test_a_school_per_area_named_after_it(generated):
    sink, summary = generated
    rows = sink.rows("schools")
    assert (summary.elementary_schools, summary.middle_schools, summary.high_schools) == (
        57, 10, 9)
    assert len(rows) == 76 and [r[0] for r in rows] == sorted(r[0] for r in rows)
    named = {school_id: name for school_id, name, _next in rows}
    assert named["HIG-BALLARD"] == "Ballard High School"
    assert named["MID-HAMILTON-INTL"] == "Hamilton International Middle School"
    assert named["ELM-WEST-SEATTLE"] == "West Seattle Elementary"
    assert named["HIG-WEST-SEATTLE"] == "West Seattle High School"
    assert named["ELM-MADRONA-K-8"] == "Madrona K-8 School"
    assert sink.rows("boundaries") == []  # the areas decide: no street ranges
    assert sink.rows("district")[0][0] == "Seattle Public Schools (demo district)"


def test_feeder_chains_follow_the_areas_representative_points(generated):
    sink, _ = generated
    areas = {row[0]: shapely.from_geojson(row[7]) for row in sink.rows("boundary_areas")
             if row[1] is None}
    next_school = {school_id: next_id for school_id, _name, next_id in sink.rows("schools")}
    for school_id, fed in next_school.items():
        if level_of(school_id) == HIGH:
            assert fed is None
            continue
        point = areas[school_id].representative_point()
        assert level_of(fed) == (MIDDLE if level_of(school_id) == ELEMENTARY else HIGH)
        assert areas[fed].covers(point), school_id
    assert next_school["MID-MCCLURE"] == "HIG-BALLARD"


def test_an_area_row_for_every_school_with_its_grade_span(generated):
    sink, _ = generated
    rows = sink.rows("boundary_areas")
    own = {row[0]: row for row in rows if row[1] is None}
    assert len(own) == 76
    assert own["ELM-ADAMS"][2:7] == ("Adams", "PK", "05", 1, 7)  # the first elementary has PK
    assert own["ELM-ALKI"][2:7] == ("Alki", "KG", "05", 2, 7)
    assert own["MID-WHITMAN"][2:7] == ("Whitman", "06", "08", 8, 10)
    assert own["HIG-BALLARD"][2:7] == ("Ballard", "09", "12", 11, 14)
    # The immersion program continues where the first elementary feeds, for its middle area.
    program = [row for row in rows if row[1] is not None]
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in program] == [
        ("MID-WHITMAN", "IMM", "Whitman", "06", "08"),
        ("HIG-INGRAHAM-INTL", "IMM", "Whitman", "09", "12")]
    assert all(json.loads(row[7])["type"] == "Polygon" and " " not in row[7] for row in rows)


def test_every_household_lies_in_one_area_of_each_level_and_its_students_go_there(generated):
    sink, _ = generated
    areas = area_index(sink.rows("boundary_areas"))
    rows = sink.rows("households")
    # An address the geocoder could not place: every UNLOCATED_EVERY-th household, no other.
    assert [row[0] for row in rows if row[5] is None and row[6] is None] == \
        [row[0] for row in rows if int(row[0][1:]) % UNLOCATED_EVERY == 0] != []
    homes = {row[0]: (row[5], row[6]) for row in rows if row[5] is not None}
    assert all(row[3] == "Seattle" for row in rows)
    held = {}
    for household_id, (lat, lon) in homes.items():
        held[household_id] = {}
        for level, sequence in SEQUENCE_OF_LEVEL.items():
            holding = areas.holding(lat, lon, sequence)
            assert len(holding) == 1, (household_id, level)
            held[household_id][level] = holding[0].school_id
    first_home = {}
    for household_id, student_id, primary in sink.rows("household_members"):
        if primary:
            first_home.setdefault(student_id, household_id)
    first_enrollment = {}
    for row in sink.rows("enrollments"):
        if row[5] == "primary":
            first_enrollment.setdefault(row[1], row[2])
    assert len(first_enrollment) == STUDENTS
    for student_id, calendar_id in first_enrollment.items():
        if first_home[student_id] not in homes:
            continue  # its point is not given: nothing to compare with
        school_id = calendar_id.split("-", 1)[1]
        assert held[first_home[student_id]][level_of(school_id)] == school_id, student_id
    # Some students have a second home in another area, as in the synthetic geography.
    assert len(homes) > len(set(first_home.values()))


def test_same_seed_same_rows_another_seed_other_homes(generated):
    sink, _ = generated
    again = ListSink()
    generate(again, students=STUDENTS, seed=1, geography="seattle")
    assert again.calls == sink.calls
    other = ListSink()
    generate(other, students=STUDENTS, seed=2, geography="seattle")
    assert other.rows("boundary_areas") == sink.rows("boundary_areas")
    assert other.rows("households") != sink.rows("households")


def test_an_unknown_geography_is_refused_naming_it(tmp_path):
    with pytest.raises(ValueError, match="'mars'"):
        generate(ListSink(), students=STUDENTS, geography="mars")
    ran = cli.rollover("demo", "--geography", "mars", "--db", str(tmp_path / "r.db"))
    assert ran.returncode == 2 and "'mars'" in ran.stderr
    assert not (tmp_path / "r.db").exists()


# -- the bundle -----------------------------------------------------------------------------------
def test_the_bundle_has_located_households_and_the_areas_as_geojson(tmp_path):
    write_demo_bundle(tmp_path / "a", students=STUDENTS, seed=4, geography="seattle")
    write_demo_bundle(tmp_path / "b", students=STUDENTS, seed=4, geography="seattle")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert all((tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes()
               for n in names)
    header, first = (tmp_path / "a" / "households.csv").read_text().splitlines()[:2]
    assert header == "household_id,number,street,city,zip,latitude,longitude"
    assert first.split(",")[3:5] == ["Seattle", ""] and float(first.split(",")[5]) > 47
    collection = json.loads((tmp_path / "a" / "boundary_areas.geojson").read_text())
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 78
    ballard = next(f for f in collection["features"]
                   if f["properties"]["school_id"] == "HIG-BALLARD")
    assert ballard["properties"] == {"school_id": "HIG-BALLARD", "program_id": None,
                                     "name": "Ballard", "low_grade": "09", "high_grade": "12"}
    assert ballard["geometry"]["type"] == "Polygon"


# -- loaded into the store (SQLite and PostgreSQL) ------------------------------------------------
def stored_areas(conn) -> list[tuple]:
    a = boundary_areas.c
    return [tuple(r) for r in conn.execute(select(
        a.school_id, a.program_id, a.name, a.low_grade, a.high_grade, a.low_sequence,
        a.high_sequence, a.geometry).order_by(a.area_key))]


def test_the_demo_loads_with_76_schools_and_every_household_inside_an_area(engine):
    summary = load_demo(engine, students=STUDENTS, seed=1, geography="seattle")
    sink = ListSink()
    generate(sink, students=STUDENTS, seed=1, geography="seattle")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schools)).scalar() == 76
        assert conn.execute(select(func.count()).select_from(boundaries)).scalar() == 0
        rows = stored_areas(conn)
        homes = conn.execute(select(households.c.household_id, households.c.latitude,
                                    households.c.longitude)).all()
    assert rows == sink.rows("boundary_areas") and summary.rows["boundary_areas"] == 78
    assert len(homes) == summary.rows["households"]
    areas = area_index(rows)
    unlocated = [h for h, lat, lon in homes if lat is None and lon is None]
    assert unlocated == [h for h, _, _ in homes if int(h[1:]) % UNLOCATED_EVERY == 0] != []
    assert all(areas.holding(lat, lon) for h, lat, lon in homes if h not in unlocated)


def eighth_grader(conn) -> str:
    """A grade-8 student who will simply move up: one household, active, promoted, no next-year
    fields, override or program."""
    e, m = enrollments.c, household_members.c
    elsewhere = select(assignment_overrides.c.student_id).union(
        select(program_participations.c.student_id))
    homes = select(m.student_id).group_by(m.student_id).having(func.count() == 1)
    return conn.execute(
        select(e.student_id).where(
            e.grade == "08", e.service_type == "primary", e.end_date.is_(None),
            e.next_calendar_id.is_(None), e.end_action.is_distinct_from("retain"),
            e.end_action.is_distinct_from("demote"), e.student_id.in_(homes),
            e.student_id.not_in(elsewhere))
        .order_by(e.student_id)).scalars().first()


def test_a_grade_8_student_in_ballards_area_rolls_to_ballard_high_school_by_rf10(engine):
    load_demo(engine, students=STUDENTS, seed=1, geography="seattle")
    with engine.connect() as conn:
        ballard = conn.execute(select(boundary_areas.c.geometry).where(
            boundary_areas.c.school_id == "HIG-BALLARD",
            boundary_areas.c.program_id.is_(None))).scalar_one()
    point = shapely.from_geojson(ballard).representative_point()
    with engine.begin() as conn:  # the student's home moves to a point in Ballard's area
        student_id = eighth_grader(conn)
        household_id = conn.execute(select(household_members.c.household_id).where(
            household_members.c.student_id == student_id)).scalar_one()
        conn.execute(update(households).where(households.c.household_id == household_id)
                     .values(latitude=point.y, longitude=point.x))
        source = conn.execute(select(enrollments.c.calendar_id).where(
            enrollments.c.student_id == student_id)).scalar_one()
    options = ForwardOptions(source_calendars=(source,), test=True)
    for test in (True, False):  # Run Test, then Run
        report = roll_forward(engine, ForwardOptions(source_calendars=options.source_calendars,
                                                     test=test))
        mine = [(r.school_id, r.calendar_id, r.grade, r.rule) for r in report.rolled
                if r.student_id == student_id]
        assert mine == [("HIG-BALLARD", f"{YEAR + 1}-HIG-BALLARD", "09", "RF-10")]
    with engine.connect() as conn:
        written = conn.execute(
            select(calendars.c.school_id).join_from(
                enrollments, calendars, enrollments.c.calendar_id == calendars.c.calendar_id)
            .where(enrollments.c.student_id == student_id, calendars.c.school_year == YEAR + 1)
        ).scalars().all()
    assert written == ["HIG-BALLARD"]


def test_the_whole_year_end_checks_tests_and_runs(engine):
    load_demo(engine, students=STUDENTS, seed=1, geography="seattle")
    checked = check_readiness(engine, YEAR)
    assert checked.errors == 0
    # The addresses no area decides are listed: the households without a location.
    with engine.connect() as conn:
        unlocated = {h for (h,) in conn.execute(select(households.c.household_id).where(
            households.c.latitude.is_(None)))}
    listed = {h for f in checked.findings if f.code == "HOUSEHOLD_WITHOUT_LOCATION"
              for h in f.records["household_id"]}
    assert listed and listed <= unlocated
    sources = tuple(source_calendars_of_year(engine, YEAR))
    assert len(sources) == 76
    tested = roll_forward(engine, ForwardOptions(source_calendars=sources, test=True))
    run = roll_forward(engine, ForwardOptions(source_calendars=sources))
    decided = [(r.student_id, r.calendar_id, r.structure_id, r.grade, r.rule)
               for r in tested.rolled]
    assert decided == [(r.student_id, r.calendar_id, r.structure_id, r.grade, r.rule)
                       for r in run.rolled]
    rules = {r.rule for r in run.rolled}
    assert {"RF-8", "RF-10"} <= rules
    with engine.connect() as conn:
        new = conn.execute(select(func.count()).select_from(enrollments).join(
            calendars, enrollments.c.calendar_id == calendars.c.calendar_id).where(
            calendars.c.school_year == YEAR + 1)).scalar()
    assert new == len(run.rolled) > STUDENTS // 2


def test_replacing_the_seattle_demo_removes_its_areas_and_undo_puts_them_back(engine):
    load_demo(engine, students=100, seed=1, geography="seattle")
    with engine.connect() as conn:
        before = stored_areas(conn)
    load_demo(engine, students=100, replace=True)
    with engine.connect() as conn:
        assert stored_areas(conn) == []
        assert conn.execute(select(func.count()).select_from(schools)).scalar() == 4
    (replaced,) = [r for r in list_runs(engine) if r.kind == "demo"]
    undo(engine, replaced.run_id, confirm=True)
    with engine.connect() as conn:
        assert stored_areas(conn) == before and len(before) == 78
        assert conn.execute(select(func.count()).select_from(schools)).scalar() == 76

"""The readiness check (year-end.md YE-1) on attendance areas drawn as polygons: the households
no school area decides (HOUSEHOLD_OUTSIDE_AREAS, HOUSEHOLD_IN_SEVERAL_AREAS,
HOUSEHOLD_WITHOUT_LOCATION).

Each district is checked three ways (`check`): in memory (the pure `domain/readiness.py`) and
through the service on a stored district (`District.load`), on SQLite and PostgreSQL.  The
areas are unit squares near longitude 10, latitude 50; locations are (latitude, longitude).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, insert, select

from rollover.domain import readiness as r
from rollover.services.readiness import check_readiness as check_service
from rollover.store.database import open_engine
from rollover.store.schema import boundary_areas, runs

from . import cli
from .conftest import emptied_postgres, migrated_sqlite
from .districts import District, last_day

AREA_CODES = (r.HOUSEHOLD_OUTSIDE_AREAS, r.HOUSEHOLD_IN_SEVERAL_AREAS,
              r.HOUSEHOLD_WITHOUT_LOCATION)


def square(west: float, south: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[west, south], [west + 1, south],
                                                [west + 1, south + 1], [west, south + 1],
                                                [west, south]]]}


WEST, EAST = square(10, 50), square(11, 50)  # sharing the edge at longitude 11
INSIDE_WEST, INSIDE_EAST, OUTSIDE, ON_SHARED_EDGE = (50.5, 10.5), (50.5, 11.5), (52.5, 15.5), \
    (50.5, 11.0)


# -- the ways to check a district ---------------------------------------------------------------
def in_memory(district: District, year: int = 2027) -> list[r.Finding]:
    """The pure check, fed the rows the store would give it."""
    rows = district.rows
    of_year = {c[0] for c in rows["calendars"] if c[2] == year}
    fields = ("enrollment_id", "student_id", "calendar_id", "structure_id", "grade",
              "service_type", "start_date", "end_date", "end_status", "end_action",
              "next_calendar_id", "next_structure_id", "next_grade")
    year_rows = sorted((e for e in rows["enrollments"] if e[2] in of_year), key=lambda e: e[1])
    enrollments = [r.CheckEnrollment(*(e[fields.index(name)] for name in
                                       r.CheckEnrollment._fields)) for e in year_rows]
    boundaries = [r.CheckBoundary(key, b[0], *b[2:]) for key, b in
                  enumerate(rows["boundaries"], start=1) if b[1] is None]
    households = {h[0]: h for h in rows["households"]}
    students = {s[0]: s for s in rows["students"]}
    members = []
    for household_id, student_id, primary in sorted(rows["household_members"]):
        if not primary:
            continue
        _, _, _, _, _, latitude, longitude = households[household_id]
        _, _, last_name, first_name, _ = students[student_id]
        members += [r.CheckMember(household_id, latitude, longitude, student_id, last_name,
                                  first_name, e[2], e[3], e[4], e[7], e[9], e[10])
                    for e in sorted(year_rows) if e[1] == student_id]
    areas = r.school_areas([a[1:4] + a[6:9] for a in rows.get("boundary_areas", ())],
                           [h[5:7] for h in rows["households"] if h[5] is not None])
    return r.check_readiness(district.catalog(), year, enrollments, boundaries, areas, members)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def check(request, tmp_path, postgres_url, sqlite_template):
    """`check(district)`: the findings of school year 2027, in memory or through a store."""
    if request.param == "memory":
        yield in_memory
        return
    url = (emptied_postgres(postgres_url) if request.param == "postgresql"
           else migrated_sqlite(sqlite_template, tmp_path / "check.db"))
    engine = open_engine(url)

    def run(district, year=2027):
        district.load(engine, tmp_path / "bundle")
        return check_service(engine, year).findings

    yield run
    engine.dispose()


def found(findings) -> list[tuple[str, dict]]:
    """(code, records) of the area findings, in the check's order."""
    return [(f.code, {kind: list(ids) for kind, ids in f.records.items()})
            for f in findings if f.code in AREA_CODES]


# -- the district -------------------------------------------------------------------------------
def district() -> District:
    """An elementary (04-05, no areas), a middle school (06-08) and a high school (09-12) with
    a calendar in each year; Mill Middle's area (grades 06-08) and Hill High's (09-12) are both
    the west square."""
    d = District()
    for school, name, calendar, grades in (("EL", "Elm Elementary", "L", ["04", "05"]),
                                           ("MS", "Mill Middle", "M", ["06", "07", "08"]),
                                           ("HS", "Hill High", "H", ["09", "10", "11", "12"])):
        d.school(school, name=name)
        d.calendar(f"{calendar}27", school, 2027, grades)
        d.calendar(f"{calendar}28", school, 2028, grades)
    d.area("MS", WEST, 6, 8, name="Mill")
    d.area("HS", WEST, 9, 12, name="Hill")
    return d


def family(d: District, household_id: str, location, *students: tuple, primary: bool = True):
    """A household and its students, each (student_id, calendar, grade, {enroll options})."""
    for student_id, calendar, grade, *options in students:
        d.student(student_id, last_name="Doe", first_name=f"Kid{student_id}")
        d.enroll(f"E{student_id}", student_id, calendar, grade, **(options[0] if options else {}))
    d.household(household_id, 5, "Elm St", *(s[0] for s in students), location=location,
                primary=primary)


# -- HOUSEHOLD_OUTSIDE_AREAS --------------------------------------------------------------------
def test_ye1_areas_a_household_outside_every_area_of_its_students_next_grades(check):
    d = district()
    family(d, "H1", OUTSIDE, ("S1", "M27", "07"), ("S2", "H27", "10"), ("S3", "L27", "04"))
    family(d, "H2", INSIDE_WEST, ("S4", "M27", "07"))
    [finding] = [f for f in check(d) if f.code in AREA_CODES]
    assert found([finding]) == [(r.HOUSEHOLD_OUTSIDE_AREAS,
                                 {"grade": ["08", "11"], "household_id": ["H1"],
                                  "student_id": ["S1", "S2"]})]
    assert finding.severity == "warning"
    assert finding.message == (
        "household 'H1' (at 52.5, 15.5) is inside no school's attendance area for grades 08 "
        "and 11, which students 'S1' (KidS1 Doe), 'S2' (KidS2 Doe) go into: the areas decide "
        "there, so the roll forward finds no boundary school for them")


def test_ye1_areas_outside_counts_only_the_grades_the_district_has_areas_for(check):
    """S1 goes into 05 (no areas for it: the street ranges decide), S2 into 06, inside the area
    (grades 06-08) it is outside of only for the high school's grades, which no student of the
    household goes into."""
    d = district()
    d.rows["boundary_areas"] = []
    d.area("MS", WEST, 6, 8)
    d.area("HS", EAST, 9, 12)
    family(d, "H1", INSIDE_WEST, ("S1", "L27", "04"), ("S2", "L27", "05"))
    assert found(check(d)) == []


def test_ye1_areas_the_next_grade_is_the_rollers_target_and_ended_or_chosen_ones_are_left_out(
        check):
    """S1 retained stays in 08 (areas); S2 promoted from 05 goes into 06 (areas); S3 dropped
    mid-year does not roll; S4 names its next calendar (placed by hand, RF-6); S5 ended on
    the last day rolls with include-last-day-enders, so counts."""
    d = district()
    family(d, "H1", OUTSIDE, ("S1", "M27", "08", {"end_action": "retain"}))
    family(d, "H2", OUTSIDE, ("S2", "L27", "05"))
    family(d, "H3", OUTSIDE, ("S3", "M27", "07", {"end": dt.date(2027, 3, 1)}))
    family(d, "H4", OUTSIDE, ("S4", "M27", "07", {"next_calendar": "M28"}))
    family(d, "H5", OUTSIDE, ("S5", "M27", "07", {"end": last_day(2027)}))
    assert found(check(d)) == [  # sorted by records: grade, then household
        (r.HOUSEHOLD_OUTSIDE_AREAS, {"grade": ["06"], "household_id": ["H2"],
                                     "student_id": ["S2"]}),
        (r.HOUSEHOLD_OUTSIDE_AREAS, {"grade": ["08"], "household_id": ["H1"],
                                     "student_id": ["S1"]}),
        (r.HOUSEHOLD_OUTSIDE_AREAS, {"grade": ["08"], "household_id": ["H5"],
                                     "student_id": ["S5"]})]


def test_ye1_areas_a_program_area_is_not_a_school_area(check):
    d = district()
    d.rows["boundary_areas"] = []
    d.program("P")
    d.area("MS", WEST, 6, 8, program_id="P")
    family(d, "H1", OUTSIDE, ("S1", "M27", "07"))
    family(d, "H2", None, ("S2", "M27", "07"))
    assert found(check(d)) == []


def test_ye1_areas_a_district_without_areas_has_no_area_findings(check):
    d = district()
    d.rows["boundary_areas"] = []
    family(d, "H1", OUTSIDE, ("S1", "M27", "07"))
    family(d, "H2", None, ("S2", "M27", "07"))
    assert found(check(d)) == []


# -- HOUSEHOLD_IN_SEVERAL_AREAS -----------------------------------------------------------------
def test_ye1_areas_a_household_on_the_shared_edge_of_two_schools_areas(check):
    d = district()
    d.school("MS2", name="Moss Middle")
    d.calendar("N28", "MS2", 2028, ["06", "07", "08"])
    d.area("MS2", EAST, 6, 8, name="Moss")
    family(d, "H1", ON_SHARED_EDGE, ("S1", "M27", "07"), ("S2", "H27", "10"))
    family(d, "H2", INSIDE_EAST, ("S3", "M27", "07"))
    findings = check(d)
    [finding] = [f for f in findings if f.code == r.HOUSEHOLD_IN_SEVERAL_AREAS]
    # S2 goes into 11: only the west square (Hill High) has a high-school area; S3 lives
    # inside Moss only.
    assert found(findings) == [
        (r.HOUSEHOLD_IN_SEVERAL_AREAS, {"grade": ["08"], "household_id": ["H1"],
                                        "school_id": ["MS", "MS2"], "student_id": ["S1"]})]
    assert finding.message == (
        "household 'H1' (at 50.5, 11.0) is inside the attendance areas 'Mill' of 'MS' (Mill "
        "Middle) and 'Moss' of 'MS2' (Moss Middle) for grade 08, which student 'S1' (KidS1 "
        "Doe) goes into: placed by boundaries, they get an enrollment at each of those schools")


def test_ye1_areas_two_overlapping_areas_of_one_school_are_no_finding(check):
    d = district()
    d.area("MS", square(10.5, 50), 6, 8, name="Mill annex")
    family(d, "H1", (50.5, 10.75), ("S1", "M27", "07"))
    assert found(check(d)) == []


# -- HOUSEHOLD_WITHOUT_LOCATION -----------------------------------------------------------------
def test_ye1_areas_a_household_without_a_location_while_areas_serve_its_students_grade(check):
    d = district()
    family(d, "H1", None, ("S1", "M27", "07"), ("S2", "L27", "04"))
    family(d, "H2", None, ("S3", "L27", "04"))  # 05: no areas for it
    family(d, "H3", None, ("S4", "M27", "07"), primary=False)  # not primary: not read
    findings = check(d)
    [finding] = [f for f in findings if f.code in AREA_CODES]
    assert found([finding]) == [(r.HOUSEHOLD_WITHOUT_LOCATION,
                                 {"grade": ["08"], "household_id": ["H1"],
                                  "student_id": ["S1"]})]
    assert finding.message == (
        "household 'H1' has no location, but the district has school attendance areas for "
        "grade 08, which student 'S1' (KidS1 Doe) goes into: the street ranges decide instead, "
        "else the feeder school")


def test_ye1_areas_every_household_is_reported_on_its_own(check):
    d = district()
    family(d, "H2", None, ("S2", "M27", "06"))
    family(d, "H1", OUTSIDE, ("S1", "H27", "09"))
    family(d, "H3", ON_SHARED_EDGE, ("S3", "M27", "06"))  # inside Mill only: no finding
    assert [(f.code, f.records["household_id"]) for f in check(d) if f.code in AREA_CODES] == [
        (r.HOUSEHOLD_OUTSIDE_AREAS, ("H1",)), (r.HOUSEHOLD_WITHOUT_LOCATION, ("H2",))]


def test_ye1_areas_a_message_names_five_students_and_counts_the_rest(check):
    d = district()
    family(d, "H1", OUTSIDE, *((f"S{n}", "M27", "07") for n in range(1, 8)))
    [finding] = [f for f in check(d) if f.code in AREA_CODES]
    assert "'S5' (KidS5 Doe) and 2 more go into" in finding.message
    assert finding.records["student_id"] == tuple(f"S{n}" for n in range(1, 8))


# -- the command line ---------------------------------------------------------------------------
def stored(db_url: str, d: District, tmp_path) -> str:
    engine = open_engine(db_url)
    d.load(engine, tmp_path / "bundle")
    engine.dispose()
    return db_url


def test_ye1_areas_cli_json_lists_the_household_findings_as_warnings(db_url, tmp_path):
    d = district()
    family(d, "H1", None, ("S1", "M27", "07"))
    done = cli.rollover("--db", stored(db_url, d, tmp_path), "check", "--year", "2027", "--json",
                        user="checker")
    assert done.returncode == 0, done.stderr
    obj = json.loads(done.stdout)
    assert (obj["errors"], obj["warnings"]) == (0, 1)
    assert [(f["code"], f["severity"], f["records"]) for f in obj["findings"]] == [
        ("HOUSEHOLD_WITHOUT_LOCATION", "warning",
         {"grade": ["08"], "household_id": ["H1"], "student_id": ["S1"]})]


def test_ye1_areas_cli_a_stored_geometry_that_is_no_area_exits_2_naming_it(db_url, tmp_path):
    d = district()
    family(d, "H1", OUTSIDE, ("S1", "M27", "07"))
    url = stored(db_url, d, tmp_path)
    engine = open_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(boundary_areas).values(
            school_id="MS", name="Broken", low_grade="06", high_grade="08", low_sequence=6,
            high_sequence=8, geometry='{"type": "Point", "coordinates": [10, 50]}'))
    done = cli.rollover("--db", url, "check", "--year", "2027", user="checker")
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip() == ("rollover: attendance area 'Broken' of school 'MS': the "
                                   "geometry is a Point, not a Polygon or MultiPolygon")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(runs)).scalar() == 0
    engine.dispose()

"""`rollover projection` (docs/bundle.md, "The command line"; docs/reading-runs.md, "The
projection"): next year's enrollment per school and grade against this year's and the students
changing school, as text, CSV and JSON, the JSON the HTTP API's own answer.  On the district of
tests/test_projection.py, SQLite and PostgreSQL, the command in process (tests/cli.py)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from fastapi.testclient import TestClient

from rollover.services.forward import roll_forward
from rollover.services.projection import projection
from rollover.services.security import add_user

from . import cli
from .api_setup import PASSWORD, app_on, quick_hashes  # noqa: F401 - fixture
from .test_projection import EXPECTED_SCHOOLS, district

# After the Run of tests/test_projection.py's district.
EXPECTED_FLOWS = [("ES", "MS", 2), ("ES", "NW", 1), ("OS", "ES", 1)]
USER = "ann"
NAMES = {"ES": "Elm Elementary", "MS": "Mill Middle", "NW": "New School", "OS": "Old School"}


@pytest.fixture
def stored(engine, db_url, tmp_path):
    """The district, and its user (who may sign in to the API)."""
    district().load(engine, tmp_path / "bundle")
    add_user(engine, USER, user=None, password=PASSWORD)
    return engine, db_url


def roll(engine, **options) -> str:
    """A roll forward of the district's 2027 calendars (a Run Test with test=True); its id."""
    return roll_forward(engine, district().options(**options), user=USER).run.run_id


def rollover(db_url: str, *args: str):
    return cli.rollover("--db", db_url, *args)


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def api_projection(engine, query: str = "") -> dict:
    """GET /api/v1/projection{query} as the district's user, signed in."""
    with TestClient(app_on(engine), raise_server_exceptions=False) as client:
        token = client.post("/api/v1/tokens", json={"user": USER, "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['token']}"}
        answer = client.get(f"/api/v1/projection{query}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_projection_json_is_the_apis_answer(stored):
    engine, db_url = stored
    roll(engine)
    printed = json.loads(ok(rollover(db_url, "projection", "--format", "json")))
    assert printed["schools"] == EXPECTED_SCHOOLS
    assert [(f["from_school_id"], f["to_school_id"], f["count"])
            for f in printed["flows"]] == EXPECTED_FLOWS
    assert printed == json.loads(ok(rollover(db_url, "projection", "--year", "2028",
                                             "--format", "json")))
    assert printed == api_projection(engine) == api_projection(engine, "?year=2028")


def test_projection_of_a_run_test_is_the_apis_and_what_its_run_makes(stored):
    engine, db_url = stored
    test_run = roll(engine, test=True)
    printed = json.loads(ok(rollover(db_url, "projection", "--run", test_run, "--format",
                                     "json")))
    assert printed == api_projection(engine, f"?run={test_run}")
    assert printed["schools"] == EXPECTED_SCHOOLS
    roll(engine)
    assert printed == projection(engine)


def test_projection_text_is_a_table_per_school_this_year_beside_next_and_the_flows(stored):
    engine, db_url = stored
    roll(engine)
    text = ok(rollover(db_url, "projection"))
    lines = text.splitlines()
    assert lines[0] == ("Projection of school year 2028 against 2027, from the enrollments "
                        "stored")
    assert lines[1] == "All schools: 10 in 2027, 9 in 2028; 4 students changing school"
    elm = lines.index("Elm Elementary (ES)")
    assert lines[elm + 1].split() == ["Grade", "2027", "2028", "Change"]
    assert [line.split() for line in lines[elm + 2:elm + 5]] == [
        ["04", "5", "1", "-4"], ["05", "3", "5", "+2"], ["all", "8", "6", "-2"]]
    old = lines.index("Old School (OS)")
    assert [line.split() for line in lines[old + 2:old + 3]] == [["04", "1", "0", "-1"]]
    assert lines[old + 3] == ""  # one grade: no line of all of them
    flows = lines.index("Students changing school from 2027 to 2028:")
    assert lines[flows + 1].split() == ["From", "To", "Students"]
    assert [re.split(r"\s{2,}", line.strip()) for line in lines[flows + 2:]] == [
        [NAMES[a], NAMES[b], str(count)] for a, b, count in EXPECTED_FLOWS]


def test_projection_text_says_when_nobody_changes_school(stored):
    _engine, db_url = stored
    text = ok(rollover(db_url, "projection", "--year", "2027"))
    assert text.splitlines()[-1] == "Students changing school from 2026 to 2027: none"


def test_projection_text_names_the_run_test_it_counts(stored):
    engine, db_url = stored
    test_run = roll(engine, test=True)
    first = ok(rollover(db_url, "projection", "--run", test_run)).splitlines()[0]
    assert first.endswith(f"the enrollments stored and the proposals of Run Test {test_run}")


def test_projection_csv_has_a_row_per_school_and_grade_then_per_flow(stored):
    engine, db_url = stored
    roll(engine)
    rows = list(csv.DictReader(io.StringIO(ok(rollover(db_url, "projection", "--format",
                                                       "csv")))))
    grades = [r for r in rows if r["kind"] == "grade"]
    assert [(r["school_id"], r["school_name"], r["grade"], int(r["current"]),
             int(r["projected"])) for r in grades] == [
        (s["school_id"], s["name"], g["grade"], g["current"], g["projected"])
        for s in EXPECTED_SCHOOLS for g in s["grades"]]
    flows = [r for r in rows if r["kind"] == "flow"]
    assert [(r["from_school_id"], r["from_school_name"], r["to_school_id"], r["to_school_name"],
             int(r["count"])) for r in flows] == [
        (a, NAMES[a], b, NAMES[b], count) for a, b, count in EXPECTED_FLOWS]
    assert {r["year"] for r in rows} == {"2028"} and len(rows) == len(grades) + len(flows)


@pytest.mark.parametrize(("args", "named"), [
    (["--year", "2031"], "no calendars of school year 2031"),
    (["--year", "0"], "year 0"),
    (["--run", "forward-nope"], "unknown run 'forward-nope'"),
])
def test_projection_refuses_naming_the_value(stored, args, named):
    _engine, db_url = stored
    result = rollover(db_url, "projection", *args, "--format", "json")
    assert result.returncode == 2 and result.stdout == ""
    assert named in result.stderr and "Traceback" not in result.stderr


def test_projection_of_a_run_is_refused_naming_it(stored):
    engine, db_url = stored
    done = roll(engine)
    result = rollover(db_url, "projection", "--run", done)
    assert result.returncode == 2 and f"run '{done}' is a Run" in result.stderr

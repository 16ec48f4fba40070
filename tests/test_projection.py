"""Next year's enrollment against this year's (services/projection.py; the HTTP API's
`/projection`), on SQLite and PostgreSQL: counts per school and grade from the enrollments
stored for both years (rolled or entered by hand), and the flows of students between schools."""

from __future__ import annotations

import datetime as dt

import pytest

from rollover.services.forward import roll_forward
from rollover.services.projection import projection
from rollover.services.reads import NotFound, ReadRefused

from .districts import District, last_day


def district() -> District:
    """Elm Elementary (04, 05) feeds Mill Middle (06); Old School closes (2027 only) and feeds
    Elm; New School opens in 2028 (05 only).  Who is who is said beside each student."""
    d = District()
    d.school("ES", next_school="MS", name="Elm Elementary")
    d.school("MS", name="Mill Middle")
    d.school("NW", name="New School")
    d.school("OS", next_school="ES", name="Old School")
    d.calendar("ES27", "ES", 2027, ["04", "05"])
    d.calendar("ES28", "ES", 2028, ["04", "05"])
    d.calendar("MS27", "MS", 2027, ["06"])
    d.calendar("MS28", "MS", 2028, ["06"])
    d.calendar("NW28", "NW", 2028, ["05"])
    d.calendar("OS27", "OS", 2027, ["04"])
    for k in ("K1", "K2", "K3"):  # 04 -> 05 at Elm (RF-8)
        d.student(k)
        d.enroll(f"E{k}", k, "ES27", "04")
    d.student("P1")  # the same, and a special education enrollment beside (never counted)
    d.enroll("EP1", "P1", "ES27", "04")
    d.enroll("EP1S", "P1", "ES27", "04", service_type="special_ed")
    for f in ("F1", "F2"):  # 05 at Elm -> 06 at Mill (RF-11, the feeder school)
        d.student(f)
        d.enroll(f"E{f}", f, "ES27", "05")
    d.student("W1")  # left Elm in March: not counted, not rolled
    d.enroll("EW1", "W1", "ES27", "05", end=dt.date(2027, 3, 1))
    d.student("L1")  # ended on the last day: counted this year, not rolled
    d.enroll("EL1", "L1", "ES27", "05", end=last_day(2027))
    d.student("O1")  # 04 at Old School -> 05 at Elm (RF-11)
    d.enroll("EO1", "O1", "OS27", "04")
    d.student("N1")  # 04 at Elm, entered by hand at New School for 2028 (so not rolled)
    d.enroll("EN1", "N1", "ES27", "04")
    d.enroll("EN1N", "N1", "NW28", "05")
    d.student("E1")  # new to the district, entered by hand for 2028
    d.enroll("EE1", "E1", "ES28", "04")
    d.student("X1")  # entered for 2028 and already ended (a no-show): not counted
    d.enroll("EX1", "X1", "ES28", "04", end=dt.date(2027, 9, 1))
    d.student("D1")  # 06 at Mill, the highest grade: graduates
    d.enroll("ED1", "D1", "MS27", "06")
    return d


EXPECTED_SCHOOLS = [
    {"school_id": "ES", "name": "Elm Elementary", "grades": [
        {"grade": "04", "current": 5, "projected": 1},
        {"grade": "05", "current": 3, "projected": 5}]},
    {"school_id": "MS", "name": "Mill Middle", "grades": [
        {"grade": "06", "current": 1, "projected": 2}]},
    {"school_id": "NW", "name": "New School", "grades": [
        {"grade": "05", "current": 0, "projected": 1}]},
    {"school_id": "OS", "name": "Old School", "grades": [
        {"grade": "04", "current": 1, "projected": 0}]},
]


@pytest.fixture
def stored(engine, tmp_path):
    district().load(engine, tmp_path / "bundle")
    return engine


def test_projection_of_the_year_after_the_current_one_after_the_roll_forward(stored):
    roll_forward(stored, district().options())
    assert projection(stored) == {
        "year": 2028,
        "schools": EXPECTED_SCHOOLS,
        "flows": [
            {"from_school_id": "ES", "to_school_id": "MS", "count": 2},  # rolled (rolled_from)
            {"from_school_id": "ES", "to_school_id": "NW", "count": 1},  # entered (by student)
            {"from_school_id": "OS", "to_school_id": "ES", "count": 1},
        ],
    }
    assert projection(stored, 2028) == projection(stored)


def test_the_projection_reports_its_reading_in_its_queries(stored):
    from .test_progress import Recorded

    progress = Recorded()
    projection(stored, progress=progress)
    assert progress.calls == [("reading the tables", n, 4) for n in range(5)]


def test_a_run_test_changes_no_projection_only_stored_enrollments_count(stored):
    before = projection(stored)
    roll_forward(stored, district().options(test=True))
    assert projection(stored) == before
    # Before the roll only what was entered by hand is projected.
    grades = {(s["school_id"], g["grade"]): g["projected"]
              for s in before["schools"] for g in s["grades"]}
    assert grades == {("ES", "04"): 1, ("ES", "05"): 0, ("MS", "06"): 0, ("NW", "05"): 1,
                      ("OS", "04"): 0}
    assert before["flows"] == [{"from_school_id": "ES", "to_school_id": "NW", "count": 1}]


def test_a_student_placed_at_two_schools_counts_at_both(engine, tmp_path):
    d = District()
    d.school("ES", name="Elm Elementary")
    d.school("MA", name="Middle A")
    d.school("MB", name="Middle B")
    d.calendar("ES27", "ES", 2027, ["05"])
    d.calendar("MA28", "MA", 2028, ["06"])
    d.calendar("MB28", "MB", 2028, ["06"])
    d.boundary("MA", "Oak St")
    d.boundary("MB", "Pine St")
    d.student("S1")
    d.household("H1", 1, "Oak St", "S1")
    d.household("H2", 2, "Pine St", "S1")
    d.enroll("E1", "S1", "ES27", "05")
    d.load(engine, tmp_path / "bundle")
    roll_forward(engine, d.options())
    result = projection(engine)
    assert [(s["school_id"], s["grades"]) for s in result["schools"]] == [
        ("ES", [{"grade": "05", "current": 1, "projected": 0}]),
        ("MA", [{"grade": "06", "current": 0, "projected": 1}]),
        ("MB", [{"grade": "06", "current": 0, "projected": 1}])]
    assert result["flows"] == [{"from_school_id": "ES", "to_school_id": "MA", "count": 1},
                               {"from_school_id": "ES", "to_school_id": "MB", "count": 1}]


def test_the_current_year_projected_from_a_year_with_no_calendars_before_it(stored):
    result = projection(stored, 2027)
    assert result["year"] == 2027 and result["flows"] == []
    elm = next(s for s in result["schools"] if s["school_id"] == "ES")
    assert elm["grades"] == [{"grade": "04", "current": 0, "projected": 5},
                             {"grade": "05", "current": 0, "projected": 3}]
    # New School has no calendar in 2026 or 2027.
    assert [s["school_id"] for s in result["schools"]] == ["ES", "MS", "OS"]


@pytest.mark.parametrize(("year", "named"), [(2030, "school year 2030"), (0, "year 0"),
                                             ("2028", "year '2028'")])
def test_a_year_without_calendars_or_not_a_year_is_refused_naming_it(stored, year, named):
    with pytest.raises(ReadRefused, match=named):
        projection(stored, year)


def test_an_empty_district_has_no_year_to_project(engine):
    with pytest.raises(NotFound, match="no current school year"):
        projection(engine)


def test_a_run_tests_projection_is_the_projection_after_its_run(stored):
    """With a Run Test's id its proposals count as the Run would store them."""
    test_run = roll_forward(stored, district().options(test=True))
    as_proposed = projection(stored, run_id=test_run.run.run_id)
    assert as_proposed == projection(stored, 2028, test_run.run.run_id)
    assert as_proposed["flows"] != projection(stored)["flows"]  # the proposals moved students
    roll_forward(stored, district().options())
    assert projection(stored) == as_proposed


def test_a_run_test_limited_to_one_school_adds_only_its_proposals(stored):
    test_run = roll_forward(stored, district().options(test=True, source_calendars=("OS27",)))
    result = projection(stored, run_id=test_run.run.run_id)
    elm = next(s for s in result["schools"] if s["school_id"] == "ES")
    assert elm["grades"] == [{"grade": "04", "current": 5, "projected": 1},  # entered by hand
                             {"grade": "05", "current": 3, "projected": 1}]  # O1, proposed
    assert result["flows"] == [{"from_school_id": "ES", "to_school_id": "NW", "count": 1},
                               {"from_school_id": "OS", "to_school_id": "ES", "count": 1}]


def test_a_projection_of_a_run_that_is_no_run_test_is_refused_naming_it(stored):
    with pytest.raises(NotFound, match="unknown run 'forward-nope'"):
        projection(stored, run_id="forward-nope")
    done = roll_forward(stored, district().options()).run.run_id
    with pytest.raises(ReadRefused, match=f"run '{done}' is a Run"):
        projection(stored, run_id=done)

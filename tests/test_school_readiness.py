"""Where each school stands in the year end (domain/school_readiness.py and its service):
not checked until a check of the year is stored, not ready while the latest check finds an error
at the school, ready when it finds none, done once a Run has rolled every calendar of the
school; the findings by school and code, errors first; and the runs filtered and paged by the
store (services/run_lists.py).  The services on the demo district, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from rollover.domain.school_readiness import (DONE, NOT_CHECKED, NOT_READY, READY,
                                              findings_by_school, school_states, schools_of)
from rollover.services.demo import load_demo
from rollover.services.readiness import check_readiness
from rollover.services.reads import ReadRefused
from rollover.services.run_lists import run_filters, runs_page
from rollover.services.school_readiness import check_year, year_readiness

from .dashboard_setup import (BROKEN_SCHOOL, NOT_OFFERED, ROLLED_SCHOOL, break_the_demo,
                              roll_one_school)
from .security_setup import ADMIN

SCHOOLS = {"A": "Adams", "B": "Baker", "C": "Clark"}
CALENDARS = {"A": ["A27"], "B": ["B27", "B27x"], "C": []}


def error(*calendars, code="NEXT_GRADE_NOT_OFFERED", **records) -> dict:
    return {"code": code, "severity": "error", "message": code,
            "records": {"calendar_id": list(calendars), **records}}


def warning(*calendars, code="NO_NEXT_YEAR_CALENDAR") -> dict:
    return {**error(*calendars, code=code), "severity": "warning"}


def states(findings, rolled=()) -> dict[str, str]:
    return {s.school_id: s.state for s in school_states(SCHOOLS, CALENDARS, findings, rolled)}


# -- pure -------------------------------------------------------------------------------------

def test_a_finding_concerns_the_schools_it_names_and_those_of_its_calendars():
    school_of = {"A27": "A", "B27": "B"}
    assert schools_of(error("A27", "B27"), school_of) == {"A", "B"}
    assert schools_of(error(school_id=["C"]), school_of) == {"C"}
    assert schools_of(error("elsewhere"), school_of) == set()


def test_no_stored_check_leaves_every_school_not_checked_until_it_is_done():
    assert states(None) == {"A": NOT_CHECKED, "B": NOT_CHECKED, "C": NOT_CHECKED}
    assert states(None, rolled={"A27"})["A"] == DONE


def test_an_error_makes_its_schools_not_ready_and_a_warning_does_not():
    assert states([error("A27"), warning("B27")]) == {"A": NOT_READY, "B": READY, "C": READY}
    counted = {s.school_id: (s.errors, s.warnings)
               for s in school_states(SCHOOLS, CALENDARS, [error("A27"), warning("B27")], ())}
    assert counted == {"A": (1, 0), "B": (0, 1), "C": (0, 0)}


def test_a_school_is_done_when_every_one_of_its_calendars_was_rolled():
    assert states([error("B27")], rolled={"B27"})["B"] == NOT_READY  # one of its two
    assert states([error("B27")], rolled={"B27", "B27x"})["B"] == DONE
    assert states([], rolled={"A27"}) == {"A": DONE, "B": READY, "C": READY}
    assert states([], rolled={"A27", "B27", "B27x"})["C"] == READY  # no calendar: never done


def test_findings_are_grouped_by_school_and_code_errors_first():
    findings = [warning("A27"), error("A27"), error("A27", code="SEQUENCE_SERIES_BROKEN"),
                warning("B27"), error("nowhere")]
    grouped = findings_by_school(findings, SCHOOLS, {"A27": "A", "B27": "B"})
    assert [(s.school_id, s.errors, s.warnings) for s in grouped] == [
        ("A", 2, 1), ("B", 0, 1), (None, 1, 0)]
    assert [g.code for g in grouped[0].codes] == [
        "NEXT_GRADE_NOT_OFFERED", "SEQUENCE_SERIES_BROKEN", "NO_NEXT_YEAR_CALENDAR"]
    assert grouped[2].name == "The whole district"


# -- the services on the demo district ---------------------------------------------------------

@pytest.fixture
def demo(engine):
    load_demo(engine, students=300, seed=3)
    return engine


def test_the_schools_follow_the_latest_check_and_the_runs(demo):
    assert {s.state for s in year_readiness(demo).schools} == {NOT_CHECKED}
    check_year(demo, user=ADMIN)
    first = year_readiness(demo)
    assert first.check.user_name == ADMIN and first.errors == 0
    assert {s.state for s in first.schools} == {READY}

    enrollment_id = break_the_demo(demo)
    assert year_readiness(demo).schools == first.schools  # the stored check, until checked again
    report = check_year(demo, user=ADMIN)
    found = year_readiness(demo)
    assert found.check.run_id == report.run.run_id and found.errors == report.errors == 1
    by_id = {s.school_id: s for s in found.schools}
    assert by_id[BROKEN_SCHOOL].state == NOT_READY
    assert {s.state for s in found.schools if s.school_id != BROKEN_SCHOOL} == {READY}
    school = found.by_school[0]
    assert school.school_id == BROKEN_SCHOOL and school.codes[0].severity == "error"
    named = school.codes[0].findings[0]["records"]
    assert named["enrollment_id"] == [enrollment_id] and named["grade"] == [NOT_OFFERED]

    roll_one_school(demo, test=True)  # a Run Test rolls nothing
    assert {s.school_id: s.state for s in year_readiness(demo).schools}[ROLLED_SCHOOL] == READY
    roll_one_school(demo)
    assert {s.school_id: s.state for s in year_readiness(demo).schools}[ROLLED_SCHOOL] == DONE


def test_a_check_of_another_year_is_not_this_years(demo):
    check_readiness(demo, 2027, user=ADMIN)
    assert {s.state for s in year_readiness(demo, 2028).schools} == {NOT_CHECKED}


def test_the_runs_are_filtered_and_paged_by_the_store(demo):
    check_year(demo, user=ADMIN)
    roll_one_school(demo, test=True)
    roll_one_school(demo)
    check_year(demo, user="someone else")
    everything = runs_page(demo)
    assert everything.total == 4
    assert [r["kind"] for r in everything.items] == ["check", "forward", "forward", "check"]
    assert runs_page(demo, kind="forward").total == 2
    assert [r["user"] for r in runs_page(demo, kind="check", user=ADMIN).items] == [ADMIN]
    second = runs_page(demo, page=2, per_page=3)
    assert [r["run_id"] for r in second.items] == [everything.items[3]["run_id"]]
    assert everything.items[0]["duration_seconds"] >= 0
    assert run_filters(demo) == {"kind": ["check", "forward"], "status": ["completed"],
                                 "user": [ADMIN, "someone else"]}
    with pytest.raises(ReadRefused, match="page 'x' is not a page number"):
        runs_page(demo, page="x")

"""The `programs` module (YE-6, one of the remaining modules; YE-8 its backup and log, YE-9 its
restore): participations in programs that are not continuous end on the year's last day and start
again next year for students enrolled next year; continuous programs are left as they are.

Pure tests decide from rows in memory (`domain/year_end/programs.py`); store tests run on SQLite
and PostgreSQL (`engine`).
"""

from __future__ import annotations

import datetime as dt

import pytest

from rollover.domain.change_plan import INSERT, UPDATE
from rollover.domain.year_end.programs import (
    NO_CALENDARS, ProgramRows, open_at, plan_programs, year_last_day,
)
from rollover.domain.year_end.rows import EnrollmentPlace, Participation
from rollover.services.modules import programs as module
from rollover.store.schema import program_participations

from .districts import District, restore_module_runs, run_module, stored_rows

D = dt.date.fromisoformat
LAST_DAY = D("2027-06-04")
NEXT_START = D("2027-08-23")


def part(student: str, program: str, start: str, end: str | None = None) -> Participation:
    return Participation(student, program, D(start), None if end is None else D(end))


PARTICIPATIONS = [
    part("S1", "GT", "2026-08-24"),                    # open: closed and reopened
    part("S1", "ELL", "2026-08-24"),                   # continuous: left open
    part("S2", "GT", "2026-09-01"),                    # S2 not enrolled next year: closed only
    part("S3", "GT", "2026-08-24", "2027-06-30"),      # due to end in the summer: closed only
    part("S4", "SPED", "2026-08-24", "2027-12-17"),    # due to end next year: reopened until then
    part("S5", "GT", "2026-08-24", "2027-03-01"),      # ended during the year: not touched
    part("S6", "GT", "2026-08-24"),                    # open, but S6 already has next year's
    part("S6", "GT", "2027-08-23"),
]
NEXT_YEAR = [EnrollmentPlace(s, "HSA28", "HSA", NEXT_START) for s in ("S1", "S3", "S4", "S6")] + [
    EnrollmentPlace("S1", "MSA28", "MSA", D("2027-09-13"))]  # later: the first one speaks
THIS_YEAR = [EnrollmentPlace(s, "MSA27", "MSA", D("2026-08-24")) for s in ("S1", "S2")]


def program_rows(**changes) -> ProgramRows:
    given = dict(last_day=LAST_DAY, continuous=frozenset({"ELL"}),
                 participations=PARTICIPATIONS, next_year=NEXT_YEAR, this_year=THIS_YEAR)
    return ProgramRows(**{**given, **changes})


def step_rows(plan, action: str) -> list[tuple]:
    return [(before, after) for s in plan.steps if s.action == action
            for _school, before, after in s.rows]


def test_ye6_the_years_last_day_is_the_latest_calendar_end():
    assert year_last_day([D("2027-05-28"), LAST_DAY, D("2027-06-01")]) == LAST_DAY
    assert year_last_day([]) is None


def test_ye6_open_at_the_end_of_the_year():
    assert open_at(part("S", "P", "2026-08-24"), LAST_DAY)
    assert open_at(part("S", "P", "2027-06-04", "2027-06-05"), LAST_DAY)
    assert not open_at(part("S", "P", "2026-08-24", "2027-06-04"), LAST_DAY)  # ends that day
    assert not open_at(part("S", "P", "2027-06-05"), LAST_DAY)  # starts after it


def test_ye6_open_participations_of_non_continuous_programs_are_closed_on_the_last_day():
    plan = plan_programs(program_rows(), 2027)
    assert step_rows(plan, UPDATE) == [
        (part("S1", "GT", "2026-08-24"), part("S1", "GT", "2026-08-24", "2027-06-04")),
        (part("S2", "GT", "2026-09-01"), part("S2", "GT", "2026-09-01", "2027-06-04")),
        (part("S3", "GT", "2026-08-24", "2027-06-30"),
         part("S3", "GT", "2026-08-24", "2027-06-04")),
        (part("S4", "SPED", "2026-08-24", "2027-12-17"),
         part("S4", "SPED", "2026-08-24", "2027-06-04")),
        (part("S6", "GT", "2026-08-24"), part("S6", "GT", "2026-08-24", "2027-06-04"))]


def test_ye6_and_reopened_from_the_students_first_next_year_enrollment():
    plan = plan_programs(program_rows(), 2027)
    assert [after for _before, after in step_rows(plan, INSERT)] == [
        part("S1", "GT", "2027-08-23"), part("S4", "SPED", "2027-08-23", "2027-12-17")]
    assert plan.summary == {"participations_closed": 5, "participations_reopened": 2,
                            "closed_not_rolled": 1, "closed_ended_before_next_year": 1,
                            "already_reopened": 1, "continuous_left_open": 1}
    assert plan.messages == []


def test_ye6_closes_before_reopening_whole_rows_in_the_students_school():
    plan = plan_programs(program_rows(), 2027)
    columns = tuple(c.name for c in program_participations.columns)
    assert [(s.table, s.action, s.columns) for s in plan.steps] == [
        ("program_participations", UPDATE, columns), ("program_participations", INSERT, columns)]
    assert Participation._fields == columns
    schools = {(after.student_id, s.action): school for s in plan.steps
               for school, _before, after in s.rows}
    # Next year's school, else this year's, else unknown.
    assert schools[("S1", UPDATE)] == schools[("S1", INSERT)] == "HSA"
    assert schools[("S2", UPDATE)] == "MSA"
    plan = plan_programs(program_rows(this_year=[]), 2027)
    assert {after.student_id: school for s in plan.steps
            for school, _before, after in s.rows}["S2"] is None


def test_ye6_a_next_year_start_not_after_the_last_day_reopens_the_day_after():
    plan = plan_programs(program_rows(
        participations=[part("S1", "GT", "2026-08-24")],
        next_year=[EnrollmentPlace("S1", "X28", "HSA", D("2027-06-01"))]), 2027)
    assert [after for _before, after in step_rows(plan, INSERT)] == [
        part("S1", "GT", "2027-06-05")]


def test_ye6_two_open_participations_of_one_program_reopen_once():
    plan = plan_programs(program_rows(participations=[part("S1", "GT", "2026-08-24"),
                                                      part("S1", "GT", "2027-01-04")]), 2027)
    assert len(step_rows(plan, UPDATE)) == 2
    assert [after for _before, after in step_rows(plan, INSERT)] == [
        part("S1", "GT", "2027-08-23")]
    assert plan.summary["already_reopened"] == 1


def test_ye6_a_year_without_calendars_changes_nothing_and_says_so():
    plan = plan_programs(program_rows(last_day=None), 2027)
    assert plan.steps == []
    assert [(m.code, m.record) for m in plan.messages] == [(NO_CALENDARS, None)]


def test_ye6_the_programs_module_is_declared():
    assert (module.MODULE.name, module.MODULE.requires, module.MODULE.tables) == (
        "programs", ("registration",), ("program_participations",))


# -- store -----------------------------------------------------------------------------------------
@pytest.fixture
def loaded(engine, tmp_path):
    """HSA27/MSA27 (2027, ending 4 June 2027) and HSA28 (2028, from 24 August 2027).  GT is not
    continuous, ELL is, SPED's flag is empty."""
    d = District(source_year=2027)
    d.school("HSA")
    d.school("MSA")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    d.calendar("MSA27", "MSA", 2027, ["08"])
    d.calendar("HSA28", "HSA", 2028, ["11"])
    d.program("GT", continuous=False)
    d.program("ELL", continuous=True)
    d.rows["programs"].append(("SPED", "Program SPED", None))
    for student, calendar in (("S1", "HSA27"), ("S2", "MSA27"), ("S3", "HSA27")):
        d.student(student)
        d.enroll(f"{student}-27", student, calendar, "10" if calendar == "HSA27" else "08")
    d.enroll("S1-28", "S1", "HSA28", "11")
    d.enroll("S3-28", "S3", "HSA28", "11", start=D("2027-09-07"))
    d.participation("S1", "GT")
    d.participation("S1", "ELL")
    d.participation("S2", "GT")
    d.participation("S3", "SPED", D("2026-10-01"), D("2028-01-31"))
    d.participation("S3", "GT", D("2026-08-24"), D("2027-02-01"))
    d.load(engine, tmp_path / "bundle")
    return engine


def test_ye6_store_programs_close_reopen_rerun_and_restore(loaded):
    before = stored_rows(loaded)
    plan = run_module(loaded, module.MODULE)
    assert stored_rows(loaded, "program_participations")["program_participations"] == [
        ("S1", "ELL", D("2026-08-24"), None),
        ("S1", "GT", D("2026-08-24"), D("2027-06-04")),
        ("S1", "GT", D("2027-08-24"), None),
        ("S2", "GT", D("2026-08-24"), D("2027-06-04")),
        ("S3", "GT", D("2026-08-24"), D("2027-02-01")),
        ("S3", "SPED", D("2026-10-01"), D("2027-06-04")),
        ("S3", "SPED", D("2027-09-07"), D("2028-01-31"))]
    assert plan.changes_by_table_and_school() == [
        {"table": "program_participations", "school_id": "HSA", "inserted": 2, "updated": 2,
         "deleted": 0},
        {"table": "program_participations", "school_id": "MSA", "inserted": 0, "updated": 1,
         "deleted": 0}]
    assert plan.summary["continuous_left_open"] == 1
    again = run_module(loaded, module.MODULE, run_id="t-2")
    assert again.steps == []
    assert restore_module_runs(loaded, "t-2", "t-1") == {"program_participations": 5}
    assert stored_rows(loaded) == before

"""The `success_plan` module (YE-14; YE-6 its declaration, YE-8 its backup and log, YE-9 its
restore): open plans of rolled students carried into the next year with their goals.

Pure tests decide from rows in memory (`domain/year_end/success_plan.py`); store tests run on
SQLite and PostgreSQL (`engine`).
"""

from __future__ import annotations

import datetime as dt

from rollover.domain.year_end.rows import EnrollmentPlace, PlanGoal, SuccessPlan
from rollover.domain.year_end.success_plan import NOT_ROLLED, PlanRows, plan_success_plans
from rollover.services.modules import success_plan as module
from rollover.store.schema_modules import plan_goals, success_plans

from .districts import District, loaded_fixture, restore_module_runs, run_module, stored_rows
from .module_setup import assert_inserts_whole_rows, columns, inserted

D = dt.date.fromisoformat
TABLES = ("success_plans", "plan_goals")

OPEN_S1 = SuccessPlan("P-S1-2027", "S1", 2027, "open", "Reading", None)
CLOSED_S1 = SuccessPlan("P-S1-2027-B", "S1", 2027, "closed", "Math", None)
OPEN_S2 = SuccessPlan("P-S2-2027", "S2", 2027, "open", "Attendance", None)
OLD_S1 = SuccessPlan("P-S1-2026", "S1", 2026, "open", "Old", None)
GOALS = [PlanGoal("G2", "P-S1-2027", "Read 20 books", "12 so far"),
         PlanGoal("G1", "P-S1-2027", "Daily log", None),
         PlanGoal("G3", "P-S2-2027", "Be on time", "better")]
PLACES_28 = [EnrollmentPlace("S1", "HSA28A", "HSA", D("2027-09-01")),
             EnrollmentPlace("S1", "MSA28", "MSA", D("2027-08-23"))]  # the earliest speaks
PLACES_27 = [EnrollmentPlace("S2", "ESA27", "ESA", D("2026-08-24"))]


def plan_rows(**changes) -> PlanRows:
    given = dict(plans=[OPEN_S2, CLOSED_S1, OPEN_S1, OLD_S1], goals=GOALS,
                 carried_from=frozenset(), next_year=PLACES_28, this_year=PLACES_27,
                 taken_plan_ids=frozenset(p.plan_id for p in (OPEN_S1, CLOSED_S1, OPEN_S2,
                                                             OLD_S1)),
                 taken_goal_ids=frozenset({"G1", "G2", "G3"}))
    return PlanRows(**{**given, **changes})


def test_ye14_an_open_plan_of_a_rolled_student_is_carried_with_its_goals_progress_cleared():
    plan = plan_success_plans(plan_rows(), 2027)
    assert inserted(plan, "success_plans") == [
        ("P-S1-2028", "S1", 2028, "open", "Reading", "P-S1-2027")]
    assert inserted(plan, "plan_goals") == [("G1-2028", "P-S1-2028", "Daily log", None),
                                            ("G2-2028", "P-S1-2028", "Read 20 books", None)]


def test_ye14_closed_plans_and_plans_of_students_not_rolled_stay_behind():
    plan = plan_success_plans(plan_rows(), 2027)
    assert plan.summary == {"plans_carried": 1, "goals_copied": 2, "plans_closed_left": 1,
                            "plans_already_carried": 0, "plans_not_rolled": 1}
    assert [(m.level, m.code, m.record, m.school_id) for m in plan.messages] == [
        ("warning", NOT_ROLLED, "P-S2-2027", "ESA")]
    assert "student S2" in plan.messages[0].message


def test_ye14_a_plan_already_carried_is_skipped():
    plan = plan_success_plans(plan_rows(carried_from=frozenset({"P-S1-2027"})), 2027)
    assert plan.steps == []
    assert plan.summary["plans_already_carried"] == 1


def test_ye14_new_ids_avoid_stored_ones():
    plan = plan_success_plans(plan_rows(taken_plan_ids=frozenset({"P-S1-2028"}),
                                        taken_goal_ids=frozenset({"G1-2028"})), 2027)
    assert [r[0] for r in inserted(plan, "success_plans")] == ["P-S1-2028-2"]
    assert [r[:2] for r in inserted(plan, "plan_goals")] == [("G1-2028-2", "P-S1-2028-2"),
                                                             ("G2-2028", "P-S1-2028-2")]


def test_ye14_whole_rows_parents_first_in_the_school_of_the_first_next_year_enrollment():
    plan = plan_success_plans(plan_rows(), 2027)
    assert_inserts_whole_rows(plan, [success_plans, plan_goals], {"MSA"})


def test_ye8_the_domain_rows_are_whole_table_rows():
    assert SuccessPlan._fields == columns(success_plans)
    assert PlanGoal._fields == columns(plan_goals)


def test_ye6_the_success_plan_module_is_declared():
    assert (module.MODULE.name, module.MODULE.requires, module.MODULE.tables) == (
        "success_plan", ("mark_reporting",), ("success_plans", "plan_goals"))


# -- store -----------------------------------------------------------------------------------------
def district() -> District:
    """S1 (rolled) has an open plan with two goals, a closed plan and an old 2026 plan; S2 (not
    rolled) an open plan; S3 (rolled) none."""
    d = District(source_year=2027)
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    d.calendar("HSA28", "HSA", 2028, ["11"])
    for student in ("S1", "S2", "S3"):
        d.student(student)
        d.enroll(f"{student}-27", student, "HSA27", "10")
    d.enroll("S1-28", "S1", "HSA28", "11")
    d.enroll("S3-28", "S3", "HSA28", "11")
    d.success_plan("P-S1-2026", "S1", year=2026, status="closed", title="Old")
    d.success_plan("P-S1-2027", "S1", title="Reading", carried_from="P-S1-2026")
    d.goal("G-1", "P-S1-2027", "Read 20 books", "12 so far")
    d.goal("G-2", "P-S1-2027", "Daily log")
    d.success_plan("P-S1-2027-M", "S1", status="closed", title="Math")
    d.goal("G-3", "P-S1-2027-M", "Fractions", "done")
    d.success_plan("P-S2-2027", "S2", title="Attendance")
    d.goal("G-4", "P-S2-2027", "Be on time", "better")
    return d


loaded = loaded_fixture(district)


def test_ye14_store_carries_open_plans_of_rolled_students(loaded):
    before = stored_rows(loaded, *TABLES)
    plan = run_module(loaded, module.MODULE)
    rows = stored_rows(loaded, *TABLES)
    new_plans = sorted(set(rows["success_plans"]) - set(before["success_plans"]))
    assert new_plans == [("P-S1-2028", "S1", 2028, "open", "Reading", "P-S1-2027")]
    assert sorted(set(rows["plan_goals"]) - set(before["plan_goals"])) == [
        ("G-1-2028", "P-S1-2028", "Read 20 books", None),
        ("G-2-2028", "P-S1-2028", "Daily log", None)]
    # The old rows are untouched.
    assert set(before["success_plans"]) <= set(rows["success_plans"])
    assert set(before["plan_goals"]) <= set(rows["plan_goals"])
    assert [(m.code, m.record, m.school_id) for m in plan.messages] == [
        (NOT_ROLLED, "P-S2-2027", "HSA")]
    assert plan.changes_by_table_and_school() == [
        {"table": "plan_goals", "school_id": "HSA", "inserted": 2, "updated": 0, "deleted": 0},
        {"table": "success_plans", "school_id": "HSA", "inserted": 1, "updated": 0,
         "deleted": 0}]


def test_ye14_ye9_a_rerun_carries_nothing_twice_and_restoring_puts_every_table_back(loaded):
    before = stored_rows(loaded)
    run_module(loaded, module.MODULE)
    again = run_module(loaded, module.MODULE, run_id="t-2")
    assert again.steps == []
    assert again.summary["plans_already_carried"] == 1
    assert restore_module_runs(loaded, "t-2", "t-1") == {"plan_goals": 2, "success_plans": 1}
    assert stored_rows(loaded) == before


def test_ye14_the_next_years_carried_plan_is_carried_again_a_year_later(loaded):
    run_module(loaded, module.MODULE)
    later = run_module(loaded, module.MODULE, school_year=2028, run_id="t-2")
    # Nobody is enrolled in 2029: the carried plan stays behind with a warning.
    assert [(m.code, m.record) for m in later.messages] == [(NOT_ROLLED, "P-S1-2028")]

"""The five year-end modules end to end through the process service (`services/process.py`) on
SQLite and PostgreSQL: after `calendar` and `registration`, `scheduling`, `mark_reporting` and
`success_plan` run in YE-7's order, the remaining modules after `registration`; a restore of
`scheduling` undoes the modules that depend on it too (YE-9), leaving the others' changes."""

from __future__ import annotations

import datetime as dt

import pytest

from rollover.services.process import ProcessRefused, prepare, restore, run_module

from .districts import District, stored_rows

D = dt.date.fromisoformat
CHAIN = ("scheduling", "mark_reporting", "success_plan")
REMAINING = ("attendance_codes", "programs")


def district() -> District:
    """HSA closes 2026-27 (grades 10 and 11; no 2027-28 calendar yet).  S1 (grade 10) rolls into
    grade 11; S2 (grade 11, the last grade) does not."""
    d = District(source_year=2027)
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, ["10", "11"])
    d.rename_calendar("HSA27", "HSA 2026-27")
    d.student("S1")
    d.student("S2")
    d.enroll("S1-27", "S1", "HSA27", "10", end_action="promote")
    d.enroll("S2-27", "S2", "HSA27", "11", end_action="promote")
    d.course("HSA27-ALG1", "HSA27", "ALG1", "Algebra I")
    d.section("HSA27-ALG1-1", "HSA27-ALG1", "1", teacher="Ada")
    d.grading_period("HSA27-Q1", "HSA27", "Q1", 1, D("2026-08-24"), D("2026-10-23"))
    d.mark_type("HSA27-LTR", "HSA27", "LTR")
    d.mark("S1", "HSA27-ALG1-1", "HSA27-Q1", "HSA27-LTR", "A")
    d.success_plan("P-S1-2027", "S1", title="Reading")
    d.goal("G-1", "P-S1-2027", "Read 20 books", "12 so far")
    d.success_plan("P-S2-2027", "S2", title="Attendance")
    d.attendance_code("U", name="Unexcused", excused=False)
    d.program("GT", continuous=False)
    d.participation("S1", "GT")
    return d


@pytest.fixture
def prepared(engine, tmp_path):
    district().load(engine, tmp_path / "bundle")
    prepare(engine, year=2027, backup_folder=tmp_path / "backups", use_pg_dump=False)
    for name in ("calendar", "registration"):
        run_module(engine, name)
    return engine


def test_ye7_a_module_is_refused_until_its_prerequisites_have_run(prepared):
    with pytest.raises(ProcessRefused, match="mark_reporting"):
        run_module(prepared, "success_plan")
    with pytest.raises(ProcessRefused, match="scheduling"):
        run_module(prepared, "mark_reporting")


def test_ye12_ye13_ye14_ye6_the_modules_through_the_process_and_a_restore(prepared):
    after_registration = stored_rows(prepared)
    runs = {name: run_module(prepared, name) for name in (*CHAIN, *REMAINING)}
    rows = stored_rows(prepared)
    # The calendar module made HSA28 'HSA 2027-28'; registration rolled S1 into it.
    assert [r for r in rows["courses"] if r[1] == "HSA28"] == [
        ("HSA28-ALG1", "HSA28", "ALG1", "Algebra I")]
    assert [r for r in rows["sections"] if r[1] == "HSA28-ALG1"] == [
        ("HSA28-ALG1-1", "HSA28-ALG1", "1", "Ada", None, None)]
    assert [r for r in rows["grading_periods"] if r[1] == "HSA28"] == [
        ("HSA28-Q1", "HSA28", "Q1", 1, D("2027-08-23"), D("2027-10-22"))]
    assert rows["student_marks"] == after_registration["student_marks"]
    assert ("P-S1-2028", "S1", 2028, "open", "Reading", "P-S1-2027") in rows["success_plans"]
    assert ("G-1-2028", "P-S1-2028", "Read 20 books", None) in rows["plan_goals"]
    assert [(m.code, m.record) for m in runs["success_plan"].plan.messages] == [
        ("NOT_ROLLED", "P-S2-2027")]
    assert (2028, "U", "Unexcused", False) in rows["attendance_codes"]
    s1_start = next(r[6] for r in rows["enrollments"] if r[1] == "S1" and r[2] == "HSA28")
    assert rows["program_participations"] == [("S1", "GT", D("2026-08-24"), D("2027-06-04")),
                                              ("S1", "GT", s1_start, None)]

    result = restore(prepared, "scheduling", runs["scheduling"].run_id)
    assert result.restored_runs == [runs[name].run_id for name in reversed(CHAIN)]
    restored = stored_rows(prepared)
    for table in ("courses", "sections", "course_requests", "student_schedules",
                  "grading_periods", "mark_types", "student_marks", "success_plans",
                  "plan_goals"):
        assert restored[table] == after_registration[table], table
    # The remaining modules do not depend on scheduling: their changes stay.
    assert restored["attendance_codes"] == rows["attendance_codes"]
    assert restored["program_participations"] == rows["program_participations"]

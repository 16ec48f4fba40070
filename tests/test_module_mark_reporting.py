"""The `mark_reporting` module (YE-13; YE-6 its declaration, YE-8 its backup and log, YE-9 its
restore): grading periods (dates moved a year) and mark types copied into the next year; student
marks never copied.

Pure tests decide from rows in memory (`domain/year_end/mark_reporting.py`); store tests run on
SQLite and PostgreSQL (`engine`).
"""

from __future__ import annotations

import datetime as dt

import pytest

from rollover.domain.year_end.mark_reporting import GradingRows, plan_mark_reporting
from rollover.domain.year_end.next_calendars import AMBIGUOUS_NEXT_CALENDAR, NO_NEXT_CALENDAR
from rollover.domain.year_end.rows import CalendarRow, GradingPeriod, MarkType
from rollover.services.modules import ModuleRefused
from rollover.services.modules import mark_reporting as module
from rollover.store.schema_modules import grading_periods, mark_types

from .districts import District, loaded_fixture, restore_module_runs, run_module, stored_rows
from .module_setup import assert_inserts_whole_rows, columns, inserted

D = dt.date.fromisoformat
TABLES = ("grading_periods", "mark_types", "student_marks")

CALENDARS = [CalendarRow("HSA27", "HSA", 2027, "HSA 2026-27"),
             CalendarRow("HSA28", "HSA", 2028, "HSA 2027-28"),
             CalendarRow("MSA27", "MSA", 2027, "MSA 2026-27"),
             CalendarRow("ESA27", "ESA", 2027, "ESA 2026-27"),
             CalendarRow("ESA28A", "ESA", 2028, "East"), CalendarRow("ESA28B", "ESA", 2028, "West")]
Q1 = GradingPeriod("HSA27-Q1", "HSA27", "Q1", 1, D("2026-08-24"), D("2026-10-23"))
Q2 = GradingPeriod("HSA27-Q2", "HSA27", "Q2", 2, D("2026-10-26"), D("2027-01-15"))
LTR = MarkType("HSA27-LTR", "HSA27", "LTR", "Letter grade")
PCT = MarkType("HSA27-PCT", "HSA27", "PCT", "Percent")


def grading(**changes) -> GradingRows:
    given = dict(calendars=CALENDARS, grading_periods=[Q2, Q1], mark_types=[PCT, LTR],
                 next_year_period_names=frozenset(), next_year_mark_codes=frozenset(),
                 taken_period_ids=frozenset({Q1[0], Q2[0]}),
                 taken_mark_type_ids=frozenset({LTR[0], PCT[0]}))
    return GradingRows(**{**given, **changes})


def test_ye13_grading_periods_are_copied_with_dates_moved_a_year_name_and_sequence_kept():
    plan = plan_mark_reporting(grading(), 2027)
    assert inserted(plan, "grading_periods") == [
        ("HSA28-Q1", "HSA28", "Q1", 1, D("2027-08-23"), D("2027-10-22")),
        ("HSA28-Q2", "HSA28", "Q2", 2, D("2027-10-25"), D("2028-01-14"))]
    # The same weekday a year later (move_date: 364 days).
    assert all(new[4].weekday() == old[4].weekday() and new[5].weekday() == old[5].weekday()
               for old, new in zip([Q1, Q2], inserted(plan, "grading_periods")))


def test_ye13_mark_types_are_copied():
    plan = plan_mark_reporting(grading(), 2027)
    assert inserted(plan, "mark_types") == [("HSA28-LTR", "HSA28", "LTR", "Letter grade"),
                                            ("HSA28-PCT", "HSA28", "PCT", "Percent")]


def test_ye13_a_name_or_code_already_in_the_target_is_skipped():
    plan = plan_mark_reporting(grading(next_year_period_names=frozenset({("HSA28", "Q2")}),
                                       next_year_mark_codes=frozenset({("HSA28", "LTR")})), 2027)
    assert [r[0] for r in inserted(plan, "grading_periods")] == ["HSA28-Q1"]
    assert [r[0] for r in inserted(plan, "mark_types")] == ["HSA28-PCT"]
    assert plan.summary == {"grading_periods_copied": 1, "grading_periods_skipped": 1,
                            "grading_periods_without_next_calendar": 0,
                            "mark_types_copied": 1, "mark_types_skipped": 1,
                            "mark_types_without_next_calendar": 0}


def test_ye13_rows_of_a_calendar_without_a_next_one_are_warnings():
    plan = plan_mark_reporting(grading(
        grading_periods=[Q1, Q1._replace(grading_period_id="MSA27-Q1", calendar_id="MSA27")],
        mark_types=[LTR._replace(mark_type_id="ESA27-LTR", calendar_id="ESA27")]), 2027)
    assert [(m.code, m.record, m.school_id) for m in plan.messages] == [
        (NO_NEXT_CALENDAR, "MSA27-Q1", "MSA"), (AMBIGUOUS_NEXT_CALENDAR, "ESA27-LTR", "ESA")]
    assert "grading period MSA27-Q1 of calendar MSA27 is not copied" in plan.messages[0].message
    assert [r[0] for r in inserted(plan, "grading_periods")] == ["HSA28-Q1"]
    assert inserted(plan, "mark_types") == []
    assert plan.summary["grading_periods_without_next_calendar"] == 1
    assert plan.summary["mark_types_without_next_calendar"] == 1


def test_ye13_whole_rows_with_their_school_and_never_a_mark():
    plan = plan_mark_reporting(grading(), 2027)
    assert_inserts_whole_rows(plan, [grading_periods, mark_types], {"HSA"})


def test_ye8_the_domain_rows_are_whole_table_rows():
    assert GradingPeriod._fields == columns(grading_periods)
    assert MarkType._fields == columns(mark_types)


def test_ye6_the_mark_reporting_module_is_declared():
    assert (module.MODULE.name, module.MODULE.requires, module.MODULE.tables) == (
        "mark_reporting", ("scheduling",), ("grading_periods", "mark_types"))
    with pytest.raises(ModuleRefused, match="'copy_marks'"):
        module.MODULE.parse_options({"copy_marks": "true"})


# -- store -----------------------------------------------------------------------------------------
def district() -> District:
    """HSA27 has two quarters, two mark types, a section and S1's marks in it; HSA28 already has
    a Q2 (its own dates); MSA has no 2027-28 calendar."""
    d = District(source_year=2027)
    d.school("HSA")
    d.school("MSA")
    for calendar_id, school, year, grade, name in (
            ("HSA27", "HSA", 2027, "10", "HSA 2026-27"),
            ("HSA28", "HSA", 2028, "11", "HSA 2027-28"),
            ("MSA27", "MSA", 2027, "08", "MSA 2026-27")):
        d.calendar(calendar_id, school, year, [grade])
        d.rename_calendar(calendar_id, name)
    d.student("S1")
    d.enroll("S1-27", "S1", "HSA27", "10")
    d.enroll("S1-28", "S1", "HSA28", "11")
    d.grading_period("HSA27-Q1", "HSA27", "Q1", 1, D("2026-08-24"), D("2026-10-23"))
    d.grading_period("HSA27-Q2", "HSA27", "Q2", 2, D("2026-10-26"), D("2027-01-15"))
    d.grading_period("HSA28-Q2", "HSA28", "Q2", 2, D("2027-11-01"), D("2028-01-21"))
    d.grading_period("MSA27-T1", "MSA27", "T1", 1, D("2026-08-24"), D("2026-12-18"))
    d.mark_type("HSA27-LTR", "HSA27", "LTR", "Letter grade")
    d.mark_type("HSA27-CMT", "HSA27", "CMT", "Comment")
    d.course("HSA27-ALG1", "HSA27", "ALG1")
    d.section("HSA27-ALG1-1", "HSA27-ALG1")
    d.course("HSA28-ALG1", "HSA28", "ALG1")  # as the scheduling module copied it
    d.section("HSA28-ALG1-1", "HSA28-ALG1")
    d.mark("S1", "HSA27-ALG1-1", "HSA27-Q1", "HSA27-LTR", "B+")
    d.mark("S1", "HSA27-ALG1-1", "HSA27-Q1", "HSA27-CMT", "Works hard")
    return d


loaded = loaded_fixture(district)


def test_ye13_store_copies_grading_periods_and_mark_types(loaded):
    plan = run_module(loaded, module.MODULE)
    rows = stored_rows(loaded, *TABLES)
    assert [r for r in rows["grading_periods"] if r[1] == "HSA28"] == [
        ("HSA28-Q1", "HSA28", "Q1", 1, D("2027-08-23"), D("2027-10-22")),
        ("HSA28-Q2", "HSA28", "Q2", 2, D("2027-11-01"), D("2028-01-21"))]  # kept as it was
    assert [r for r in rows["mark_types"] if r[1] == "HSA28"] == [
        ("HSA28-CMT", "HSA28", "CMT", "Comment"), ("HSA28-LTR", "HSA28", "LTR", "Letter grade")]
    assert [(m.code, m.record, m.school_id) for m in plan.messages] == [
        (NO_NEXT_CALENDAR, "MSA27-T1", "MSA")]
    assert plan.changes_by_table_and_school() == [
        {"table": "grading_periods", "school_id": "HSA", "inserted": 1, "updated": 0,
         "deleted": 0},
        {"table": "mark_types", "school_id": "HSA", "inserted": 2, "updated": 0, "deleted": 0}]


def test_ye13_student_marks_are_never_copied(loaded):
    before = stored_rows(loaded, "student_marks")
    plan = run_module(loaded, module.MODULE)
    assert {s.table for s in plan.steps} == {"grading_periods", "mark_types"}
    assert "student_marks" not in module.MODULE.tables
    assert stored_rows(loaded, "student_marks") == before
    assert len(before["student_marks"]) == 2


def test_ye13_ye9_a_rerun_copies_nothing_and_restoring_puts_every_table_back(loaded):
    before = stored_rows(loaded)
    run_module(loaded, module.MODULE)
    again = run_module(loaded, module.MODULE, run_id="t-2")
    assert again.steps == []
    assert (again.summary["grading_periods_skipped"], again.summary["mark_types_skipped"]) == (2, 2)
    restored = restore_module_runs(loaded, "t-2", "t-1")
    assert restored == {"grading_periods": 1, "mark_types": 2}
    assert stored_rows(loaded) == before

"""The `attendance_codes` module (YE-6, one of the remaining modules; YE-8 its backup and log,
YE-9 its restore): the school year's codes copied into the next, codes already there skipped.

Pure tests decide from rows in memory; store tests run on SQLite and PostgreSQL (`engine`).
"""

from __future__ import annotations

import pytest

from rollover.domain.year_end.attendance_codes import plan_attendance_codes
from rollover.domain.year_end.rows import AttendanceCode
from rollover.services.modules import ModuleRefused
from rollover.services.modules import attendance_codes as module
from rollover.store.schema_modules import attendance_codes

from .districts import District, restore_module_runs, run_module, stored_rows
from .module_setup import assert_inserts_whole_rows, columns, inserted

CODES = [AttendanceCode(2027, "U", "Unexcused", False), AttendanceCode(2027, "E", "Excused", True),
         AttendanceCode(2027, "T", "Tardy", None), AttendanceCode(2028, "T", "Tardy (new)", False),
         AttendanceCode(2026, "X", "Old", True)]


def test_ye6_attendance_codes_are_copied_into_the_next_year_skipping_codes_already_there():
    plan = plan_attendance_codes(CODES, 2027)
    assert inserted(plan) == [(2028, "E", "Excused", True), (2028, "U", "Unexcused", False)]
    assert plan.summary == {"codes_copied": 2, "codes_skipped": 1}
    assert plan.messages == []


def test_ye6_attendance_codes_are_whole_rows_of_no_school():
    plan = plan_attendance_codes(CODES, 2027)
    assert_inserts_whole_rows(plan, [attendance_codes], {None})
    assert AttendanceCode._fields == columns(attendance_codes)


def test_ye6_the_attendance_codes_module_is_declared():
    assert (module.MODULE.name, module.MODULE.requires, module.MODULE.tables) == (
        "attendance_codes", ("registration",), ("attendance_codes",))
    with pytest.raises(ModuleRefused, match="'year'"):
        module.MODULE.parse_options({"year": "2027"})


@pytest.fixture
def loaded(engine, tmp_path):
    d = District(source_year=2027)
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    d.calendar("HSA28", "HSA", 2028, ["11"])
    for code in CODES:
        d.attendance_code(code.code, year=code.school_year, name=code.name, excused=code.excused)
    d.load(engine, tmp_path / "bundle")
    return engine


def test_ye6_store_attendance_codes_copy_rerun_and_restore(loaded):
    before = stored_rows(loaded)
    plan = run_module(loaded, module.MODULE)
    assert [r for r in stored_rows(loaded, "attendance_codes")["attendance_codes"]
            if r[0] == 2028] == [(2028, "E", "Excused", True), (2028, "T", "Tardy (new)", False),
                                 (2028, "U", "Unexcused", False)]
    assert plan.changes_by_table_and_school() == [
        {"table": "attendance_codes", "school_id": None, "inserted": 2, "updated": 0,
         "deleted": 0}]
    again = run_module(loaded, module.MODULE, run_id="t-2")
    assert again.steps == []
    assert again.summary == {"codes_copied": 0, "codes_skipped": 3}
    assert restore_module_runs(loaded, "t-2", "t-1") == {"attendance_codes": 2}
    assert stored_rows(loaded) == before

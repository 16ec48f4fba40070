"""The year-end modules' bundle files (courses, sections, grading, plans …) on SQLite and
PostgreSQL: they import, export byte for byte, replace by key, and bad rows in them are refused as
`file:line: column: message` with nothing written.

The bundle is the tiny district (tests/bundles/tiny) plus one file per module table
(tests/bundles/tiny_modules).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rollover.bundle.folder import BundleRefused
from rollover.bundle.format import FILES
from rollover.services.bundles import export_bundle, import_bundle
from rollover.store import schema_modules
from rollover.store.schema import metadata

from . import cli
from .bundle_edits import ALREADY, append_row, read_csv, set_cell, write_csv
from .conftest import BUNDLES
from .test_bundle_roundtrip import same_folders

MODULE_FILES = sorted(p.name for p in (BUNDLES / "tiny_modules").iterdir())
EVERY_TABLE = [metadata.tables[f.table] for f in FILES]


@pytest.fixture
def bundle(tiny_bundle) -> Path:
    """The tiny district with every module file, free to be spoiled by the test."""
    for name in MODULE_FILES:
        shutil.copy(BUNDLES / "tiny_modules" / name, tiny_bundle / name)
    return tiny_bundle


def later_bundle(folder: Path, files: dict[str, list[list[str]]]) -> Path:
    """A bundle adding `files` to a stored district: every required file is there, header only."""
    folder.mkdir()
    for spec in FILES:
        if not spec.optional:
            write_csv(folder, spec.name, [list(spec.column_names)])
    for name, rows in files.items():
        write_csv(folder, name, rows)
    return folder


def counts(engine) -> dict[str, int]:
    """Rows per table of every bundle file, module files included."""
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in EVERY_TABLE}


def refused(engine, bundle, **options) -> list[str]:
    """The problems of a refused import, as the user sees them."""
    before = counts(engine)
    with pytest.raises(BundleRefused) as info:
        import_bundle(engine, bundle, **options)
    assert counts(engine) == before, "a refused import wrote something"
    return [str(p) for p in info.value.problems]


# -- the files as data ----------------------------------------------------------------------------
def test_every_module_table_has_a_bundle_file_in_loading_order():
    names = [f.name for f in FILES]
    module_tables = [t.name for t in schema_modules.MODULE_TABLES]
    assert sorted(f"{t}.csv" for t in module_tables) == MODULE_FILES
    # After enrollments, parents before children: the order of schema_modules.MODULE_TABLES.
    assert names[names.index("enrollments.csv") + 1:] == [f"{t}.csv" for t in module_tables]
    for spec in FILES[names.index("enrollments.csv") + 1:]:
        table = metadata.tables[spec.table]
        assert spec.optional
        assert spec.column_names == tuple(c.name for c in table.columns)
        assert spec.key == tuple(c.name for c in table.primary_key.columns)
        for column in table.columns:
            targets = {fk.target_fullname for fk in column.foreign_keys}
            assert targets == ({spec.column(column.name).references} - {None}), column


# -- import, export, replace ----------------------------------------------------------------------
def test_module_files_import_and_export_byte_for_byte(engine, bundle, tmp_path):
    result = import_bundle(engine, bundle)
    assert {name: result.rows[name] for name in MODULE_FILES} == {
        name: len(read_csv(bundle, name)) - 1 for name in MODULE_FILES}
    export_bundle(engine, tmp_path / "out")
    assert same_folders(bundle, tmp_path / "out") == []


def test_values_of_module_files_come_back_typed(engine, bundle):
    import_bundle(engine, bundle)
    with engine.connect() as conn:
        codes = {r.code: r.excused for r in conn.execute(select(
            schema_modules.attendance_codes.c.code, schema_modules.attendance_codes.c.excused))}
        capacity = conn.execute(select(schema_modules.sections.c.capacity).where(
            schema_modules.sections.c.section_id == "HSA27-C1-1")).scalar_one()
        ends = conn.execute(select(schema_modules.grading_periods.c.end_date).where(
            schema_modules.grading_periods.c.grading_period_id == "HSA27-Q1")).scalar_one()
    assert codes == {"A": False, "E": True, "P": None, "T": False}
    assert capacity == 30
    assert ends.isoformat() == "2026-10-30"


def test_module_files_may_come_in_a_later_bundle_naming_stored_rows(engine, bundle, tmp_path):
    later = later_bundle(tmp_path / "later", {name: read_csv(bundle, name)
                                              for name in MODULE_FILES})
    for name in MODULE_FILES:
        (bundle / name).unlink()
    import_bundle(engine, bundle)
    import_bundle(engine, later)  # the module files alone, referring to the stored district
    export_bundle(engine, tmp_path / "out")
    for name in MODULE_FILES:
        assert read_csv(tmp_path / "out", name) == read_csv(later, name), name


def test_module_files_replace_by_key_and_keep_the_other_rows(engine, bundle, tmp_path):
    import_bundle(engine, bundle)
    changes = later_bundle(tmp_path / "changes", {
        name: read_csv(bundle, name)[:2]  # the header and the first row
        for name in ("courses.csv", "success_plans.csv", "attendance_codes.csv",
                     "enrollment_staff.csv")})
    set_cell(changes, "courses.csv", 2, "name", "English 9 Honors")
    set_cell(changes, "success_plans.csv", 2, "status", "closed")
    set_cell(changes, "attendance_codes.csv", 2, "excused", "true")
    set_cell(changes, "enrollment_staff.csv", 2, "next_homeroom", "")
    import_bundle(engine, changes, replace=True)

    export_bundle(engine, tmp_path / "out")
    for name in ("courses.csv", "success_plans.csv", "attendance_codes.csv",
                 "enrollment_staff.csv"):
        expected = read_csv(bundle, name)
        expected[1] = read_csv(changes, name)[1]
        assert read_csv(tmp_path / "out", name) == expected, name


def test_module_files_without_replace_refuse_stored_ids(engine, bundle):
    import_bundle(engine, bundle)
    problems = refused(engine, bundle)
    assert "courses.csv:2: course_id: 'HSA27-C1' " + ALREADY in problems
    assert "attendance_codes.csv:2: school_year + code: '2027' + 'A' " + ALREADY in problems
    assert "student_marks.csv:2: student_id + section_id + grading_period_id + mark_type_id: " \
           "'S1' + 'HSA27-C1-1' + 'HSA27-Q1' + 'HSA27-Q' " + ALREADY in problems


def test_a_plan_may_be_carried_from_a_plan_further_down_the_file(engine, bundle, tmp_path):
    write_csv(bundle, "success_plans.csv", [
        ["plan_id", "student_id", "school_year", "status", "title", "carried_from"],
        ["P1", "S2", "2027", "open", "Reading support", "P2"],
        ["P2", "S2", "2026", "open", "Reading support", ""],
        ["P3", "S3", "2027", "closed", "Attendance", ""],
    ])
    (bundle / "plan_goals.csv").unlink()
    import_bundle(engine, bundle)
    export_bundle(engine, tmp_path / "out")
    assert same_folders(bundle, tmp_path / "out") == []


# -- bad input ------------------------------------------------------------------------------------
def test_section_of_an_unknown_course_is_refused(engine, bundle):
    set_cell(bundle, "sections.csv", 3, "course_id", "HSA27-C9")
    assert refused(engine, bundle) == [
        "sections.csv:3: course_id: 'HSA27-C9' does not exist in courses.course_id",
    ]


def test_bad_plan_status_is_refused_with_the_choices(engine, bundle):
    set_cell(bundle, "success_plans.csv", 4, "status", "pending")
    assert refused(engine, bundle) == [
        "success_plans.csv:4: status: 'pending' is not one of open, closed",
    ]


def test_plan_carried_from_an_unknown_plan_is_refused(engine, bundle):
    set_cell(bundle, "success_plans.csv", 3, "carried_from", "P7")
    assert refused(engine, bundle) == [
        "success_plans.csv:3: carried_from: 'P7' does not exist in success_plans.plan_id",
    ]


def test_duplicate_section_id_is_refused_on_the_second_line(engine, bundle):
    line = append_row(bundle, "sections.csv", ["HSA27-C1-1", "HSA27-C2", "9", "", "", ""])
    assert refused(engine, bundle) == [
        f"sections.csv:{line}: section_id: duplicate 'HSA27-C1-1': the same section_id appears "
        "on an earlier line",
    ]


def test_duplicate_composite_key_is_refused_on_the_second_line(engine, bundle):
    line = append_row(bundle, "attendance_codes.csv", ["2027", "P", "Present again", "false"])
    assert refused(engine, bundle) == [
        f"attendance_codes.csv:{line}: school_year + code: duplicate '2027' + 'P': the same "
        "school_year + code appears on an earlier line",
    ]


def test_course_number_used_twice_in_a_calendar_is_refused_not_a_database_error(engine, bundle):
    line = append_row(bundle, "courses.csv", ["HSA27-C3", "HSA27", "1001", "English 9 again"])
    assert refused(engine, bundle) == [
        f"courses.csv:{line}: calendar_id + number: duplicate 'HSA27' + '1001': the same "
        "calendar_id + number appears on an earlier line",
    ]


def test_each_unique_column_set_of_the_module_files_is_checked(engine, bundle):
    sections = append_row(bundle, "sections.csv", ["HSA27-C1-3", "HSA27-C1", "2", "", "", ""])
    periods = append_row(bundle, "grading_periods.csv",
                         ["HSA27-Q9", "HSA27", "Quarter 1", "9", "2027-01-18", "2027-03-26"])
    marks = append_row(bundle, "mark_types.csv", ["HSA27-X", "HSA27", "E", "Exam again"])
    assert refused(engine, bundle) == [
        f"sections.csv:{sections}: course_id + number: duplicate 'HSA27-C1' + '2': the same "
        "course_id + number appears on an earlier line",
        f"grading_periods.csv:{periods}: calendar_id + name: duplicate 'HSA27' + 'Quarter 1': "
        "the same calendar_id + name appears on an earlier line",
        f"mark_types.csv:{marks}: calendar_id + code: duplicate 'HSA27' + 'E': the same "
        "calendar_id + code appears on an earlier line",
    ]


def test_course_number_held_by_another_stored_course_is_refused(engine, bundle, tmp_path):
    import_bundle(engine, bundle)
    later = later_bundle(tmp_path / "later", {"courses.csv": [
        ["course_id", "calendar_id", "number", "name"],
        ["HSA27-C7", "HSA27", "2001", "Algebra I again"],
        ["HSA27-C8", "HSA27", "3001", "Biology"]]})
    expected = ["courses.csv:2: calendar_id + number: 'HSA27' + '2001' is already used by "
                "course_id 'HSA27-C2' in the database"]
    assert refused(engine, later) == expected
    assert refused(engine, later, replace=True) == expected


def test_replace_may_renumber_a_stored_course_and_reuse_its_old_number(engine, bundle, tmp_path):
    import_bundle(engine, bundle)
    later = later_bundle(tmp_path / "later", {"courses.csv": [
        ["course_id", "calendar_id", "number", "name"],
        ["HSA27-C2", "HSA27", "2002", "Algebra I, Part 2"],
        ["HSA27-C7", "HSA27", "2001", "Biology"]]})  # takes C2's old number
    import_bundle(engine, later, replace=True)
    with engine.connect() as conn:
        courses = schema_modules.courses
        numbers = {r.course_id: r.number for r in conn.execute(
            select(courses.c.course_id, courses.c.number).where(courses.c.calendar_id == "HSA27"))}
    assert numbers == {"HSA27-C1": "1001", "HSA27-C2": "2002", "HSA27-C7": "2001"}


@pytest.mark.parametrize("bad", ["2026-11-31", "26-11-02", "soon"])
def test_grading_period_with_a_bad_date_is_refused(engine, bundle, bad):
    set_cell(bundle, "grading_periods.csv", 3, "start_date", bad)
    assert refused(engine, bundle) == [
        f"grading_periods.csv:3: start_date: {bad!r} is not a date (YYYY-MM-DD)",
    ]


@pytest.mark.parametrize("cells, problems", [
    pytest.param(
        [("grading_periods.csv", 2, "end_date", "2026-08-01"),
         ("grading_periods.csv", 4, "end_date", "2027-07-30")],
        ["grading_periods.csv:2: end_date: 2026-08-01 is before start_date 2026-08-24 (the "
         "grading period ends before it starts)",
         "grading_periods.csv:2: end_date: 2026-08-01 is outside calendar 'HSA27' (2026-08-24 to "
         "2027-06-04)",
         "grading_periods.csv:4: end_date: 2027-07-30 is outside calendar 'MSA27' (2026-08-24 to "
         "2027-06-04)"],
        id="grading_period_ending_before_it_starts_or_outside_its_calendar"),
    pytest.param(
        [("student_schedules.csv", 3, "end_date", "2026-08-01")],
        ["student_schedules.csv:3: end_date: 2026-08-01 is before start_date 2026-08-24 (it ends "
         "before it starts)"],
        id="schedule_ending_before_it_starts"),
    pytest.param(
        [("enrollment_staff.csv", 2, "enrollment_id", "E9"),
         ("attendance_codes.csv", 3, "excused", "sometimes")],
        ["enrollment_staff.csv:2: enrollment_id: 'E9' does not exist in "
         "enrollments.enrollment_id",
         "attendance_codes.csv:3: excused: 'sometimes' is not a boolean (true/false, 1/0, yes/no, "
         "y/n)"],
        id="staff_of_an_unknown_enrollment_and_a_bad_boolean"),
])
def test_bad_cells_of_module_files_are_refused(engine, bundle, cells, problems):
    """Each case sets the cells (file, line, column, value) and is refused with exactly these
    problems, in this order."""
    for name, line, column, value in cells:
        set_cell(bundle, name, line, column, value)
    assert refused(engine, bundle) == problems


def test_every_reference_of_a_mark_is_checked(engine, bundle):
    append_row(bundle, "student_marks.csv", ["S9", "X-1", "X-Q1", "X-Q", "A"])
    assert refused(engine, bundle) == [
        "student_marks.csv:5: student_id: 'S9' does not exist in students.student_id",
        "student_marks.csv:5: section_id: 'X-1' does not exist in sections.section_id",
        "student_marks.csv:5: grading_period_id: 'X-Q1' does not exist in "
        "grading_periods.grading_period_id",
        "student_marks.csv:5: mark_type_id: 'X-Q' does not exist in mark_types.mark_type_id",
    ]


def test_cli_refuses_bad_module_files_with_exit_2_and_writes_nothing(db_url, engine, bundle):
    set_cell(bundle, "sections.csv", 2, "course_id", "NOPE")
    set_cell(bundle, "success_plans.csv", 2, "status", "archived")
    done = cli.rollover("import", str(bundle), "--db", db_url, cwd=bundle.parent)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "sections.csv:2: course_id: 'NOPE' does not exist in courses.course_id",
        "success_plans.csv:2: status: 'archived' is not one of open, closed",
        "rollover: import refused: 2 problems; nothing was written",
    ]
    assert set(counts(engine).values()) == {0}


def test_replace_giving_a_number_up_after_the_line_taking_it_is_refused(engine, bundle,
                                                                         tmp_path):
    import_bundle(engine, bundle)
    swap = later_bundle(tmp_path / "swap", {"courses.csv": [
        ["course_id", "calendar_id", "number", "name"],
        ["HSA27-C1", "HSA27", "2001", "English 9"],
        ["HSA27-C2", "HSA27", "1001", "Algebra I, Part 1"]]})
    assert refused(engine, swap, replace=True) == [
        "courses.csv:2: calendar_id + number: 'HSA27' + '2001' is still used by course_id "
        "'HSA27-C2' in the database until line 3 changes it; put that row first",
    ]

"""Bad input to `import_bundle`: every problem reported as `file:line: column: message`, nothing written.

Each test spoils a copy of the tiny district (tests/bundles/tiny) and runs on SQLite and PostgreSQL.
Line numbers count the header as line 1, so the first data row is line 2.
"""

from __future__ import annotations


import pytest
from sqlalchemy import select

from rollover.bundle.folder import BundleRefused
from rollover.errors import RolloverError
from rollover.services.bundles import import_bundle
from rollover.store import schema
from rollover.store.schema import BUNDLE_TABLES

from .bundle_edits import ALREADY, append_row, counts, read_csv, set_cell, write_csv
from .districts import stored_rows


# -- helpers --------------------------------------------------------------------------------------


def assert_nothing_written(engine) -> None:
    assert counts(engine) == {t.name: 0 for t in BUNDLE_TABLES}


def refused(engine, bundle, **options) -> list[str]:
    """The problems of a refused import, as the user sees them; checks nothing was written."""
    with pytest.raises(BundleRefused) as info:
        import_bundle(engine, bundle, **options)
    assert info.value.problems, "refused without a single problem"
    return [str(p) for p in info.value.problems]


def refused_on_empty_store(engine, bundle) -> list[str]:
    problems = refused(engine, bundle)
    assert_nothing_written(engine)
    return problems


# -- columns --------------------------------------------------------------------------------------
def test_missing_column_is_named(engine, tiny_bundle):
    rows = read_csv(tiny_bundle, "terms.csv")
    at = rows[0].index("term_schedule")
    write_csv(tiny_bundle, "terms.csv", [r[:at] + r[at + 1:] for r in rows])
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "terms.csv:1: missing column 'term_schedule'",
    ]


def test_two_missing_columns_are_both_named(engine, tiny_bundle):
    rows = read_csv(tiny_bundle, "terms.csv")
    write_csv(tiny_bundle, "terms.csv", [r[:4] for r in rows])  # drops start_date, end_date
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "terms.csv:1: missing columns 'start_date', 'end_date'",
    ]


def test_unknown_extra_column_is_named(engine, tiny_bundle):
    rows = read_csv(tiny_bundle, "terms.csv")
    write_csv(tiny_bundle, "terms.csv", [rows[0] + ["colour"]] + [r + ["red"] for r in rows[1:]])
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "terms.csv:1: unknown column 'colour' (expected: term_id, structure_id, term_schedule, "
        "name, start_date, end_date)",
    ]


def test_misspelt_column_is_named_as_unknown_and_the_right_one_as_missing(engine, tiny_bundle):
    set_cell(tiny_bundle, "students.csv", 1, "student_id", "studnet_id")
    problems = refused_on_empty_store(engine, tiny_bundle)
    assert problems[:2] == [
        "students.csv:1: unknown column 'studnet_id' (expected: student_id, student_number, "
        "last_name, first_name, birth_date)",
        "students.csv:1: missing column 'student_id'",
    ]
    # Nothing else of students.csv is reported: its rows cannot be read without their header.
    assert [p for p in problems if p.startswith("students.csv")] == problems[:2]


def test_column_given_twice_is_refused(engine, tiny_bundle):
    rows = read_csv(tiny_bundle, "terms.csv")
    write_csv(tiny_bundle, "terms.csv", [r + [r[3]] for r in rows])  # `name` once more
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "terms.csv:1: name: column appears twice",
    ]


# -- values ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["2026-02-30", "02/03/2026", "20260901"],
                         ids=["no-such-day", "us-format", "no-dashes"])
def test_bad_date_is_refused_with_its_value(engine, tiny_bundle, bad):
    set_cell(tiny_bundle, "terms.csv", 3, "start_date", bad)
    assert refused_on_empty_store(engine, tiny_bundle) == [
        f"terms.csv:3: start_date: '{bad}' is not a date (YYYY-MM-DD)",
    ]


def test_bad_boolean_is_refused_with_its_value(engine, tiny_bundle):
    set_cell(tiny_bundle, "household_members.csv", 2, "primary", "maybe")
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "household_members.csv:2: primary: 'maybe' is not a boolean "
        "(true/false, 1/0, yes/no, y/n)",
    ]


@pytest.mark.parametrize("bad", ["eleven", "1.5"], ids=["word", "fraction"])
def test_bad_integer_is_refused_with_its_value(engine, tiny_bundle, bad):
    set_cell(tiny_bundle, "local_start_statuses.csv", 3, "first_year", bad)
    assert refused_on_empty_store(engine, tiny_bundle) == [
        f"local_start_statuses.csv:3: first_year: '{bad}' is not a whole number",
    ]


def test_unknown_service_type_is_refused_with_the_choices(engine, tiny_bundle):
    set_cell(tiny_bundle, "enrollments.csv", 4, "service_type", "full")
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "enrollments.csv:4: service_type: 'full' is not one of primary, partial, special_ed",
    ]


def test_unknown_boundary_side_is_refused_with_the_choices(engine, tiny_bundle):
    set_cell(tiny_bundle, "boundaries.csv", 2, "side", "left")
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "boundaries.csv:2: side: 'left' is not one of odd, even, both",
    ]


def test_unknown_end_action_is_refused_with_the_choices(engine, tiny_bundle):
    set_cell(tiny_bundle, "enrollments.csv", 4, "end_action", "skip")
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "enrollments.csv:4: end_action: 'skip' is not one of promote, retain, demote",
    ]


def test_required_value_left_empty_is_refused(engine, tiny_bundle):
    line = append_row(tiny_bundle, "students.csv", ["S4", "1004", "", "Dee", "2013-01-01"])
    assert refused_on_empty_store(engine, tiny_bundle) == [
        f"students.csv:{line}: last_name: a value is required",
    ]


def test_row_with_too_many_cells_is_refused(engine, tiny_bundle):
    line = append_row(tiny_bundle, "students.csv", ["S4", "1004", "Four", "Dee", "", "extra"])
    assert refused_on_empty_store(engine, tiny_bundle) == [
        f"students.csv:{line}: expected 5 cells, found 6",
    ]


def test_row_with_too_few_cells_is_refused(engine, tiny_bundle):
    line = append_row(tiny_bundle, "students.csv", ["S4", "1004", "Four"])
    assert refused_on_empty_store(engine, tiny_bundle) == [
        f"students.csv:{line}: expected 5 cells, found 3",
    ]


def test_enrollment_ending_before_it_starts_is_refused(engine, tiny_bundle):
    set_cell(tiny_bundle, "enrollments.csv", 4, "end_date", "2025-06-04")
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "enrollments.csv:4: end_date: 2025-06-04 is before start_date 2026-08-24 "
        "(it ends before it starts)",
    ]


def test_calendar_ending_before_it_starts_is_refused(engine, tiny_bundle):
    set_cell(tiny_bundle, "calendars.csv", 4, "end_date", "2026-06-04")
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "calendars.csv:4: end_date: 2026-06-04 is before start_date 2026-08-24 "
        "(the calendar ends before it starts)",
    ]


# -- values the store cannot hold: one range and one length for both databases (issue 11) -------
RANGE = "is out of range (whole numbers are from -2147483648 to 2147483647)"


@pytest.mark.parametrize("bad", ["2147483648", "-2147483649", "99999999999999999999"])
def test_whole_number_out_of_range_is_refused_with_its_value(engine, tiny_bundle, bad):
    set_cell(tiny_bundle, "boundaries.csv", 2, "low_number", bad)
    set_cell(tiny_bundle, "boundaries.csv", 2, "high_number", bad)
    assert refused_on_empty_store(engine, tiny_bundle) == [
        f"boundaries.csv:2: low_number: '{bad}' {RANGE}",
        f"boundaries.csv:2: high_number: '{bad}' {RANGE}",
    ]


def test_whole_number_of_thousands_of_digits_is_refused_shortened(engine, tiny_bundle):
    set_cell(tiny_bundle, "households.csv", 3, "number", "9" * 5000)
    assert refused_on_empty_store(engine, tiny_bundle) == [
        f"households.csv:3: number: '{'9' * 20}…' {RANGE}",
    ]


def test_whole_number_with_thousands_of_leading_zeros_is_its_value(engine, tiny_bundle):
    set_cell(tiny_bundle, "households.csv", 3, "number", "0" * 5000 + "7")
    import_bundle(engine, tiny_bundle)
    with engine.connect() as conn:
        h = schema.households.c
        assert conn.execute(select(h.number).where(h.household_id == "H2")).scalar_one() == 7


def test_whole_numbers_at_the_ends_of_the_range_are_kept(engine, tiny_bundle):
    set_cell(tiny_bundle, "boundaries.csv", 2, "low_number", "-2147483648")
    set_cell(tiny_bundle, "boundaries.csv", 2, "high_number", "2147483647")
    import_bundle(engine, tiny_bundle)
    with engine.connect() as conn:
        b = schema.boundaries.c
        assert conn.execute(select(b.low_number, b.high_number).where(b.street == "Elm St")
                            ).one() == (-2147483648, 2147483647)


@pytest.mark.parametrize("bad, code, at", [
    ("Sm\x00ith", "U+0000", 3), ("\x01Smith", "U+0001", 1), ("Smith\x7f", "U+007F", 6),
    ("\x1b[31mSmith", "U+001B", 1), ("Smi\x0bth", "U+000B", 4), ("S\x1fmith", "U+001F", 2),
], ids=["nul", "soh", "del", "escape", "vertical-tab", "unit-separator"])
def test_control_character_in_a_text_cell_is_refused(engine, tiny_bundle, bad, code, at):
    set_cell(tiny_bundle, "students.csv", 2, "last_name", bad)
    assert refused_on_empty_store(engine, tiny_bundle) == [
        f"students.csv:2: last_name: {bad!r} holds a control character ({code} at position "
        f"{at})",
    ]


def test_nul_in_the_raw_bytes_of_a_text_cell_is_refused(engine, tiny_bundle):
    path = tiny_bundle / "households.csv"
    path.write_bytes(path.read_bytes().replace(b"Oak Ave", b"Oak\x00Ave"))
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "households.csv:3: street: 'Oak\\x00Ave' holds a control character (U+0000 at "
        "position 4)",
    ]


def test_tab_and_line_breaks_in_a_text_cell_are_kept(engine, tiny_bundle):
    set_cell(tiny_bundle, "students.csv", 2, "last_name", "Smith\tJr")
    set_cell(tiny_bundle, "households.csv", 2, "street", "Elm St\r\nApt 2\nBack")
    import_bundle(engine, tiny_bundle)
    with engine.connect() as conn:
        assert conn.execute(select(schema.students.c.last_name).where(
            schema.students.c.student_id == "S1")).scalar_one() == "Smith\tJr"
        assert conn.execute(select(schema.households.c.street).where(
            schema.households.c.household_id == "H1")).scalar_one() == "Elm St\r\nApt 2\nBack"


@pytest.mark.parametrize("bad, code", [("S\t4", "U+0009"), ("S\n4", "U+000A"),
                                       ("S\r4", "U+000D"), ("S\x004", "U+0000")],
                         ids=["tab", "line-feed", "carriage-return", "nul"])
def test_control_character_in_an_id_is_refused(engine, tiny_bundle, bad, code):
    line = append_row(tiny_bundle, "students.csv", [bad, "1004", "Four", "Dee", ""])
    assert refused_on_empty_store(engine, tiny_bundle) == [
        f"students.csv:{line}: student_id: {bad!r} holds a control character ({code} at "
        "position 2)",
    ]


def test_id_longer_than_the_store_holds_is_refused(engine, tiny_bundle):
    line = append_row(tiny_bundle, "students.csv", ["S" * 65, "1004", "Four", "Dee", ""])
    set_cell(tiny_bundle, "enrollments.csv", 3, "next_grade", "9" * 65)
    assert refused_on_empty_store(engine, tiny_bundle) == [
        f"students.csv:{line}: student_id: '{'S' * 20}…' has 65 characters; an id or code "
        "holds at most 64",
        f"enrollments.csv:3: next_grade: '{'9' * 20}…' has 65 characters; an id or code "
        "holds at most 64",
    ]


def test_id_of_64_characters_is_kept_on_both_databases(engine, tiny_bundle):
    append_row(tiny_bundle, "students.csv", ["S" * 64, "1004", "Four", "Dee", ""])
    append_row(tiny_bundle, "students.csv", ["é" * 64, "1005", "Five", "Eve", ""])
    import_bundle(engine, tiny_bundle)
    with engine.connect() as conn:
        ids = set(conn.execute(select(schema.students.c.student_id)).scalars())
    assert {"S" * 64, "é" * 64} <= ids


def test_text_cell_longer_than_the_limit_is_refused(engine, tiny_bundle):
    set_cell(tiny_bundle, "students.csv", 3, "last_name", "x" * 10_001)
    set_cell(tiny_bundle, "students.csv", 4, "last_name", "y" * 10_000)
    assert refused_on_empty_store(engine, tiny_bundle) == [
        f"students.csv:3: last_name: '{'x' * 20}…' has 10,001 characters; a text cell holds "
        "at most 10,000",
    ]


def test_bad_cell_deep_in_a_long_file_is_found(engine, tiny_bundle):
    """Rows are checked a block at a time: a bad cell far down (past the first blocks of lines and
    of rows) is still found, on its own line."""
    rows = read_csv(tiny_bundle, "students.csv")
    extra = [[f"X{n}", str(n), f"Last{n}", "First", ""] for n in range(12_000)]
    extra[7_000][2] = "Bad\x00Name"
    extra[11_000][0] = "X" * 65
    write_csv(tiny_bundle, "students.csv", rows + extra)
    assert refused_on_empty_store(engine, tiny_bundle) == [
        f"students.csv:{len(rows) + 7_001}: last_name: 'Bad\\x00Name' holds a control "
        "character (U+0000 at position 4)",
        f"students.csv:{len(rows) + 11_001}: student_id: '{'X' * 20}…' has 65 characters; an "
        "id or code holds at most 64",
    ]


def test_bad_reference_is_named_once_and_never_looked_up_in_the_store(engine, tiny_bundle):
    """A reference holding NUL must not reach the store: PostgreSQL refuses to even look it up."""
    set_cell(tiny_bundle, "assignment_overrides.csv", 2, "student_id", "S\x00")
    set_cell(tiny_bundle, "enrollments.csv", 3, "student_id", "S" * 65)
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "assignment_overrides.csv:2: student_id: 'S\\x00' holds a control character (U+0000 at "
        "position 2)",
        f"enrollments.csv:3: student_id: '{'S' * 20}…' has 65 characters; an id or code holds "
        "at most 64",
    ]


def test_refused_values_over_a_stored_district_change_nothing(engine, tiny_bundle):
    import_bundle(engine, tiny_bundle)
    before = stored_rows(engine)
    set_cell(tiny_bundle, "students.csv", 2, "last_name", "Sm\x00ith")
    set_cell(tiny_bundle, "households.csv", 2, "number", "2147483648")
    problems = refused(engine, tiny_bundle, replace=True)
    assert problems == [
        "students.csv:2: last_name: 'Sm\\x00ith' holds a control character (U+0000 at "
        "position 3)",
        "households.csv:2: number: '2147483648' " + RANGE,
    ]
    assert stored_rows(engine) == before


# -- ids ------------------------------------------------------------------------------------------
def test_student_id_given_twice_is_refused_on_the_second_line(engine, tiny_bundle):
    line = append_row(tiny_bundle, "students.csv", ["S1", "1004", "Again", "Ann", ""])
    assert refused_on_empty_store(engine, tiny_bundle) == [
        f"students.csv:{line}: student_id: duplicate 'S1': the same student_id appears on an "
        "earlier line",
    ]


def test_composite_key_given_twice_is_refused_on_the_second_line(engine, tiny_bundle):
    line = append_row(tiny_bundle, "grade_levels.csv", ["HSA27", "HSA27M", "09", "20", "09", ""])
    assert refused_on_empty_store(engine, tiny_bundle) == [
        f"grade_levels.csv:{line}: calendar_id + structure_id + grade: duplicate 'HSA27' + "
        "'HSA27M' + '09': the same calendar_id + structure_id + grade appears on an earlier line",
    ]


# -- references -----------------------------------------------------------------------------------
def test_enrollment_of_unknown_student_is_refused(engine, tiny_bundle):
    set_cell(tiny_bundle, "enrollments.csv", 3, "student_id", "S9")
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "enrollments.csv:3: student_id: 'S9' does not exist in students.student_id",
    ]


def test_calendar_of_unknown_school_is_refused(engine, tiny_bundle):
    set_cell(tiny_bundle, "calendars.csv", 4, "school_id", "XSA")
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "calendars.csv:4: school_id: 'XSA' does not exist in schools.school_id",
    ]


def test_rolled_from_unknown_enrollment_is_refused(engine, tiny_bundle):
    set_cell(tiny_bundle, "enrollments.csv", 5, "rolled_from", "E9")
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "enrollments.csv:5: rolled_from: 'E9' does not exist in enrollments.enrollment_id",
    ]


def test_next_school_unknown_is_refused(engine, tiny_bundle):
    set_cell(tiny_bundle, "schools.csv", 3, "next_school_id", "ZZ")
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "schools.csv:3: next_school_id: 'ZZ' does not exist in schools.school_id",
    ]


def test_reference_to_a_row_further_down_the_same_file_is_accepted(engine, tiny_bundle):
    set_cell(tiny_bundle, "schools.csv", 2, "next_school_id", "MSA")  # MSA is on line 3
    rows = read_csv(tiny_bundle, "enrollments.csv")
    write_csv(tiny_bundle, "enrollments.csv", [rows[0], rows[4]] + rows[1:4])  # E4 before E1
    import_bundle(engine, tiny_bundle)
    with engine.connect() as conn:
        s, e = schema.schools.c, schema.enrollments.c
        assert dict(conn.execute(select(s.school_id, s.next_school_id)).all()) == {
            "HSA": "MSA", "MSA": "HSA"}
        assert conn.execute(select(e.rolled_from).where(e.enrollment_id == "E4")).scalar_one() \
            == "E1"
    assert counts(engine)["enrollments"] == 4


# -- grades and structures ------------------------------------------------------------------------
def test_enrollment_in_a_grade_its_calendar_does_not_offer_is_refused(engine, tiny_bundle):
    set_cell(tiny_bundle, "enrollments.csv", 3, "grade", "07")
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "enrollments.csv:3: grade: grade '07' is not offered by calendar 'MSA27' structure "
        "'MSA27M'",
    ]


def test_enrollment_in_a_structure_of_another_calendar_is_refused(engine, tiny_bundle):
    set_cell(tiny_bundle, "enrollments.csv", 3, "structure_id", "HSA27M")
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "enrollments.csv:3: structure_id: structure 'HSA27M' belongs to calendar 'HSA27', "
        "not 'MSA27'",
    ]


def test_grade_level_in_a_structure_of_another_calendar_is_refused(engine, tiny_bundle):
    line = append_row(tiny_bundle, "grade_levels.csv", ["MSA27", "HSA27M", "11", "13", "11", ""])
    assert refused_on_empty_store(engine, tiny_bundle) == [
        f"grade_levels.csv:{line}: structure_id: structure 'HSA27M' belongs to calendar "
        "'HSA27', not 'MSA27'",
    ]


# -- the folder and its files ---------------------------------------------------------------------
def test_bundle_folder_that_does_not_exist_is_refused(engine, tmp_path):
    folder = tmp_path / "no-such-bundle"
    with pytest.raises(RolloverError) as info:
        import_bundle(engine, folder)
    assert str(info.value) == f"bundle folder {str(folder)!r} does not exist"
    assert info.value.exit_status == 2
    assert_nothing_written(engine)


def test_bundle_folder_without_csv_files_is_refused(engine, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a bundle file\n")
    with pytest.raises(RolloverError) as info:
        import_bundle(engine, folder)
    assert str(info.value) == f"bundle folder {str(folder)!r} is empty: it holds no .csv file"
    assert info.value.exit_status == 2
    assert_nothing_written(engine)


def test_unknown_file_name_is_refused(engine, tiny_bundle):
    (tiny_bundle / "enrollments.csv").rename(tiny_bundle / "enrolments.csv")
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "enrolments.csv: unknown file (a bundle holds: district.csv, schools.csv, calendars.csv, "
        "structures.csv, terms.csv, days.csv, grade_levels.csv, students.csv, households.csv, "
        "household_members.csv, programs.csv, boundaries.csv, program_participations.csv, "
        "assignment_overrides.csv, local_start_statuses.csv, enrollments.csv, "
        "enrollment_staff.csv, courses.csv, sections.csv, course_requests.csv, "
        "student_schedules.csv, grading_periods.csv, mark_types.csv, student_marks.csv, "
        "success_plans.csv, plan_goals.csv, attendance_codes.csv)",
        "enrollments.csv: missing required file",
    ]


def test_missing_required_file_is_refused(engine, tiny_bundle):
    (tiny_bundle / "terms.csv").unlink()
    assert refused_on_empty_store(engine, tiny_bundle) == ["terms.csv: missing required file"]


# -- text encoding --------------------------------------------------------------------------------
def test_file_that_is_not_utf8_is_refused_with_file_and_line(engine, tiny_bundle):
    path = tiny_bundle / "students.csv"
    path.write_bytes(path.read_bytes().replace(b"S3,1003,Lee,", b"S3,1003,Mu\xf1oz,"))
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "students.csv:4: not UTF-8 text (byte 0xf1 at position 11)",
    ]


def test_utf8_byte_order_mark_is_accepted(engine, tiny_bundle):
    path = tiny_bundle / "students.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = import_bundle(engine, tiny_bundle)
    assert result.rows["students.csv"] == 3
    with engine.connect() as conn:
        st = schema.students.c
        assert conn.execute(select(st.student_id).order_by(st.student_id)).scalars().all() == [
            "S1", "S2", "S3"]


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf"], ids=["nothing", "byte-order-mark"])
def test_empty_file_is_refused(engine, tiny_bundle, content):
    (tiny_bundle / "students.csv").write_bytes(content)
    problems = refused_on_empty_store(engine, tiny_bundle)
    assert problems[0] == "students.csv:1: the file is empty (a header row is required)"


# -- a store that already holds the district ------------------------------------------------------
def test_import_over_existing_ids_without_replace_names_every_clash_and_changes_nothing(
        engine, tiny_bundle):
    import_bundle(engine, tiny_bundle)
    before = counts(engine)
    set_cell(tiny_bundle, "students.csv", 2, "last_name", "Smythe")
    problems = refused(engine, tiny_bundle)
    assert [p for p in problems if p.startswith("students.csv")] == [
        f"students.csv:2: student_id: 'S1' {ALREADY}",
        f"students.csv:3: student_id: 'S2' {ALREADY}",
        f"students.csv:4: student_id: 'S3' {ALREADY}",
    ]
    assert [p for p in problems if p.startswith("grade_levels.csv")][0] == (
        f"grade_levels.csv:2: calendar_id + structure_id + grade: 'HSA27' + 'HSA27M' + '09' "
        f"{ALREADY}")
    # Every row of every file with ids clashes, and each is named once, at its own line.
    expected = {f"{name}:{line}"
                for name in ("schools.csv", "calendars.csv", "structures.csv", "terms.csv",
                             "days.csv", "grade_levels.csv", "students.csv", "households.csv",
                             "household_members.csv", "programs.csv", "boundaries.csv",
                             "program_participations.csv", "assignment_overrides.csv",
                             "local_start_statuses.csv", "enrollments.csv")
                for line in range(2, len(read_csv(tiny_bundle, name)) + 1)}
    assert sorted(p.split(": ")[0] for p in problems) == sorted(expected)
    assert all(p.endswith(ALREADY) for p in problems)
    assert counts(engine) == before
    with engine.connect() as conn:
        st = schema.students.c
        assert conn.execute(select(st.last_name).where(st.student_id == "S1")).scalar_one() \
            == "Smith"


def test_import_with_replace_replaces_stored_rows_and_keeps_the_others(engine, tiny_bundle,
                                                                        tmp_path):
    first = tmp_path / "first"
    first.mkdir()
    for path in tiny_bundle.iterdir():
        (first / path.name).write_bytes(path.read_bytes())
    append_row(first, "students.csv", ["S4", "1004", "Four", "Dee", ""])
    import_bundle(engine, first)

    set_cell(tiny_bundle, "students.csv", 2, "last_name", "Smythe")
    result = import_bundle(engine, tiny_bundle, replace=True)
    assert result.rows["students.csv"] == 3
    with engine.connect() as conn:
        st = schema.students.c
        names = dict(conn.execute(select(st.student_id, st.last_name)).all())
    assert names == {"S1": "Smythe", "S2": "Jones, Jr.", "S3": "Lee", "S4": "Four"}
    after = counts(engine)
    assert after["students"] == 4
    assert after["enrollments"] == 4 and after["boundaries"] == 2
    assert after["assignment_overrides"] == 1 and after["district"] == 1


# -- many problems at once ------------------------------------------------------------------------
def test_every_problem_of_every_file_is_reported_in_bundle_order_then_line(engine, tiny_bundle):
    # Spoiled in an order unlike the bundle's, so the order of the report is the checker's.
    set_cell(tiny_bundle, "enrollments.csv", 5, "end_action", "skip")
    set_cell(tiny_bundle, "enrollments.csv", 4, "service_type", "full")
    set_cell(tiny_bundle, "enrollments.csv", 3, "student_id", "S9")
    set_cell(tiny_bundle, "boundaries.csv", 2, "side", "left")
    append_row(tiny_bundle, "students.csv", ["S4", "1004", "", "Dee", ""])
    set_cell(tiny_bundle, "terms.csv", 3, "start_date", "02/03/2026")
    set_cell(tiny_bundle, "calendars.csv", 4, "end_date", "2026-06-04")
    with pytest.raises(BundleRefused) as info:
        import_bundle(engine, tiny_bundle)
    problems = info.value.problems
    assert [str(p) for p in problems] == [
        "calendars.csv:4: end_date: 2026-06-04 is before start_date 2026-08-24 "
        "(the calendar ends before it starts)",
        "terms.csv:3: start_date: '02/03/2026' is not a date (YYYY-MM-DD)",
        "students.csv:5: last_name: a value is required",
        "boundaries.csv:2: side: 'left' is not one of odd, even, both",
        "enrollments.csv:3: student_id: 'S9' does not exist in students.student_id",
        "enrollments.csv:4: service_type: 'full' is not one of primary, partial, special_ed",
        "enrollments.csv:5: end_action: 'skip' is not one of promote, retain, demote",
    ]
    assert [(p.file, p.line, p.column) for p in problems][:2] == [
        ("calendars.csv", 4, "end_date"), ("terms.csv", 3, "start_date")]
    assert_nothing_written(engine)


def test_missing_file_is_reported_in_bundle_order_among_row_problems(engine, tiny_bundle):
    set_cell(tiny_bundle, "calendars.csv", 4, "end_date", "2026-06-04")
    (tiny_bundle / "terms.csv").unlink()
    set_cell(tiny_bundle, "enrollments.csv", 4, "service_type", "full")
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "calendars.csv:4: end_date: 2026-06-04 is before start_date 2026-08-24 "
        "(the calendar ends before it starts)",
        "terms.csv: missing required file",
        "enrollments.csv:4: service_type: 'full' is not one of primary, partial, special_ed",
    ]


# -- a bad row must not make other files' references to it look wrong -----------------------------
def test_bad_cell_does_not_make_the_rows_id_unknown_to_other_files(engine, tiny_bundle):
    # S1 is on line 2 of students.csv with a bad birth date; household_members.csv and
    # enrollments.csv name S1, which is in the bundle: only the date is a problem.
    set_cell(tiny_bundle, "students.csv", 2, "birth_date", "2026-02-30")
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "students.csv:2: birth_date: '2026-02-30' is not a date (YYYY-MM-DD)",
    ]


def test_missing_column_does_not_make_the_files_ids_unknown_to_other_files(engine, tiny_bundle):
    # students.csv lacks student_number but still lists S1, S2 and S3 under student_id.
    rows = read_csv(tiny_bundle, "students.csv")
    write_csv(tiny_bundle, "students.csv", [[r[0]] + r[2:] for r in rows])
    assert refused_on_empty_store(engine, tiny_bundle) == [
        "students.csv:1: missing column 'student_number'",
    ]

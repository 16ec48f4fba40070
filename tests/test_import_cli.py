"""`rollover import` refusing bad input: exit status 2, the exact lines on stderr, nothing written.

The command runs in this process, answering as a finished process would (tests/cli.py: nothing
here is about processes); the bundle tests run on SQLite and PostgreSQL (the `db_url` fixture).
Each problem is one stderr line `file:line: column: message`, followed by one `rollover: ...`
summary line.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from rollover.store import schema
from rollover.store.schema import BUNDLE_TABLES

from . import cli
from .bundle_edits import ALREADY, counts, read_csv, set_cell, write_csv


# -- helpers --------------------------------------------------------------------------------------
def rollover(*args: str, cwd: Path, env: dict[str, str] | None = None):
    """Run the command; ROLLOVER_DATABASE_URL only when the test gives it."""
    return cli.rollover(*args, cwd=cwd, env=env, user=os.environ.get("ROLLOVER_USER"))


def import_cli(db_url: str, bundle: Path, *options: str):
    return rollover("import", str(bundle), "--db", db_url, *options, cwd=bundle.parent)


def assert_nothing_written(engine) -> None:
    assert counts(engine) == {t.name: 0 for t in BUNDLE_TABLES}


def assert_refused(result, lines: list[str]) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == lines


def summary(count: int) -> str:
    return f"rollover: import refused: {count} problem{'s' if count != 1 else ''}; " \
           "nothing was written"


# -- a bundle with bad rows -----------------------------------------------------------------------
def test_cli_prints_every_problem_in_bundle_order_then_a_summary_and_exits_2(
        db_url, engine, tiny_bundle):
    set_cell(tiny_bundle, "enrollments.csv", 5, "end_action", "skip")
    set_cell(tiny_bundle, "enrollments.csv", 3, "student_id", "S9")
    set_cell(tiny_bundle, "boundaries.csv", 2, "side", "left")
    set_cell(tiny_bundle, "household_members.csv", 2, "primary", "maybe")
    set_cell(tiny_bundle, "terms.csv", 3, "start_date", "2026-02-30")
    set_cell(tiny_bundle, "calendars.csv", 4, "end_date", "2026-06-04")
    problems = [
        "calendars.csv:4: end_date: 2026-06-04 is before start_date 2026-08-24 "
        "(the calendar ends before it starts)",
        "terms.csv:3: start_date: '2026-02-30' is not a date (YYYY-MM-DD)",
        "household_members.csv:2: primary: 'maybe' is not a boolean "
        "(true/false, 1/0, yes/no, y/n)",
        "boundaries.csv:2: side: 'left' is not one of odd, even, both",
        "enrollments.csv:3: student_id: 'S9' does not exist in students.student_id",
        "enrollments.csv:5: end_action: 'skip' is not one of promote, retain, demote",
    ]
    assert_refused(import_cli(db_url, tiny_bundle), problems + [summary(6)])
    assert_nothing_written(engine)


def test_cli_names_a_misspelt_column(db_url, engine, tiny_bundle):
    set_cell(tiny_bundle, "terms.csv", 1, "term_id", "trem_id")
    assert_refused(import_cli(db_url, tiny_bundle), [
        "terms.csv:1: unknown column 'trem_id' (expected: term_id, structure_id, term_schedule, "
        "name, start_date, end_date)",
        "terms.csv:1: missing column 'term_id'",
        summary(2),
    ])
    assert_nothing_written(engine)


def test_cli_refuses_a_duplicate_id_with_its_line(db_url, engine, tiny_bundle):
    rows = read_csv(tiny_bundle, "students.csv")
    write_csv(tiny_bundle, "students.csv", rows + [["S2", "1009", "Twice", "Bob", ""]])
    assert_refused(import_cli(db_url, tiny_bundle), [
        "students.csv:5: student_id: duplicate 'S2': the same student_id appears on an earlier "
        "line",
        summary(1),
    ])
    assert_nothing_written(engine)


def test_cli_refuses_a_file_that_is_not_utf8_naming_file_and_line(db_url, engine, tiny_bundle):
    path = tiny_bundle / "students.csv"
    path.write_bytes(path.read_bytes().replace(b"S3,1003,Lee,", b"S3,1003,Mu\xf1oz,"))
    assert_refused(import_cli(db_url, tiny_bundle), [
        "students.csv:4: not UTF-8 text (byte 0xf1 at position 11)",
        summary(1),
    ])
    assert_nothing_written(engine)


def test_cli_refuses_values_the_store_cannot_hold_naming_file_and_line(db_url, engine,
                                                                         tiny_bundle):
    """Issue 11: these ended in a traceback (SQLite OverflowError, psycopg errors)."""
    set_cell(tiny_bundle, "boundaries.csv", 2, "high_number", "99999999999999999999")
    set_cell(tiny_bundle, "households.csv", 3, "number", "2147483648")
    set_cell(tiny_bundle, "students.csv", 4, "last_name", "L\x00ee")
    set_cell(tiny_bundle, "students.csv", 2, "student_number", "1" * 10_001)
    set_cell(tiny_bundle, "enrollments.csv", 3, "next_grade", "9" * 65)
    assert_refused(import_cli(db_url, tiny_bundle), [
        f"students.csv:2: student_number: '{'1' * 20}…' has 10,001 characters; a text cell "
        "holds at most 10,000",
        "students.csv:4: last_name: 'L\\x00ee' holds a control character (U+0000 at position 2)",
        "households.csv:3: number: '2147483648' is out of range (whole numbers are from "
        "-2147483648 to 2147483647)",
        "boundaries.csv:2: high_number: '99999999999999999999' is out of range (whole numbers "
        "are from -2147483648 to 2147483647)",
        f"enrollments.csv:3: next_grade: '{'9' * 20}…' has 65 characters; an id or code holds "
        "at most 64",
        summary(5),
    ])
    assert_nothing_written(engine)


def test_cli_accepts_a_utf8_byte_order_mark(db_url, engine, tiny_bundle):
    path = tiny_bundle / "students.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = import_cli(db_url, tiny_bundle)
    assert result.returncode == 0, result.stderr
    assert counts(engine)["students"] == 3


# -- the folder -----------------------------------------------------------------------------------
def test_cli_refuses_a_bundle_folder_that_does_not_exist(db_url, engine, tmp_path):
    folder = tmp_path / "no-such-bundle"
    assert_refused(import_cli(db_url, folder),
                   [f"rollover: bundle folder {str(folder)!r} does not exist"])
    assert_nothing_written(engine)


def test_cli_refuses_a_folder_without_csv_files(db_url, engine, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    assert_refused(import_cli(db_url, folder),
                   [f"rollover: bundle folder {str(folder)!r} is empty: it holds no .csv file"])
    assert_nothing_written(engine)


def test_cli_refuses_an_unknown_file_name_and_the_missing_file(db_url, engine, tiny_bundle):
    (tiny_bundle / "enrollments.csv").rename(tiny_bundle / "enrolments.csv")
    result = import_cli(db_url, tiny_bundle)
    assert_refused(result, [
        "enrolments.csv: unknown file (a bundle holds: district.csv, schools.csv, calendars.csv, "
        "structures.csv, terms.csv, days.csv, grade_levels.csv, students.csv, households.csv, "
        "household_members.csv, programs.csv, boundaries.csv, program_participations.csv, "
        "assignment_overrides.csv, local_start_statuses.csv, enrollments.csv, "
        "enrollment_staff.csv, courses.csv, sections.csv, course_requests.csv, "
        "student_schedules.csv, grading_periods.csv, mark_types.csv, student_marks.csv, "
        "success_plans.csv, plan_goals.csv, attendance_codes.csv)",
        "enrollments.csv: missing required file",
        summary(2),
    ])
    assert_nothing_written(engine)


# -- a store that already holds the district ------------------------------------------------------
def test_cli_refuses_existing_ids_without_replace_and_changes_nothing(db_url, engine,
                                                                      tiny_bundle):
    first = import_cli(db_url, tiny_bundle)
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"imported 40 rows from 16 files in {tiny_bundle}\n"
    before = counts(engine)

    set_cell(tiny_bundle, "students.csv", 2, "last_name", "Smythe")
    result = import_cli(db_url, tiny_bundle)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert [line for line in lines if line.startswith("students.csv")] == [
        f"students.csv:2: student_id: 'S1' {ALREADY}",
        f"students.csv:3: student_id: 'S2' {ALREADY}",
        f"students.csv:4: student_id: 'S3' {ALREADY}",
    ]
    assert f"enrollments.csv:5: enrollment_id: 'E4' {ALREADY}" in lines
    # One line per stored row the bundle repeats (all but district.csv's), then the summary.
    assert lines[-1] == summary(39)
    assert len(lines) == 40 and all(line.endswith(ALREADY) for line in lines[:-1])
    assert counts(engine) == before
    with engine.connect() as conn:
        st = schema.students.c
        assert conn.execute(select(st.last_name).where(st.student_id == "S1")).scalar_one() \
            == "Smith"


def test_cli_replace_replaces_stored_rows_and_keeps_the_others(db_url, engine, tiny_bundle):
    rows = read_csv(tiny_bundle, "students.csv")
    write_csv(tiny_bundle, "students.csv", rows + [["S4", "1004", "Four", "Dee", ""]])
    assert import_cli(db_url, tiny_bundle).returncode == 0

    write_csv(tiny_bundle, "students.csv", rows)  # S4 left out
    set_cell(tiny_bundle, "students.csv", 2, "last_name", "Smythe")
    result = import_cli(db_url, tiny_bundle, "--replace")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"imported 40 rows from 16 files in {tiny_bundle}\n"
    with engine.connect() as conn:
        st = schema.students.c
        names = dict(conn.execute(select(st.student_id, st.last_name)).all())
    assert names == {"S1": "Smythe", "S2": "Jones, Jr.", "S3": "Lee", "S4": "Four"}
    assert counts(engine)["enrollments"] == 4


# -- a database that cannot be used ---------------------------------------------------------------
UNUSABLE = {
    "server-not-listening": "postgresql+psycopg://postgres@127.0.0.1:1/x",
    "sqlite-folder-missing": "sqlite:///{tmp}/no/such/folder/rollover.db",
    "path-folder-missing": "{tmp}/no/such/folder/rollover.db",  # a plain path is SQLite's
    "url-without-a-scheme": "://no-scheme",
    "port-not-a-number": "postgresql+psycopg://postgres@127.0.0.1:notaport/x",
    "unknown-dialect": "nosuchdb://user@host/x",
    "driver-not-installed": "mysql://user@127.0.0.1/x",
}


def assert_one_line_refusal(result) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rollover: ")
    assert result.returncode == 2
    assert result.stdout == ""
    return lines[0]


@pytest.mark.parametrize("url", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_cli_unusable_database_url_is_one_line_on_stderr_and_exit_2(url, tiny_bundle, tmp_path):
    url = url.format(tmp=tmp_path)
    assert_one_line_refusal(import_cli(url, tiny_bundle))
    assert not (tmp_path / "no").exists()
    assert not (tiny_bundle.parent / "rollover.db").exists()  # no fallback to the default store


def test_cli_unreachable_server_message_names_the_database(tiny_bundle):
    line = assert_one_line_refusal(
        import_cli("postgresql+psycopg://postgres@127.0.0.1:1/x", tiny_bundle))
    assert line.startswith("rollover: cannot open database postgresql+psycopg://postgres@"
                           "127.0.0.1:1/x: ")


def test_cli_unreachable_server_message_hides_the_password(tiny_bundle):
    line = assert_one_line_refusal(
        import_cli("postgresql+psycopg://postgres:s3cret@127.0.0.1:1/x", tiny_bundle))
    assert "s3cret" not in line
    assert line.startswith("rollover: cannot open database postgresql+psycopg://postgres:***@"
                           "127.0.0.1:1/x: ")


def test_cli_sqlite_file_in_a_missing_folder_is_named(tiny_bundle, tmp_path):
    missing = tmp_path / "no" / "such"
    line = assert_one_line_refusal(import_cli(f"sqlite:///{missing}/rollover.db", tiny_bundle))
    assert line == (f"rollover: not a usable database URL 'sqlite:///{missing}/rollover.db': "
                    f"folder {missing} does not exist")
    assert not missing.exists()


def test_cli_unreachable_database_from_the_environment_is_one_line(tiny_bundle):
    result = rollover("import", str(tiny_bundle), cwd=tiny_bundle.parent,
                      env={"ROLLOVER_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/x"})
    line = assert_one_line_refusal(result)
    assert line.startswith("rollover: cannot open database postgresql+psycopg://postgres@"
                           "127.0.0.1:1/x: ")

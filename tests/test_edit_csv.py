"""Next-year exceptions in bulk (`services.exceptions`, `rollover edit --csv FILE`): a CSV of
enrollments and their next-year fields, checked whole (every problem with its file and line,
nothing written when one is wrong), then written in one run of kind `edit` that `rollover undo`
puts back.  On the tiny district, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil

import pytest

from rollover.services.exceptions import ExceptionsRefused, apply_exceptions, read_exceptions
from rollover.services.runs import get_run
from rollover.services.undo import undo

from .conftest import BUNDLES
from .districts import stored_rows
from .security_setup import refused, rollover
from .store_templates import imported

GOOD = ("enrollment_id,end_action,next_calendar_id,next_grade\n"
        "E1,retain,,\n"
        "E3,demote,HSA28,10\n")


@pytest.fixture
def district(engine, tmp_path):
    imported(engine, tmp_path, "tiny with modules", tiny_with_modules)
    return engine


def tiny_with_modules(folder):
    shutil.copytree(BUNDLES / "tiny", folder)
    for path in (BUNDLES / "tiny_modules").iterdir():
        shutil.copy(path, folder / path.name)
    return folder


def enrollment(engine, enrollment_id: str) -> dict:
    from sqlalchemy import select

    from rollover.store.schema import enrollments

    with engine.connect() as conn:
        return dict(conn.execute(select(enrollments).where(
            enrollments.c.enrollment_id == enrollment_id)).mappings().one())


def test_a_file_sets_every_row_in_one_run_that_undo_puts_back(district):
    before = stored_rows(district)
    result = apply_exceptions(district, GOOD, "exceptions.csv")
    assert [u["enrollment_id"] for u in result.updated] == ["E1", "E3"]
    assert enrollment(district, "E1")["end_action"] == "retain"
    assert enrollment(district, "E3")["next_calendar_id"] == "HSA28"
    run = get_run(district, result.run_id)
    assert (run.kind, run.mode, run.counts) == ("edit", "run",
                                                {"rows_updated": 2, "rows_unchanged": 0})
    assert run.options == {"table": "enrollments", "file": "exceptions.csv", "rows": 2}
    undo(district, result.run_id)
    assert stored_rows(district) == before


def test_a_row_that_changes_nothing_is_counted_not_written(district):
    result = apply_exceptions(district, "enrollment_id,end_action\nE1,promote\nE3,demote\n",
                              "same.csv")
    assert [u["enrollment_id"] for u in result.updated] == ["E3"]
    assert result.unchanged == 1


def test_one_bad_row_refuses_the_whole_file_naming_every_problem(district):
    before = stored_rows(district)
    text = ("enrollment_id,end_action,next_calendar_id\n"
            "E1,retain,\n"
            "E2,stay,\n"
            "NOPE,retain,\n"
            "E3,,XX28\n"
            "E1,demote,\n")
    with pytest.raises(ExceptionsRefused) as info:
        read_exceptions(text, "x.csv")
    assert info.value.details() == [
        "x.csv:3: end_action: 'stay' is not one of promote, retain, demote",
        "x.csv:6: enrollment 'E1' is given again (first on line 2)"]
    with pytest.raises(ExceptionsRefused) as info:
        apply_exceptions(district, text.replace("E2,stay", "E2,demote")
                         .replace("E1,demote", "E4,demote"), "x.csv")
    assert str(info.value) == "2 problems in x.csv; nothing was written"
    assert info.value.details() == [
        "x.csv:4: no enrollment 'NOPE'",
        "x.csv:5: enrollments.next_calendar_id: 'XX28' does not exist in calendars.calendar_id"]
    assert info.value.problem_entries()[0] == {"message": "no enrollment 'NOPE'",
                                               "file": "x.csv", "line": 4}
    assert stored_rows(district) == before


def test_the_problems_of_the_cells_and_of_the_district_are_listed_together(district):
    before = stored_rows(district)
    with pytest.raises(ExceptionsRefused) as info:
        apply_exceptions(district, "enrollment_id,end_action\nNOPE,retain\nE1,stay\n",
                         "both.csv")
    assert info.value.details() == [
        "both.csv:2: no enrollment 'NOPE'",
        "both.csv:3: end_action: 'stay' is not one of promote, retain, demote"]
    assert stored_rows(district) == before


@pytest.mark.parametrize("text, problems", [
    ("student_id,grade\nS1,09\n", [
        "f.csv:1: unknown column 'student_id': the columns are enrollment_id, end_action, "
        "next_calendar_id, next_structure_id, next_grade",
        "f.csv:1: unknown column 'grade': the columns are enrollment_id, end_action, "
        "next_calendar_id, next_structure_id, next_grade",
        "f.csv:1: no column enrollment_id: each row names its enrollment",
        "f.csv:1: no next-year field to set: give one or more of end_action, "
        "next_calendar_id, next_structure_id, next_grade"]),
    ("enrollment_id,end_action\n", ["f.csv:2: no exceptions: the file has a header and no rows"]),
    ("enrollment_id,end_action\nE1\n", ["f.csv:2: 1 cells; the header has 2"]),
], ids=["unknown-columns", "no-rows", "short-row"])
def test_a_bad_file_is_refused_with_its_lines(district, text, problems):
    with pytest.raises(ExceptionsRefused) as info:
        read_exceptions(text, "f.csv")
    assert info.value.details() == problems


def test_cli_writes_the_file_and_names_the_run(district, db_url, tmp_path):
    path = tmp_path / "exceptions.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = rollover(db_url, "edit", "--csv", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert (answer["rows_updated"], answer["rows_unchanged"]) == (2, 0)
    assert enrollment(district, "E1")["end_action"] == "retain"


def test_cli_refuses_a_bad_file_listing_its_lines_and_writes_nothing(district, db_url, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("enrollment_id,end_action\nE1,retain\nE2,stay\n", encoding="utf-8")
    before = stored_rows(district)
    result = rollover(db_url, "edit", "--csv", str(path))
    assert refused(result, f"1 problem in {path}; nothing was written")
    assert f"{path}:3: end_action: 'stay' is not one of promote, retain, demote" in result.stderr
    assert stored_rows(district) == before


def test_cli_refuses_csv_with_a_table(district, db_url, tmp_path):
    assert refused(rollover(db_url, "edit", "enrollments", "--csv", str(tmp_path / "x.csv")),
                   "--csv FILE takes no TABLE, KEY or --set: the file names the enrollments "
                   "and their next-year fields")
    assert refused(rollover(db_url, "edit", "--csv", str(tmp_path / "x.csv")),
                   f"--csv {str(tmp_path / 'x.csv')!r}: no such file")


def test_a_file_naming_one_next_calendar_many_times_asks_the_store_for_it_once(district):
    """A district's exceptions file names a few calendars and grades on thousands of lines: each
    reference is looked up once, not once a line."""
    from sqlalchemy import event

    asked = []

    def count(conn, cursor, statement, *rest):
        if "FROM calendars" in statement:
            asked.append(statement)

    event.listen(district, "before_cursor_execute", count)
    try:
        result = apply_exceptions(district, "enrollment_id,next_calendar_id,next_grade\n"
                                            "E1,HSA28,10\nE2,HSA28,10\nE3,HSA28,10\n", "x.csv")
    finally:
        event.remove(district, "before_cursor_execute", count)
    assert [u["enrollment_id"] for u in result.updated] == ["E1", "E2", "E3"]
    assert len(asked) == 1, asked

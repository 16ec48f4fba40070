"""`rollover edit` refusing values the store cannot hold or that name nothing (issue 11): the
same cell checks as a bundle, a reference that names no row, a value another row holds; each
refused naming the value, exit status 2, nothing written.

Every test runs on SQLite and PostgreSQL on the tiny district with its module files.
"""

from __future__ import annotations

import shutil

import pytest

from rollover.services.edits import EditRefused, edit_record

from .conftest import BUNDLES
from .districts import stored_rows
from .security_setup import refused, rollover
from .store_templates import imported

RANGE = "is out of range (whole numbers are from -2147483648 to 2147483647)"


@pytest.fixture
def district(engine, tmp_path):
    imported(engine, tmp_path, "tiny with modules", tiny_with_modules)
    return engine


def tiny_with_modules(folder):
    shutil.copytree(BUNDLES / "tiny", folder)
    for path in (BUNDLES / "tiny_modules").iterdir():
        shutil.copy(path, folder / path.name)
    return folder


def refused_edit(engine, table: str, key: dict, changes: dict) -> str:
    """The message of a refused edit, checking that nothing was written."""
    before = stored_rows(engine)
    with pytest.raises(EditRefused) as info:
        edit_record(engine, table, key, changes)
    assert stored_rows(engine) == before
    return str(info.value)


# -- cells ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["2147483648", "-2147483649", "99999999999999999999"])
def test_whole_number_out_of_range_is_refused(district, bad):
    assert refused_edit(district, "households", {"household_id": "H1"}, {"number": bad}) == \
        f"households.number: '{bad}' {RANGE}"


def test_whole_number_out_of_range_in_a_key_is_refused(district):
    assert refused_edit(district, "attendance_codes",
                        {"school_year": "99999999999999999999", "code": "P"},
                        {"name": "Present"}) == \
        f"attendance_codes.school_year: '99999999999999999999' {RANGE}"


def test_control_character_is_refused(district):
    assert refused_edit(district, "students", {"student_id": "S1"},
                        {"last_name": "Sm\x00ith"}) == \
        "students.last_name: 'Sm\\x00ith' holds a control character (U+0000 at position 3)"


def test_id_longer_than_the_store_holds_is_refused(district):
    assert refused_edit(district, "enrollments", {"enrollment_id": "E1"},
                        {"next_grade": "9" * 65}) == \
        f"enrollments.next_grade: '{'9' * 20}…' has 65 characters; an id or code holds at most 64"


def test_text_longer_than_the_limit_is_refused(district):
    assert refused_edit(district, "students", {"student_id": "S1"},
                        {"first_name": "A" * 10_001}) == \
        f"students.first_name: '{'A' * 20}…' has 10,001 characters; a text cell holds at " \
        "most 10,000"


# -- references -----------------------------------------------------------------------------------
def test_unknown_reference_is_refused_naming_it(district):
    assert refused_edit(district, "enrollments", {"enrollment_id": "E1"},
                        {"next_calendar_id": "NOPE"}) == \
        "enrollments.next_calendar_id: 'NOPE' does not exist in calendars.calendar_id"


def test_unknown_reference_to_the_same_table_is_refused(district):
    assert refused_edit(district, "success_plans", {"plan_id": "P2"},
                        {"carried_from": "P9"}) == \
        "success_plans.carried_from: 'P9' does not exist in success_plans.plan_id"


def test_grade_its_calendar_does_not_offer_is_refused(district):
    assert refused_edit(district, "enrollments", {"enrollment_id": "E1"}, {"grade": "13"}) == \
        "enrollments.grade: no grade_levels row with calendar_id 'HSA27', structure_id " \
        "'HSA27M', grade '13'"


def test_known_reference_is_written(district):
    edit = edit_record(district, "enrollments", {"enrollment_id": "E1"},
                       {"next_calendar_id": "HSA28", "next_structure_id": "HSA28M"})
    assert (edit.after["next_calendar_id"], edit.after["next_structure_id"]) == \
        ("HSA28", "HSA28M")


# -- values the store keeps unique ----------------------------------------------------------------
def test_number_another_course_holds_is_refused(district):
    assert refused_edit(district, "courses", {"course_id": "HSA27-C2"}, {"number": "1001"}) == \
        "courses.number: calendar_id 'HSA27', number '1001' is already used by course_id " \
        "'HSA27-C1'"


# -- the command line -----------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (["households", "household_id=H1", "--set", "number=99999999999999999999"],
     f"households.number: '99999999999999999999' {RANGE}"),
    (["households", "household_id=H1", "--set", "number=2147483648"],
     f"households.number: '2147483648' {RANGE}"),
    (["enrollments", "enrollment_id=E1", "--set", "next_calendar_id=NOPE"],
     "enrollments.next_calendar_id: 'NOPE' does not exist in calendars.calendar_id"),
    (["students", "student_id=S1", "--set", "last_name=Sm\x01ith"],
     "students.last_name: 'Sm\\x01ith' holds a control character (U+0001 at position 3)"),
], ids=["twenty-digits", "past-the-range", "unknown-reference", "control-character"])
def test_cli_refuses_with_exit_2_and_writes_nothing(district, db_url, args, message):
    before = stored_rows(district)
    assert refused(rollover(db_url, "edit", *args), message)
    assert stored_rows(district) == before

"""Duplicates and re-runs (roll-forward.md §6): RF-21, RF-22.

Rule behaviour runs three ways through the `forward` fixture (in memory, SQLite, PostgreSQL);
re-running a real run needs a store, so that test runs on SQLite and PostgreSQL (`engine`).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from rollover.services.bundles import import_bundle
from rollover.services.forward import roll_forward
from rollover.store.schema import enrollments

from .districts import District, rolled, warned


def two_high_schools() -> District:
    """HSA and HSB each have a calendar next year offering grade 11; S1 is a sophomore at HSA."""
    d = District()
    d.school("HSA")
    d.school("HSB")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    d.calendar("HSA28", "HSA", 2028, ["11"])
    d.calendar("HSB28", "HSB", 2028, ["11"])
    d.student("S1")
    d.enroll("E1", "S1", "HSA27", "10")
    return d


def enrollment_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(enrollments)).scalar_one()


# -- RF-21 ----------------------------------------------------------------------------------------
def test_rf21_second_identical_real_run_creates_nothing(engine, tmp_path):
    d = two_high_schools()
    d.student("S2")
    d.enroll("E2", "S2", "HSA27", "10")
    d.student("S3")
    d.enroll("E3", "S3", "HSA27", "10", service_type="special_ed")
    import_bundle(engine, d.write_bundle(tmp_path / "bundle"))
    options = d.options(service_types=("primary", "special_ed"))

    first = roll_forward(engine, options)
    assert rolled(first) == [("S1", "HSA28", "11"), ("S2", "HSA28", "11"),
                             ("S3", "HSA28", "11")]
    assert warned(first) == []
    after_first = enrollment_count(engine)
    assert after_first == 3 + 3

    second = roll_forward(engine, options)
    assert rolled(second) == []
    assert warned(second) == [("S1", "ALREADY_ENROLLED"), ("S2", "ALREADY_ENROLLED"),
                              ("S3", "ALREADY_ENROLLED")]
    assert second.totals["rolled"] == 0
    assert second.totals["not_rolled"] == 3
    assert enrollment_count(engine) == after_first


@pytest.mark.parametrize("service_type", ["primary", "partial", "special_ed"])
def test_rf21_enrollment_entered_by_hand_in_the_destination_calendar_blocks(forward,
                                                                            service_type):
    d = two_high_schools()
    d.enroll("H1", "S1", "HSA28", "11", service_type=service_type)
    result = forward(d)
    assert rolled(result) == []
    assert warned(result) == [("S1", "ALREADY_ENROLLED")]


def test_rf21_enrollment_by_hand_in_another_grade_of_the_destination_calendar_blocks(forward):
    d = District()
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    d.calendar("HSA28", "HSA", 2028, ["10", "11"])
    d.student("S1")
    d.enroll("E1", "S1", "HSA27", "10")
    d.enroll("H1", "S1", "HSA28", "10", service_type="partial")
    result = forward(d)
    assert rolled(result) == []
    assert warned(result) == [("S1", "ALREADY_ENROLLED")]


def test_rf21_already_enrolled_wins_over_duplicate_primary(forward):
    d = two_high_schools()
    d.enroll("H1", "S1", "HSA28", "11")  # a primary, in the very calendar
    result = forward(d)
    assert rolled(result) == []
    assert warned(result) == [("S1", "ALREADY_ENROLLED")]


def test_rf21_primary_and_special_ed_of_one_student_into_one_calendar_only_one(forward):
    d = two_high_schools()
    d.enroll("E2", "S1", "HSA27", "10", service_type="special_ed")
    result = forward(d, service_types=("primary", "special_ed"))
    assert [(r.source_enrollment_id, r.calendar_id) for r in result.rolled] == [
        ("E1", "HSA28")]
    assert [(w.source_enrollment_id, w.code) for w in result.warnings] == [
        ("E2", "ALREADY_ENROLLED")]


# -- RF-22 ----------------------------------------------------------------------------------------
def test_rf22_existing_primary_in_another_destination_calendar_is_duplicate_primary(forward):
    d = two_high_schools()
    d.enroll("H1", "S1", "HSB28", "11")
    result = forward(d)
    assert rolled(result) == []
    assert warned(result) == [("S1", "DUPLICATE_PRIMARY")]


def test_rf22_existing_partial_in_another_calendar_does_not_block_a_primary(forward):
    d = two_high_schools()
    d.enroll("H1", "S1", "HSB28", "11", service_type="partial")
    result = forward(d)
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []


def test_rf22_existing_primary_elsewhere_does_not_block_a_special_ed_enrollment(forward):
    d = two_high_schools()
    d.rows["enrollments"].clear()
    d.enroll("E1", "S1", "HSA27", "10", service_type="special_ed")
    d.enroll("H1", "S1", "HSB28", "11")
    result = forward(d, service_types=("special_ed",))
    assert [(r.student_id, r.calendar_id, r.service_type) for r in result.rolled] == [
        ("S1", "HSA28", "special_ed")]
    assert warned(result) == []


def test_rf22_allow_duplicate_primary_creates_second_calendar(forward):
    d = two_high_schools()
    d.enroll("H1", "S1", "HSB28", "11")
    result = forward(d, allow_duplicate_primary=True)
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []


def test_rf22_allow_duplicate_primary_never_a_second_in_the_same_calendar(forward):
    d = two_high_schools()
    d.enroll("H1", "S1", "HSA28", "11")
    result = forward(d, allow_duplicate_primary=True)
    assert rolled(result) == []
    assert warned(result) == [("S1", "ALREADY_ENROLLED")]


def test_rf22_allow_duplicate_primary_creates_second_calendar_only(forward):
    """Two primary enrollments of one student (two calendars of HSA this year) both roll to
    HSA28: with duplicates allowed, still one enrollment in that calendar."""
    d = District()
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    d.calendar("HSA27N", "HSA", 2027, ["10"], structure="Night")
    d.calendar("HSA28", "HSA", 2028, ["11"])
    d.structure("HSA28", "Night", ["11"])
    d.student("S1")
    d.enroll("E1", "S1", "HSA27", "10")
    d.enroll("E2", "S1", "HSA27N", "10")
    result = forward(d, allow_duplicate_primary=True)
    assert [(r.source_enrollment_id, r.calendar_id) for r in result.rolled] == [
        ("E1", "HSA28")]
    assert [(w.source_enrollment_id, w.code) for w in result.warnings] == [
        ("E2", "ALREADY_ENROLLED")]


def test_rf22_the_several_rf10_destinations_of_one_run_are_all_created(forward):
    """Two primary households in two boundaries, and one of the schools with two calendars:
    three primary enrollments, none refused as a duplicate."""
    d = District()
    d.school("MS")
    d.school("HS1")
    d.school("HS2")
    d.calendar("MS27", "MS", 2027, ["08"])
    d.calendar("HS1_28", "HS1", 2028, ["09"])
    d.calendar("HS2_28A", "HS2", 2028, ["09"])
    d.calendar("HS2_28B", "HS2", 2028, ["09"])
    d.boundary("HS1", "Elm St")
    d.boundary("HS2", "Oak St")
    d.student("S1")
    d.household("H1", 5, "Elm St", "S1")
    d.household("H2", 7, "Oak St", "S1")
    d.enroll("E1", "S1", "MS27", "08")
    result = forward(d)
    assert sorted(rolled(result)) == [("S1", "HS1_28", "09"), ("S1", "HS2_28A", "09"),
                                      ("S1", "HS2_28B", "09")]
    assert all(r.service_type == "primary" for r in result.rolled)
    assert all(r.warnings == ("MULTIPLE_DESTINATIONS",) for r in result.rolled)
    assert {code for _, code in warned(result)} == {"MULTIPLE_DESTINATIONS"}


def test_rf22_the_several_rf11_destinations_of_one_run_are_all_created(forward):
    d = District()
    d.school("HS")
    d.school("MS", next_school="HS")
    d.calendar("MS27", "MS", 2027, ["08"])
    d.calendar("HS28A", "HS", 2028, ["09"])
    d.calendar("HS28B", "HS", 2028, ["09"])
    d.student("S1")
    d.enroll("E1", "S1", "MS27", "08")
    result = forward(d)
    assert rolled(result) == [("S1", "HS28A", "09"), ("S1", "HS28B", "09")]
    assert {code for _, code in warned(result)} == {"MULTIPLE_DESTINATIONS"}


def test_rf22_several_destinations_but_an_earlier_primary_blocks_them_all(forward):
    d = District()
    d.school("HS")
    d.school("HSX")
    d.school("MS", next_school="HS")
    d.calendar("MS27", "MS", 2027, ["08"])
    d.calendar("HS28A", "HS", 2028, ["09"])
    d.calendar("HS28B", "HS", 2028, ["09"])
    d.calendar("HSX28", "HSX", 2028, ["09"])
    d.student("S1")
    d.enroll("E1", "S1", "MS27", "08")
    d.enroll("H1", "S1", "HSX28", "09")
    result = forward(d)
    assert rolled(result) == []
    assert warned(result) == [("S1", "DUPLICATE_PRIMARY"), ("S1", "DUPLICATE_PRIMARY")]

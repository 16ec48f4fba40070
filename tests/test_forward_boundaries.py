"""Boundaries and school choice (roll-forward.md §4): RF-14, RF-15, RF-16.

Every rule test runs three ways through the `forward` fixture (in memory, SQLite, PostgreSQL).
RF-16c's refusal through the command line is in test_forward_options.py.
"""

from __future__ import annotations

import pytest

from rollover.domain.forward.options import OptionError

from .districts import District, rolled, warned


def codes(result, student_id: str) -> list[str]:
    return [code for student, code in warned(result) if student == student_id]


def rolled_students(result) -> list[str]:
    return sorted({r.student_id for r in result.rolled})


# -- RF-14: is a household inside a boundary row ----------------------------------------------------
def middle_to_high(**settings) -> District:
    """MS offers 08 only, and nothing next year; HS offers 09 next year.  A student rolls to HS
    only through HS's boundary (RF-10); otherwise NO_DESTINATION (RF-12)."""
    d = District(**settings)
    d.school("MS")
    d.school("HS")
    d.calendar("MS27", "MS", 2027, ["08"])
    d.calendar("HS28", "HS", 2028, ["09"])
    return d


def eighth_grader(d: District, student_id: str, number: int, street: str, **address) -> None:
    d.student(student_id)
    d.household(f"H{student_id}", number, street, student_id, **address)
    d.enroll(f"E{student_id}", student_id, "MS27", "08")


def test_rf14_street_city_and_zip_match_case_and_whitespace_insensitively(forward):
    d = middle_to_high()
    d.boundary("HS", "Elm St", city="Town", zip_code="11111")
    eighth_grader(d, "S1", 10, "  elm   ST ", city=" TOWN  ", zip_code=" 11111 ")
    eighth_grader(d, "S2", 10, "ELM st", city="town", zip_code="11111")
    result = forward(d)
    assert rolled(result) == [("S1", "HS28", "09"), ("S2", "HS28", "09")]
    assert warned(result) == []


def test_rf14_boundary_row_with_odd_spacing_matches_a_plain_address(forward):
    d = middle_to_high()
    d.boundary("HS", " ELM    st", city="  town", zip_code="11111 ")
    eighth_grader(d, "S1", 10, "Elm St", city="Town", zip_code="11111")
    assert rolled(forward(d)) == [("S1", "HS28", "09")]


def test_rf14_number_range_is_inclusive(forward):
    d = middle_to_high()
    d.boundary("HS", "Elm St", low=10, high=20)
    for student_id, number in (("S09", 9), ("S10", 10), ("S15", 15), ("S20", 20), ("S21", 21)):
        eighth_grader(d, student_id, number, "Elm St")
    result = forward(d)
    assert rolled_students(result) == ["S10", "S15", "S20"]
    assert sorted(warned(result)) == [("S09", "NO_DESTINATION"), ("S21", "NO_DESTINATION")]


def test_rf14_odd_side_only(forward):
    d = middle_to_high()
    d.boundary("HS", "Elm St", low=1, high=99, side="odd")
    eighth_grader(d, "S11", 11, "Elm St")
    eighth_grader(d, "S12", 12, "Elm St")
    result = forward(d)
    assert rolled(result) == [("S11", "HS28", "09")]
    assert warned(result) == [("S12", "NO_DESTINATION")]


def test_rf14_even_side_only(forward):
    d = middle_to_high()
    d.boundary("HS", "Elm St", low=1, high=99, side="even")
    eighth_grader(d, "S11", 11, "Elm St")
    eighth_grader(d, "S12", 12, "Elm St")
    result = forward(d)
    assert rolled(result) == [("S12", "HS28", "09")]
    assert warned(result) == [("S11", "NO_DESTINATION")]


def test_rf14_both_sides(forward):
    d = middle_to_high()
    d.boundary("HS", "Elm St", low=1, high=99, side="both")
    eighth_grader(d, "S11", 11, "Elm St")
    eighth_grader(d, "S12", 12, "Elm St")
    result = forward(d)
    assert rolled(result) == [("S11", "HS28", "09"), ("S12", "HS28", "09")]
    assert warned(result) == []


def test_rf14_odd_and_even_sides_of_one_street_go_to_different_schools(forward):
    d = middle_to_high()
    d.school("HS2")
    d.calendar("HS2_28", "HS2", 2028, ["09"])
    d.boundary("HS", "Elm St", low=1, high=99, side="odd")
    d.boundary("HS2", "Elm St", low=1, high=99, side="even")
    eighth_grader(d, "S11", 11, "Elm St")
    eighth_grader(d, "S12", 12, "Elm St")
    assert rolled(forward(d)) == [("S11", "HS28", "09"), ("S12", "HS2_28", "09")]


def test_rf14_a_different_zip_does_not_match(forward):
    d = middle_to_high()
    d.boundary("HS", "Elm St", zip_code="11111")
    eighth_grader(d, "S1", 10, "Elm St", zip_code="22222")
    result = forward(d)
    assert rolled(result) == []
    assert warned(result) == [("S1", "NO_DESTINATION")]


def test_rf14_a_different_city_or_street_does_not_match(forward):
    d = middle_to_high()
    d.boundary("HS", "Elm St", city="Town")
    eighth_grader(d, "S1", 10, "Elm St", city="Other Town")
    eighth_grader(d, "S2", 10, "Elm Ave", city="Town")
    result = forward(d)
    assert rolled(result) == []
    assert warned(result) == [("S1", "NO_DESTINATION"), ("S2", "NO_DESTINATION")]


# -- RF-15: restrict attendance to boundaries -----------------------------------------------------
def two_high_schools(*, lives_on: str = "Oak St", **settings) -> District:
    """S1 is a sophomore at HSA (boundary Elm St) who lives on `lives_on` (HSB's boundary is
    Oak St).  Both schools offer grade 11 next year."""
    d = District(**settings)
    d.school("HSA")
    d.school("HSB")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    d.calendar("HSA28", "HSA", 2028, ["11"])
    d.calendar("HSB28", "HSB", 2028, ["11"])
    d.boundary("HSA", "Elm St")
    d.boundary("HSB", "Oak St")
    d.student("S1")
    d.household("H1", 5, lives_on, "S1")
    d.enroll("E1", "S1", "HSA27", "10")
    return d


def test_rf15_same_school_inside_the_boundary_stays(forward):
    result = forward(two_high_schools(lives_on="Elm St", restrict_to_boundaries=True))
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []


def test_rf15_same_school_outside_the_boundary_is_dropped_and_the_boundary_school_decides(
        forward):
    result = forward(two_high_schools(restrict_to_boundaries=True))
    assert rolled(result) == [("S1", "HSB28", "11")]
    assert codes(result, "S1") == ["OUT_OF_BOUNDARY"]


def test_rf15_without_restriction_the_same_school_keeps_a_student_from_another_boundary(forward):
    result = forward(two_high_schools(restrict_to_boundaries=False))
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []


def test_rf15_same_school_outside_the_boundary_and_no_boundary_school_is_not_rolled(forward):
    result = forward(two_high_schools(lives_on="Pine St", restrict_to_boundaries=True))
    assert rolled(result) == []
    assert codes(result, "S1")[0] == "OUT_OF_BOUNDARY"
    assert "NO_DESTINATION" in codes(result, "S1")


def test_rf15_same_school_outside_the_boundary_then_the_continuous_program_decides(forward):
    """Dropped from HSA (OUT_OF_BOUNDARY), S1 is placed by RF-9: the program boundary (HSC)
    wins over the school boundary (HSB) of the same street."""
    d = two_high_schools(restrict_to_boundaries=True)
    d.school("HSC")
    d.calendar("HSC28", "HSC", 2028, ["11"])
    d.program("P", continuous=True)
    d.boundary("HSC", "Oak St", program="P")
    d.participation("S1", "P")
    result = forward(d)
    assert rolled(result) == [("S1", "HSC28", "11")]
    assert codes(result, "S1") == ["OUT_OF_BOUNDARY"]


def test_rf15_override_for_the_school_and_destination_year_admits(forward):
    d = two_high_schools(restrict_to_boundaries=True)
    d.override("S1", "HSA", year=2028)
    result = forward(d)
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []


@pytest.mark.parametrize("year", [2027, 2029])
def test_rf15_override_for_another_year_does_not_admit(forward, year):
    d = two_high_schools(restrict_to_boundaries=True)
    d.override("S1", "HSA", year=year)
    result = forward(d)
    assert rolled(result) == [("S1", "HSB28", "11")]
    assert codes(result, "S1") == ["OUT_OF_BOUNDARY"]


def test_rf15_override_for_another_school_does_not_admit(forward):
    d = two_high_schools(restrict_to_boundaries=True)
    d.school("HSC")
    d.override("S1", "HSC", year=2028)
    result = forward(d)
    assert rolled(result) == [("S1", "HSB28", "11")]
    assert codes(result, "S1") == ["OUT_OF_BOUNDARY"]


def feeder(**settings) -> District:
    """MS feeds HS (RF-11); HS's boundary is Elm St; S1 lives on Oak St, in no boundary."""
    d = District(**settings)
    d.school("HS")
    d.school("MS", next_school="HS")
    d.calendar("MS27", "MS", 2027, ["08"])
    d.calendar("HS28", "HS", 2028, ["09"])
    d.boundary("HS", "Elm St")
    d.student("S1")
    d.household("H1", 5, "Oak St", "S1")
    d.enroll("E1", "S1", "MS27", "08")
    return d


def test_rf15_feeder_destination_outside_the_boundary_is_dropped(forward):
    result = forward(feeder(restrict_to_boundaries=True))
    assert rolled(result) == []
    assert codes(result, "S1") == ["OUT_OF_BOUNDARY"]


def test_rf15_feeder_destination_with_an_override_is_kept(forward):
    d = feeder(restrict_to_boundaries=True)
    d.override("S1", "HS", year=2028)
    result = forward(d)
    assert rolled(result) == [("S1", "HS28", "09")]
    assert warned(result) == []


def test_rf15_without_restriction_the_feeder_school_takes_the_student(forward):
    result = forward(feeder(restrict_to_boundaries=False))
    assert rolled(result) == [("S1", "HS28", "09")]
    assert warned(result) == []


def test_rf15_next_calendar_of_rf6_is_not_checked(forward):
    d = District(restrict_to_boundaries=True)
    d.school("HSA")
    d.school("HSB")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    d.calendar("HSA28", "HSA", 2028, ["11"])
    d.calendar("HSB28", "HSB", 2028, ["11"])
    d.boundary("HSA", "Elm St")
    d.boundary("HSB", "Oak St")
    d.student("S1")
    d.household("H1", 5, "Oak St", "S1")
    d.enroll("E1", "S1", "HSA27", "10", next_calendar="HSA28")
    result = forward(d)
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []


def test_rf15_destination_calendar_of_rf7_is_not_checked(forward):
    d = two_high_schools(restrict_to_boundaries=True)
    result = forward(d, dest_calendar="HSA28", dest_structure="HSA28-Main")
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []


# -- RF-16a: student assignment validation checks the same school ---------------------------------
def test_rf16a_validation_checks_the_same_school_without_restriction(forward):
    result = forward(two_high_schools(student_assignment_validation=True))
    assert rolled(result) == [("S1", "HSB28", "11")]
    assert codes(result, "S1") == ["OUT_OF_BOUNDARY"]


def test_rf16a_inside_the_same_school_boundary_stays(forward):
    result = forward(two_high_schools(lives_on="Elm St", student_assignment_validation=True))
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []


def test_rf16a_override_for_the_school_admits(forward):
    d = two_high_schools(student_assignment_validation=True)
    d.override("S1", "HSA", year=2028)
    result = forward(d)
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []


def test_rf16a_program_override_admits_when_the_program_boundary_holds_the_household(forward):
    d = two_high_schools(student_assignment_validation=True)
    d.program("P", continuous=False)
    d.boundary("HSA", "Oak St", program="P")
    d.override("S1", "HSA", year=2028, program="P")
    result = forward(d)
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []


def test_rf16a_program_override_does_not_admit_outside_the_program_boundary(forward):
    d = two_high_schools(student_assignment_validation=True)
    d.program("P", continuous=False)
    d.boundary("HSA", "Pine St", program="P")
    d.override("S1", "HSA", year=2028, program="P")
    result = forward(d)
    assert rolled(result) == [("S1", "HSB28", "11")]
    assert codes(result, "S1") == ["OUT_OF_BOUNDARY"]


def test_rf16a_program_boundary_without_an_override_does_not_admit(forward):
    d = two_high_schools(student_assignment_validation=True)
    d.program("P", continuous=False)
    d.boundary("HSA", "Oak St", program="P")
    result = forward(d)
    assert rolled(result) == [("S1", "HSB28", "11")]
    assert codes(result, "S1") == ["OUT_OF_BOUNDARY"]


# -- RF-16b: the resides school of a cluster -------------------------------------------------------
def cluster(resides: str | None, **settings) -> District:
    """One household on Elm St, in the boundaries of HS1 and HS2, which both offer 09."""
    d = District(**settings)
    d.school("MS")
    d.school("HS1")
    d.school("HS2")
    d.calendar("MS27", "MS", 2027, ["08"])
    d.calendar("HS1_28", "HS1", 2028, ["09"])
    d.calendar("HS2_28", "HS2", 2028, ["09"])
    d.boundary("HS1", "Elm St", resides=resides == "HS1")
    d.boundary("HS2", "Elm St", resides=resides == "HS2")
    d.student("S1")
    d.household("H1", 5, "Elm St", "S1")
    d.enroll("E1", "S1", "MS27", "08")
    return d


@pytest.mark.parametrize("resides, calendar", [("HS1", "HS1_28"), ("HS2", "HS2_28")])
def test_rf16b_only_the_resides_school_of_a_cluster_is_the_destination(forward, resides,
                                                                        calendar):
    result = forward(cluster(resides, student_assignment_validation=True))
    assert rolled(result) == [("S1", calendar, "09")]
    assert warned(result) == []


def test_rf16b_without_validation_every_school_of_the_cluster_gets_an_enrollment(forward):
    result = forward(cluster("HS2", student_assignment_validation=False))
    assert rolled(result) == [("S1", "HS1_28", "09"), ("S1", "HS2_28", "09")]
    assert all(r.warnings == ("MULTIPLE_DESTINATIONS",) for r in result.rolled)


# -- RF-16c: a destination requiring student assignment may not be chosen -------------------------
def assignment_destination(*, calendar_requires: bool = False, grade_requires: bool = False,
                           **settings) -> District:
    d = District(**settings)
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    d.calendar("HSA28", "HSA", 2028, {"11": (11, "11", grade_requires)},
               requires_assignment=calendar_requires)
    d.student("S1")
    d.enroll("E1", "S1", "HSA27", "10")
    return d


def test_rf16c_destination_calendar_requiring_assignment_is_refused_with_validation(forward):
    d = assignment_destination(calendar_requires=True, student_assignment_validation=True)
    with pytest.raises(OptionError, match="HSA28"):
        forward(d, dest_calendar="HSA28", dest_structure="HSA28-Main")


def test_rf16c_destination_grade_requiring_assignment_is_refused_with_validation(forward):
    d = assignment_destination(grade_requires=True, student_assignment_validation=True)
    with pytest.raises(OptionError, match="'11'"):
        forward(d, dest_calendar="HSA28", dest_structure="HSA28-Main", dest_grade="11")


@pytest.mark.parametrize("requires", ["calendar", "grade"])
def test_rf16c_destination_requiring_assignment_is_allowed_without_validation(forward, requires):
    d = assignment_destination(calendar_requires=requires == "calendar",
                               grade_requires=requires == "grade",
                               student_assignment_validation=False)
    result = forward(d, dest_calendar="HSA28", dest_structure="HSA28-Main", dest_grade="11")
    assert rolled(result) == [("S1", "HSA28", "11")]
    assert warned(result) == []

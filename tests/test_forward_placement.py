"""RF-6 .. RF-13 (roll-forward.md §3): where each student goes.

Every test builds the smallest district that shows its rule and runs it through the `forward`
fixture: in memory, on SQLite and on PostgreSQL.  Grade codes are two digits and their sequence
is their number ("10" has sequence 10); calendars of 2027 are the source year, 2028 the
destination year.  A structure id is "<calendar>-<structure name>".  No district here restricts
attendance to boundaries or validates student assignment (RF-15, RF-16 are tested elsewhere).
"""

from __future__ import annotations

import datetime as dt

from .districts import District, last_day, nothing_else, placed, rolled, warned

HIGH = ["09", "10", "11", "12"]
MIDDLE = ["06", "07", "08"]
MULTIPLE = "MULTIPLE_DESTINATIONS"


def flags(result) -> list[list[str]]:
    """The warnings carried by each new enrollment (MULTIPLE_DESTINATIONS)."""
    return [list(r.warnings) for r in result.rolled]


def school(d: District, school_id: str, grades=HIGH, *, next_school: str | None = None,
           structure: str = "Main") -> None:
    """A school with the same calendar (one structure) in 2027 and 2028."""
    d.school(school_id, next_school)
    d.calendar(f"{school_id}27", school_id, 2027, grades, structure=structure)
    d.calendar(f"{school_id}28", school_id, 2028, grades, structure=structure)


def next_year_only(d: District, school_id: str, grades=HIGH, calendar: str | None = None,
                   structure: str = "Main", *, new_school: bool = True) -> str:
    """A school (or another calendar of it) in the destination year only."""
    if new_school:
        d.school(school_id)
    return d.calendar(calendar or f"{school_id}28", school_id, 2028, grades, structure=structure)


def eighth_grader(d: District, student: str = "S1", *homes: tuple[str, int, str]) -> str:
    """A student in grade 08 at middle school MS (calendar MS27) with primary households at the
    given (household id, number, street)."""
    d.student(student)
    for household, number, street in homes:
        d.household(household, number, street, student)
    return d.enroll(f"E-{student}", student, "MS27", "08")


# -- RF-6: the next enrollment fields -----------------------------------------------------------
def test_rf6_next_calendar_decides_over_same_school_and_boundaries(forward):
    d = District()
    school(d, "HSA")
    school(d, "HSB")
    school(d, "HSC")
    d.boundary("HSC", "Elm Street")
    d.student("S1")
    d.household("H1", 10, "Elm Street", "S1")
    d.enroll("E1", "S1", "HSA27", "10", next_calendar="HSB28")
    result = forward(d)
    assert placed(result) == [("S1", "HSB28", "HSB28-Main", "11")]
    assert [r.rule for r in result.rolled] == ["RF-6"]
    assert warned(result) == []
    nothing_else(result, 1)


def test_rf6_retained_and_demoted_students_placed_by_hand(forward):
    d = District()
    school(d, "HSA")
    school(d, "HSB")
    d.student("BY-GRADE")  # retained by hand: the next grade is this year's
    d.enroll("E1", "BY-GRADE", "HSA27", "10", next_calendar="HSA28", next_grade="10")
    d.student("RETAIN")  # end action retain, no next grade: the target sequence
    d.enroll("E2", "RETAIN", "HSA27", "10", end_action="retain", next_calendar="HSB28")
    d.student("DEMOTE")
    d.enroll("E3", "DEMOTE", "HSA27", "10", end_action="demote", next_calendar="HSB28")
    result = forward(d)
    assert placed(result) == [("BY-GRADE", "HSA28", "HSA28-Main", "10"),
                              ("DEMOTE", "HSB28", "HSB28-Main", "09"),
                              ("RETAIN", "HSB28", "HSB28-Main", "10")]
    assert warned(result) == []
    nothing_else(result, 3)


def test_rf6_next_structure_given_or_derived(forward):
    d = District()
    school(d, "HSA")
    d.structure("HSA28", "Academy", HIGH)  # HSA28 has Main and Academy
    next_year_only(d, "HSC", structure="Block")  # one structure, another name
    next_year_only(d, "HSD", structure="Block")
    d.structure("HSD28", "Academy", HIGH)  # two structures, neither named Main
    d.student("GIVEN")
    d.enroll("E1", "GIVEN", "HSA27", "10", next_calendar="HSA28", next_structure="HSA28-Academy")
    d.student("SAME-NAME")
    d.enroll("E2", "SAME-NAME", "HSA27", "10", next_calendar="HSA28")
    d.student("ONLY-ONE")
    d.enroll("E3", "ONLY-ONE", "HSA27", "10", next_calendar="HSC28")
    d.student("SEVERAL")
    d.enroll("E4", "SEVERAL", "HSA27", "10", next_calendar="HSD28")
    result = forward(d)
    assert placed(result) == [("GIVEN", "HSA28", "HSA28-Academy", "11"),
                              ("ONLY-ONE", "HSC28", "HSC28-Block", "11"),
                              ("SAME-NAME", "HSA28", "HSA28-Main", "11")]
    assert warned(result) == [("SEVERAL", "AMBIGUOUS_STRUCTURE")]
    nothing_else(result, 3, not_rolled=1)


def test_rf6_next_calendar_without_the_grade_is_no_grade_and_nothing_else(forward):
    d = District()
    school(d, "HSA")
    school(d, "MS", MIDDLE)
    d.boundary("HSA", "Elm Street")
    d.student("NEXT-GRADE")  # the next grade is not offered by the next calendar
    d.household("H1", 10, "Elm Street", "NEXT-GRADE")
    d.enroll("E1", "NEXT-GRADE", "HSA27", "10", next_calendar="HSA28", next_grade="07")
    d.student("TARGET")  # the next calendar lacks the target sequence 11
    d.household("H2", 12, "Elm Street", "TARGET")
    d.enroll("E2", "TARGET", "HSA27", "10", next_calendar="MS28")
    result = forward(d)
    assert rolled(result) == []  # no fall back to the same school or the boundary
    assert warned(result) == [("NEXT-GRADE", "NO_GRADE"), ("TARGET", "NO_GRADE")]
    nothing_else(result, 0, not_rolled=2)


def test_rf6_next_calendar_outside_the_destination_year_is_no_destination(forward):
    """Decision (place.py): a next calendar outside the destination year places nobody."""
    d = District()
    school(d, "HSA")
    d.calendar("HSA29", "HSA", 2029, HIGH)
    d.student("THIS-YEAR")
    d.enroll("E1", "THIS-YEAR", "HSA27", "10", next_calendar="HSA27")
    d.student("LATER")
    d.enroll("E2", "LATER", "HSA27", "10", next_calendar="HSA29")
    result = forward(d)
    assert rolled(result) == []
    assert warned(result) == [("LATER", "NO_DESTINATION"), ("THIS-YEAR", "NO_DESTINATION")]
    nothing_else(result, 0, not_rolled=2)


# -- RF-7: the destination calendar option ------------------------------------------------------
def test_rf7_destination_calendar_takes_every_student_without_a_next_calendar(forward):
    d = District()
    school(d, "HSA")
    school(d, "HSB")
    next_year_only(d, "HSC")
    d.student("A")
    d.enroll("E1", "A", "HSA27", "10")
    d.student("B")
    d.enroll("E2", "B", "HSB27", "10")
    d.student("NEXT")  # an enrollment with a next calendar is left to a run without one
    d.enroll("E3", "NEXT", "HSA27", "10", next_calendar="HSB28")
    d.student("NEXT-IS-DEST")
    d.enroll("E4", "NEXT-IS-DEST", "HSA27", "10", next_calendar="HSC28")
    result = forward(d, dest_calendar="HSC28", dest_structure="HSC28-Main")
    assert placed(result) == [("A", "HSC28", "HSC28-Main", "11"),
                              ("B", "HSC28", "HSC28-Main", "11")]
    assert [r.rule for r in result.rolled] == ["RF-7", "RF-7"]
    assert warned(result) == [("NEXT", "NEXT_CALENDAR_SET"),
                              ("NEXT-IS-DEST", "NEXT_CALENDAR_SET")]
    nothing_else(result, 2, not_rolled=2)

    # Without the option, RF-6 places the next-calendar students and RF-8 the others.
    result = forward(d)
    assert rolled(result) == [("A", "HSA28", "11"), ("B", "HSB28", "11"),
                              ("NEXT", "HSB28", "11"), ("NEXT-IS-DEST", "HSC28", "11")]
    assert warned(result) == []


def test_rf7_destination_grade_for_promoted_students_only(forward):
    d = District()
    school(d, "HSA")
    next_year_only(d, "HSC")
    for student, action in (("PROMOTE", "promote"), ("NONE", None), ("RETAIN", "retain"),
                            ("DEMOTE", "demote")):
        d.student(student)
        d.enroll(f"E-{student}", student, "HSA27", "10", end_action=action)
    result = forward(d, dest_calendar="HSC28", dest_structure="HSC28-Main", dest_grade="12")
    assert placed(result) == [("DEMOTE", "HSC28", "HSC28-Main", "09"),
                              ("NONE", "HSC28", "HSC28-Main", "12"),
                              ("PROMOTE", "HSC28", "HSC28-Main", "12"),
                              ("RETAIN", "HSC28", "HSC28-Main", "10")]
    assert warned(result) == []
    nothing_else(result, 4)

    result = forward(d, dest_calendar="HSC28", dest_structure="HSC28-Main")
    assert rolled(result) == [("DEMOTE", "HSC28", "09"), ("NONE", "HSC28", "11"),
                              ("PROMOTE", "HSC28", "11"), ("RETAIN", "HSC28", "10")]
    nothing_else(result, 4)


def test_rf7_destination_structure_is_the_one_given(forward):
    d = District()
    school(d, "HSA")
    d.structure("HSA28", "Academy", HIGH)
    d.student("S1")
    d.enroll("E1", "S1", "HSA27", "10")  # structure Main
    result = forward(d, dest_calendar="HSA28", dest_structure="HSA28-Academy")
    assert placed(result) == [("S1", "HSA28", "HSA28-Academy", "11")]
    assert warned(result) == []
    nothing_else(result, 1)


def test_rf7_destination_without_the_target_grade_is_no_grade(forward):
    d = District()
    school(d, "HSA")
    next_year_only(d, "UPPER", ["11", "12"])
    d.student("PROMOTE")
    d.enroll("E1", "PROMOTE", "HSA27", "10")
    d.student("RETAIN")  # retained students go by sequence even when a grade is given
    d.enroll("E2", "RETAIN", "HSA27", "10", end_action="retain")
    result = forward(d, dest_calendar="UPPER28", dest_structure="UPPER28-Main", dest_grade="12")
    assert rolled(result) == [("PROMOTE", "UPPER28", "12")]
    assert warned(result) == [("RETAIN", "NO_GRADE")]
    nothing_else(result, 1, not_rolled=1)


# -- RF-8: the same school ----------------------------------------------------------------------
def test_rf8_sophomore_living_in_another_boundary_stays_at_his_school(forward):
    d = District()
    school(d, "HSA")
    school(d, "HSB")
    d.boundary("HSB", "Elm Street")
    d.student("S1")
    d.household("H1", 10, "Elm Street", "S1")
    d.enroll("E1", "S1", "HSA27", "10")
    result = forward(d)
    assert placed(result) == [("S1", "HSA28", "HSA28-Main", "11")]
    assert [r.rule for r in result.rolled] == ["RF-8"]
    assert warned(result) == []
    nothing_else(result, 1)


def test_rf8_two_qualifying_calendars_are_ambiguous(forward):
    d = District()
    school(d, "HSA")
    school(d, "HSB")
    next_year_only(d, "HSA", calendar="HSA28X", new_school=False)  # a second HSA calendar
    d.boundary("HSB", "Elm Street")
    d.student("S1")
    d.household("H1", 10, "Elm Street", "S1")  # a boundary does not decide either
    d.enroll("E1", "S1", "HSA27", "10")
    result = forward(d)
    assert rolled(result) == []
    assert warned(result) == [("S1", "AMBIGUOUS_CALENDAR")]
    nothing_else(result, 0, not_rolled=1)


def test_rf8_only_calendars_offering_the_target_sequence_qualify(forward):
    d = District()
    school(d, "HSA")
    next_year_only(d, "HSA", ["09"], calendar="HSA28F", new_school=False)  # a freshman centre
    d.student("S1")
    d.enroll("E1", "S1", "HSA27", "10")
    result = forward(d)
    assert placed(result) == [("S1", "HSA28", "HSA28-Main", "11")]
    assert warned(result) == []
    nothing_else(result, 1)


def test_rf8_other_structure_name_rolls_to_the_boundary_school(forward):
    """Source: "A student who has one primary household rolls into a different school, even
    when the next sequence grade level exists at the current school, if the source calendar and
    the future calendar have different schedule structure names"."""
    d = District()
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, HIGH, structure="Main")
    d.calendar("HSA28", "HSA", 2028, HIGH, structure="Block")  # offers 11, another name
    school(d, "HSB")
    d.boundary("HSB", "Elm Street")
    d.student("S1")
    d.household("H1", 10, "Elm Street", "S1")
    d.enroll("E1", "S1", "HSA27", "10")
    result = forward(d)
    assert placed(result) == [("S1", "HSB28", "HSB28-Main", "11")]
    assert [r.rule for r in result.rolled] == ["RF-10"]
    assert warned(result) == []
    nothing_else(result, 1)


def test_rf8_other_structure_name_two_households_roll_to_each_boundary_school(forward):
    """Source: more than one primary household, each in another school's boundary, and
    different structure names: the student rolls to the boundary schools."""
    d = District()
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, HIGH, structure="Main")
    d.calendar("HSA28", "HSA", 2028, HIGH, structure="Block")
    school(d, "HSB")
    school(d, "HSC")
    d.boundary("HSB", "Elm Street")
    d.boundary("HSC", "Oak Street")
    d.student("S1")
    d.household("H1", 10, "Elm Street", "S1")
    d.household("H2", 20, "Oak Street", "S1")
    d.enroll("E1", "S1", "HSA27", "10")
    result = forward(d)
    assert placed(result) == [("S1", "HSB28", "HSB28-Main", "11"),
                              ("S1", "HSC28", "HSC28-Main", "11")]
    assert flags(result) == [[MULTIPLE], [MULTIPLE]]
    assert warned(result) == [("S1", MULTIPLE)]
    nothing_else(result, 2)


# -- RF-9: continuous programs ------------------------------------------------------------------
def _program_district(*, continuous: bool = True, program_school: str = "HSB") -> District:
    """Middle school MS; high schools HSA (the school boundary of Elm Street) and HSB; program
    IB, whose boundary puts Elm Street at `program_school`."""
    d = District()
    school(d, "MS", MIDDLE)
    school(d, "HSA")
    school(d, "HSB")
    d.program("IB", continuous=continuous)
    d.boundary("MS", "Elm Street")
    d.boundary("HSA", "Elm Street")
    d.boundary(program_school, "Elm Street", program="IB")
    return d


def test_rf9_continuous_program_places_by_its_program_boundary(forward):
    d = _program_district()
    eighth_grader(d, "S1", ("H1", 10, "Elm Street"))
    d.participation("S1", "IB")
    d.student("S2")  # not in the program: the school boundary
    d.household("H2", 12, "Elm Street", "S2")
    d.enroll("E-S2", "S2", "MS27", "08")
    result = forward(d)
    assert placed(result) == [("S1", "HSB28", "HSB28-Main", "09"),
                              ("S2", "HSA28", "HSA28-Main", "09")]
    assert [r.rule for r in result.rolled] == ["RF-9", "RF-10"]
    assert warned(result) == []
    nothing_else(result, 2)


def test_rf9_participation_must_be_active_on_the_source_calendars_last_day(forward):
    d = _program_district()
    eighth_grader(d, "ENDED", ("H1", 10, "Elm Street"))
    d.participation("ENDED", "IB", end=dt.date(2027, 3, 1))
    eighth_grader(d, "LAST-DAY", ("H2", 12, "Elm Street"))
    d.participation("LAST-DAY", "IB", end=last_day(2027))
    result = forward(d)
    assert placed(result) == [("ENDED", "HSA28", "HSA28-Main", "09"),
                              ("LAST-DAY", "HSB28", "HSB28-Main", "09")]
    assert warned(result) == []
    nothing_else(result, 2)


def test_rf9_a_program_that_is_not_continuous_does_not_place(forward):
    d = _program_district(continuous=False)
    eighth_grader(d, "S1", ("H1", 10, "Elm Street"))
    d.participation("S1", "IB")
    result = forward(d)
    assert placed(result) == [("S1", "HSA28", "HSA28-Main", "09")]
    assert warned(result) == []
    nothing_else(result, 1)


def test_rf9_no_program_boundary_offering_the_grade_falls_through_to_rf10(forward):
    d = _program_district(program_school="MS")  # IB's boundary school offers no grade 09
    eighth_grader(d, "S1", ("H1", 10, "Elm Street"))
    d.participation("S1", "IB")
    result = forward(d)
    assert placed(result) == [("S1", "HSA28", "HSA28-Main", "09")]
    assert [r.rule for r in result.rolled] == ["RF-10"]
    assert warned(result) == []
    nothing_else(result, 1)


def test_rf9_not_applied_while_the_school_offers_the_next_grade(forward):
    d = _program_district()
    d.student("S1")
    d.household("H1", 10, "Elm Street", "S1")
    d.participation("S1", "IB")
    d.enroll("E1", "S1", "HSA27", "10")
    result = forward(d)
    assert placed(result) == [("S1", "HSA28", "HSA28-Main", "11")]
    assert warned(result) == []
    nothing_else(result, 1)


def test_rf9_not_applied_when_the_school_offers_the_grade_under_another_structure_name(forward):
    """RF-9 applies to a student "whose school does not offer the target sequence next year".
    HSA offers grade 11 next year, only in a structure of another name: RF-8 does not place the
    student, RF-9 does not apply, the school boundary decides (RF-10)."""
    d = District()
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, HIGH, structure="Main")
    d.calendar("HSA28", "HSA", 2028, HIGH, structure="Block")
    school(d, "HSB")
    school(d, "HSC")
    d.program("IB")
    d.boundary("HSC", "Elm Street")
    d.boundary("HSB", "Elm Street", program="IB")
    d.student("S1")
    d.household("H1", 10, "Elm Street", "S1")
    d.participation("S1", "IB")
    d.enroll("E1", "S1", "HSA27", "10")
    result = forward(d)
    assert placed(result) == [("S1", "HSC28", "HSC28-Main", "11")]
    assert warned(result) == []
    nothing_else(result, 1)


# -- RF-10: school boundaries -------------------------------------------------------------------
def _moving_up() -> District:
    """Middle school MS (06-08); high schools HSA (boundary Elm Street) and HSB (Oak Street)."""
    d = District()
    school(d, "MS", MIDDLE)
    school(d, "HSA")
    school(d, "HSB")
    d.boundary("HSA", "Elm Street")
    d.boundary("HSB", "Oak Street")
    return d


def test_rf10_middle_school_student_moves_up_to_the_boundary_high_school(forward):
    d = _moving_up()
    eighth_grader(d, "S1", ("H1", 20, "Oak Street"))
    d.student("S7")  # a seventh grader stays at the middle school (RF-8)
    d.household("H7", 22, "Oak Street", "S7")
    d.enroll("E-S7", "S7", "MS27", "07")
    result = forward(d)
    assert placed(result) == [("S1", "HSB28", "HSB28-Main", "09"),
                              ("S7", "MS28", "MS28-Main", "08")]
    assert [r.rule for r in result.rolled] == ["RF-10", "RF-8"]
    assert flags(result) == [[], []]
    assert warned(result) == []
    nothing_else(result, 2)


def test_rf10_two_households_two_schools(forward):
    d = _moving_up()
    eighth_grader(d, "S1", ("H1", 10, "Elm Street"), ("H2", 20, "Oak Street"))
    result = forward(d)
    assert sorted(placed(result)) == [("S1", "HSA28", "HSA28-Main", "09"),
                                      ("S1", "HSB28", "HSB28-Main", "09")]
    assert flags(result) == [[MULTIPLE], [MULTIPLE]]
    assert warned(result) == [("S1", MULTIPLE)]
    nothing_else(result, 2)


def test_rf10_boundary_school_with_two_calendars_gets_one_in_each(forward):
    d = _moving_up()
    next_year_only(d, "HSB", calendar="HSB28X", new_school=False)
    eighth_grader(d, "S1", ("H1", 20, "Oak Street"))
    result = forward(d)
    assert sorted(placed(result)) == [("S1", "HSB28", "HSB28-Main", "09"),
                                      ("S1", "HSB28X", "HSB28X-Main", "09")]
    assert flags(result) == [[MULTIPLE], [MULTIPLE]]
    assert warned(result) == [("S1", MULTIPLE)]
    nothing_else(result, 2)


def test_rf10_two_households_and_a_school_with_two_calendars(forward):
    d = _moving_up()
    next_year_only(d, "HSB", calendar="HSB28X", new_school=False)
    eighth_grader(d, "S1", ("H1", 10, "Elm Street"), ("H2", 20, "Oak Street"))
    result = forward(d)
    assert sorted(placed(result)) == [("S1", "HSA28", "HSA28-Main", "09"),
                                      ("S1", "HSB28", "HSB28-Main", "09"),
                                      ("S1", "HSB28X", "HSB28X-Main", "09")]
    assert flags(result) == [[MULTIPLE]] * 3
    assert warned(result) == [("S1", MULTIPLE)]
    nothing_else(result, 3)


def test_rf10_only_primary_households_count(forward):
    d = _moving_up()
    eighth_grader(d, "S1", ("H2", 20, "Oak Street"))
    d.household("H1", 10, "Elm Street", "S1", primary=False)
    result = forward(d)
    assert placed(result) == [("S1", "HSB28", "HSB28-Main", "09")]
    assert flags(result) == [[]]
    assert warned(result) == []
    nothing_else(result, 1)


def test_rf10_boundary_schools_without_the_grade_do_not_count(forward):
    d = _moving_up()
    d.boundary("MS", "Oak Street")  # the household is in the middle school's boundary too
    eighth_grader(d, "S1", ("H1", 20, "Oak Street"))
    result = forward(d)
    assert placed(result) == [("S1", "HSB28", "HSB28-Main", "09")]
    assert flags(result) == [[]]
    assert warned(result) == []
    nothing_else(result, 1)


def test_rf10_two_households_in_one_boundary_get_one_enrollment(forward):
    d = _moving_up()
    eighth_grader(d, "S1", ("H1", 20, "Oak Street"), ("H2", 40, "Oak Street"))
    result = forward(d)
    assert placed(result) == [("S1", "HSB28", "HSB28-Main", "09")]
    assert flags(result) == [[]]
    assert warned(result) == []
    nothing_else(result, 1)


# -- RF-11: the feeder school -------------------------------------------------------------------
def _feeder(next_school: str = "HSA") -> District:
    d = District()
    school(d, "MS", MIDDLE, next_school=next_school)
    school(d, "MS2", MIDDLE)
    school(d, "HSA")
    school(d, "HSB")
    d.boundary("HSB", "Oak Street")
    return d


def test_rf11_feeder_school_when_no_boundary_decides(forward):
    d = _feeder()
    eighth_grader(d, "NO-HOME")
    eighth_grader(d, "NO-BOUNDARY", ("H1", 10, "Pine Street"))  # in no boundary
    eighth_grader(d, "BOUNDARY", ("H2", 20, "Oak Street"))  # the boundary wins
    result = forward(d)
    assert placed(result) == [("BOUNDARY", "HSB28", "HSB28-Main", "09"),
                              ("NO-BOUNDARY", "HSA28", "HSA28-Main", "09"),
                              ("NO-HOME", "HSA28", "HSA28-Main", "09")]
    assert [r.rule for r in result.rolled] == ["RF-10", "RF-11", "RF-11"]
    assert flags(result) == [[], [], []]
    assert warned(result) == []
    nothing_else(result, 3)


def test_rf11_feeder_school_with_two_calendars_gets_one_in_each(forward):
    d = _feeder()
    next_year_only(d, "HSA", calendar="HSA28X", new_school=False)
    eighth_grader(d, "S1")
    result = forward(d)
    assert sorted(placed(result)) == [("S1", "HSA28", "HSA28-Main", "09"),
                                      ("S1", "HSA28X", "HSA28X-Main", "09")]
    assert flags(result) == [[MULTIPLE], [MULTIPLE]]
    assert warned(result) == [("S1", MULTIPLE)]
    nothing_else(result, 2)


def test_rf11_feeder_school_without_the_grade_is_no_destination(forward):
    d = _feeder(next_school="MS2")
    eighth_grader(d, "S1")
    result = forward(d)
    assert rolled(result) == []
    assert warned(result) == [("S1", "NO_DESTINATION")]
    nothing_else(result, 0, not_rolled=1)


# -- RF-12: no destination ----------------------------------------------------------------------
def test_rf12_no_destination_when_several_schools_offer_the_grade_and_nothing_decides(forward):
    d = District()
    school(d, "MS", MIDDLE)  # no feeder
    school(d, "HSA")
    school(d, "HSB")
    d.boundary("HSA", "Elm Street")
    eighth_grader(d, "NO-HOME")
    eighth_grader(d, "NO-BOUNDARY", ("H1", 20, "Oak Street"))
    result = forward(d)
    assert rolled(result) == []
    assert warned(result) == [("NO-BOUNDARY", "NO_DESTINATION"), ("NO-HOME", "NO_DESTINATION")]
    nothing_else(result, 0, not_rolled=2)


def test_rf12_no_destination_when_the_boundary_schools_lack_the_grade(forward):
    d = District()
    school(d, "MS", MIDDLE)
    school(d, "HSA")
    d.boundary("MS", "Elm Street")  # the household's only boundary is the middle school's
    eighth_grader(d, "S1", ("H1", 10, "Elm Street"))
    result = forward(d)
    assert rolled(result) == []
    assert warned(result) == [("S1", "NO_DESTINATION")]
    nothing_else(result, 0, not_rolled=1)


# -- RF-13: the structure of an RF-9 .. RF-11 destination ---------------------------------------
def test_rf13_the_structure_of_the_same_name_when_it_offers_the_grade(forward):
    d = _moving_up()
    d.structure("HSB28", "Academy", HIGH)  # HSB28: Main and Academy both offer 09
    eighth_grader(d, "S1", ("H1", 20, "Oak Street"))  # enrolled in MS27's "Main"
    result = forward(d)
    assert placed(result) == [("S1", "HSB28", "HSB28-Main", "09")]
    assert warned(result) == []
    nothing_else(result, 1)


def test_rf13_else_the_only_structure_offering_the_grade(forward):
    d = District()
    school(d, "MS", MIDDLE)
    next_year_only(d, "HSA", ["10", "11", "12"])  # "Main" lacks 09 ...
    d.structure("HSA28", "Freshman", ["09"])  # ... the one structure with 09
    next_year_only(d, "HSB", structure="Block")  # no "Main"; one structure offers 09 ...
    d.structure("HSB28", "Evening", ["11", "12"])  # ... the other does not
    d.boundary("HSA", "Elm Street")
    d.boundary("HSB", "Oak Street")
    eighth_grader(d, "A", ("H1", 10, "Elm Street"))
    eighth_grader(d, "B", ("H2", 20, "Oak Street"))
    result = forward(d)
    assert placed(result) == [("A", "HSA28", "HSA28-Freshman", "09"),
                              ("B", "HSB28", "HSB28-Block", "09")]
    assert warned(result) == []
    nothing_else(result, 2)


def test_rf13_several_structures_and_none_of_the_same_name_is_ambiguous(forward):
    d = District()
    school(d, "MS", MIDDLE)
    next_year_only(d, "HSA", structure="Block")
    d.structure("HSA28", "Academy", HIGH)
    school(d, "HSB")
    d.boundary("HSA", "Elm Street")
    d.boundary("HSB", "Oak Street")
    eighth_grader(d, "ONE-HOME", ("H1", 10, "Elm Street"))
    # Two households: not rolled into HSA28, rolled into HSB28 alone (no MULTIPLE_DESTINATIONS).
    eighth_grader(d, "TWO-HOMES", ("H2", 12, "Elm Street"), ("H3", 20, "Oak Street"))
    result = forward(d)
    assert placed(result) == [("TWO-HOMES", "HSB28", "HSB28-Main", "09")]
    assert flags(result) == [[]]
    assert warned(result) == [("ONE-HOME", "AMBIGUOUS_STRUCTURE"),
                              ("TWO-HOMES", "AMBIGUOUS_STRUCTURE")]
    nothing_else(result, 1, not_rolled=1)


def test_rf13_chooses_the_structure_of_program_and_feeder_destinations_too(forward):
    d = District()
    school(d, "MS", MIDDLE, next_school="HSF")
    next_year_only(d, "HSF", structure="Block")  # the feeder school: one structure
    next_year_only(d, "HSP", structure="Block")  # the program's school: two, neither "Main"
    d.structure("HSP28", "Academy", HIGH)
    next_year_only(d, "HSQ")  # another program school: "Main" and "Academy"
    d.structure("HSQ28", "Academy", HIGH)
    d.program("IB")
    d.boundary("HSP", "Elm Street", program="IB")
    d.boundary("HSQ", "Oak Street", program="IB")
    eighth_grader(d, "FEEDER")
    eighth_grader(d, "PROGRAM-P", ("H1", 10, "Elm Street"))
    d.participation("PROGRAM-P", "IB")
    eighth_grader(d, "PROGRAM-Q", ("H2", 20, "Oak Street"))
    d.participation("PROGRAM-Q", "IB")
    result = forward(d)
    assert placed(result) == [("FEEDER", "HSF28", "HSF28-Block", "09"),
                              ("PROGRAM-Q", "HSQ28", "HSQ28-Main", "09")]
    assert [r.rule for r in result.rolled] == ["RF-11", "RF-9"]
    assert warned(result) == [("PROGRAM-P", "AMBIGUOUS_STRUCTURE")]
    nothing_else(result, 2, not_rolled=1)

"""RF-1 .. RF-5 (roll-forward.md §2): who is selected, which enrollments roll, to which sequence.

Every test builds the smallest district that shows its rule and runs it through the `forward`
fixture: in memory, on SQLite and on PostgreSQL.  Grade codes are two digits and their sequence
is their number ("10" has sequence 10) unless a test says otherwise; calendars of 2027 are the
source year, 2028 the destination year.  A structure id is "<calendar>-<structure name>".
"""

from __future__ import annotations

import datetime as dt

from .districts import District, first_day, last_day, nothing_else, placed, rolled, warned

HIGH = ["09", "10", "11", "12"]


def high_school(d: District, school: str = "HSA", grades=HIGH, **calendar) -> None:
    """A school with the same calendar (one structure "Main") in 2027 and 2028."""
    d.school(school)
    d.calendar(f"{school}27", school, 2027, grades, **calendar)
    d.calendar(f"{school}28", school, 2028, grades, **calendar)


# -- RF-1: candidates -------------------------------------------------------------------------
def _three_service_types() -> District:
    d = District()
    high_school(d)
    for student, service_type in (("P", "primary"), ("A", "partial"), ("X", "special_ed")):
        d.student(student)
        d.enroll(f"E{student}", student, "HSA27", "10", service_type=service_type)
    return d


def test_rf1_default_service_type_is_primary_only(forward):
    result = forward(_three_service_types())
    assert placed(result) == [("P", "HSA28", "HSA28-Main", "11")]
    assert [r.service_type for r in result.rolled] == ["primary"]
    assert warned(result) == []
    nothing_else(result, 1)


def test_rf1_partial_and_special_ed_roll_when_chosen(forward):
    d = _three_service_types()
    result = forward(d, service_types=["partial", "special_ed"])
    assert rolled(result) == [("A", "HSA28", "11"), ("X", "HSA28", "11")]
    assert [r.service_type for r in result.rolled] == ["partial", "special_ed"]
    assert warned(result) == []
    nothing_else(result, 2)

    result = forward(d, service_types=["primary", "partial", "special_ed"])
    assert rolled(result) == [("A", "HSA28", "11"), ("P", "HSA28", "11"), ("X", "HSA28", "11")]
    assert [r.service_type for r in result.rolled] == ["partial", "primary", "special_ed"]
    assert warned(result) == []
    nothing_else(result, 3)


def test_rf1_source_grades_roll_only_those_grades(forward):
    d = District()
    high_school(d)
    for student, grade in (("N", "09"), ("T", "10"), ("E", "11")):
        d.student(student)
        d.enroll(f"E{student}", student, "HSA27", grade)
    result = forward(d, source_grades=["10", "11"])
    assert rolled(result) == [("E", "HSA28", "12"), ("T", "HSA28", "11")]
    assert warned(result) == []
    nothing_else(result, 2)

    # Empty source grades: every grade of the source calendars.
    result = forward(d)
    assert rolled(result) == [("E", "HSA28", "12"), ("N", "HSA28", "10"), ("T", "HSA28", "11")]
    nothing_else(result, 3)


def test_rf1_source_structure_is_a_name_across_several_calendars(forward):
    d = District()
    for school in ("HSA", "HSB"):
        high_school(d, school, ["10", "11"])
        d.structure(f"{school}27", "Academy", ["10", "11"])
        d.structure(f"{school}28", "Academy", ["10", "11"])
        d.student(f"{school}-M")
        d.enroll(f"E{school}-M", f"{school}-M", f"{school}27", "10", structure=f"{school}27-Main")
        d.student(f"{school}-A")
        d.enroll(f"E{school}-A", f"{school}-A", f"{school}27", "10",
                 structure=f"{school}27-Academy")

    result = forward(d, source_structure="Academy")
    assert placed(result) == [("HSA-A", "HSA28", "HSA28-Academy", "11"),
                              ("HSB-A", "HSB28", "HSB28-Academy", "11")]
    assert warned(result) == []
    nothing_else(result, 2)

    # No source structure: every structure, each student into the structure of the same name.
    result = forward(d)
    assert placed(result) == [("HSA-A", "HSA28", "HSA28-Academy", "11"),
                              ("HSA-M", "HSA28", "HSA28-Main", "11"),
                              ("HSB-A", "HSB28", "HSB28-Academy", "11"),
                              ("HSB-M", "HSB28", "HSB28-Main", "11")]
    nothing_else(result, 4)


def test_rf1_ad_hoc_filter_rolls_only_the_students_it_matches(forward):
    d = District()
    high_school(d)
    for student, name in (("S1", "Smith"), ("S2", "Jones"), ("S3", "Sanchez")):
        d.student(student, last_name=name)
        d.enroll(f"E{student}", student, "HSA27", "10")
    result = forward(d, filter='last_name startswith "S"')
    assert rolled(result) == [("S1", "HSA28", "11"), ("S3", "HSA28", "11")]
    assert warned(result) == []
    nothing_else(result, 2)


def test_rf1_ad_hoc_filter_and_source_grades_both_apply(forward):
    d = District()
    high_school(d)
    high_school(d, "HSB")
    for student, name, calendar, grade in (("S1", "Smith", "HSA27", "10"),
                                           ("S2", "Stone", "HSA27", "11"),
                                           ("S3", "Jones", "HSA27", "10"),
                                           ("S4", "Shaw", "HSB27", "10")):
        d.student(student, last_name=name)
        d.enroll(f"E{student}", student, calendar, grade)
    result = forward(d, source_grades=["10"], filter='last_name startswith "S"')
    assert rolled(result) == [("S1", "HSA28", "11"), ("S4", "HSB28", "11")]
    assert warned(result) == []
    nothing_else(result, 2)

    # The filter may read the enrollment's school, too.
    result = forward(d, source_grades=["10"],
                     filter='last_name startswith "S" and school_id == "HSB"')
    assert rolled(result) == [("S4", "HSB28", "11")]
    nothing_else(result, 1)


# -- RF-2: enrollments with an end date ---------------------------------------------------------
def test_rf2_dropped_enrollments_never_roll_and_are_not_warnings(forward):
    d = District()
    high_school(d)
    d.student("ACTIVE")
    d.enroll("E1", "ACTIVE", "HSA27", "10")
    d.student("DROPPED")
    d.enroll("E2", "DROPPED", "HSA27", "10", end=dt.date(2027, 3, 1))
    for include in (False, True):
        result = forward(d, include_last_day_enders=include)
        assert rolled(result) == [("ACTIVE", "HSA28", "11")]
        assert [r.last_day_ender for r in result.rolled] == [False]
        assert warned(result) == []
        nothing_else(result, 1, not_rolled=0)


def test_rf2_last_day_ender_rolls_with_the_option_and_is_marked(forward):
    d = District()
    high_school(d)  # one term schedule, its last term ends on last_day(2027)
    d.student("ACTIVE")
    d.enroll("E1", "ACTIVE", "HSA27", "10")
    d.student("ENDER")
    d.enroll("E2", "ENDER", "HSA27", "10", end=last_day(2027))

    result = forward(d)
    assert rolled(result) == [("ACTIVE", "HSA28", "11")]
    assert warned(result) == []
    nothing_else(result, 1, not_rolled=0)

    result = forward(d, include_last_day_enders=True)
    assert rolled(result) == [("ACTIVE", "HSA28", "11"), ("ENDER", "HSA28", "11")]
    assert [r.last_day_ender for r in result.rolled] == [False, True]
    assert warned(result) == []
    nothing_else(result, 2)


def test_rf2_last_day_of_the_last_term_of_any_term_schedule_of_any_structure(forward):
    d = District()
    d.school("HSA")
    # Main: "Semesters" (two terms, the last ends 1 June) and "Quarters" (ends 28 May);
    # Academy: "Trimesters" (ends 21 May).  The calendar itself ends 4 June.
    d.calendar("HSA27", "HSA", 2027, ["10"], term_schedules={
        "Semesters": dt.date(2027, 6, 1), "Quarters": dt.date(2027, 5, 28)})
    d.rows["terms"].append(("S1", "HSA27-Main", "Semesters", "Semester 1", first_day(2027),
                            dt.date(2027, 1, 15)))
    d.structure("HSA27", "Academy", ["10"], term_schedules={"Trimesters": dt.date(2027, 5, 21)})
    d.calendar("HSA28", "HSA", 2028, ["11"])
    ends = {"SEM": dt.date(2027, 6, 1), "QUA": dt.date(2027, 5, 28),
            "TRI": dt.date(2027, 5, 21),  # a term schedule of the calendar's other structure
            "FIRST-SEM": dt.date(2027, 1, 15),  # the end of a term, not of the last term
            "CAL-END": last_day(2027)}  # the calendar's end, no term schedule's
    for student, end in ends.items():
        d.student(student)
        d.enroll(f"E-{student}", student, "HSA27", "10", end=end)  # all in structure Main

    result = forward(d, include_last_day_enders=True)
    assert placed(result) == [("QUA", "HSA28", "HSA28-Main", "11"),
                              ("SEM", "HSA28", "HSA28-Main", "11"),
                              ("TRI", "HSA28", "HSA28-Main", "11")]
    assert [r.last_day_ender for r in result.rolled] == [True, True, True]
    assert warned(result) == []
    nothing_else(result, 3, not_rolled=0)

    result = forward(d)
    assert rolled(result) == []
    assert warned(result) == []
    nothing_else(result, 0, not_rolled=0)


def test_rf2_last_day_of_another_calendar_does_not_count(forward):
    d = District()
    high_school(d, "HSA")  # last term ends 4 June
    d.school("HSB")
    d.calendar("HSB27", "HSB", 2027, ["10"], term_schedules={"Semesters": dt.date(2027, 5, 28)})
    d.calendar("HSB28", "HSB", 2028, ["11"])
    d.student("S1")
    d.enroll("E1", "S1", "HSA27", "10", end=dt.date(2027, 5, 28))  # HSB's last day, not HSA's
    d.student("S2")
    d.enroll("E2", "S2", "HSB27", "10", end=dt.date(2027, 5, 28))
    result = forward(d, include_last_day_enders=True)
    assert rolled(result) == [("S2", "HSB28", "11")]
    assert [r.last_day_ender for r in result.rolled] == [True]
    assert warned(result) == []
    nothing_else(result, 1, not_rolled=0)


# -- RF-3: sequence 0 ---------------------------------------------------------------------------
UNGRADED = {"UG": 0, "09": 9, "10": 10, "11": 11, "12": 12}


def test_rf3_zero_sequence_is_not_rolled_automatically(forward):
    d = District()
    high_school(d, grades=UNGRADED)
    d.student("U1")
    d.enroll("E1", "U1", "HSA27", "UG")
    d.student("U2")
    d.enroll("E2", "U2", "HSA27", "UG", end_action="retain")
    d.student("G")
    d.enroll("E3", "G", "HSA27", "10")
    result = forward(d)
    assert rolled(result) == [("G", "HSA28", "11")]
    assert warned(result) == [("U1", "ZERO_SEQUENCE"), ("U2", "ZERO_SEQUENCE")]
    nothing_else(result, 1, not_rolled=2)

    # A destination calendar without a grade is not enough.
    result = forward(d, dest_calendar="HSA28", dest_structure="HSA28-Main")
    assert rolled(result) == [("G", "HSA28", "11")]
    assert warned(result) == [("U1", "ZERO_SEQUENCE"), ("U2", "ZERO_SEQUENCE")]
    nothing_else(result, 1, not_rolled=2)


def test_rf3_zero_sequence_rolls_when_the_enrollment_names_its_next_calendar(forward):
    d = District()
    high_school(d, grades=UNGRADED)
    high_school(d, "HSB")  # no ungraded level
    d.student("U1")  # Decision: sequence 0 targets 0, the ungraded level of the next calendar
    d.enroll("E1", "U1", "HSA27", "UG", next_calendar="HSA28")
    d.student("U2")
    d.enroll("E2", "U2", "HSA27", "UG", next_calendar="HSA28", next_grade="09")
    d.student("U3")  # the next calendar has no level with sequence 0
    d.enroll("E3", "U3", "HSA27", "UG", next_calendar="HSB28")
    d.student("U4")  # Decision: sequence 0 targets 0 whatever the end action
    d.enroll("E4", "U4", "HSA27", "UG", end_action="demote", next_calendar="HSA28")
    result = forward(d)
    assert placed(result) == [("U1", "HSA28", "HSA28-Main", "UG"),
                              ("U2", "HSA28", "HSA28-Main", "09"),
                              ("U4", "HSA28", "HSA28-Main", "UG")]
    assert warned(result) == [("U3", "NO_GRADE")]
    nothing_else(result, 3, not_rolled=1)


def test_rf3_zero_sequence_rolls_with_a_destination_calendar_and_grade(forward):
    d = District()
    high_school(d, grades=UNGRADED)
    d.student("U1")
    d.enroll("E1", "U1", "HSA27", "UG")
    result = forward(d, dest_calendar="HSA28", dest_structure="HSA28-Main", dest_grade="09")
    assert placed(result) == [("U1", "HSA28", "HSA28-Main", "09")]
    assert warned(result) == []
    nothing_else(result, 1)


# -- RF-4: the target sequence ------------------------------------------------------------------
def test_rf4_promote_or_none_adds_one_retain_keeps_demote_subtracts_one(forward):
    d = District()
    high_school(d)
    for student, action in (("PROMOTE", "promote"), ("NONE", None), ("RETAIN", "retain"),
                            ("DEMOTE", "demote")):
        d.student(student)
        d.enroll(f"E-{student}", student, "HSA27", "10", end_action=action)
    result = forward(d)
    assert placed(result) == [("DEMOTE", "HSA28", "HSA28-Main", "09"),
                              ("NONE", "HSA28", "HSA28-Main", "11"),
                              ("PROMOTE", "HSA28", "HSA28-Main", "11"),
                              ("RETAIN", "HSA28", "HSA28-Main", "10")]
    assert warned(result) == []
    nothing_else(result, 4)


def test_rf4_goes_by_sequence_not_by_grade_code(forward):
    d = District()
    series = {"PK": 1, "KG": 2, "01": 3, "02": 4}
    high_school(d, "ELA", series)
    for student, action in (("P", None), ("R", "retain"), ("D", "demote")):
        d.student(student)
        d.enroll(f"E-{student}", student, "ELA27", "KG", end_action=action)
    result = forward(d)
    assert rolled(result) == [("D", "ELA28", "PK"), ("P", "ELA28", "01"), ("R", "ELA28", "KG")]
    assert warned(result) == []
    nothing_else(result, 3)


# -- RF-5: graduates ----------------------------------------------------------------------------
def test_rf5_promoted_from_the_highest_sequence_is_graduating(forward):
    d = District()
    high_school(d)
    d.student("SENIOR")
    d.enroll("E1", "SENIOR", "HSA27", "12")
    d.student("JUNIOR")
    d.enroll("E2", "JUNIOR", "HSA27", "11")
    result = forward(d)
    assert rolled(result) == [("JUNIOR", "HSA28", "12")]
    assert warned(result) == [("SENIOR", "GRADUATING")]
    nothing_else(result, 1, not_rolled=1)


def test_rf5_top_grade_of_a_k8_school_is_not_graduating(forward):
    d = District()
    high_school(d, "K8", ["07", "08"])  # the school's own top grade is 08
    high_school(d, "HSA")  # the district offers 12 in the destination year
    d.boundary("K8", "Oak Street")
    d.boundary("HSA", "Oak Street")
    d.student("S1")
    d.household("H1", 10, "Oak Street", "S1")
    d.enroll("E1", "S1", "K827", "08")
    result = forward(d)
    assert placed(result) == [("S1", "HSA28", "HSA28-Main", "09")]
    assert warned(result) == []
    nothing_else(result, 1)


def test_rf5_highest_sequence_is_that_of_the_destination_year(forward):
    d = District()
    d.school("NEW")  # a new high school adds grade 12 next year
    d.calendar("NEW27", "NEW", 2027, ["09", "10", "11"])
    d.calendar("NEW28", "NEW", 2028, ["09", "10", "11", "12"])
    d.student("S1")
    d.enroll("E1", "S1", "NEW27", "11")
    result = forward(d)
    assert rolled(result) == [("S1", "NEW28", "12")]
    assert warned(result) == []
    nothing_else(result, 1)


def test_rf5_retained_or_demoted_senior_is_not_graduating(forward):
    d = District()
    high_school(d)
    d.student("R")
    d.enroll("E1", "R", "HSA27", "12", end_action="retain")
    d.student("D")
    d.enroll("E2", "D", "HSA27", "12", end_action="demote")
    result = forward(d)
    assert rolled(result) == [("D", "HSA28", "11"), ("R", "HSA28", "12")]
    assert warned(result) == []
    nothing_else(result, 2)


def test_rf5_not_applied_when_a_grade_is_chosen_by_hand(forward):
    """Decision (place.py): a grade chosen by hand (next grade, destination grade) still places
    a promoted senior; a next or destination calendar without a grade does not."""
    d = District()
    high_school(d)
    high_school(d, "HSB")
    d.student("NEXT-GRADE")
    d.enroll("E1", "NEXT-GRADE", "HSA27", "12", next_calendar="HSB28", next_grade="12")
    d.student("NEXT-CAL")
    d.enroll("E2", "NEXT-CAL", "HSA27", "12", next_calendar="HSB28")
    result = forward(d)
    assert placed(result) == [("NEXT-GRADE", "HSB28", "HSB28-Main", "12")]
    assert warned(result) == [("NEXT-CAL", "GRADUATING")]
    nothing_else(result, 1, not_rolled=1)


def test_rf5_not_applied_when_a_destination_grade_is_chosen(forward):
    """Decision (place.py), with the destination calendar option of RF-7."""
    d = District()
    high_school(d)
    high_school(d, "HSB")
    d.student("S1")
    d.enroll("E1", "S1", "HSA27", "12")
    result = forward(d, dest_calendar="HSB28", dest_structure="HSB28-Main", dest_grade="12")
    assert placed(result) == [("S1", "HSB28", "HSB28-Main", "12")]
    assert warned(result) == []
    nothing_else(result, 1)
    result = forward(d, dest_calendar="HSB28", dest_structure="HSB28-Main")
    assert rolled(result) == []
    assert warned(result) == [("S1", "GRADUATING")]
    nothing_else(result, 0, not_rolled=1)

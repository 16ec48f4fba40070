"""The Ed-Fi grade map (docs/interop.md, "Grades"): the default series numbered among the codes
an import offers, and a --grade-map file replacing it, refused whole with every bad line."""

import pytest

from rollover.interop.edfi.grades import SERIES, GradeMapRefused, default_map, read_map


def test_grand_bend_grades_01_to_12_are_sequences_1_to_12():
    offered = ["First grade", "Sixth grade", "Twelfth grade"] + [
        "Second grade", "Third grade", "Fourth grade", "Fifth grade", "Seventh grade",
        "Eighth grade", "Ninth grade", "Tenth grade", "Eleventh grade"]
    grades = default_map(offered)
    assert grades.grade_of("First grade").sequence == 1
    assert grades.grade_of("Twelfth grade").sequence == 12
    assert grades.grade_of("Ninth grade").grade == "09"
    assert grades.grade_of("Ninth grade").state_grade == "09"


def test_pk_to_12_numbers_pk_1_kindergarten_2_and_twelfth_14():
    offered = ["Prekindergarten", "Kindergarten"] + [code for code, _ in SERIES[4:16]]
    grades = default_map(offered)
    assert grades.grade_of("Prekindergarten").sequence == 1
    assert grades.grade_of("Kindergarten").sequence == 2
    assert grades.grade_of("Twelfth grade").sequence == 14


def test_codes_outside_the_series_are_never_rolled():
    grades = default_map(["Ungraded", "First grade"])
    assert grades.grade_of("Ungraded").sequence == 0
    assert grades.grade_of("Ungraded").grade == "UG"
    assert grades.grade_of("Out of School").grade == "OS"
    assert grades.grade_of("Fourth grade DEPRECATED") is None


def test_the_export_reads_the_map_backwards_by_state_grade():
    grades = default_map()
    assert grades.code_of_state_grade("KG") == "Kindergarten"
    assert grades.code_of_state_grade("10") == "Tenth grade"
    assert grades.code_of_state_grade("Z9") is None


def test_a_grade_map_file_replaces_the_default(tmp_path):
    path = tmp_path / "map.csv"
    path.write_text("code_value,grade,sequence,state_grade\n"
                    "Year 1,Y1,1,01\nYear 2,Y2,2,02\nNursery,N,0,\n")
    grades = read_map(path)
    assert grades.grade_of("Year 2").grade == "Y2"
    assert grades.grade_of("Year 2").sequence == 2
    assert grades.grade_of("Nursery").state_grade == "N"
    assert grades.grade_of("First grade") is None
    assert grades.code_of_state_grade("01") == "Year 1"


def test_a_bad_grade_map_names_every_bad_line(tmp_path):
    path = tmp_path / "map.csv"
    path.write_text("code_value,grade,sequence,state_grade\n"
                    "Year 1,Y1,one,01\nYear 2,Y2,2,02\nYear 2,Y3,3,03\n,Y4,4,04\n")
    with pytest.raises(GradeMapRefused) as refused:
        read_map(path)
    message = str(refused.value)
    assert "map.csv:2: sequence 'one'" in message
    assert "map.csv:4: code_value 'Year 2' is mapped twice" in message
    assert "map.csv:5: code_value and grade are required" in message


def test_a_grade_map_with_another_header_is_refused(tmp_path):
    path = tmp_path / "map.csv"
    path.write_text("code,grade\nYear 1,Y1\n")
    with pytest.raises(GradeMapRefused, match="map.csv:1: the header must be "
                                              "code_value,grade,sequence,state_grade"):
        read_map(path)

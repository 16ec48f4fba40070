"""The roll forward fixture runs the same district in memory, on SQLite and on PostgreSQL."""

from .districts import District, rolled


def test_rf8_sophomore_rolls_to_next_grade_same_school(forward):
    d = District()
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    d.calendar("HSA28", "HSA", 2028, ["11"])
    d.student("S1")
    d.enroll("E1", "S1", "HSA27", "10")
    assert rolled(forward(d)) == [("S1", "HSA28", "11")]

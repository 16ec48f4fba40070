"""The readiness check (YE-1) reads only the enrollments it can find something in
(store/readiness.py `year_enrollments`; domain/readiness.py says which): those naming a next-year
field, those ended as retained or demoted, and every enrollment of a student with several in
the year.  A student with one plain enrollment is left in the database (by default on SQLite
only, where it pays).  The proof: over random districts on SQLite and PostgreSQL, the findings
of the narrowed read are those of reading every enrollment.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollover.services.bundles import import_bundle
from rollover.services.readiness import find_problems
from rollover.store.database import reading

from .districts import District, last_day
from .test_forward_properties import (  # noqa: F401 (fixtures)
    DROPPED, SOURCE, calendar_years, districts, examples, load, one_in, sequences,
    sqlite_template, store,
)
from .test_progress import Recorded


def checked(engine, *, every_enrollment: bool | None = False):
    """The findings as plain values, and how many enrollments the check read."""
    progress = Recorded()
    with reading(engine) as conn:
        findings = find_problems(conn, SOURCE, progress, every_enrollment=every_enrollment)
    # The count before the last report: the check's progress counts the enrollments read, then
    # at its end those the database left out.
    read = [done for label, done, _total in progress.calls if label == "checking"][-2]
    return [f.as_dict() for f in findings], read


def five_students() -> District:
    d = District()
    d.school("HSA", name="Hill High")
    d.school("HSB", name="Bay High")
    d.calendar("A27", "HSA", 2027, ["09", "10"])
    d.calendar("B27", "HSB", 2027, ["09", "10"])
    d.calendar("A28", "HSA", 2028, ["09", "10", "11"])
    for student in ("S1", "S2", "S3", "S4", "S5"):
        d.student(student)
    d.enroll("E1", "S1", "A27", "10")  # plain: nothing to find, not read
    d.enroll("E2", "S2", "A27", "10", next_calendar="B27")  # a next calendar of the wrong year
    d.enroll("E3", "S3", "A27", "09", end=last_day(2027), end_action="retain")
    d.enroll("E4", "S4", "A27", "09")  # no end date, and a later enrollment elsewhere
    d.enroll("E5", "S4", "B27", "09", start=last_day(2027).replace(month=3, day=1))
    d.enroll("E6", "S5", "A27", "09", end=last_day(2027), end_action="promote")  # plain
    return d


def test_ye1_the_check_reads_only_the_enrollments_it_can_find_something_in(engine, tmp_path):
    import_bundle(engine, five_students().write_bundle(tmp_path / "bundle"))
    findings, read = checked(engine)
    every, all_read = checked(engine, every_enrollment=True)
    assert (read, all_read) == (4, 6)  # E1 and E6 stay in the database
    assert findings == every == checked(engine, every_enrollment=None)[0]
    assert {f["code"] for f in findings} == {
        "NEXT_CALENDAR_WRONG_YEAR", "RETAIN_DEMOTE_ON_ENDED", "ACTIVE_WITH_LATER_ENROLLMENT",
        "NO_NEXT_YEAR_CALENDAR"}  # Bay High's, read from the calendars


# -- the proof ------------------------------------------------------------------------------------
@st.composite
def check_districts(draw):
    """Random districts (test_forward_properties.districts), with what the check looks for that
    a roll forward's districts seldom hold: students enrolled in a second calendar of the year
    from a later or an earlier date, and enrollments naming one next-year field alone."""
    case = draw(districts(max_students=12, plain=2))
    district = case.district
    years = calendar_years(district)
    levels = [level for level in sequences(district) if years[level[0]] == SOURCE]
    students = [row[0] for row in district.rows["students"]]
    for extra in range(draw(st.integers(0, 3)) if levels and students else 0):
        calendar, structure, grade = draw(st.sampled_from(levels))
        start = draw(st.sampled_from([dt.date(SOURCE - 1, 8, 20), DROPPED,
                                      dt.date(SOURCE, 4, 2)]))
        district.enroll(f"X{extra}", draw(st.sampled_from(students)), calendar, grade,
                        structure=structure, start=start,
                        end=DROPPED if start < DROPPED and one_in(4, draw) else None)
    rows = district.rows["enrollments"]
    for _ in range(draw(st.integers(0, 2)) if rows else 0):
        at = draw(st.integers(0, len(rows) - 1))
        field = draw(st.sampled_from([11, 12]))  # next_structure_id, next_grade
        value = draw(st.sampled_from([row[0] for row in district.rows["structures"]]
                                     if field == 11 else [g for _c, _s, g in levels] + ["NOPE"]))
        rows[at] = (*rows[at][:field], value, *rows[at][field + 1:])
    return case


PROOF_EXAMPLES = {"sqlite": 150, "postgresql": 30}


@pytest.mark.slow
def test_ye1_the_narrowed_read_finds_exactly_what_reading_every_enrollment_finds(store):
    seen = {"examples": 0, "left_out": 0, "enrollment_findings": 0, "later": 0, "next": 0}
    codes = {"NEXT_CALENDAR_WRONG_YEAR", "NEXT_STRUCTURE_NOT_IN_CALENDAR",
             "NEXT_GRADE_NOT_OFFERED", "NEXT_FIELDS_WITHOUT_CALENDAR", "RETAIN_DEMOTE_ON_ENDED",
             "ACTIVE_WITH_LATER_ENROLLMENT"}

    @settings(examples(store), max_examples=PROOF_EXAMPLES[store.kind])
    @given(case=check_districts())
    def check(case):
        with store() as engine:
            load(engine, case.district)
            findings, read = checked(engine)
            every, all_read = checked(engine, every_enrollment=True)
            assert findings == every
            seen["examples"] += 1
            seen["left_out"] += read < all_read
            seen["enrollment_findings"] += any(f["code"] in codes for f in findings)
            seen["later"] += any(f["code"] == "ACTIVE_WITH_LATER_ENROLLMENT" for f in findings)
            seen["next"] += any(f["code"] in ("NEXT_STRUCTURE_NOT_IN_CALENDAR",
                                              "NEXT_GRADE_NOT_OFFERED",
                                              "NEXT_FIELDS_WITHOUT_CALENDAR") for f in findings)

    check()
    # A proof over districts where nothing was left out, or nothing found, would prove nothing
    # (seen on SQLite: 124 of 150 left some out, 133 found something in the enrollments, 48 a
    # later enrollment, 87 a next-year field; on PostgreSQL 28, 26, 5 and 10 of 30).
    assert seen["left_out"] >= seen["examples"] // 2, seen
    assert seen["enrollment_findings"] >= seen["examples"] // 2, seen
    assert seen["later"] >= seen["examples"] // 10, seen
    assert seen["next"] >= seen["examples"] // 10, seen

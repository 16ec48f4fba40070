"""The `scheduling` module (YE-12; YE-6 its declaration, YE-8 its backup and log, YE-9 its restore).

Pure tests decide from rows in memory (`domain/year_end/scheduling.py`); store tests load a
district into SQLite and PostgreSQL (`engine`), plan and apply the module as run "t-1", check the
rows a user would see, and restore the run to exactly the rows before.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from rollover.domain.change_plan import DELETE, INSERT
from rollover.domain.year_end.next_calendars import (
    AMBIGUOUS_NEXT_CALENDAR, NO_NEXT_CALENDAR, match_next_calendars,
)
from rollover.domain.year_end.rows import (
    CalendarRow, Course, CourseRequest, Section, StudentSchedule,
)
from rollover.domain.year_end.scheduling import SchedulingRows, plan_scheduling
from rollover.services.modules import ModuleContext, ModuleRefused
from rollover.services.modules import scheduling as module
from rollover.store.schema_modules import course_requests, courses, sections, student_schedules

from .districts import District, loaded_fixture, restore_module_runs, run_module, stored_rows
from .module_setup import assert_inserts_whole_rows, columns

D = dt.date.fromisoformat
MODULE_TABLES = ("courses", "sections", "course_requests", "student_schedules",
                 "student_marks")


# -- pure: which calendar receives the copies ------------------------------------------------------
def cal(calendar_id: str, school_id: str, year: int, name: str) -> CalendarRow:
    return CalendarRow(calendar_id, school_id, year, name)


def test_ye12_the_next_calendar_is_the_one_named_as_the_wizard_names_copies():
    calendars = [cal("HSA27", "HSA", 2027, "HSA 2026-27"),
                 cal("HSA28A", "HSA", 2028, "Academy 2027-28"),
                 cal("HSA28", "HSA", 2028, "HSA 2027-28"),
                 cal("MSA28", "MSA", 2028, "MSA 2027-28")]  # another school's: never a candidate
    match = match_next_calendars(calendars, 2027)["HSA27"]
    assert (match.target.calendar_id, match.problem) == ("HSA28", None)


def test_ye12_else_the_schools_only_next_year_calendar():
    calendars = [cal("HSA27", "HSA", 2027, "High"), cal("H-NEW", "HSA", 2028, "Renamed"),
                 cal("HSA29", "HSA", 2029, "High")]  # two years on: not the next year
    assert match_next_calendars(calendars, 2027)["HSA27"].target.calendar_id == "H-NEW"


def test_ye12_no_next_calendar_and_an_ambiguous_one_are_reasons():
    calendars = [cal("HSA27", "HSA", 2027, "High"), cal("A", "HSA", 2028, "One"),
                 cal("B", "HSA", 2028, "Two"), cal("MSA27", "MSA", 2027, "Middle")]
    matches = match_next_calendars(calendars, 2027)
    assert (matches["HSA27"].target, matches["HSA27"].problem) == (None, AMBIGUOUS_NEXT_CALENDAR)
    assert "A, B" in matches["HSA27"].reason
    assert (matches["MSA27"].target, matches["MSA27"].problem) == (None, NO_NEXT_CALENDAR)
    assert set(matches) == {"HSA27", "MSA27"}  # only the school year's calendars are matched


def test_ye12_two_next_year_calendars_of_the_expected_name_are_ambiguous():
    calendars = [cal("HSA27", "HSA", 2027, "HSA 2026-27"), cal("A", "HSA", 2028, "HSA 2027-28"),
                 cal("B", "HSA", 2028, "HSA 2027-28")]
    assert match_next_calendars(calendars, 2027)["HSA27"].problem == AMBIGUOUS_NEXT_CALENDAR


# -- pure: the master schedule ---------------------------------------------------------------------
CALENDARS = [cal("HSA27", "HSA", 2027, "HSA 2026-27"), cal("HSA28", "HSA", 2028, "HSA 2027-28"),
             cal("MSA27", "MSA", 2027, "MSA 2026-27"), cal("HSA25", "HSA", 2025, "HSA 2024-25"),
             cal("HSA26", "HSA", 2026, "HSA 2025-26")]
ALG = Course("HSA27-ALG1", "HSA27", "ALG1", "Algebra I")
ENG = Course("HSA27-ENG1", "HSA27", "ENG1", "English I")
SCI = Course("MSA27-SCI8", "MSA27", "SCI8", "Science 8")
ALG_1 = Section("HSA27-ALG1-1", "HSA27-ALG1", "1", "Ada", "101", 30)
ALG_2 = Section("HSA27-ALG1-2", "HSA27-ALG1", "2", None, None, None)
ENG_1 = Section("HSA27-ENG1-1", "HSA27-ENG1", "1", "Bo", "202", 25)
SCI_1 = Section("MSA27-SCI8-1", "MSA27-SCI8", "1", "Cy", "7", 28)


def master_schedule(**changes) -> SchedulingRows:
    given = dict(calendars=CALENDARS, courses=[ALG, ENG, SCI],
                 sections=[ALG_2, ALG_1, ENG_1, SCI_1], next_year_numbers=frozenset(),
                 taken_course_ids=frozenset(c.course_id for c in (ALG, ENG, SCI)),
                 taken_section_ids=frozenset(s.section_id for s in (ALG_1, ALG_2, ENG_1, SCI_1)))
    return SchedulingRows(**{**given, **changes})


def step(plan, table: str, action: str):
    found = [s for s in plan.steps if (s.table, s.action) == (table, action)]
    assert len(found) <= 1
    return found[0] if found else None


def after_rows(plan, table: str, action: str = INSERT) -> list[tuple]:
    found = step(plan, table, action)
    return [] if found is None else [after if action != DELETE else before
                                     for _school, before, after in found.rows]


def test_ye12_courses_and_their_sections_are_copied_under_new_ids():
    plan = plan_scheduling(master_schedule(), 2027)
    assert after_rows(plan, "courses") == [("HSA28-ALG1", "HSA28", "ALG1", "Algebra I"),
                                           ("HSA28-ENG1", "HSA28", "ENG1", "English I")]
    assert after_rows(plan, "sections") == [
        ("HSA28-ALG1-1", "HSA28-ALG1", "1", "Ada", "101", 30),
        ("HSA28-ALG1-2", "HSA28-ALG1", "2", None, None, None),
        ("HSA28-ENG1-1", "HSA28-ENG1", "1", "Bo", "202", 25)]
    assert [s.school_id for s in plan.messages] == ["MSA"]
    assert [(m.level, m.code, m.record) for m in plan.messages] == [
        ("warning", NO_NEXT_CALENDAR, "MSA27-SCI8")]
    assert plan.summary == {"courses_copied": 2, "courses_skipped": 0,
                            "courses_without_next_calendar": 1, "sections_copied": 3,
                            "deleted_students": 0, "requests_deleted": 0,
                            "schedules_deleted": 0, "schedules_purged": 0}


def test_ye12_parents_are_inserted_before_children_whole_rows_with_their_school():
    plan = plan_scheduling(master_schedule(), 2027)
    assert_inserts_whole_rows(plan, [courses, sections], {"HSA"})
    assert plan.changes_by_table_and_school() == [
        {"table": "courses", "school_id": "HSA", "inserted": 2, "updated": 0, "deleted": 0},
        {"table": "sections", "school_id": "HSA", "inserted": 3, "updated": 0, "deleted": 0}]


def test_ye12_a_course_number_already_in_the_target_calendar_is_skipped_with_its_sections():
    plan = plan_scheduling(master_schedule(next_year_numbers=frozenset({("HSA28", "ENG1")})),
                           2027)
    assert [c[0] for c in after_rows(plan, "courses")] == ["HSA28-ALG1"]
    assert [s[0] for s in after_rows(plan, "sections")] == ["HSA28-ALG1-1", "HSA28-ALG1-2"]
    assert (plan.summary["courses_copied"], plan.summary["courses_skipped"]) == (1, 1)


def test_ye12_new_ids_avoid_every_stored_id():
    taken = frozenset({"HSA27-ALG1", "HSA27-ENG1", "MSA27-SCI8", "HSA28-ALG1", "HSA28-ALG1-2"})
    plan = plan_scheduling(master_schedule(
        taken_course_ids=taken, taken_section_ids=frozenset({"HSA28-ALG1-1"})), 2027)
    assert [c[0] for c in after_rows(plan, "courses")] == ["HSA28-ALG1-3", "HSA28-ENG1"]
    assert [(s[0], s[1]) for s in after_rows(plan, "sections")] == [
        ("HSA28-ALG1-1-2", "HSA28-ALG1-3"), ("HSA28-ALG1-2", "HSA28-ALG1-3"),
        ("HSA28-ENG1-1", "HSA28-ENG1")]


def test_ye12_two_calendars_of_a_school_into_its_only_next_one_copy_a_number_once():
    calendars = [cal("A27", "HSA", 2027, "Day"), cal("B27", "HSA", 2027, "Night"),
                 cal("HSA28", "HSA", 2028, "High")]
    rows = SchedulingRows(calendars=calendars,
                          courses=[Course("A-ALG", "A27", "ALG1", "Algebra"),
                                   Course("B-ALG", "B27", "ALG1", "Algebra (night)")],
                          sections=[], next_year_numbers=frozenset(),
                          taken_course_ids=frozenset({"A-ALG", "B-ALG"}),
                          taken_section_ids=frozenset())
    plan = plan_scheduling(rows, 2027)
    assert after_rows(plan, "courses") == [("A-ALG-2028", "HSA28", "ALG1", "Algebra")]
    assert plan.summary["courses_skipped"] == 1


def test_ye12_requests_and_schedules_of_students_not_enrolled_in_that_calendar_are_deleted():
    rows = master_schedule(
        courses=[], sections=[],
        next_year_requests=[("HSA28", CourseRequest("S1", "N-ENG")),
                            ("HSA28", CourseRequest("S2", "N-ENG")),
                            ("HSA28", CourseRequest("S3", "N-ENG"))],
        next_year_schedules=[("HSA28", StudentSchedule("S1", "N-ENG-1", None, None)),
                             ("HSA28", StudentSchedule("S2", "N-ENG-1", D("2027-08-23"),
                                                       None))],
        # S3 is enrolled next year, but in another calendar: its HSA28 request goes too.
        next_year_enrolled=frozenset({("S1", "HSA28"), ("S3", "MSA28")}))
    plan = plan_scheduling(rows, 2027)
    assert after_rows(plan, "course_requests", DELETE) == [("S2", "N-ENG"), ("S3", "N-ENG")]
    assert after_rows(plan, "student_schedules", DELETE) == [
        ("S2", "N-ENG-1", D("2027-08-23"), None)]
    assert step(plan, "course_requests", DELETE).columns == columns(course_requests)
    assert step(plan, "student_schedules", DELETE).columns == columns(student_schedules)
    assert {school for s in plan.steps for school, _b, _a in s.rows} == {"HSA"}
    assert (plan.summary["deleted_students"], plan.summary["requests_deleted"],
            plan.summary["schedules_deleted"]) == (2, 2, 1)
    assert plan.messages == []


def test_ye12_the_purge_deletes_schedules_of_years_before_the_given_one_only():
    old = [("HSA25", StudentSchedule("S1", "OLD-1", None, None)),
           ("HSA26", StudentSchedule("S1", "OLD-2", None, None))]
    assert after_rows(plan_scheduling(master_schedule(old_schedules=old), 2027),
                      "student_schedules", DELETE) == []  # no option: no purge
    plan = plan_scheduling(master_schedule(old_schedules=old), 2027, purge_before=2026)
    assert after_rows(plan, "student_schedules", DELETE) == [("S1", "OLD-1", None, None)]
    assert plan.summary["schedules_purged"] == 1


# -- options ---------------------------------------------------------------------------------------
def test_ye12_options():
    assert module.parse_options({}) == {}
    assert module.parse_options({"purge_schedules_before": " 2025 "}) == {
        "purge_schedules_before": 2025}
    with pytest.raises(ModuleRefused, match="'purge', 'years'"):
        module.parse_options({"purge": "1", "years": "2"})
    with pytest.raises(ModuleRefused, match="not a school year: 'last'"):
        module.parse_options({"purge_schedules_before": "last"})


def test_ye12_the_purge_year_may_not_be_after_the_year_being_closed():
    def context(year):
        return ModuleContext(None, 2027, {"purge_schedules_before": year}, run_id="t-1")

    assert module.purge_year(context(2027)) == 2027
    with pytest.raises(ModuleRefused, match="purge_schedules_before=2028"):
        module.purge_year(context(2028))


def test_ye6_the_scheduling_module_is_declared():
    assert module.MODULE.name == "scheduling"
    assert module.MODULE.requires == ("registration",)
    assert module.MODULE.tables == ("courses", "sections", "course_requests",
                                    "student_schedules")


def test_ye6_the_modules_decisions_are_pure_they_import_no_database_code():
    names = ("scheduling", "mark_reporting", "success_plan", "attendance_codes", "programs")
    code = ("import sys\n"
            + "".join(f"import rollover.domain.year_end.{n}\n" for n in names)
            + "print('sqlalchemy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"


def test_ye8_the_domain_rows_are_whole_table_rows():
    for row_type, table in ((Course, courses), (Section, sections),
                            (CourseRequest, course_requests),
                            (StudentSchedule, student_schedules)):
        assert row_type._fields == columns(table)


# -- store -----------------------------------------------------------------------------------------
def district() -> District:
    """HSA closes 2026-27 (HSA27 'HSA 2026-27') into two 2027-28 calendars, one named as the
    wizard names copies; MSA has no 2027-28 calendar.  S1 is rolled into HSA28, S2 is not, S3 was
    rolled into HSA28 and then moved to the academy (HSA28A).  HSA28 already offers ENG1, with
    requests and a schedule of all three students.  HSA26 is an old year with a schedule and a
    mark of S1."""
    d = District(source_year=2027)
    d.school("HSA")
    d.school("MSA")
    for calendar_id, school, year, grade, name in (
            ("HSA26", "HSA", 2026, "09", "HSA 2025-26"),
            ("HSA27", "HSA", 2027, "10", "HSA 2026-27"),
            ("HSA28", "HSA", 2028, "11", "HSA 2027-28"),
            ("HSA28A", "HSA", 2028, "11", "Academy 2027-28"),
            ("MSA27", "MSA", 2027, "08", "MSA 2026-27")):
        d.calendar(calendar_id, school, year, [grade])
        d.rename_calendar(calendar_id, name)
    for student in ("S1", "S2", "S3"):
        d.student(student)
        d.enroll(f"{student}-27", student, "HSA27", "10")
    d.enroll("S1-28", "S1", "HSA28", "11")
    d.enroll("S3-28", "S3", "HSA28A", "11")
    d.course("HSA27-ALG1", "HSA27", "ALG1", "Algebra I")
    d.section("HSA27-ALG1-1", "HSA27-ALG1", "1", teacher="Ada", room="101", capacity=30)
    d.section("HSA27-ALG1-2", "HSA27-ALG1", "2")
    d.course("HSA27-ENG1", "HSA27", "ENG1", "English I")
    d.section("HSA27-ENG1-1", "HSA27-ENG1", "1", teacher="Bo")
    d.course("MSA27-SCI8", "MSA27", "SCI8", "Science 8")
    d.section("MSA27-SCI8-1", "MSA27-SCI8")
    d.course("HSA28-ENG1", "HSA28", "ENG1", "English I (new)")
    d.section("HSA28-ENG1-1", "HSA28-ENG1", "1")
    for student in ("S1", "S2", "S3"):
        d.request(student, "HSA28-ENG1")
        d.schedule(student, "HSA28-ENG1-1", D("2027-08-23"))
        d.request(student, "HSA27-ALG1")  # this year's: kept
        d.schedule(student, "HSA27-ALG1-1")
    d.course("HSA26-ALG1", "HSA26", "ALG1", "Algebra I")
    d.section("HSA26-ALG1-1", "HSA26-ALG1")
    d.schedule("S1", "HSA26-ALG1-1", D("2025-08-25"), D("2026-06-05"))
    d.grading_period("HSA26-Q1", "HSA26", "Q1", 1, D("2025-08-25"), D("2025-10-24"))
    d.mark_type("HSA26-LTR", "HSA26", "LTR")
    d.mark("S1", "HSA26-ALG1-1", "HSA26-Q1", "HSA26-LTR", "A")
    return d


loaded = loaded_fixture(district)


def test_ye12_store_copies_the_master_schedule_and_removes_deleted_students(loaded):
    plan = run_module(loaded, module.MODULE)
    rows = stored_rows(loaded, *MODULE_TABLES)
    assert [r for r in rows["courses"] if r[1] == "HSA28"] == [
        ("HSA28-ALG1", "HSA28", "ALG1", "Algebra I"),
        ("HSA28-ENG1", "HSA28", "ENG1", "English I (new)")]  # ENG1 was there: skipped
    assert [r for r in rows["sections"] if r[1] == "HSA28-ALG1"] == [
        ("HSA28-ALG1-1", "HSA28-ALG1", "1", "Ada", "101", 30),
        ("HSA28-ALG1-2", "HSA28-ALG1", "2", None, None, None)]
    assert not [r for r in rows["courses"] if r[1] in ("HSA28A",) or r[0].startswith("MSA28")]
    # S1 is enrolled in HSA28; S2 nowhere next year; S3 in the academy, not HSA28.
    assert [r for r in rows["course_requests"] if r[1] == "HSA28-ENG1"] == [("S1", "HSA28-ENG1")]
    assert [r for r in rows["student_schedules"] if r[1] == "HSA28-ENG1-1"] == [
        ("S1", "HSA28-ENG1-1", D("2027-08-23"), None)]
    # This year's and old years' rows are untouched without the purge option.
    assert len([r for r in rows["course_requests"] if r[1] == "HSA27-ALG1"]) == 3
    assert ("S1", "HSA26-ALG1-1", D("2025-08-25"), D("2026-06-05")) in rows["student_schedules"]
    assert plan.summary == {"courses_copied": 1, "courses_skipped": 1,
                            "courses_without_next_calendar": 1, "sections_copied": 2,
                            "deleted_students": 2, "requests_deleted": 2,
                            "schedules_deleted": 2, "schedules_purged": 0}
    assert [(m.code, m.record, m.school_id) for m in plan.messages] == [
        (NO_NEXT_CALENDAR, "MSA27-SCI8", "MSA")]
    assert plan.changes_by_table_and_school() == [
        {"table": "course_requests", "school_id": "HSA", "inserted": 0, "updated": 0,
         "deleted": 2},
        {"table": "courses", "school_id": "HSA", "inserted": 1, "updated": 0, "deleted": 0},
        {"table": "sections", "school_id": "HSA", "inserted": 2, "updated": 0, "deleted": 0},
        {"table": "student_schedules", "school_id": "HSA", "inserted": 0, "updated": 0,
         "deleted": 2}]


def test_ye12_ye9_restoring_the_run_puts_every_table_back_exactly(loaded):
    before = stored_rows(loaded)
    run_module(loaded, module.MODULE, options={"purge_schedules_before": 2027})
    assert stored_rows(loaded) != before
    restored = restore_module_runs(loaded, "t-1")
    assert stored_rows(loaded) == before
    assert restored == {"courses": 1, "sections": 2, "course_requests": 2,
                        "student_schedules": 3}


def test_ye12_a_second_run_creates_nothing(loaded):
    before = stored_rows(loaded)
    run_module(loaded, module.MODULE)
    after_first = stored_rows(loaded)
    again = run_module(loaded, module.MODULE, run_id="t-2")
    assert again.steps == []
    assert stored_rows(loaded) == after_first
    assert (again.summary["courses_copied"], again.summary["courses_skipped"],
            again.summary["deleted_students"]) == (0, 2, 0)
    restore_module_runs(loaded, "t-2", "t-1")
    assert stored_rows(loaded) == before


def test_ye12_the_purge_deletes_old_schedules_and_keeps_their_marks(loaded):
    plan = run_module(loaded, module.MODULE, options={"purge_schedules_before": 2027})
    rows = stored_rows(loaded, *MODULE_TABLES)
    assert not [r for r in rows["student_schedules"] if r[1] == "HSA26-ALG1-1"]
    assert [r for r in rows["sections"] if r[0] == "HSA26-ALG1-1"]  # the section stays
    assert rows["student_marks"] == [("S1", "HSA26-ALG1-1", "HSA26-Q1", "HSA26-LTR", "A")]
    assert len([r for r in rows["student_schedules"] if r[1] == "HSA27-ALG1-1"]) == 3
    assert plan.summary["schedules_purged"] == 1


def test_ye12_a_purge_year_after_the_closed_year_is_refused_and_writes_nothing(loaded):
    before = stored_rows(loaded)
    with pytest.raises(ModuleRefused, match="purge_schedules_before=2028"):
        run_module(loaded, module.MODULE, options={"purge_schedules_before": 2028})
    assert stored_rows(loaded) == before

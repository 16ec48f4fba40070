"""What a new enrollment gets (roll-forward.md §5): RF-17, RF-18, RF-19, RF-20.

Rule behaviour runs three ways through the `forward` fixture; what a real run stores is read back
from SQLite and PostgreSQL (`engine` fixture); RF-17's refusal is also checked through the
command line, as a user meets it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from rollover.domain.forward.options import OptionError
from rollover.services.bundles import import_bundle
from rollover.services.forward import roll_forward
from rollover.store.schema import enrollments, run_rolled, run_warnings, runs

from . import cli
from .districts import District, first_day, last_day


def sophomore(**settings) -> District:
    """S1, a sophomore at HSA, rolls to grade 11 in HSA28 (RF-8)."""
    d = District(**settings)
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    d.student("S1")
    d.enroll("E1", "S1", "HSA27", "10")
    return d


def stored_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (enrollments, runs, run_rolled, run_warnings)}


# -- RF-17: start date ----------------------------------------------------------------------------
def test_rf17_start_date_override_wins(forward):
    d = sophomore()
    d.calendar("HSA28", "HSA", 2028, ["11"], first_instructional=dt.date(2027, 8, 26))
    result = forward(d, start_date=dt.date(2027, 9, 1))
    assert [r.start_date for r in result.rolled] == [dt.date(2027, 9, 1)]


def test_rf17_first_instructional_day_of_the_destination_calendar(forward):
    d = sophomore()
    d.calendar("HSA28", "HSA", 2028, ["11"], first_instructional=dt.date(2027, 8, 26))
    d.rows["days"].append(("HSA28", dt.date(2027, 8, 25), False))  # not instructional
    d.rows["days"].append(("HSA28", dt.date(2027, 8, 27), True))
    result = forward(d)
    # Terms (and the calendar) start on 24 August; the first instructional day decides.
    assert first_day(2028) == dt.date(2027, 8, 24)
    assert [r.start_date for r in result.rolled] == [dt.date(2027, 8, 26)]


def test_rf17_without_days_the_first_term_start_of_the_destination_structure(forward):
    d = sophomore()
    d.calendar("HSA28", "HSA", 2028, ["11"], days=False, terms=False)
    d.rows["terms"] += [
        ("Q2", "HSA28-Main", "Quarters", "Q2", dt.date(2027, 11, 1), dt.date(2028, 1, 20)),
        ("Q1", "HSA28-Main", "Quarters", "Q1", dt.date(2027, 8, 31), dt.date(2027, 10, 29)),
    ]
    # Another structure of the same calendar starts earlier: not the destination structure.
    d.structure("HSA28", "Alt", ["11"], terms=False)
    d.rows["terms"].append(
        ("A1", "HSA28-Alt", "Quarters", "A1", dt.date(2027, 8, 16), dt.date(2028, 6, 4)))
    result = forward(d)
    assert [(r.structure_id, r.start_date) for r in result.rolled] == [
        ("HSA28-Main", dt.date(2027, 8, 31))]


def no_days_no_terms() -> District:
    d = sophomore()
    d.calendar("HSA28", "HSA", 2028, ["11"], days=False, terms=False)
    return d


def test_rf17_no_days_no_terms_and_no_override_refuses_the_run_naming_the_calendar(forward):
    with pytest.raises(OptionError, match="HSA28"):
        forward(no_days_no_terms())


def test_rf17_no_days_no_terms_with_an_override_rolls(forward):
    result = forward(no_days_no_terms(), start_date=dt.date(2027, 8, 30))
    assert [(r.calendar_id, r.start_date) for r in result.rolled] == [
        ("HSA28", dt.date(2027, 8, 30))]


@pytest.mark.parametrize("test", [False, True])
def test_rf17_refused_run_writes_nothing_not_even_a_run_record(engine, tmp_path, test):
    d = no_days_no_terms()
    import_bundle(engine, d.write_bundle(tmp_path / "bundle"))
    before = stored_counts(engine)
    with pytest.raises(OptionError, match="HSA28"):
        roll_forward(engine, d.options(test=test))
    assert stored_counts(engine) == before
    assert before["runs"] == 0


def test_rf17_refused_through_the_command_line_exit_2_naming_the_calendar(db_url, engine,
                                                                          tmp_path):
    d = no_days_no_terms()
    import_bundle(engine, d.write_bundle(tmp_path / "bundle"))
    before = stored_counts(engine)
    result = cli.rollover("--db", db_url, "forward", "--source-calendar", "HSA27", "--json",
                          cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "HSA28" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert stored_counts(engine) == before


# -- RF-18: local start status --------------------------------------------------------------------
def with_statuses(*statuses: tuple[str, bool, bool], required: bool = False,
                  old_status: str | None = None) -> District:
    """statuses: (code, is_default, active)."""
    d = District(local_start_status_required=required)
    for code, is_default, active in statuses:
        d.status(code, is_default=is_default, active=active)
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    d.calendar("HSA28", "HSA", 2028, ["11"])
    d.student("S1")
    d.enroll("E1", "S1", "HSA27", "10", local_start_status=old_status)
    return d


def start_statuses(result) -> list[str | None]:
    return [r.local_start_status for r in result.rolled]


@pytest.mark.parametrize("required", [False, True])
def test_rf18_given_active_code_is_used(forward, required):
    d = with_statuses(("A", True, True), ("B", False, True), required=required)
    assert start_statuses(forward(d, local_start_status="B")) == ["B"]


@pytest.mark.parametrize("required", [False, True])
def test_rf18_given_inactive_code_is_allowed(forward, required):
    d = with_statuses(("A", True, True), ("OLD", False, False), required=required)
    assert start_statuses(forward(d, local_start_status="OLD")) == ["OLD"]


def test_rf18_unknown_code_is_refused(forward):
    d = with_statuses(("A", True, True))
    with pytest.raises(OptionError, match="ZZ"):
        forward(d, local_start_status="ZZ")


def test_rf18_required_and_none_given_uses_the_default(forward):
    d = with_statuses(("A", False, True), ("B", True, True), ("C", False, True), required=True)
    assert start_statuses(forward(d)) == ["B"]


def test_rf18_required_no_default_uses_the_first_in_code_order_over_active_and_inactive(
        forward):
    # String order: "10" < "9" < "A"; "10" is inactive and still first.
    d = with_statuses(("9", False, True), ("A", False, True), ("10", False, False),
                      required=True)
    assert start_statuses(forward(d)) == ["10"]


def test_rf18_required_no_default_code_order_is_string_order_of_codes(forward):
    d = with_statuses(("b", False, True), ("B", False, True), ("a", False, True), required=True)
    assert start_statuses(forward(d)) == [min(["b", "B", "a"])]


def test_rf18_not_required_and_none_given_is_empty_even_if_the_old_enrollment_had_one(
        forward):
    d = with_statuses(("A", True, True), ("B", False, True), old_status="B")
    assert start_statuses(forward(d)) == [None]


# -- RF-19: service type, no end date, rolled from ------------------------------------------------
def three_service_types() -> District:
    d = District()
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    d.calendar("HSA28", "HSA", 2028, ["11"])
    for student_id, service_type in (("S1", "primary"), ("S2", "partial"),
                                     ("S3", "special_ed")):
        d.student(student_id)
        d.enroll(f"E{student_id[1:]}", student_id, "HSA27", "10", service_type=service_type,
                 end_action="promote")
    # A last-day ender: its end date is not carried to the new enrollment.
    d.student("S4")
    d.enroll("E4", "S4", "HSA27", "10", end=last_day(2027), end_status="G01")
    return d


ALL_TYPES = ("primary", "partial", "special_ed")


def test_rf19_new_enrollment_keeps_service_type_and_names_its_source(forward):
    result = forward(three_service_types(), service_types=ALL_TYPES,
                     include_last_day_enders=True)
    assert [(r.student_id, r.source_enrollment_id, r.service_type, r.calendar_id,
             r.structure_id, r.grade) for r in result.rolled] == [
        ("S1", "E1", "primary", "HSA28", "HSA28-Main", "11"),
        ("S2", "E2", "partial", "HSA28", "HSA28-Main", "11"),
        ("S3", "E3", "special_ed", "HSA28", "HSA28-Main", "11"),
        ("S4", "E4", "primary", "HSA28", "HSA28-Main", "11"),
    ]


def test_rf19_stored_enrollment_after_a_real_run(engine, tmp_path):
    d = three_service_types()
    import_bundle(engine, d.write_bundle(tmp_path / "bundle"))
    report = roll_forward(engine, d.options(service_types=ALL_TYPES,
                                            include_last_day_enders=True))
    e = enrollments.c
    with engine.connect() as conn:
        stored = {row.enrollment_id: row for row in conn.execute(
            select(enrollments).where(e.calendar_id == "HSA28"))}
    assert len(stored) == 4
    assert sorted(stored) == sorted(r.enrollment_id for r in report.rolled)
    by_source = {row.rolled_from: row for row in stored.values()}
    assert sorted(by_source) == ["E1", "E2", "E3", "E4"]
    expected = {"E1": ("S1", "primary"), "E2": ("S2", "partial"), "E3": ("S3", "special_ed"),
                "E4": ("S4", "primary")}
    for source, (student_id, service_type) in expected.items():
        row = by_source[source]
        assert (row.student_id, row.service_type, row.structure_id, row.grade) == (
            student_id, service_type, "HSA28-Main", "11")
        assert row.end_date is None
        assert row.end_status is None
        assert row.start_date == first_day(2028)


# -- RF-20: graduation cohort ----------------------------------------------------------------------
def test_rf20_source_cohort_is_kept_by_a_retained_ninth_grader(forward):
    d = District()
    d.school("HS")
    d.calendar("HS27", "HS", 2027, ["09", "10"])
    d.calendar("HS28", "HS", 2028, ["09", "10", "11"])
    d.student("S1")
    d.enroll("E1", "S1", "HS27", "09", end_action="retain", graduation_cohort=2030)
    result = forward(d)
    assert [(r.grade, r.graduation_cohort) for r in result.rolled] == [("09", 2030)]


def test_rf20_source_cohort_is_kept_in_any_grade(forward):
    d = sophomore()
    d.calendar("HSA28", "HSA", 2028, ["11"])
    d.rows["enrollments"].clear()
    d.enroll("E1", "S1", "HSA27", "10", graduation_cohort=2029)
    assert [r.graduation_cohort for r in forward(d).rolled] == [2029]


def test_rf20_entering_state_grade_09_gets_destination_year_plus_3(forward):
    d = District()
    d.school("HS")
    d.school("MS", next_school="HS")
    d.calendar("MS27", "MS", 2027, ["08"])
    # The grade code is not "09"; its state grade is.
    d.calendar("HS28", "HS", 2028, {"9TH": (9, "09", False)})
    d.student("S1")
    d.enroll("E1", "S1", "MS27", "08")
    result = forward(d)
    assert [(r.grade, r.graduation_cohort) for r in result.rolled] == [("9TH", 2031)]


def test_rf20_grade_code_09_with_another_state_grade_gets_no_cohort(forward):
    d = District()
    d.school("HS")
    d.school("MS", next_school="HS")
    d.calendar("MS27", "MS", 2027, ["08"])
    d.calendar("HS28", "HS", 2028, {"09": (9, "X9", False)})
    d.student("S1")
    d.enroll("E1", "S1", "MS27", "08")
    assert [r.graduation_cohort for r in forward(d).rolled] == [None]


def test_rf20_otherwise_no_cohort(forward):
    d = sophomore()
    d.calendar("HSA28", "HSA", 2028, ["11"])
    assert [r.graduation_cohort for r in forward(d).rolled] == [None]


def test_rf20_stored_cohorts_after_a_real_run(engine, tmp_path):
    d = District()
    d.school("HS")
    d.school("MS", next_school="HS")
    d.calendar("MS27", "MS", 2027, ["08"])
    d.calendar("HS27", "HS", 2027, ["09", "10"])
    d.calendar("HS28", "HS", 2028, ["09", "10", "11"])
    d.student("S1")
    d.enroll("E1", "S1", "MS27", "08")
    d.student("S2")
    d.enroll("E2", "S2", "HS27", "09", end_action="retain", graduation_cohort=2030)
    d.student("S3")
    d.enroll("E3", "S3", "HS27", "10")
    import_bundle(engine, d.write_bundle(tmp_path / "bundle"))
    roll_forward(engine, d.options())
    e = enrollments.c
    with engine.connect() as conn:
        stored = dict(conn.execute(select(e.rolled_from, e.graduation_cohort)
                                   .where(e.calendar_id == "HS28")).all())
    assert stored == {"E1": 2031, "E2": 2030, "E3": None}

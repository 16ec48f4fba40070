"""YE-15 over several calendars: `rollover end-batch` and `rollover cleanup` with `--calendar`
repeated, `--year` and `--school` are ONE run (one unit of work, one run record, one undo), all
of it or, refused in any calendar, nothing.  The one-calendar form is tests/test_end_batch.py's
and tests/test_cleanup.py's.

The district: High School A (09-12, its 2027 terms end on Friday 2027-05-28) and Middle School A
(06-08, next school HSA, its terms end on 2027-06-04), each with 2027 and 2028 calendars.  Every
test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, update

from rollover.domain.forward.options import ForwardOptions
from rollover.services.bundles import import_bundle
from rollover.services.end_batch import (
    CalendarChoice, CleanupOptions, EndBatchOptions, EndBatchRefused, cleanup, end_batch,
)
from rollover.services.forward import roll_forward
from rollover.store.schema import enrollments, runs

from . import cli
from .districts import District
from .store_templates import from_template, imported

HSA_LAST = dt.date(2027, 5, 28)  # the last day of HSA27's last term
MSA_LAST = dt.date(2027, 6, 4)
LATE_START = dt.date(2027, 4, 1)  # M2 joined MSA27 in April


def district() -> District:
    d = District()
    d.school("HSA")
    d.school("MSA", next_school="HSA")
    d.calendar("HSA27", "HSA", 2027, ["09", "10", "11", "12"],
               term_schedules={"Semesters": HSA_LAST})
    d.calendar("HSA28", "HSA", 2028, ["09", "10", "11", "12"])
    d.calendar("MSA27", "MSA", 2027, ["06", "07", "08"])
    d.calendar("MSA28", "MSA", 2028, ["06", "07", "08"])
    for student, calendar, grade, start in [("G1", "HSA27", "12", None),
                                            ("P1", "HSA27", "10", None),
                                            ("M1", "MSA27", "08", None),
                                            ("M2", "MSA27", "07", LATE_START)]:
        d.student(student)
        d.enroll(f"E{student}", student, calendar, grade, start=start)
    return d


@pytest.fixture
def loaded(engine, db_url, tmp_path) -> str:
    imported(engine, tmp_path, "end batch over several calendars",
             lambda to: district().write_bundle(to))
    return db_url


def stored(engine) -> dict[str, tuple]:
    """enrollment id -> (end_date, end_status) of every stored enrollment."""
    e = enrollments.c
    with engine.connect() as conn:
        return {row[0]: (row[1], row[2])
                for row in conn.execute(select(e.enrollment_id, e.end_date, e.end_status))}


def stored_runs(engine, kind: str) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(runs.c.run_id, runs.c.mode)
                                 .where(runs.c.kind == kind).order_by(runs.c.started_at)))


def run(db_url, *args):
    return cli.rollover("--db", db_url, *args)


END = ["--end-status", "E01"]


# -- the end batch ------------------------------------------------------------------------------
def test_ye15_an_end_batch_over_two_calendars_is_one_run(engine, loaded):
    ran = run(loaded, "end-batch", "--calendar", "MSA27", "--calendar", "HSA27",
              "--end-date", "last-day", *END, "--graduate-status", "GRAD", "--json")
    assert ran.exit_code == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert [r.run_id for r in stored_runs(engine, "end-batch")] == [report["run_id"]]
    assert report["mode"] == "run" and report["end_date"] == "last-day"
    assert [(c["calendar_id"], c["end_date"]) for c in report["calendars"]] == [
        ("HSA27", "2027-05-28"), ("MSA27", "2027-06-04")]  # each its own last day, by school
    assert [e["enrollment_id"] for c in report["calendars"] for e in c["ended"]] == [
        "EG1", "EP1", "EM2", "EM1"]  # per calendar: graduates first, then by grade
    assert report["totals"] == {"calendars": 2, "ended": 4, "graduates": 1, "skipped": 0}
    assert stored(engine) == {"EG1": (HSA_LAST, "GRAD"), "EP1": (HSA_LAST, "E01"),
                              "EM1": (MSA_LAST, "E01"), "EM2": (MSA_LAST, "E01")}


def test_ye15_undo_of_the_run_puts_both_calendars_back(engine, loaded):
    before = stored(engine)
    ran = run(loaded, "end-batch", "--year", "2026-27", "--end-date", "last-day", *END, "--json")
    assert ran.exit_code == 0, ran.stderr
    assert stored(engine) != before
    undone = run(loaded, "undo", json.loads(ran.stdout)["run_id"])
    assert undone.exit_code == 0, undone.stderr
    assert stored(engine) == before


def test_ye15_a_refusal_in_one_calendar_writes_nothing_in_either(engine, loaded):
    """HSA27 is ended first (its school sorts first); MSA27's late starter refuses the date:
    HSA27's ends are rolled back with it, and no run is recorded."""
    before = stored(engine)
    ran = run(loaded, "end-batch", "--calendar", "HSA27", "--calendar", "MSA27",
              "--end-date", "2027-03-01", "--early", *END)
    assert ran.exit_code == 2 and ran.stdout == ""
    assert ran.stderr.splitlines() == [
        "enrollment EM2 (student M2, grade 07) starts 2027-04-01",
        "rollover: end date 2027-03-01 is before the start date of 1 enrollment: EM2; nothing "
        "was written"]
    assert stored(engine) == before
    assert stored_runs(engine, "end-batch") == []


def test_ye15_year_and_school_choose_the_calendars(engine, loaded):
    ran = run(loaded, "end-batch", "--year", "2027", "--school", "MSA", "--end-date",
              "2027-06-04", *END, "--test", "--json")
    assert ran.exit_code == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert [c["calendar_id"] for c in report["calendars"]] == ["MSA27"]  # still the many form
    assert report["mode"] == "test" and report["totals"]["ended"] == 2
    assert stored(engine)["EM1"] == (None, None)  # a test changes no enrollment


def test_ye15_a_grade_need_only_be_offered_by_one_of_the_calendars(engine, loaded):
    ran = run(loaded, "end-batch", "--year", "2027", "--grade", "12", "--end-date", "last-day",
              *END, "--test", "--json")
    assert ran.exit_code == 0, ran.stderr
    assert [[e["enrollment_id"] for e in c["ended"]]
            for c in json.loads(ran.stdout)["calendars"]] == [["EG1"], []]
    refused = run(loaded, "end-batch", "--year", "2027", "--grade", "13", "--end-date",
                  "last-day", *END)
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        "rollover: grade '13' is not offered by any of the 2 calendars chosen (grades: 06, 07, "
        "08, 09, 10, 11, 12)"]


@pytest.mark.parametrize("args, lines", [
    (["--school", "MSA"], ["rollover: --school 'MSA' goes with --year (the school year whose "
                           "calendars to take)"]),
    (["--year", "2031"], ["rollover: --year: no calendar in school year 2031"]),
    (["--year", "2027", "--school", "MAS"],
     ["rollover: --school: unknown school 'MAS'; did you mean 'MSA'?"]),
    ([], ["rollover: no calendar chosen: give --calendar ID (repeat for several) or --year "
          "YEAR"]),
    (["--calendar", "HSA27", "--calendar", "NOPE", "--year", "2028", "--school", "MSA",
      "--school", "ZZZ"],
     ["unknown calendar 'NOPE'", "--school: unknown school 'ZZZ'",
      "rollover: 2 problems with the calendars chosen; nothing was written"]),
])
def test_ye15_a_choice_that_cannot_be_made_is_refused_naming_it(engine, loaded, args, lines):
    before = stored(engine)
    ran = run(loaded, "end-batch", *args, "--end-date", "last-day", *END)
    assert (ran.exit_code, ran.stdout) == (2, "")
    assert ran.stderr.splitlines() == lines
    assert stored(engine) == before and stored_runs(engine, "end-batch") == []


def test_ye15_the_text_report_shows_the_totals_and_each_calendars_then_each_calendar(loaded):
    ran = run(loaded, "end-batch", "--year", "2027", "--end-date", "last-day", *END, "--test")
    assert ran.exit_code == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[0].startswith("End batch Run Test end-batch-")
    assert lines[0].endswith(": 2 calendars, end date last-day")
    assert lines[1:7] == [
        "Total: 2 calendars, 4 ended (1 graduates), 0 skipped; test run, no enrollment was "
        "changed",
        "",
        "Per calendar:",
        "  HSA27  School HSA (HSA)  end date 2027-05-28  2 ended (1 graduates), 0 skipped",
        "  MSA27  School MSA (MSA)  end date 2027-06-04  2 ended (0 graduates), 0 skipped",
        "Ended per grade: 07 1, 08 1, 10 1, 12 1 (1 graduates)"]
    assert lines.index("Calendar HSA27, end date 2027-05-28:") < \
        lines.index("Calendar MSA27, end date 2027-06-04:")
    run_id = lines[0].split()[4].rstrip(":")
    again = run(loaded, "report", run_id).stdout.splitlines()  # the stored run again
    assert again[:6] == lines[:6] and len(again) == len(lines)  # the summary, as it was


def test_ye15_the_python_api_takes_a_calendar_choice(engine, loaded):
    report = end_batch(engine, EndBatchOptions(CalendarChoice(("MSA27",), 2027, ("HSA",)),
                                               end_date="last-day", end_status="E01",
                                               test=True))
    assert [p.settings.calendar.calendar_id for p in report.plans] == ["HSA27", "MSA27"]
    assert [e.enrollment_id for e in report.ended] == ["EG1", "EP1", "EM2", "EM1"]
    assert report.totals == {"calendars": 2, "ended": 4, "graduates": 1, "skipped": 0}
    with pytest.raises(EndBatchRefused, match="no calendar chosen"):
        end_batch(engine, EndBatchOptions(CalendarChoice(), end_date="last-day",
                                          end_status="E01"))


# -- the clean-up -------------------------------------------------------------------------------
LEFT = dt.date(2027, 3, 15)


def _rolled_and_left(engine, folder) -> dict[str, str]:
    """The district rolled forward (a real run); P1, M1 and M2 then withdrew in March.
    Student id -> the id of their 2028 enrollment."""
    import_bundle(engine, district().write_bundle(folder / "bundle"))
    report = roll_forward(engine, ForwardOptions(source_calendars=("HSA27", "MSA27")))
    with engine.begin() as conn:
        conn.execute(update(enrollments).where(enrollments.c.enrollment_id.in_(["EP1", "EM1", "EM2"]))
                     .values(end_date=LEFT, end_status="W01"))
    return {r.student_id: r.enrollment_id for r in report.rolled}


@pytest.fixture
def rolled(engine, db_url, tmp_path) -> tuple[str, dict[str, str]]:
    new = from_template(engine, tmp_path, "clean-up over several calendars", _rolled_and_left)
    return db_url, new


def next_year_ids(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(enrollments.c.enrollment_id)
                                .where(enrollments.c.calendar_id.in_(["HSA28", "MSA28"])))
                   .scalars())


def test_ye15_a_cleanup_over_a_year_is_one_run_and_one_undo(engine, rolled):
    db_url, new = rolled
    before = next_year_ids(engine)
    assert {new["P1"], new["M1"], new["M2"]} <= before  # M2 into MSA28, the others into HSA28
    ran = run(db_url, "cleanup", "--year", "2027-28", "--json")
    assert ran.exit_code == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert [r.run_id for r in stored_runs(engine, "cleanup")] == [report["run_id"]]
    assert [c["calendar_id"] for c in report["calendars"]] == ["HSA28", "MSA28"]
    assert [sorted(r["student_id"] for r in c["removed"]) for c in report["calendars"]] == [
        ["M1", "P1"], ["M2"]]  # from both calendars
    assert report["totals"] == {"calendars": 2, "removed": 3, "kept": 0, "not_rolled": 0}
    assert next_year_ids(engine) == before - {new["P1"], new["M1"], new["M2"]}
    assert run(db_url, "undo", report["run_id"]).exit_code == 0
    assert next_year_ids(engine) == before


def test_ye15_a_cleanup_refused_in_one_calendar_removes_nothing(engine, rolled):
    db_url, _new = rolled
    before = next_year_ids(engine)
    ran = run(db_url, "cleanup", "--calendar", "HSA28", "--calendar", "MSA288")
    assert ran.exit_code == 2
    assert ran.stderr.splitlines() == ["rollover: unknown calendar 'MSA288'; did you mean "
                                       "'MSA28'?"]
    assert next_year_ids(engine) == before and stored_runs(engine, "cleanup") == []


def test_ye15_the_cleanup_api_takes_a_calendar_choice(engine, rolled):
    report = cleanup(engine, CleanupOptions(CalendarChoice(year=2028, schools=("MSA",)),
                                            test=True))
    assert [p.calendar.calendar_id for p in report.plans] == ["MSA28"]
    assert [r.student_id for r in report.removed] == ["M2"]
    assert report.totals == {"calendars": 1, "removed": 1, "kept": 0, "not_rolled": 0}


def test_ye20_runs_over_several_calendars_end_each_of_their_steps(engine, rolled):
    from .test_progress import Recorded

    progress = Recorded()
    end_batch(engine, EndBatchOptions(CalendarChoice(year=2027), end_date="last-day",
                                      end_status="E01", test=True), progress=progress)
    assert progress.phases()[:2] == ["loading", "calendars"]
    progress.assert_each_phase_counts_up_to_its_whole()
    progress = Recorded()
    cleanup(engine, CleanupOptions(CalendarChoice(year=2028), test=True), progress=progress)
    assert progress.phases()[:2] == ["loading", "calendars"]
    progress.assert_each_phase_counts_up_to_its_whole()

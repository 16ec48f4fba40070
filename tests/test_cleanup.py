"""YE-15, the clean-up: `rollover cleanup` and `rollover.services.end_batch.cleanup`.

The next-year enrollments are made by the roll forward itself (a real run), then the year goes
on: some students withdraw before the last term ends (their 2027 enrollment gets an earlier end
date), some finish the year.  Calendars of 2027 run from 2026-08-24 to 2027-06-04 (the last day
of their last term too, unless a test gives other term schedules).  Every test runs on SQLite
and PostgreSQL (the `engine` and `db_url` fixtures).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, update

from rollover.domain.forward.options import ForwardOptions
from rollover.services.bundles import import_bundle
from rollover.services.end_batch import (
    CleanupOptions, EndBatchOptions, EndBatchRefused, cleanup, end_batch,
)
from rollover.services.forward import roll_forward
from rollover.store.schema import enrollments, runs

from . import cli
from .districts import District, last_day

LAST = last_day(2027)  # 2027-06-04
LEFT = dt.date(2027, 3, 15)  # a withdrawal in the spring


def two_schools() -> District:
    """High schools A and B (09-12) in 2027 and 2028."""
    d = District()
    for school in ("HSA", "HSB"):
        d.school(school)
        d.calendar(f"{school}27", school, 2027, ["09", "10", "11", "12"])
        d.calendar(f"{school}28", school, 2028, ["09", "10", "11", "12"])
    return d


def district() -> District:
    d = two_schools()
    for student, last_name, school, grade in [
        ("L1", "Lane", "HSA", "10"),   # withdraws in March: removed
        ("L2", "Lowe", "HSA", "11"),   # withdraws in March: removed (unless filtered)
        ("K1", "King", "HSA", "10"),   # still enrolled: kept, source not ended
        ("K2", "Kent", "HSA", "10"),   # finishes the year, ended on the last day: kept
        ("K3", "Knox", "HSA", "10"),   # withdraws, re-enrols at HSB for 2028 by hand: kept
        ("B1", "Bell", "HSB", "10"),   # withdraws, but rolled into HSB28: another calendar
    ]:
        d.student(student, last_name)
        d.enroll(f"E{student}", student, f"{school}27", grade)
    d.student("H1", "Hand")          # entered by hand into HSA28 (not rolled)
    d.enroll("EH1", "H1", "HSA28", "09")
    return d


def load(engine, tmp_path, d: District) -> dict[str, str]:
    """Import the district, roll it forward (a real run), then record the year's ends.
    Returns student id -> the id of the student's new 2028 enrollment."""
    import_bundle(engine, d.write_bundle(tmp_path / "bundle"))
    report = roll_forward(engine, ForwardOptions(source_calendars=("HSA27", "HSB27"),
                                                 test=False))
    new = {r.student_id: r.enrollment_id for r in report.rolled}
    set_end(engine, {"EL1": LEFT, "EL2": LEFT, "EK2": LAST, "EK3": LEFT, "EB1": LEFT})
    with engine.begin() as conn:  # K3 re-enrols at HSB for 2028, by hand
        conn.execute(enrollments.insert().values(
            enrollment_id="EK3b", student_id="K3", calendar_id="HSB28",
            structure_id="HSB28-Main", grade="11", service_type="primary",
            start_date=dt.date(2027, 9, 1)))
    return new


def set_end(engine, ends: dict[str, dt.date]) -> None:
    e = enrollments.c
    with engine.begin() as conn:
        for enrollment_id, end in ends.items():
            conn.execute(update(enrollments).where(e.enrollment_id == enrollment_id)
                         .values(end_date=end, end_status="W01"))


def stored_ids(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(enrollments.c.enrollment_id)).scalars())


def stored_runs(engine) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(runs).where(runs.c.kind != "forward")
                                 .order_by(runs.c.started_at)))


def by_student(entries) -> dict[str, str]:
    return {e.student_id: e.reason for e in entries}


# -- who is removed, who is kept ---------------------------------------------------------------
def test_ye15_cleanup_removes_only_rolled_enrollments_whose_source_left_early(engine, tmp_path):
    new = load(engine, tmp_path, district())
    assert set(new) == {"L1", "L2", "K1", "K2", "K3", "B1"}
    before = stored_ids(engine)

    result = cleanup(engine, CleanupOptions("HSA28"), user="tester")
    assert [(r.enrollment_id, r.student_id, r.rolled_from) for r in result.removed] == [
        (new["L1"], "L1", "EL1"), (new["L2"], "L2", "EL2")]
    assert all(r.reason.startswith("source ended 2027-03-15, before the last day of its last "
                                   "term (2027-06-04)") for r in result.removed)
    kept = by_student(result.kept)
    assert set(kept) == {"K1", "K2", "K3"}
    assert kept["K1"].startswith("source not ended")
    assert kept["K2"].startswith("source ended on the last day of its last term (2027-06-04)")
    assert kept["K3"] == "student has another active enrollment in 2028 (EK3b)"
    assert result.totals == {"removed": 2, "kept": 3, "not_rolled": 1}  # EH1 by hand

    assert stored_ids(engine) == before - {new["L1"], new["L2"]}
    assert new["B1"] in stored_ids(engine)  # in another calendar: untouched

    # that calendar's own clean-up removes it
    other = cleanup(engine, CleanupOptions("HSB28"))
    assert [(r.student_id, r.rolled_from) for r in other.removed] == [("B1", "EB1")]
    assert by_student(other.kept) == {}
    assert other.totals == {"removed": 1, "kept": 0, "not_rolled": 1}  # EK3b by hand
    assert new["B1"] not in stored_ids(engine)

    # a second run finds nothing more to remove
    again = cleanup(engine, CleanupOptions("HSA28"))
    assert again.removed == [] and by_student(again.kept) == kept


def test_ye15_cleanup_after_the_end_batch(engine, tmp_path):
    """The year-end order: roll, withdrawals during the spring, the end batch on the last day,
    then the clean-up: only the students who left early lose their next-year enrollment."""
    d = two_schools()
    for student in ("A", "B", "C"):
        d.student(student)
        d.enroll(f"E{student}", student, "HSA27", "11")
    import_bundle(engine, d.write_bundle(tmp_path / "bundle"))
    report = roll_forward(engine, ForwardOptions(source_calendars=("HSA27",), test=False))
    new = {r.student_id: r.enrollment_id for r in report.rolled}
    set_end(engine, {"EB": dt.date(2027, 5, 20)})
    end_batch(engine, EndBatchOptions("HSA27", LAST, "E01"))

    result = cleanup(engine, CleanupOptions("HSA28"))
    assert [r.enrollment_id for r in result.removed] == [new["B"]]
    assert by_student(result.kept) == {
        "A": "source ended on the last day of its last term (2027-06-04)",
        "C": "source ended on the last day of its last term (2027-06-04)"}
    assert stored_ids(engine) == {"EA", "EB", "EC", new["A"], new["C"]}


def test_ye15_the_last_term_is_the_latest_term_end_of_any_schedule_of_the_calendar(
        engine, tmp_path):
    """Quarters end on 2027-05-28, semesters (of another structure) on 2027-06-04: the last
    term ends on 2027-06-04, so leaving on 2027-05-28 is leaving early."""
    d = District()
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, ["10"], term_schedules={
        "Quarters": dt.date(2027, 5, 28), "Trimesters": dt.date(2027, 5, 21)})
    d.structure("HSA27", "Evening", ["10"], term_schedules={"Semesters": LAST})
    d.calendar("HSA28", "HSA", 2028, ["11"])
    d.structure("HSA28", "Evening", ["11"])
    for student in ("Q", "S", "T"):
        d.student(student)
        d.enroll(f"E{student}", student, "HSA27", "10")
    import_bundle(engine, d.write_bundle(tmp_path / "bundle"))
    report = roll_forward(engine, ForwardOptions(source_calendars=("HSA27",), test=False))
    new = {r.student_id: r.enrollment_id for r in report.rolled}
    set_end(engine, {"EQ": dt.date(2027, 5, 28), "ES": LAST, "ET": dt.date(2027, 5, 21)})

    result = cleanup(engine, CleanupOptions("HSA28"))
    assert [r.student_id for r in result.removed] == ["Q", "T"]
    assert by_student(result.kept) == {
        "S": "source ended on the last day of its last term (2027-06-04)"}
    assert new["S"] in stored_ids(engine)


def test_ye15_cleanup_keeps_what_it_must_not_touch(engine, tmp_path):
    """Hand-made rows: an enrollment rolled into two calendars (RF-10) from a source that left
    early is removed from each in turn (neither counts as a re-enrolment of the other); one the
    next year already ended by hand is kept; one another enrollment was rolled from is kept; a
    student with a hand-entered enrollment elsewhere is kept, even one that has ended does not
    count (it is not active)."""
    d = two_schools()
    d.calendar("HSA29", "HSA", 2029, ["12"])
    for student in ("M", "N", "P", "W"):
        d.student(student)
        d.enroll(f"E{student}", student, "HSA27", "10", end=LEFT)
    d.enroll("NMa", "M", "HSA28", "11", rolled_from="EM")
    d.enroll("NMb", "M", "HSB28", "11", rolled_from="EM")
    d.enroll("NN", "N", "HSA28", "11", rolled_from="EN", end=dt.date(2027, 9, 3))
    d.enroll("NP", "P", "HSA28", "11", rolled_from="EP")
    d.enroll("NP29", "P", "HSA29", "12", rolled_from="NP")
    d.enroll("NW", "W", "HSA28", "11", rolled_from="EW")
    d.enroll("NWx", "W", "HSB28", "11", end=dt.date(2027, 10, 1))  # ended: not active
    import_bundle(engine, d.write_bundle(tmp_path / "bundle"))

    result = cleanup(engine, CleanupOptions("HSA28"))
    assert [r.enrollment_id for r in result.removed] == ["NMa", "NW"]
    kept = {r.enrollment_id: r.reason for r in result.kept}
    assert set(kept) == {"NN", "NP"}
    assert kept["NN"].startswith("next-year enrollment already ended (2027-09-03)")
    assert kept["NP"].startswith("enrollment NP29 was rolled from it")
    result = cleanup(engine, CleanupOptions("HSB28"))
    assert [r.enrollment_id for r in result.removed] == ["NMb"]
    assert {"NMa", "NMb", "NW"} & stored_ids(engine) == set()
    assert {"NN", "NP", "NP29", "NWx"} <= stored_ids(engine)


# -- filter, test mode, refusals -------------------------------------------------------------------
def test_ye15_cleanup_filter_reads_the_student_and_the_next_year_enrollment(engine, tmp_path):
    new = load(engine, tmp_path, district())
    # the next-year grade is 11 for L1 (from 10) and 12 for L2 (from 11)
    result = cleanup(engine, CleanupOptions("HSA28", filter='grade == "12"', test=True))
    assert [r.student_id for r in result.removed] == ["L2"]
    assert result.kept == [] and result.totals["not_rolled"] == 0
    result = cleanup(engine, CleanupOptions("HSA28", filter='last_name startswith "L" and '
                                                           'grade == "11"'))
    assert [r.student_id for r in result.removed] == ["L1"]
    assert result.kept == []
    assert new["L1"] not in stored_ids(engine) and new["L2"] in stored_ids(engine)
    result = cleanup(engine, CleanupOptions("HSA28", filter=f'enrollment_id == "{new["K1"]}"'))
    assert result.removed == [] and by_student(result.kept).keys() == {"K1"}


def test_ye15_cleanup_test_mode_writes_nothing_but_a_run(engine, tmp_path):
    new = load(engine, tmp_path, district())
    before = stored_ids(engine)
    result = cleanup(engine, CleanupOptions("HSA28", test=True), user="tester")
    assert [r.student_id for r in result.removed] == ["L1", "L2"]
    assert stored_ids(engine) == before
    [run] = stored_runs(engine)
    assert (run.kind, run.mode, run.user_name) == ("cleanup", "test", "tester")
    assert run.options == {"calendar_id": "HSA28", "filter": None, "test": True}
    assert run.counts == {"removed": 2, "kept": 3, "not_rolled": 1}
    assert run.report == {k: v for k, v in result.as_json().items() if k != "run_id"}

    real = cleanup(engine, CleanupOptions("HSA28"))
    assert {k: v for k, v in real.as_json().items() if k not in ("run_id", "mode")} == \
        {k: v for k, v in result.as_json().items() if k not in ("run_id", "mode")}
    assert stored_ids(engine) == before - {new["L1"], new["L2"]}
    assert [r.mode for r in stored_runs(engine)] == ["test", "run"]


def test_ye15_cleanup_is_all_or_nothing(engine, tmp_path, monkeypatch):
    """The run record cannot be written after the removals: nothing is removed."""
    from rollover.services.unit_of_work import UnitOfWork

    load(engine, tmp_path, district())
    before = stored_ids(engine)

    def broken(*args, **kwargs):
        raise RuntimeError("connection lost")

    monkeypatch.setattr(UnitOfWork, "finish", broken)
    with pytest.raises(RuntimeError):
        cleanup(engine, CleanupOptions("HSA28"))
    assert stored_ids(engine) == before
    assert stored_runs(engine) == []


def test_ye15_cleanup_refuses_an_unknown_calendar(engine, tmp_path):
    load(engine, tmp_path, district())
    with pytest.raises(EndBatchRefused, match="unknown calendar 'HSA29'"):
        cleanup(engine, CleanupOptions("HSA29"))
    assert stored_runs(engine) == []


def rollover(db_url: str, *args: str):
    return cli.rollover("--db", db_url, *args)


def test_ye15_cleanup_cli(db_url, engine, tmp_path):
    new = load(engine, tmp_path, district())
    before = stored_ids(engine)

    for args in (["--calendar", "HSA29"], ["--calendar", "HSA29", "--test", "--json"]):
        result = rollover(db_url, "cleanup", *args)
        assert result.returncode == 2, result.stderr
        assert result.stdout == "" and "Traceback" not in result.stderr
        assert result.stderr.splitlines() == ["rollover: unknown calendar 'HSA29'"]
    result = rollover(db_url, "cleanup", "--calendar", "HSA28", "--filter", "grade = '11'")
    assert result.returncode == 2 and "filter:" in result.stderr
    assert stored_runs(engine) == [] and stored_ids(engine) == before

    result = rollover(db_url, "cleanup", "--calendar", "HSA28", "--test")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Clean-up Run Test cleanup-") and lines[0].endswith(": calendar "
                                                                                  "HSA28")
    assert f"  {new['L1']}  L1 Lane, L1  rolled from EL1: source ended 2027-03-15, before the " \
           "last day of its last term (2027-06-04), and no other active enrollment in 2028" \
           in lines
    assert lines[1] == ("Total: 2 removed, 3 kept, 1 not rolled (untouched); test run, no "
                        "enrollment was removed")
    assert stored_ids(engine) == before

    result = rollover(db_url, "cleanup", "--calendar", "HSA28", "--json", "--user", "bo")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert list(report) == ["run_id", "mode", "calendar_id", "removed", "kept", "totals",
                            "school_id", "school_name"]
    assert report["mode"] == "run" and report["calendar_id"] == "HSA28"
    assert (report["school_id"], report["school_name"]) == ("HSA", "School HSA")
    assert report["removed"][0] == {
        "enrollment_id": new["L1"], "student_id": "L1", "rolled_from": "EL1",
        "reason": "source ended 2027-03-15, before the last day of its last term (2027-06-04), "
                  "and no other active enrollment in 2028"}
    assert [k["student_id"] for k in report["kept"]] == ["K1", "K2", "K3"]
    assert report["totals"] == {"removed": 2, "kept": 3, "not_rolled": 1}
    assert stored_ids(engine) == before - {new["L1"], new["L2"]}
    runs_ = stored_runs(engine)
    assert [r.mode for r in runs_] == ["test", "run"]
    assert (runs_[-1].run_id, runs_[-1].user_name) == (report["run_id"], "bo")

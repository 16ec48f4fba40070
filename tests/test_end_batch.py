"""YE-15, the end batch: `rollover end-batch` and `rollover.services.end_batch.end_batch`.

Every test imports a small district (tests/districts.py) into SQLite and PostgreSQL (the `engine`
and `db_url` fixtures).  Calendars of 2027 run from 2026-08-24 to 2027-06-04; grade codes are
two digits and their sequence is their number, so grade 12 (the highest sequence offered in the
district in 2027) is the graduating grade.  Refusals are run through the command line, in a
child process, as a user runs them.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from rollover.services.bundles import import_bundle
from rollover.services.end_batch import EndBatchOptions, EndBatchRefused, end_batch
from rollover.store import enrollment_batches
from rollover.store.schema import enrollments, runs

from . import cli
from .districts import District, first_day, last_day
from .store_templates import imported

LAST = last_day(2027)  # 2027-06-04, also the calendar's end date
FIRST = first_day(2027)  # 2026-08-24, the calendar's start date


def district() -> District:
    """High School A (09-12) and Middle School A (06-08) in 2027, with next year's calendars."""
    d = District()
    d.school("HSA")
    d.school("MSA", next_school="HSA")
    d.calendar("HSA27", "HSA", 2027, ["09", "10", "11", "12"])
    d.calendar("HSA28", "HSA", 2028, ["09", "10", "11", "12"])
    d.calendar("MSA27", "MSA", 2027, ["06", "07", "08"])
    people = [  # student, last name, enrollment, grade, end action, end
        ("G1", "Grey", "EG1", "12", "promote", None),
        ("G2", "Gold", "EG2", "12", None, None),
        ("G3", "Green", "EG3", "12", "retain", None),
        ("P1", "Park", "EP1", "10", "promote", None),
        ("P2", "Smith", "EP2", "11", None, None),
        ("P3", "Stone", "EP3", "09", None, None),
        ("R1", "Reed", "ER1", "10", "retain", None),
        ("D1", "Dunn", "ED1", "11", "demote", None),
        ("X1", "Xu", "EX1", "10", None, dt.date(2027, 3, 1)),
    ]
    for student, last_name, enrollment, grade, action, end in people:
        d.student(student, last_name)
        d.enroll(enrollment, student, "HSA27", grade, end_action=action, end=end)
    d.enroll("EP1s", "P1", "HSA27", "10", service_type="special_ed", end_action="promote")
    d.student("M1", "Moss")
    d.enroll("EM1", "M1", "MSA27", "08")
    return d


@pytest.fixture
def loaded(engine, tmp_path):
    imported(engine, tmp_path, "end batch", lambda to: district().write_bundle(to))
    return engine


def options(**given) -> EndBatchOptions:
    given.setdefault("calendar_id", "HSA27")
    given.setdefault("end_date", LAST)
    given.setdefault("end_status", "E01")
    return EndBatchOptions(**given)


def stored(engine) -> dict[str, tuple]:
    """enrollment id -> (end_date, end_status) of every stored enrollment."""
    e = enrollments.c
    with engine.connect() as conn:
        return {row[0]: (row[1], row[2])
                for row in conn.execute(select(e.enrollment_id, e.end_date, e.end_status))}


def stored_runs(engine) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(runs).order_by(runs.c.started_at)))


def ended(result) -> list[tuple]:
    return [(e.enrollment_id, e.end_status, e.graduate) for e in result.ended]


# -- what ends, in which order, with which status ----------------------------------------------
def test_ye15_graduates_end_first_with_the_graduate_status(loaded):
    before = stored(loaded)
    result = end_batch(loaded, options(graduate_status="GRAD"), user="tester")
    assert ended(result) == [
        ("EG1", "GRAD", True), ("EG2", "GRAD", True),  # graduates first
        ("EP3", "E01", False), ("EP1", "E01", False), ("EP1s", "E01", False),
        ("EP2", "E01", False)]
    assert result.totals == {"ended": 6, "graduates": 2, "skipped": 4}

    after = stored(loaded)
    for enrollment_id, status, _graduate in ended(result):
        assert after[enrollment_id] == (LAST, status)
    untouched = set(before) - {e for e, _, _ in ended(result)}
    assert {e: after[e] for e in untouched} == {e: before[e] for e in untouched}


def test_ye15_without_graduate_status_graduates_get_the_end_status(loaded):
    result = end_batch(loaded, options(end_status="Promoted / year end"))
    assert [(e, s) for e, s, g in ended(result) if g] == [
        ("EG1", "Promoted / year end"), ("EG2", "Promoted / year end")]
    assert {s for _, s, _ in ended(result)} == {"Promoted / year end"}  # free text
    assert stored(loaded)["EG1"] == (LAST, "Promoted / year end")


def test_ye15_graduates_are_the_highest_sequence_of_the_district_not_of_the_school(loaded):
    result = end_batch(loaded, options(calendar_id="MSA27", graduate_status="GRAD"))
    assert ended(result) == [("EM1", "E01", False)]  # grade 08 ends the middle school only
    assert result.totals["graduates"] == 0


def test_ye15_only_promote_or_empty_end_retained_demoted_and_ended_are_skipped(loaded):
    before = stored(loaded)
    result = end_batch(loaded, options())
    skipped = {s.enrollment_id: s.reason for s in result.skipped}
    assert set(skipped) == {"EG3", "ER1", "ED1", "EX1"}
    assert "retain" in skipped["EG3"] and "retain" in skipped["ER1"]
    assert "demote" in skipped["ED1"]
    assert skipped["EX1"].startswith("already ended") and "2027-03-01" in skipped["EX1"]
    after = stored(loaded)
    for enrollment_id in skipped:
        assert after[enrollment_id] == before[enrollment_id]
    assert after["EX1"] == (dt.date(2027, 3, 1), "W01")  # the earlier end is kept
    assert after["EM1"] == (None, None)  # another calendar

    # A second run ends nothing more: everything it chose has ended.
    again = end_batch(loaded, options())
    assert again.ended == []
    assert again.totals == {"ended": 0, "graduates": 0, "skipped": 10}
    assert stored(loaded) == after


def test_ye15_grades_choose(loaded):
    result = end_batch(loaded, options(grades=("10", "12"), graduate_status="GRAD"))
    assert ended(result) == [("EG1", "GRAD", True), ("EG2", "GRAD", True),
                             ("EP1", "E01", False), ("EP1s", "E01", False)]
    assert {s.enrollment_id for s in result.skipped} == {"EG3", "ER1", "EX1"}
    after = stored(loaded)
    assert after["EP2"] == (None, None) and after["EP3"] == (None, None)


def test_ye15_filter_chooses_by_student_and_enrollment_fields(loaded, tmp_path, monkeypatch):
    result = end_batch(loaded, options(filter='last_name startswith "S"', test=True))
    assert ended(result) == [("EP3", "E01", False), ("EP2", "E01", False)]
    result = end_batch(loaded, options(filter='service_type == "special_ed"', test=True))
    assert ended(result) == [("EP1s", "E01", False)]
    result = end_batch(loaded, options(grades=("12",), filter='end_action == null', test=True))
    assert ended(result) == [("EG2", "E01", True)]
    assert result.skipped == []  # EG3 (retain) is not chosen by the filter

    (tmp_path / "ids.txt").write_text("# year-end\nP1\nR1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = end_batch(loaded, options(filter="@ids.txt"))
    assert ended(result) == [("EP1", "E01", False), ("EP1s", "E01", False)]
    assert [s.enrollment_id for s in result.skipped] == ["ER1"]
    assert stored(loaded)["EP2"] == (None, None)


# -- test mode, run records, all or nothing --------------------------------------------------------
def test_ye15_test_mode_writes_nothing_but_a_run(loaded):
    before = stored(loaded)
    result = end_batch(loaded, options(graduate_status="GRAD", test=True), user="tester")
    assert stored(loaded) == before
    assert result.totals == {"ended": 6, "graduates": 2, "skipped": 4}
    [run] = stored_runs(loaded)
    assert (run.kind, run.mode, run.user_name, run.status) == ("end-batch", "test", "tester",
                                                               "completed")
    assert run.run_id == result.run.run_id and run.run_id.startswith("end-batch-")
    assert run.counts == result.totals
    assert run.options["calendar_id"] == "HSA27" and run.options["test"] is True
    assert run.report == {k: v for k, v in result.as_json().items() if k != "run_id"}
    assert run.report["mode"] == "test"

    # the real run decides the same
    real = end_batch(loaded, options(graduate_status="GRAD"))
    assert {k: v for k, v in real.as_json().items() if k not in ("run_id", "mode")} == \
        {k: v for k, v in result.as_json().items() if k not in ("run_id", "mode")}
    assert [r.mode for r in stored_runs(loaded)] == ["test", "run"]


def test_ye15_a_real_run_is_all_or_nothing(loaded, monkeypatch):
    """The second bulk update (after the graduates) fails: the graduates are not ended either,
    and no run is recorded."""
    real = enrollment_batches.end_enrollments
    calls = []

    def failing(conn, ids, end_date, end_status):
        calls.append(list(ids))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(conn, ids, end_date, end_status)

    monkeypatch.setattr(enrollment_batches, "end_enrollments", failing)
    before = stored(loaded)
    with pytest.raises(RuntimeError):
        end_batch(loaded, options(graduate_status="GRAD"))
    assert calls[0] == ["EG1", "EG2"]
    assert stored(loaded) == before
    assert stored_runs(loaded) == []


def test_ye15_refusals_in_the_api_name_the_bad_value(loaded):
    for given, words in [
        (dict(calendar_id="NOPE"), ["'NOPE'"]),
        (dict(grades=("08",)), ["'08'", "HSA27"]),
        (dict(end_date="2027-02-30"), ["'2027-02-30'"]),
        (dict(end_date=dt.date(2026, 8, 23)), ["2026-08-23", "before its start date"]),
        (dict(end_date=dt.date(2027, 6, 5)), ["2027-06-05", "after its end date"]),
        (dict(end_status=" "), ["end status"]),
    ]:
        with pytest.raises(EndBatchRefused) as refused:
            end_batch(loaded, options(**given))
        for word in words:
            assert word in str(refused.value)
    assert stored_runs(loaded) == []


# -- the command line ------------------------------------------------------------------------------
def rollover(db_url: str, *args: str):
    return cli.rollover("--db", db_url, *args)


def end_batch_cli(db_url: str, *args: str):
    given = list(args)
    if "--calendar" not in given:
        given += ["--calendar", "HSA27"]
    if "--end-date" not in given:
        given += ["--end-date", LAST.isoformat()]
    if "--end-status" not in given:
        given += ["--end-status", "E01"]
    return rollover(db_url, "end-batch", *given)


def assert_refused(result, *words: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def assert_nothing_written(engine, before) -> None:
    assert stored(engine) == before
    assert stored_runs(engine) == []


@pytest.mark.parametrize("args, words", [
    (["--calendar", "NOPE"], ["unknown calendar 'NOPE'"]),
    (["--grade", "10", "--grade", "13"], ["grade '13' is not offered by calendar 'HSA27'"]),
    (["--end-date", "2027-02-30"], ["end date '2027-02-30' is not a date"]),
    (["--end-date", "June 4"], ["end date 'June 4' is not a date"]),
    (["--end-date", "2026-08-23"], ["end date 2026-08-23", "before its start date 2026-08-24"]),
    (["--end-date", "2027-06-05"], ["end date 2027-06-05", "after its end date 2027-06-04"]),
    (["--filter", "lastname == 'S'"], ["unknown field 'lastname'"]),
], ids=["calendar", "grade", "impossible-date", "not-a-date", "before-calendar",
        "after-calendar", "filter"])
def test_ye15_cli_refuses_bad_options_with_exit_2_and_writes_nothing(db_url, loaded, args,
                                                                      words):
    before = stored(loaded)
    for mode in ([], ["--test", "--json"]):
        assert_refused(end_batch_cli(db_url, *args, *mode), *words)
    assert_nothing_written(loaded, before)


def test_ye15_cli_refuses_an_end_date_before_an_enrollments_start_naming_them(
        db_url, engine, tmp_path):
    d = district()
    d.student("N1", "New")
    d.enroll("EN1", "N1", "HSA27", "10", start=dt.date(2027, 5, 3))
    d.student("N2", "Newer")
    d.enroll("EN2", "N2", "HSA27", "12", start=dt.date(2027, 5, 10))
    d.enroll("EN3", "N2", "HSA27", "12", start=dt.date(2027, 5, 20), end_action="retain")
    import_bundle(engine, d.write_bundle(tmp_path / "bundle"))
    before = stored(engine)

    result = end_batch_cli(db_url, "--end-date", "2027-05-04", "--graduate-status", "GRAD")
    assert_refused(result, "end date 2027-05-04", "EN2")
    lines = result.stderr.splitlines()
    assert lines[-1] == ("rollover: end date 2027-05-04 is before the start date of 1 "
                         "enrollment: EN2; nothing was written")
    assert "EN2" in lines[0] and "2027-05-10" in lines[0]
    assert "EN3" not in result.stderr  # retained: it would not end

    result = end_batch_cli(db_url, "--end-date", "2027-05-04", "--test")
    assert_refused(result, "EN2")
    result = end_batch_cli(db_url, "--end-date", "2027-05-01")
    assert_refused(result, "end date 2027-05-01", "2 enrollments", "EN1", "EN2")
    assert_nothing_written(engine, before)

    # the grades choose which enrollments count; grade 10 alone ends from 2027-05-03 on (a date
    # before the last instructional day: --early)
    assert end_batch_cli(db_url, "--end-date", "2027-05-03", "--grade", "10",
                         "--early").returncode == 0
    assert stored(engine)["EN1"] == (dt.date(2027, 5, 3), "E01")


def test_ye15_cli_json_is_one_object_and_the_stored_report(db_url, loaded):
    result = end_batch_cli(db_url, "--graduate-status", "GRAD", "--json", "--user", "ann")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert list(report) == ["run_id", "mode", "calendar_id", "end_date", "ended", "skipped",
                            "totals", "school_id", "school_name"]
    assert (report["mode"], report["calendar_id"], report["end_date"]) == \
        ("run", "HSA27", "2027-06-04")
    assert (report["school_id"], report["school_name"]) == ("HSA", "School HSA")
    assert report["ended"][0] == {"enrollment_id": "EG1", "student_id": "G1", "grade": "12",
                                  "end_status": "GRAD", "graduate": True}
    assert [e["graduate"] for e in report["ended"]] == [True, True, False, False, False, False]
    assert {"enrollment_id": "ER1", "student_id": "R1",
            "reason": "retained (end action retain)"} in report["skipped"]
    assert report["totals"] == {"ended": 6, "graduates": 2, "skipped": 4}
    [run] = stored_runs(loaded)
    assert run.run_id == report["run_id"] and run.user_name == "ann" and run.mode == "run"
    assert run.report == {k: v for k, v in report.items() if k != "run_id"}
    assert stored(loaded)["EG1"] == (LAST, "GRAD")


def test_ye15_cli_test_writes_nothing_but_a_run_and_prints_a_total(db_url, loaded):
    before = stored(loaded)
    result = end_batch_cli(db_url, "--test")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("End batch Run Test end-batch-")
    assert any(line.startswith("  EG1  G1 Grey, G1  grade 12  -> E01  graduate")
               for line in lines), lines
    assert lines[1] == ("Total: 6 ended (2 graduates), 4 skipped; test run, no enrollment "
                        "was changed")
    assert lines[2:5] == ["School: School HSA (HSA)",
                          "Ended per grade: 09 1, 10 2, 11 1, 12 2 (2 graduates)",
                          "Skipped per reason: retained 2, already ended 1, demoted 1"]
    assert stored(loaded) == before
    assert [(r.kind, r.mode) for r in stored_runs(loaded)] == [("end-batch", "test")]
    with loaded.connect() as conn:
        assert conn.execute(select(func.count()).select_from(enrollments)
                            .where(enrollments.c.end_date.is_not(None))).scalar_one() == 1


# -- issue 11, item 8: an end date before the last instructional day ---------------------------
MAIN_LAST = dt.date(2027, 5, 28)  # the Main structure's last term ends a week before Academy's


def school_days(d: District, calendar_id: str, last: dt.date, *,
                not_instructional: tuple[dt.date, ...] = ()) -> None:
    """Store every weekday of the calendar from its first day to `last`, as a district's
    days.csv lists them: instructional but for `not_instructional`."""
    stored = {(c, day) for c, day, _ in d.rows["days"]}
    day = FIRST
    while day <= last:
        if day.weekday() < 5 and (calendar_id, day) not in stored:
            d.rows["days"].append((calendar_id, day, day not in not_instructional))
        day += dt.timedelta(days=1)


def rolled_district(*, not_instructional: tuple[dt.date, ...] = ()) -> District:
    """HSA27 has two structures: Main's last term ends 2027-05-28, Academy's 2027-06-04 (the
    calendar's last term); every weekday is stored.  P1, P2 (Main), A1 (Academy) and K1 return
    next year (K1 re-enrols at HSB by hand too, see `load_rolled`); G1 graduates."""
    d = District()
    d.school("HSA")
    d.school("HSB")
    grades = ["09", "10", "11", "12"]
    d.calendar("HSA27", "HSA", 2027, grades, term_schedules={"Semesters": MAIN_LAST})
    d.structure("HSA27", "Academy", grades, term_schedules={"Semesters": LAST})
    school_days(d, "HSA27", LAST, not_instructional=not_instructional)
    d.calendar("HSA28", "HSA", 2028, grades)
    d.structure("HSA28", "Academy", grades)
    d.calendar("HSB28", "HSB", 2028, grades)
    for student, grade, structure in [("P1", "10", "HSA27-Main"), ("P2", "11", "HSA27-Main"),
                                      ("A1", "10", "HSA27-Academy"), ("K1", "10", "HSA27-Main"),
                                      ("G1", "12", "HSA27-Main")]:
        d.student(student)
        d.enroll(f"E{student}", student, "HSA27", grade, structure=structure)
    return d


def load_rolled(engine, tmp_path, d: District) -> dict[str, str]:
    """Import the district and roll it forward (a real run): student -> next year's id."""
    from rollover.domain.forward.options import ForwardOptions
    from rollover.services.forward import roll_forward

    import_bundle(engine, d.write_bundle(tmp_path / "bundle"))
    report = roll_forward(engine, ForwardOptions(source_calendars=("HSA27",), test=False))
    with engine.begin() as conn:  # K1 re-enrols at HSB for 2028, by hand
        conn.execute(enrollments.insert().values(
            enrollment_id="EK1b", student_id="K1", calendar_id="HSB28",
            structure_id="HSB28-Main", grade="11", service_type="primary",
            start_date=dt.date(2027, 9, 1)))
    return {r.student_id: r.enrollment_id for r in report.rolled}


def cleanup_removes(db_url: str) -> list[str]:
    result = rollover(db_url, "cleanup", "--calendar", "HSA28", "--test", "--json")
    assert result.returncode == 0, result.stderr
    return sorted(r["student_id"] for r in json.loads(result.stdout)["removed"])


def test_ye15_an_end_date_before_the_last_instructional_day_is_refused_naming_the_loss(
        db_url, engine, tmp_path):
    new = load_rolled(engine, tmp_path, rolled_district())
    assert sorted(new) == ["A1", "K1", "P1", "P2"]
    before = stored(engine)
    message = ("rollover: end date 2027-05-28 is before 2027-06-04, the last instructional day "
               "of the last term of calendar 'HSA27': a clean-up would then remove 3 rolled "
               "next-year enrollments of the students it ends; nothing was written (give "
               "--early to end them on 2027-05-28 anyway)")
    for mode in ([], ["--test"], ["--json"]):
        result = end_batch_cli(db_url, "--end-date", MAIN_LAST.isoformat(), *mode)
        assert_refused(result)
        assert result.stderr.splitlines()[-1] == message
    assert stored(engine) == before
    assert [r.kind for r in stored_runs(engine)] == ["forward"]  # no end-batch run either

    # --early ends them anyway, and says what a clean-up would then do
    result = end_batch_cli(db_url, "--end-date", MAIN_LAST.isoformat(), "--early", "--test")
    assert result.returncode == 0, result.stderr
    assert ("Early end (--early): 2027-05-28 is before 2027-06-04, the last instructional day "
            "of the last term of calendar HSA27: a clean-up would then remove 3 rolled "
            "next-year enrollments of the students it ends") in result.stdout.splitlines()
    result = end_batch_cli(db_url, "--end-date", MAIN_LAST.isoformat(), "--early", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["early"] == {"last_instructional_day": "2027-06-04",
                               "cleanup_would_remove": 3}
    assert stored(engine)["EP1"] == (MAIN_LAST, "E01")
    assert cleanup_removes(db_url) == ["A1", "P1", "P2"]  # the count was the clean-up's own


def test_ye15_the_last_instructional_day_ends_nothing_early(db_url, engine, tmp_path):
    """Ending on the calendar's last instructional day needs no --early, and the clean-up then
    keeps every returning student; so does ending on its last day of classes when the last
    term's end date itself is stored as a day without classes."""
    load_rolled(engine, tmp_path, rolled_district())
    result = end_batch_cli(db_url, "--end-date", LAST.isoformat(), "--json")
    assert result.returncode == 0, result.stderr
    assert "early" not in json.loads(result.stdout)
    assert cleanup_removes(db_url) == []


def test_ye15_a_last_term_ending_on_a_day_without_classes(db_url, engine, tmp_path):
    last_class = dt.date(2027, 6, 3)  # 2027-06-04 is a teacher work day
    load_rolled(engine, tmp_path, rolled_district(not_instructional=(LAST,)))
    assert_refused(end_batch_cli(db_url, "--end-date", "2027-06-02"),
                   "before 2027-06-03, the last instructional day")
    result = end_batch_cli(db_url, "--end-date", last_class.isoformat())
    assert result.returncode == 0, result.stderr
    assert stored(engine)["EA1"] == (last_class, "E01")
    assert cleanup_removes(db_url) == []
    result = rollover(db_url, "cleanup", "--calendar", "HSA28", "--test", "--json")
    kept = {r["student_id"]: r["reason"] for r in json.loads(result.stdout)["kept"]}
    assert kept["P1"] == ("source ended on the last instructional day of its last term "
                          "(2027-06-03)")


def test_ye15_the_last_instructional_day_steps_back_over_days_without_classes():
    from rollover.domain.calendars import school_day_on_or_before

    friday, saturday = dt.date(2027, 6, 4), dt.date(2027, 6, 5)
    assert school_day_on_or_before(friday, {}) == friday  # no days stored: the term's end
    assert school_day_on_or_before(saturday, {}) == friday  # a weekend not stored
    assert school_day_on_or_before(saturday, {saturday: True}) == saturday  # Saturday classes
    days = {friday: False, dt.date(2027, 6, 3): False, dt.date(2027, 6, 2): True}
    assert school_day_on_or_before(saturday, days) == dt.date(2027, 6, 2)
    # a weekday days.csv does not list counts as a school day (only some days may be listed)
    assert school_day_on_or_before(friday, {dt.date(2026, 8, 24): True}) == friday


def test_ye15_the_readme_end_batch_leaves_returning_students_their_next_year(engine, db_url,
                                                                            tmp_path):
    """The README's end-batch line, run on the demo district after a real roll forward: the
    clean-up on its next line proposes to remove no enrollment of a student it ended."""
    import re
    import shlex
    from pathlib import Path

    from rollover.domain.forward.options import ForwardOptions
    from rollover.services.demo import load_demo
    from rollover.services.forward import roll_forward, source_calendars_of_year

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    [line] = [ln for ln in readme.splitlines() if ln.startswith("rollover end-batch ")]
    args = shlex.split(line.split("#")[0])[1:]
    status = args[args.index("--end-status") + 1]
    calendar = args[args.index("--calendar") + 1]
    load_demo(engine, students=300, seed=5)
    roll_forward(engine, ForwardOptions(
        source_calendars=tuple(source_calendars_of_year(engine, 2027)), test=False))
    result = rollover(db_url, *args)
    assert result.returncode == 0, result.stderr
    [cleanup_line] = [ln for ln in readme.splitlines() if ln.startswith("rollover cleanup ")]
    next_year = re.search(r"--calendar (\S+)", cleanup_line).group(1)
    assert next_year == f"{int(calendar[:4]) + 1}{calendar[4:]}"
    result = rollover(db_url, "cleanup", "--calendar", next_year, "--test", "--json")
    assert result.returncode == 0, result.stderr
    removed_sources = {r["rolled_from"] for r in json.loads(result.stdout)["removed"]}
    e = enrollments.c
    with engine.connect() as conn:
        ended_by_batch = set(conn.execute(select(e.enrollment_id).where(
            e.calendar_id == calendar, e.end_status.in_([status, "G01"]))).scalars())
    assert ended_by_batch and not removed_sources & ended_by_batch

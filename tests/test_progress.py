"""Progress (YE-20; docs/bundle.md, "Progress"): a long step never looks hung.

The services report every phase through the progress callback, in order, each from 0 to its
whole (reading, deciding, writing, committing); without a terminal the command turns them into
plain lines on standard error, a step's first once it has run two seconds, then at most one
every five seconds and one at its end, standard output untouched.  Time is a fake clock: no test
waits or depends on how fast the machine is.
"""

from __future__ import annotations

import re

import pytest

from rollover.domain.forward.options import ForwardOptions
from rollover.entrypoints.cli import plain_progress
from rollover.entrypoints.cli.plain_progress import PlainProgress
from rollover.progress import Tally
from rollover.services.forward import roll_forward
from rollover.services.process import prepare, run_module

from . import cli
from .districts import District
from .store_templates import imported

PLAIN_LINE = re.compile(
    r"^rollover: (?P<label>[a-z' ]+?)(, part)?"
    r"( (?P<done>[\d,]+) of (?P<total>[\d,]+) \((?P<percent>\d+)%\)|, [\d,]+ so far)?"
    r"(, about \d+ (s|min) left|, done in \d+ (s|min)|, \d+ s so far| in \d+ s)?$")


def district(*, next_year: bool = True) -> District:
    """Two students of HSA rolling from grade 10 into 11 (2026-27 into 2027-28), and one
    graduating; next year's calendar, unless the calendar module is to make it."""
    d = District(source_year=2027)
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, ["10", "11"])
    if next_year:
        d.calendar("HSA28", "HSA", 2028, ["10", "11"])
    for number, grade in ((1, "10"), (2, "10"), (3, "11")):
        d.student(f"S{number}")
        d.enroll(f"S{number}-27", f"S{number}", "HSA27", grade, end_action="promote")
    return d


class Recorded:
    """A progress callback that keeps every call."""

    def __init__(self):
        self.calls: list[tuple[str, int, int]] = []

    def __call__(self, label: str, done: int, total: int) -> None:
        self.calls.append((label, done, total))

    def phases(self) -> list[str]:
        """The labels in the order they began (a label again after another: again)."""
        order: list[str] = []
        for label, _done, _total in self.calls:
            if not order or order[-1] != label:
                order.append(label)
        return order

    def assert_each_phase_counts_up_to_its_whole(self) -> None:
        by_label: dict[str, list[tuple[int, int]]] = {}
        for label, done, total in self.calls:
            by_label.setdefault(label, []).append((done, total))
        for label, calls in by_label.items():
            assert calls[0][0] == 0, (label, calls)
            assert calls[-1][0] == calls[-1][1] > 0, (label, calls)
            dones = [done for done, _total in calls]
            assert dones == sorted(dones), (label, calls)
            assert all(done <= total for done, total in calls if total), (label, calls)


# -- the services -----------------------------------------------------------------------------

def options(*, test: bool) -> ForwardOptions:
    return ForwardOptions(source_calendars=("HSA27",), test=test)


def test_ye20_a_roll_forward_reports_reading_deciding_writing_and_committing_in_order(
        engine, tmp_path):
    district().load(engine, tmp_path / "bundle")
    progress = Recorded()
    report = roll_forward(engine, options(test=False), progress=progress)
    assert report.totals["rolled"] == 2
    assert progress.phases() == ["picking those promoted within their school", "reading", "deciding", "writing",
                                 "writing the report", "committing"]
    progress.assert_each_phase_counts_up_to_its_whole()
    # The writing counts the new enrollments twice: saved in the run's undo log, and written.
    assert [call for call in progress.calls if call[0] == "writing"][-1] == ("writing", 4, 4)


def test_ye20_a_run_test_writes_no_enrollments_and_says_so_by_reporting_no_writing(
        engine, tmp_path):
    district().load(engine, tmp_path / "bundle")
    progress = Recorded()
    roll_forward(engine, options(test=True), progress=progress)
    assert progress.phases() == ["picking those promoted within their school", "reading", "deciding",
                                 "writing the report", "committing"]
    progress.assert_each_phase_counts_up_to_its_whole()


def test_ye20_a_stored_runs_report_reports_reading_the_run_and_summing_it_up(engine, tmp_path):
    from rollover.services.run_summary import run_summary
    from rollover.services.runs import forward_report

    district().load(engine, tmp_path / "bundle")
    run = roll_forward(engine, options(test=False)).run
    progress = Recorded()
    report = forward_report(engine, run.run_id, progress)
    run_summary(engine, run.run_id, progress)
    assert len(report.rolled) == 2
    assert progress.phases() == ["reading the run", "summing up"]
    progress.assert_each_phase_counts_up_to_its_whole()


def test_ye20_the_registration_module_reports_each_of_its_phases_in_order(engine, tmp_path):
    d = district(next_year=False)
    d.rows["enrollment_staff"] = [("S1-27", None, None, "101", None)]  # next year's homeroom
    d.load(engine, tmp_path / "bundle")
    prepare(engine, year=2027, backup_folder=tmp_path / "backups", use_pg_dump=False)
    run_module(engine, "calendar")
    progress = Recorded()
    run_module(engine, "registration", progress=progress)
    assert progress.phases() == ["checking", "picking those promoted within their school", "reading",
                                 "deciding", "numbering the new enrollments",
                                 "writing the report", "writing", "committing"]
    progress.assert_each_phase_counts_up_to_its_whole()
    # Two new enrollments and one homeroom row, each saved in the undo log and written.
    assert progress.calls[-3] == ("writing", 6, 6)


def test_ye20_an_undo_reports_its_look_for_later_edits_then_its_restoring_in_rows(
        engine, tmp_path):
    from rollover.services.undo import undo

    district().load(engine, tmp_path / "bundle")
    run = roll_forward(engine, options(test=False)).run
    progress = Recorded()
    undo(engine, run.run_id, progress=progress)
    assert progress.phases() == ["looking for later edits", "restoring", "committing"]
    progress.assert_each_phase_counts_up_to_its_whole()
    assert ("restoring", 2, 2) in progress.calls  # the two new enrollments put back


def test_ye20_a_tally_counts_rows_as_they_pass_and_never_past_a_part_it_was_given():
    progress = Recorded()
    tally = Tally(progress, "reading", 30, every=4).start()
    assert list(tally.rows(range(10), expected=10)) == list(range(10))
    assert list(tally.rows(range(25), expected=20)) == list(range(25))  # more than expected
    assert list(tally.rows(range(9), expected=0)) == list(range(9))  # reported, not counted
    tally.finish()
    assert progress.calls == [
        ("reading", 0, 30), ("reading", 4, 30), ("reading", 8, 30), ("reading", 10, 30),
        ("reading", 14, 30), ("reading", 18, 30), ("reading", 22, 30), ("reading", 26, 30),
        ("reading", 30, 30), ("reading", 30, 30), ("reading", 30, 30), ("reading", 30, 30),
        ("reading", 30, 30)]


# -- the plain lines ----------------------------------------------------------------------------

class Clock:
    """A fake clock: `now` is what it says; `step` seconds pass each time it is read."""

    def __init__(self, step: float = 0.0):
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def printer(clock: Clock) -> tuple[PlainProgress, list[str]]:
    lines: list[str] = []
    return PlainProgress(lines.append, clock), lines


def test_ye20_a_step_shorter_than_two_seconds_writes_nothing():
    clock = Clock()
    plain, lines = printer(clock)
    for done in range(0, 101, 10):
        clock.now = done * 0.019  # 1.9 s in all
        plain.report("reading", done, 100)
    plain.tick()
    assert lines == []


def test_ye20_a_long_step_writes_a_line_at_two_seconds_then_every_five_then_at_its_end():
    clock = Clock()
    plain, lines = printer(clock)
    for tenth in range(0, 301):  # 30 s, a report every tenth of a second
        clock.now = tenth / 10
        plain.report("reading", tenth * 1000, 300_000)
        plain.tick()
    assert lines == [
        "rollover: reading 20,000 of 300,000 (6%), about 30 s left",  # at 2 s: 28 s left
        "rollover: reading 70,000 of 300,000 (23%), about 25 s left",  # at 7 s: 23 s left
        "rollover: reading 120,000 of 300,000 (40%), about 20 s left",
        "rollover: reading 170,000 of 300,000 (56%), about 15 s left",
        "rollover: reading 220,000 of 300,000 (73%), about 8 s left",
        "rollover: reading 270,000 of 300,000 (90%), about 3 s left",
        "rollover: reading 300,000 of 300,000 (100%), done in 30 s"]


def test_ye20_a_step_counted_in_bytes_shows_sizes():
    clock = Clock()
    plain, lines = printer(clock)
    for label in ("importing", "reading the files"):
        plain.report(label, 0, 3_450_410)
        clock.now += 3
        plain.report(label, 1_912_420, 3_450_410)
        clock.now += 2
        plain.report(label, 3_450_410, 3_450_410)
    assert lines == [
        "rollover: importing 1.9 MB of 3.5 MB (55%), about 2 s left",
        "rollover: importing 3.5 MB of 3.5 MB (100%), done in 5 s",
        "rollover: reading the files 1.9 MB of 3.5 MB (55%), about 2 s left",
        "rollover: reading the files 3.5 MB of 3.5 MB (100%), done in 5 s"]


def test_ye20_a_step_counted_in_parts_says_so():
    """A step counted in its reads (a module's tables, a projection's queries), not in rows,
    says "part 2 of 4", not a bare "2 of 4" a reader would take for rows."""
    clock = Clock()
    plain, lines = printer(clock)
    for label in ("reading the tables", "loading", "summing up"):
        plain.report(label, 0, 4)
        clock.now += 3
        plain.report(label, 1, 4)
        clock.now += 2
        plain.report(label, 4, 4)
    assert lines == [
        "rollover: reading the tables, part 1 of 4 (25%), about 9 s left",
        "rollover: reading the tables, part 4 of 4 (100%), done in 5 s",
        "rollover: loading, part 1 of 4 (25%), about 9 s left",
        "rollover: loading, part 4 of 4 (100%), done in 5 s",
        "rollover: summing up, part 1 of 4 (25%), about 9 s left",
        "rollover: summing up, part 4 of 4 (100%), done in 5 s"]


def test_ye20_a_time_left_is_given_once_it_can_be_measured():
    clock = Clock()
    plain, lines = printer(clock)
    plain.report("deciding", 0, 100)
    clock.now = 0.9
    plain.report("deciding", 0, 100)  # a step that has counted nothing yet: no estimate
    clock.now = 2.0
    plain.report("deciding", 0, 100)
    clock.now = 7.0
    plain.report("deciding", 50, 100)
    assert lines == ["rollover: deciding 0 of 100 (0%)",
                     "rollover: deciding 50 of 100 (50%), about 7 s left"]


def test_ye20_a_step_that_reports_nothing_while_it_runs_still_gets_its_lines():
    clock = Clock()
    plain, lines = printer(clock)
    plain.report("committing", 0, 1)
    for second in range(1, 13):
        clock.now = second
        plain.tick()
    plain.report("committing", 1, 1)
    assert lines == ["rollover: committing, 2 s so far", "rollover: committing, 7 s so far",
                     "rollover: committing, 12 s so far", "rollover: committing, done in 12 s"]


def test_ye20_many_short_steps_write_a_line_every_five_seconds_not_one_each():
    clock = Clock()
    plain, lines = printer(clock)
    for number in range(40):  # 40 steps of half a second each
        for done in range(3):
            clock.now = number * 0.5 + done * 0.25
            plain.report(f"loading {number}", done, 2)
    assert lines == [  # each the step ending 5 s after the last line (or the command's start)
        "rollover: loading 9 2 of 2 (100%), done in 0 s",
        "rollover: loading 19 2 of 2 (100%), done in 0 s",
        "rollover: loading 29 2 of 2 (100%), done in 0 s",
        "rollover: loading 39 2 of 2 (100%), done in 0 s"]


def test_ye20_a_silent_stretch_between_steps_says_the_command_is_still_working():
    clock = Clock()
    plain, lines = printer(clock)
    plain.tick()
    clock.now = 5
    plain.tick()
    plain.report("reading", 0, 10)
    clock.now = 8
    plain.report("reading", 10, 10)
    for second in range(9, 19):
        clock.now = second
        plain.tick()
    assert lines == ["rollover: working, 5 s so far", "rollover: reading 10 of 10 (100%), "
                     "done in 3 s", "rollover: working, 5 s since reading ended",
                     "rollover: working, 10 s since reading ended"]


# -- the command -------------------------------------------------------------------------------

@pytest.fixture
def store(db_url, tmp_path):
    from rollover.store.database import open_engine

    engine = open_engine(db_url)
    imported(engine, tmp_path, "progress", lambda to: district().write_bundle(to))
    engine.dispose()
    return db_url


@pytest.fixture(autouse=True)
def progress_on(monkeypatch):
    """The test session turns the plain lines off (tests/conftest.py); these tests are of them."""
    monkeypatch.delenv("ROLLOVER_PROGRESS", raising=False)


FORWARD = ("forward", "--source-calendar", "HSA27", "--test", "--totals-only")


def without_run_id(text: str) -> str:
    return re.sub(r"forward-\d{8}T\d{6}-[0-9a-f]{6}, \S+ \S+", "RUN", text)


def test_ye20_without_a_terminal_a_long_step_writes_plain_lines_to_standard_error(
        store, monkeypatch):
    monkeypatch.setattr(plain_progress, "TICK_SECONDS", None)
    monkeypatch.setattr(plain_progress, "clock", Clock())  # no time passes: a short command
    quick = cli.rollover("--db", store, *FORWARD)
    assert quick.returncode == 0 and quick.stderr == ""  # writes no progress at all
    monkeypatch.setattr(plain_progress, "clock", Clock(step=2.5))  # each report 2.5 s later
    slow = cli.rollover("--db", store, *FORWARD)
    assert slow.returncode == 0
    assert without_run_id(slow.stdout) == without_run_id(quick.stdout)  # stdout untouched
    lines = slow.stderr.splitlines()
    assert lines and all(PLAIN_LINE.match(line) for line in lines), lines
    labels = [PLAIN_LINE.match(line)["label"] for line in lines]
    assert labels.index("reading") < labels.index("deciding") < labels.index(
        "writing the report")
    assert any(re.search(r" of [\d,]+ \(\d+%\), about \d+ s left$", line) for line in lines)
    assert any(line.startswith("rollover: reading ") and line.endswith(" s")
               and "(100%), done in " in line for line in lines)


def test_ye20_rollover_progress_off_turns_the_plain_lines_off(store, monkeypatch):
    monkeypatch.setattr(plain_progress, "TICK_SECONDS", None)
    monkeypatch.setattr(plain_progress, "clock", Clock(step=2.5))  # a step long enough
    monkeypatch.setenv("ROLLOVER_PROGRESS", "off")
    ran = cli.rollover("--db", store, *FORWARD)
    assert ran.returncode == 0 and ran.stderr == ""
    assert "Rolled:" in ran.stdout


def test_ye20_json_output_has_no_progress_at_all(store, monkeypatch):
    monkeypatch.setattr(plain_progress, "TICK_SECONDS", None)
    monkeypatch.setattr(plain_progress, "clock", Clock(step=2.5))
    ran = cli.rollover("--db", store, *FORWARD, "--json")
    assert ran.returncode == 0 and ran.stderr == ""



# -- the backup ----------------------------------------------------------------------------------

def test_ye20_a_backup_reports_its_copy_then_its_hash(engine, tmp_path):
    from rollover.services.backup import create_backup

    district().load(engine, tmp_path / "bundle")
    progress = Recorded()
    create_backup(engine, folder=tmp_path / "backups", use_pg_dump=False, progress=progress)
    # SQLite copies the database file, in bytes; PostgreSQL's logical export counts rows.
    copied = "copying the database" if engine.dialect.name == "sqlite" else "backing up"
    assert progress.phases() == [copied, "hashing the backup"]
    progress.assert_each_phase_counts_up_to_its_whole()


def test_ye4_a_sqlite_backup_copied_in_steps_is_made_whole_when_another_connection_writes(
        tmp_path, monkeypatch):
    import sqlite3

    from rollover.store import backup

    source_path = tmp_path / "district.db"
    source = sqlite3.connect(source_path, isolation_level=None)
    source.execute("CREATE TABLE t (n INTEGER, filler TEXT)")
    source.executemany("INSERT INTO t VALUES (?, ?)", [(n, "x" * 500) for n in range(200)])
    other = sqlite3.connect(source_path, isolation_level=None)
    monkeypatch.setattr(backup, "BACKUP_STEP_PAGES", 2)
    progress = Recorded()

    def writes_meanwhile(label: str, done: int, total: int) -> None:
        progress(label, done, total)
        if len(progress.calls) == 2:  # after the first step: SQLite would start over
            other.execute("INSERT INTO t VALUES (200, 'written meanwhile')")

    target = sqlite3.connect(tmp_path / "copy.db", isolation_level=None)
    backup._copy_sqlite(source, target, writes_meanwhile)
    assert target.execute("SELECT count(*), max(n) FROM t").fetchone() == (201, 200)
    size = progress.calls[0][2]
    assert progress.calls[0] == ("copying the database", 0, size) and size > 4 * 4096
    assert progress.calls[-1] == ("copying the database", size, size)
    copied = [done for _label, done, _total in progress.calls]
    assert copied == sorted(set(copied))  # never the same step again: no starting over

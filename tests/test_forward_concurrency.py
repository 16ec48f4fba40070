"""One roll forward at a time, and all or nothing (roll-forward.md RF-23, RF-24), on SQLite and
on PostgreSQL, with real processes: the `rollover` command in subprocesses, killed with SIGKILL.

The only timing asserted is "free again within 10 seconds" (RF-23), never how fast a run is;
"refused without waiting" is shown by a refusal that ends while the holder is held.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text

from rollover.domain.forward.options import ForwardOptions
from rollover.services.demo import load_demo
from rollover.services.forward import BUSY, roll_forward, source_calendars_of_year
from rollover.store.database import open_engine
from rollover.store.locks import AlreadyRunning, exclusive_transaction
from rollover.store.schema import calendars, enrollments, run_rolled, run_warnings, runs

from .conftest import emptied_postgres, migrated_sqlite
from .processes import (  # noqa: F401 (autouse fixture)
    command, no_process_left, spawn, spawn_paused, timed,
)

# Real processes, killed with signals, started together: long by nature (`pytest -m slow`).
pytestmark = pytest.mark.slow

SOURCE, DESTINATION = 2027, 2028
FREED_WITHIN = 10.0  # RF-23: a run that died leaves the tool free again within 10 seconds
FORWARD = ("forward", "--source-year", str(SOURCE), "--totals-only")

# A process that takes the roll forward's lock, says so, and waits to be killed.
HOLDER = """
import sys, time
from rollover.store.database import open_engine
from rollover.store.locks import exclusive_transaction
engine = open_engine(sys.argv[1])
with exclusive_transaction(engine, "forward", "busy", write=False):
    print("held", flush=True)
    time.sleep(600)
"""


# -- stores and processes -----------------------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path, postgres_url, sqlite_template):
    """The URL of an empty, migrated store of each kind."""
    if request.param == "sqlite":
        return migrated_sqlite(sqlite_template, tmp_path / "rollover.db")
    return emptied_postgres(postgres_url)


@pytest.fixture
def opened(store_url):
    engines = []

    def open_(students: int):
        """An engine on the store, loaded with a demo district of this many students."""
        engine = open_engine(store_url)
        engines.append(engine)
        load_demo(engine, students=students, seed=7)
        if engine.dialect.name == "postgresql":
            # Statistics, as autovacuum would gather them: without them the planner picks
            # plans that make a run of 40,000 students take minutes (not what is tested here).
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        return engine

    yield open_
    for engine in engines:
        engine.dispose()


def environment() -> dict:
    return {**os.environ, "ROLLOVER_USER": "concurrency"}


def start(url: str, *args: str) -> subprocess.Popen:
    return spawn(command(url, *args), environment())


def timed_run(url: str, *args: str, timeout: float = 300):
    return timed(command(url, *args), environment(), timeout)


def expected_new(engine) -> int:
    """How many enrollments a run would create now: a test run's count."""
    report = roll_forward(engine, ForwardOptions(
        source_calendars=tuple(source_calendars_of_year(engine, SOURCE)), test=True))
    return len(report.rolled)


def new_enrollments(engine) -> int:
    """Enrollments in the destination year (the demo district has none before a run)."""
    e, c = enrollments.c, calendars.c
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(enrollments)
                            .join(calendars, e.calendar_id == c.calendar_id)
                            .where(c.school_year == DESTINATION)).scalar()


def twice_in_one_calendar(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(
            "SELECT e.student_id, e.calendar_id, count(*) FROM enrollments e "
            "JOIN calendars c ON c.calendar_id = e.calendar_id "
            "WHERE c.school_year = :year GROUP BY e.student_id, e.calendar_id "
            "HAVING count(*) > 1 ORDER BY 1, 2 LIMIT 10"), {"year": DESTINATION})]


def real_runs(engine) -> list[dict]:
    """Every stored real run, with how many new enrollments it recorded and created."""
    with engine.connect() as conn:
        found = []
        for row in conn.execute(select(runs).where(runs.c.mode == "run")):
            recorded = conn.execute(select(func.count()).select_from(run_rolled)
                                    .where(run_rolled.c.run_id == row.run_id)).scalar()
            created = conn.execute(select(func.count()).select_from(enrollments).where(
                enrollments.c.enrollment_id.like(f"{row.run_id}-%"))).scalar()
            found.append({"run_id": row.run_id, "status": row.status,
                          "finished": row.finished_at is not None,
                          "rolled": (row.counts or {}).get("rolled"), "recorded": recorded,
                          "created": created})
        return found


def orphans(engine) -> int:
    """Rows of a run's outcome, or enrollments named after a run, without their run record."""
    with engine.connect() as conn:
        known = select(runs.c.run_id)
        return sum(conn.execute(select(func.count()).select_from(t).where(
            t.c.run_id.not_in(known))).scalar() for t in (run_rolled, run_warnings)) + \
            conn.execute(select(func.count()).select_from(enrollments).where(
                enrollments.c.rolled_from.is_not(None),
                ~select(runs.c.run_id).where(
                    enrollments.c.enrollment_id.like(runs.c.run_id + "-%")).exists())).scalar()


def undo_runs(engine) -> None:
    """Back to the demo district as loaded: no new enrollment, no stored run."""
    with engine.begin() as conn:
        conn.execute(enrollments.delete().where(enrollments.c.rolled_from.is_not(None)))
        for table in (run_rolled, run_warnings, runs):
            conn.execute(table.delete())


def wait_until_free(engine, limit: float = FREED_WITHIN) -> float:
    """Seconds until the roll forward's lock could be taken; fails after `limit`."""
    started = time.monotonic()
    while True:
        try:
            with exclusive_transaction(engine, "forward", BUSY, write=False):
                return time.monotonic() - started
        except AlreadyRunning:
            waited = time.monotonic() - started
            assert waited < limit, f"the lock is still held {waited:.1f} s after its holder died"
            time.sleep(0.05)


# -- RF-23: refused at once ---------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["test", "run"])
def test_rf23_second_run_refused_at_once_while_one_holds_the_lock(store_url, opened, mode,
                                                                  tmp_path):
    """A first real run is held at a pause point, lock taken and everything decided: a second
    run is refused, naming it, and ends while the first is still held there, so the second
    cannot have waited for the lock (waiting, it would never end); the first then finishes."""
    engine = opened(students=100)
    flags = ("--test",) if mode == "test" else ()
    first = spawn_paused(command(store_url, *FORWARD), environment(), "forward:planned",
                         tmp_path / "pause")
    with pytest.raises(AlreadyRunning, match=BUSY):  # in this process too
        roll_forward(engine, ForwardOptions(
            source_calendars=tuple(source_calendars_of_year(engine, SOURCE)), test=True))
    refused, _ = timed_run(store_url, *FORWARD, *flags)
    assert first.poll() is None, first.communicate()  # still held: the lock was never free
    assert refused.returncode == 3, (refused.returncode, refused.stdout, refused.stderr)
    assert BUSY in refused.stderr
    assert "(roll forward Run, started by concurrency at " in refused.stderr, refused.stderr
    assert new_enrollments(engine) == 0
    assert real_runs(engine) == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(runs)).scalar() == 0
    first.resume()
    _out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert new_enrollments(engine) == expected_new_after_run(engine) > 0


def test_rf23_lock_is_freed_when_its_holder_is_killed(store_url, opened):
    """The lock's holder dies (SIGKILL, no clean-up): on PostgreSQL the server ends its session
    and drops the advisory lock, on SQLite the kernel drops the flock; a new run gets it."""
    engine = opened(students=100)
    holder = spawn([sys.executable, "-c", HOLDER, store_url], environment())
    try:
        assert holder.stdout.readline().strip() == "held", holder.stderr.read()
        refused, _ = timed_run(store_url, *FORWARD, "--test", timeout=60)
        assert refused.returncode == 3 and BUSY in refused.stderr, refused.stderr
        with pytest.raises(AlreadyRunning):
            with exclusive_transaction(engine, "forward", BUSY, write=False):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    wait_until_free(engine)
    done, _ = timed_run(store_url, *FORWARD)
    assert done.returncode == 0, done.stderr
    assert new_enrollments(engine) == expected_new_after_run(engine) > 0


def expected_new_after_run(engine) -> int:
    """The new enrollments of the one completed real run."""
    [run] = real_runs(engine)
    assert run["created"] == run["recorded"] == run["rolled"]
    return run["created"]


# -- RF-23: a dead run is over once the tool is free ---------------------------------------------
@contextmanager
def someone_editing(engine, enrollment_id: str):
    """Another user of the database in the middle of a transaction: on PostgreSQL one that has
    locked a source enrollment row (SELECT … FOR UPDATE, as an SIS screen editing it does), on
    SQLite one that holds the write lock.  Yields a function that ends that transaction."""
    if engine.dialect.name == "postgresql":
        conn = engine.connect()
        transaction = conn.begin()
        conn.execute(text("SELECT 1 FROM enrollments WHERE enrollment_id = :id FOR UPDATE"),
                     {"id": enrollment_id})

        def release():
            if transaction.is_active:
                transaction.rollback()
    else:
        conn = sqlite3.connect(engine.url.database, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")

        def release():
            if conn.in_transaction:
                conn.rollback()
    try:
        yield release
    finally:
        release()
        conn.close()


def sessions_waiting_to_commit(engine) -> set[int]:
    """PostgreSQL: the other sessions whose COMMIT waits for a lock."""
    with engine.connect() as conn:
        return set(conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND query = 'COMMIT' AND wait_event_type = 'Lock'"))
            .scalars())


def wait_for(condition, process: subprocess.Popen, what: str, limit: float = 120) -> None:
    started = time.monotonic()
    while not condition():
        assert process.poll() is None, f"the run ended before {what}: {process.stderr.read()}"
        assert time.monotonic() - started < limit, f"never saw {what}"
        time.sleep(0.01)


def test_rf23_run_killed_while_it_commits_changes_nothing_once_the_tool_is_free(store_url,
                                                                                 opened):
    """A real run is killed (SIGKILL) while its writing waits on another user's transaction.
    Once the tool is free again the dead run must be over: the next run, started then, is the
    only one whose enrollments arrive, and no student is enrolled twice in one calendar."""
    engine = opened(students=3_000)
    postgresql = engine.dialect.name == "postgresql"
    plan = roll_forward(engine, ForwardOptions(
        source_calendars=tuple(source_calendars_of_year(engine, SOURCE)), test=True))
    expected = len(plan.rolled)
    with someone_editing(engine, plan.rolled[-1].source_enrollment_id) as release:
        first = start(store_url, *FORWARD)
        if postgresql:
            # The first run has written everything and sent COMMIT, whose deferred foreign key
            # check (rolled_from) waits for the edited row.
            wait_for(lambda: sessions_waiting_to_commit(engine), first, "its COMMIT waited")
            dead = sessions_waiting_to_commit(engine)
        else:
            time.sleep(3)  # long enough to reach its first write, which waits for the lock
            assert first.poll() is None, first.stderr.read()
        first.send_signal(signal.SIGKILL)
        first.communicate()
        wait_until_free(engine)
        assert new_enrollments(engine) == 0
        assert real_runs(engine) == []

        # The tool is free: the next run starts, decides everything again, and writes.
        second = start(store_url, *FORWARD)
        if postgresql:
            wait_for(lambda: sessions_waiting_to_commit(engine) - dead, second,
                     "the second run's COMMIT waited")
        else:
            time.sleep(3)  # it waits for the write lock too (busy_timeout is 10 s)
        release()
        out, err = second.communicate(timeout=300)
        assert second.returncode == 0, err
    time.sleep(1)  # whatever else was still to happen has happened

    stored = real_runs(engine)
    twice = twice_in_one_calendar(engine)
    assert twice == [], (f"students enrolled twice in one calendar, e.g. {twice[:3]}; "
                         f"{new_enrollments(engine)} new enrollments (expected {expected}); "
                         f"runs {stored}")
    assert new_enrollments(engine) == expected
    assert [r["created"] for r in stored] == [expected], stored


# -- RF-23 and RF-21: two real runs together ------------------------------------------------------
def test_rf23_two_real_runs_started_together_never_duplicate(store_url, opened):
    engine = opened(students=3_000)
    expected = expected_new(engine)
    assert expected > 2_000
    outcomes = []
    for stagger in (0.0, 0.0, 0.1, 0.4):
        undo_runs(engine)
        first = start(store_url, *FORWARD, "--json")
        time.sleep(stagger)
        second = start(store_url, *FORWARD, "--json")
        results = []
        for process in (first, second):
            out, err = process.communicate(timeout=300)
            results.append((process.returncode, out, err))
        for code, out, err in results:
            assert code in (0, 3), (code, err)
        done = [json.loads(out) for code, out, _ in results if code == 0]
        refused = [err for code, _, err in results if code == 3]
        creators = [d for d in done if d["rolled"]]
        assert len(creators) == 1, [(code, err) for code, _, err in results]
        assert len(creators[0]["rolled"]) == expected
        for err in refused:
            assert BUSY in err
        for other in (d for d in done if not d["rolled"]):
            # Started after the first had finished: everything is already there (RF-21).
            codes = {w["code"] for w in other["warnings"]}
            assert "ALREADY_ENROLLED" in codes
        assert new_enrollments(engine) == expected
        assert twice_in_one_calendar(engine) == []
        stored = real_runs(engine)
        assert len(stored) == len(done)
        assert sorted(r["created"] for r in stored) == sorted(len(d["rolled"]) for d in done)
        outcomes.append("refused" if refused else "already enrolled")
    print(f"second run of each pair: {outcomes}")


# -- RF-24 and RF-23: kill -9 midway -------------------------------------------------------------
def wal_bytes(engine) -> int:
    path = f"{engine.url.database}-wal"
    return os.path.getsize(path) if os.path.exists(path) else 0


def truncate_wal(engine) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def committing(engine) -> bool:
    """PostgreSQL: another session is committing right now."""
    with engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state = 'active' AND query = 'COMMIT'")).scalar())


def committing_now(engine, whole_wal: int):
    """A test of "COMMIT is under way" (its deferred foreign key checks); SQLite has no view of
    other sessions: a write-ahead log grown to 90% of a whole run's tells the same."""
    if engine.dialect.name == "postgresql":
        return lambda: committing(engine)
    return lambda: wal_bytes(engine) >= whole_wal * 9 // 10


# Named moments of a real run (rollover.pause_points) where it is held and then killed: decided
# but nothing written; half its enrollments inserted; everything written, not yet committed.
POINTS = ("forward:planned", "forward:writing", "forward:written")


def test_rf24_real_run_killed_midway_leaves_none_or_all(store_url, opened, tmp_path):
    """SIGKILL a real run at named moments of its work (held there, so every kill lands while
    it runs, however loaded the machine), and at random moments and while it commits (these
    may come after it finished): afterwards the destination year holds none or all of its new
    enrollments (and still does a second later), the runs table no half run, and the lock is
    free again within 10 s (RF-23); the next run then succeeds."""
    engine = opened(students=40_000)
    sqlite = engine.dialect.name == "sqlite"
    expected = expected_new(engine)
    assert expected > 30_000
    # How long a whole real run takes here, from start to exit (and how much log it writes);
    # then undone.
    if sqlite:
        truncate_wal(engine)
    done, whole = timed_run(store_url, *FORWARD)
    assert done.returncode == 0, done.stderr
    whole_wal = wal_bytes(engine) if sqlite else 0
    assert new_enrollments(engine) == expected
    undo_runs(engine)

    seed = random.randrange(1 << 30)
    chance = random.Random(seed)
    # Random moments spread over the whole run (one in each fifth of 0.1 .. 1.1 of its length).
    strata = [0.1 + 0.2 * k for k in range(5)]
    kills = [("point", point) for point in POINTS]
    kills += [("moment", chance.uniform(low, low + 0.2) * whole) for low in strata]
    kills += [("committing", None)]
    outcomes = []
    for number, (how, when) in enumerate(kills):
        if sqlite:
            truncate_wal(engine)
        started = time.monotonic()
        if how == "point":
            process = spawn_paused(command(store_url, *FORWARD), environment(), when,
                                   tmp_path / f"pause-{number}")
        else:
            process = start(store_url, *FORWARD)
        if how == "moment":
            time.sleep(when)
        elif how == "committing":
            now_committing = committing_now(engine, whole_wal)
            while process.poll() is None and not now_committing():
                assert time.monotonic() - started < 10 * whole + 60, "the run never committed"
                time.sleep(0.005)
        at = time.monotonic() - started
        running = process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.communicate()
        freed = wait_until_free(engine)
        found = new_enrollments(engine)
        stored = real_runs(engine)
        state = (f"seed {seed}: killed ({how} {when}) at {at:.2f} s of {whole:.2f} s "
                 f"(running: {running}): {found} new enrollments, runs {stored}")
        assert found in (0, expected), state
        # Once the tool is free the dead run is over: nothing of it arrives later.
        time.sleep(1)
        later = new_enrollments(engine)
        assert later == found, (f"{state}; {later} new enrollments 1 s after the tool was free "
                                "again: the dead run's transaction was still committing")
        assert orphans(engine) == 0, state
        if found:
            assert stored == [{**stored[0], "status": "completed", "finished": True,
                               "rolled": expected, "recorded": expected,
                               "created": expected}], state
            undo_runs(engine)
        else:
            assert stored == [], state
        if how == "point":
            # Held at the point, it was killed there: before its commit, so nothing of it stays.
            assert running and found == 0, state
        outcomes.append((how, when if how != "moment" else round(when, 2),
                         "killed" if running else "finished", "all" if found else "none",
                         round(freed, 2)))
    print(f"seed {seed}, whole run {whole:.2f} s; (kill, when, process, enrollments, "
          f"lock free after s): {outcomes}")

    # Nothing stale is left behind: the next run goes through and creates everything.
    done, _ = timed_run(store_url, *FORWARD)
    assert done.returncode == 0, done.stderr
    assert new_enrollments(engine) == expected
    assert twice_in_one_calendar(engine) == []
    assert expected_new_after_run(engine) == expected

"""Jobs (docs/jobs.md): queued, claimed by one worker, run as the user who submitted them through
the same services as the command line, their progress published beside the run's transaction,
ended succeeded (with the run) or failed (with a problem object), and failed with the reason when
their worker died.

Every test runs on SQLite and PostgreSQL (`engine`, `db_url`) on the two-school district of
tests/security_setup.py (one student in grade 10 at each school, 2027 and 2028 calendars).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import threading
import time
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from rollover.domain.forward.options import OptionError
from rollover.domain.jobs import HEARTBEAT_LIMIT, WORKER_STOPPED
from rollover.pause_points import hold_at
from rollover.services import job_kinds, jobs as jobs_service
from rollover.services.jobs import (
    JobRefused, check_job, claim_next, get_job, recover_dead_jobs, run_job, submit, worker_loop,
)
from rollover.services.forward import BUSY
from rollover.services.modules import ModuleRefused
from rollover.services.security import NotPermitted, SystemLocked, set_lock
from rollover.store.locks import AlreadyRunning, exclusive_transaction
from rollover.store.schema import calendars, enrollments, runs
from rollover.store.schema_server import jobs

from .processes import no_process_left, spawn_paused  # noqa: F401 (fixture)
from .security_setup import ADMIN, add_users, load_district, two_schools

RUN_TEST = {"source_year": 2027, "test": True}
RUN = {"source_year": 2027}


@pytest.fixture
def district(engine, tmp_path):
    load_district(engine, tmp_path)
    return engine


def next_year_enrollments(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(enrollments).join(
            calendars, calendars.c.calendar_id == enrollments.c.calendar_id)
            .where(calendars.c.school_year == 2028)).scalar_one()


def stored_runs(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(runs.c.run_id, runs.c.kind, runs.c.mode,
                                                      runs.c.user_name, runs.c.status))]


def job_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(jobs)).scalar_one()


def wait_until_free(engine, limit: float = 30) -> None:
    """Until the roll forward's lock can be taken (a dead holder's is freed by the database
    when it sees the connection gone); fails after `limit` seconds."""
    deadline = time.monotonic() + limit
    while True:
        try:
            with exclusive_transaction(engine, "forward", BUSY, write=False):
                return
        except AlreadyRunning:
            assert time.monotonic() < deadline, "the dead worker's lock is still held"
            time.sleep(0.05)


def run_next(engine, worker: str = "w1"):
    job = claim_next(engine, worker)
    assert job is not None and job.state == "running" and job.worker_id == worker
    return run_job(engine, job)


# -- running jobs -----------------------------------------------------------------------------

def test_a_forward_run_test_job_runs_and_records_its_run(district):
    queued = submit(district, "forward", RUN_TEST, user=None)
    assert (queued.state, queued.kind, queued.run_id, queued.error) == ("queued", "forward",
                                                                       None, None)
    assert get_job(district, queued.job_id).params["source_year"] == 2027
    done = run_next(district)
    assert (done.job_id, done.state, done.error) == (queued.job_id, "succeeded", None)
    assert stored_runs(district) == [(done.run_id, "forward", "test", None, "completed")]
    assert done.progress.step is not None and done.progress.done == done.progress.total
    assert next_year_enrollments(district) == 0  # a Run Test writes no enrollment
    assert claim_next(district, "w1") is None  # nothing left


def test_a_forward_run_job_writes_its_run_as_the_user_who_submitted_it(district):
    add_users(district, clerk=[("registration",)])
    job = submit(district, "forward", RUN, user="clerk")
    assert job.user_name == "clerk"
    done = run_next(district)
    assert done.state == "succeeded", done.error
    assert stored_runs(district) == [(done.run_id, "forward", "run", "clerk", "completed")]
    assert next_year_enrollments(district) == 2
    assert done.started_at <= done.finished_at


def test_a_running_jobs_progress_is_seen_while_its_run_is_still_open(district):
    job = submit(district, "forward", RUN, user=None)
    seen = []
    with hold_at("forward:planned", lambda: seen.append(get_job(district, job.job_id))):
        done = run_next(district)
    [during] = seen
    assert during.state == "running" and during.progress.step is not None
    assert done.state == "succeeded" and next_year_enrollments(district) == 2


def test_a_refused_option_fails_the_job_with_its_message_and_writes_nothing(district):
    bad = {"source_calendars": ["NOPE27"]}
    with pytest.raises(OptionError, match="unknown source calendar 'NOPE27'"):
        check_job(district, "forward", bad)  # what a request can refuse before queueing it
    job = submit(district, "forward", bad, user=None)
    done = run_next(district)
    message = "unknown source calendar 'NOPE27'"
    assert done.state == "failed" and done.run_id is None
    assert done.error == {"title": "Refused", "status": 400, "detail": message,
                          "errors": [{"message": message}]}
    assert stored_runs(district) == [] and next_year_enrollments(district) == 0
    assert get_job(district, job.job_id).error == done.error


def test_an_unexpected_failure_keeps_its_traceback_out_of_the_job(district, monkeypatch,
                                                                   caplog):
    def broken(engine, params, user, progress):
        raise RuntimeError("SELECT secret FROM somewhere")

    monkeypatch.setitem(job_kinds.KINDS, "forward", replace(job_kinds.FORWARD, run=broken))
    caplog.set_level(logging.ERROR, logger="rollover.jobs")
    submit(district, "forward", RUN, user=None)
    done = run_next(district)
    assert done.state == "failed" and done.error["status"] == 500
    assert "secret" not in str(done.error) and "Traceback" not in str(done.error)
    assert "the run was all or nothing" in done.error["detail"]
    [logged] = caplog.records
    assert logged.exc_info is not None and "SELECT secret" in str(logged.exc_info[1])


def test_a_worker_loop_takes_the_oldest_job_first(district, monkeypatch):
    first = submit(district, "forward", RUN_TEST, user=None)
    second = submit(district, "forward", RUN_TEST, user=None)
    taken = []

    def noted(engine, job):
        taken.append(job.job_id)
        return run_job(engine, job)

    monkeypatch.setattr(jobs_service, "run_job", noted)
    stop = threading.Event()
    worker = threading.Thread(target=worker_loop, args=(district, "loop", stop, 0.01))
    worker.start()
    deadline = time.monotonic() + 120
    while not get_job(district, second.job_id).ended:
        assert worker.is_alive() and time.monotonic() < deadline
        worker.join(0.05)
    stop.set()
    worker.join()
    assert taken == [first.job_id, second.job_id]
    assert {get_job(district, j).state for j in taken} == {"succeeded"}


def test_an_undo_job_puts_back_what_a_forward_job_wrote(district):
    submit(district, "forward", RUN, user=None)
    forward = run_next(district)
    submit(district, "undo", {"run_id": forward.run_id}, user=None)
    undone = run_next(district)
    assert undone.state == "succeeded", undone.error
    assert next_year_enrollments(district) == 0
    assert [r[1:] for r in stored_runs(district) if r[0] == undone.run_id] == [
        ("undo", "run", None, "completed")]


def test_an_import_job_refused_lists_every_problem(engine, tmp_path):
    folder = two_schools().write_bundle(tmp_path / "bundle")
    with (folder / "students.csv").open("a", encoding="utf-8") as students:
        students.write("S9,1009,Doe,Jo,2012-02-30\n")
    submit(engine, "import", {"folder": str(folder)}, user=None)
    done = run_next(engine)
    assert done.state == "failed" and done.error["status"] == 400
    assert done.error["detail"].startswith("import refused")
    assert all(e["file"] == "students.csv" and e["line"] for e in done.error["errors"])
    assert job_count(engine) == 1 and next_year_enrollments(engine) == 0


# -- queueing refusals ------------------------------------------------------------------------

@pytest.mark.parametrize("kind, params, message", [
    ("bake", {}, "unknown kind of job 'bake'; the kinds are: forward, undo, module, import, "
                 "backup, prepare, finish, restore_backup, export"),
    ("forward", {"source_year": 2027, "colour": "red"}, "unknown option 'colour' for a forward "
                                                        "job"),
    ("forward", {"source_year": "2027"}, "option 'source_year' of a forward job must be a whole "
                                         "number, not '2027'"),
    ("forward", {"source_calendars": "HSA27"}, "option 'source_calendars' of a forward job must "
                                               "be a list of texts, not 'HSA27'"),
    ("forward", {"source_year": 2027, "start_date": "2027-02-30"}, "option 'start_date' of a "
                                                                   "forward job must be a date"),
    ("forward", {}, "a forward job needs 'source_calendars' or 'source_year'"),
    ("forward", {"source_year": 2027, "filter": "@/etc/passwd"}, "a filter file (@FILE) is read "
                                                                 "on the command line only"),
    ("undo", {"test": True}, "an undo job needs the option 'run_id'"),
    ("module", {"module": "bakery"}, "unknown module 'bakery'"),
])
def test_a_job_of_the_wrong_shape_is_refused_before_anything_is_written(district, kind, params,
                                                                        message):
    with pytest.raises((JobRefused, ModuleRefused)) as refused:
        submit(district, kind, params, user=None)
    assert refused.value.http_status == 400 and str(refused.value).startswith(message)
    assert job_count(district) == 0


def test_ye2_a_job_needs_its_right_and_the_lock_when_it_is_queued(district):
    add_users(district, plain=[("calendar",)], clerk=[("registration",)])
    with pytest.raises(NotPermitted, match="'registration' right"):
        submit(district, "forward", RUN_TEST, user="plain")
    with pytest.raises(NotPermitted, match="unknown user 'nobody'"):
        submit(district, "undo", {"run_id": "x"}, user="nobody")
    set_lock(district, True, user=ADMIN)
    for kind, params in (("forward", RUN_TEST), ("undo", {"run_id": "x"})):
        with pytest.raises(SystemLocked):
            submit(district, kind, params, user="clerk")
    assert job_count(district) == 0
    assert submit(district, "forward", RUN_TEST, user=ADMIN).state == "queued"


# -- workers ----------------------------------------------------------------------------------

def test_two_workers_claiming_at_once_never_take_the_same_job(district):
    submitted = {submit(district, "forward", RUN_TEST, user=None).job_id for _ in range(12)}
    start = threading.Barrier(2)
    taken: dict[str, list[str]] = {"a": [], "b": []}

    def claim_all(worker: str) -> None:
        start.wait()
        while (job := claim_next(district, worker)) is not None:
            taken[worker].append(job.job_id)

    workers = [threading.Thread(target=claim_all, args=(w,)) for w in taken]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not set(taken["a"]) & set(taken["b"])
    assert sorted(taken["a"] + taken["b"]) == sorted(submitted)
    for worker, ids in taken.items():
        assert {get_job(district, j).worker_id for j in ids} <= {worker}


WORKER = ("import sys, threading\n"
          "from rollover.store.database import open_engine\n"
          "from rollover.services.jobs import worker_loop\n"
          "worker_loop(open_engine(sys.argv[1]), sys.argv[2], threading.Event(), 0.05)\n")


def test_a_worker_killed_mid_run_leaves_nothing_and_its_job_failed_with_the_reason(
        district, db_url, tmp_path, caplog):
    job = submit(district, "forward", RUN, user=None)
    env = {k: v for k, v in os.environ.items() if k != "ROLLOVER_DATABASE_URL"}
    worker = spawn_paused([sys.executable, "-c", WORKER, db_url, "doomed"], env,
                          "forward:writing", tmp_path / "pauses")
    running = get_job(district, job.job_id)
    assert (running.state, running.worker_id) == ("running", "doomed")
    assert recover_dead_jobs(district) == []  # its worker is there: the job is left alone
    worker.kill()
    worker.communicate()
    assert next_year_enrollments(district) == 0 and stored_runs(district) == []
    caplog.set_level(logging.WARNING, logger="rollover.jobs")
    # SQLite sees the worker's process gone at once; PostgreSQL once its heartbeat is too old
    later = dt.datetime.now(dt.timezone.utc) + HEARTBEAT_LIMIT + dt.timedelta(seconds=1)
    [recovered] = recover_dead_jobs(district, now=later)
    assert (recovered.job_id, recovered.state) == (job.job_id, "failed")
    assert recovered.error["detail"] == WORKER_STOPPED
    assert WORKER_STOPPED == ("the worker stopped while running the job; the run was all or "
                              "nothing")
    assert any(job.job_id in r.getMessage() and WORKER_STOPPED in r.getMessage()
               for r in caplog.records)
    assert recover_dead_jobs(district, now=later) == []  # once
    assert next_year_enrollments(district) == 0
    # the district is free again once the database has ended the dead run's transaction:
    # the same job, submitted again, runs
    wait_until_free(district)
    submit(district, "forward", RUN, user=None)
    assert run_next(district, "w2").state == "succeeded"
    assert next_year_enrollments(district) == 2

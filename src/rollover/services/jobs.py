"""Jobs: long work run by a worker outside the request that asked for it (docs/jobs.md).

    submit(engine, kind, params, *, user)          -> Job, queued (the user's right checked now)
    submit_checked(engine, kind, params, *, user)  -> the same, once may_submit and check_job pass
    check_job(engine, kind, params, user=)         -> None, or the refusal the job would meet
    get_job(engine, job_id)                        -> Job
    claim_next(engine, worker_id)                  -> the oldest queued Job, now running, or None
    run_job(engine, job)                           -> the Job, succeeded or failed
    recover_dead_jobs(engine)                      -> the running Jobs whose worker was gone
    worker_loop(engine, worker_id, stop_event, poll_interval)

A job runs its kind's service (`job_kinds.py`) as the user who submitted it; the service's own
unit of work makes its run all or nothing.  The job's progress is published beside the run's
transaction, never inside it (`store/jobs.py`).  A refusal fails the job with its problem object;
anything else fails it with a generic problem (the traceback goes to the `rollover.jobs` log,
never into the row).  A worker that dies mid-run leaves its job `running`: `recover_dead_jobs`
(run by every worker when it starts, and now and then) fails it, saying so.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from ..domain.jobs import (
    FAILED, HEARTBEAT_EVERY, HEARTBEAT_LIMIT, QUEUED, RUNNING, SUCCEEDED, WORKER_STOPPED, Job,
    Progress,
    heartbeat_stale, stopped_problem, unexpected_problem,
)
from ..errors import RolloverError, problem_details
from ..store import jobs as store
from ..store.database import reading
from ..store.runs import new_run_id
from .job_kinds import JobNotFound, JobRefused, job_kind  # noqa: F401 (JobRefused: for callers)
from .unit_of_work import operation, unit_of_work

log = logging.getLogger("rollover.jobs")

# Queueing a job: the user's right for its kind (or only the lock, when the service checks the
# right at the schools it changes).  The queue's own bookkeeping needs no right.
SUBMIT = operation("job", "job", lambda options: options["right"], district_write=False,
                   scope="schools", records_run=False)
BOOKKEEPING = operation("jobs", "job queue", None, district_write=False, records_run=False)
RECOVER_EVERY_SECONDS = 30.0
END_RETRY_SECONDS = (1, 2, 4, 8, 15, 30, None)  # None: the last try


def _now(now: dt.datetime | None = None) -> dt.datetime:
    return now or dt.datetime.now(dt.timezone.utc)


def new_worker_id() -> str:
    """Unique across hosts and processes: host-pid-random."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


# -- the queue --------------------------------------------------------------------------------

def submit(engine: Engine, kind: str, params: dict | None, *, user: str | None,
           now: dt.datetime | None = None) -> Job:
    """Queue a job of `kind` acting as `user`: its params' shape is checked (JobRefused), and
    the user's right for the kind and the maintenance lock (YE-2), before anything is written."""
    spec = job_kind(kind)
    params = spec.parse(params)
    now = _now(now)
    with _submitting(engine, spec, params, user) as work:
        job = Job(new_run_id("job", now), kind, QUEUED, work.acting.user, params,
                  Progress(None, None, None), None, None, now)
        store.insert_job(work.conn, job)
    log.info("job %s (%s) queued by %r", job.job_id, kind, job.user_name)
    return job


@contextmanager
def _submitting(engine: Engine, spec, params: dict, user: str | None, write: bool = True):
    """The unit of work that queues a job: the user's right for its kind, or only the lock, or
    nothing for a job that only reads."""
    right = spec.right(params)
    with unit_of_work(engine, SUBMIT, user=user, options={"right": right}, write=write) as work:
        if spec.reads:
            pass  # a read: no right, not stopped by the lock (the user is signed in)
        elif right is None:
            work.past_the_lock()
        else:
            work.at_schools(None)
        yield work


def may_submit(engine: Engine, kind: str, params: dict | None, *, user: str | None) -> None:
    """What `submit` checks of the user (their right for the kind, the maintenance lock),
    writing nothing: a request refuses a user first, before it looks at the district."""
    spec = job_kind(kind)
    params = spec.parse(params)
    with _submitting(engine, spec, params, user, write=False):
        pass


def submit_checked(engine: Engine, kind: str, params: dict | None, *,
                   user: str | None) -> Job:
    """What a request does with a job: the user's right and the lock first, then every refusal
    the job would meet that can be found now (`check_job`: 400, a lock held now 409 ...), and
    only then the job, queued.  A refused request writes nothing."""
    may_submit(engine, kind, params, user=user)
    check_job(engine, kind, params, user=user)
    return submit(engine, kind, params, user=user)


def check_job(engine: Engine, kind: str, params: dict | None, *,
              user: str | None = None) -> None:
    """The checks a job of `kind` can make before it runs, as `user`, writing nothing: its
    params' shape; what its run would be refused for now (for a roll forward its options
    against the district, RF-26; an undo's rows changed since; a module's missing
    prerequisites), and a lock its run takes held by another now (RF-23, YE-18), naming the
    holder.  A request can refuse at once what its job would fail with."""
    spec = job_kind(kind)
    params = spec.parse(params)
    if spec.check is not None:
        spec.check(engine, params, user)


def get_job(engine: Engine, job_id: str) -> Job:
    with reading(engine) as conn:
        job = store.get_job(conn, job_id) if isinstance(job_id, str) else None
    if job is None:
        raise JobNotFound(f"no job {job_id!r}")
    return job


def claim_next(engine: Engine, worker_id: str, *, now: dt.datetime | None = None) -> Job | None:
    """Take the oldest queued job for `worker_id`, atomically: no two workers take one job."""
    with unit_of_work(engine, BOOKKEEPING, user=None) as work:
        return store.claim_oldest(work.conn, worker_id, _now(now))


# -- running a job ----------------------------------------------------------------------------

def run_job(engine: Engine, job: Job) -> Job:
    """Run a claimed job: its kind's service, acting as the user who submitted it, with its
    progress published; then the job succeeded (with the run's id) or failed (with a problem
    object).  A worker stopped by a signal or an exit fails its job first, saying why."""
    if job.state != RUNNING or job.worker_id is None:
        raise ValueError(f"job {job.job_id} is {job.state}: only a claimed job runs")
    spec = job_kind(job.kind)
    with store.worker_presence(engine, job.worker_id), \
            store.ProgressBoard(engine, job) as board, _heartbeat(engine, job):
        try:
            result = spec.run(engine, job.params, job.user_name, board.publish)
        except RolloverError as exc:
            log.info("job %s (%s) refused: %s", job.job_id, job.kind, exc)
            return _end(engine, job, FAILED, None, problem_details(exc), board.last)
        except Exception:
            log.exception("job %s (%s) failed unexpectedly", job.job_id, job.kind)
            return _end(engine, job, FAILED, None, unexpected_problem(), board.last)
        except BaseException:
            log.warning("job %s (%s): %s", job.job_id, job.kind, WORKER_STOPPED)
            _end(engine, job, FAILED, None, stopped_problem(), board.last)
            raise
        run_id = spec.run_id_of(result)
        log.info("job %s (%s) succeeded%s", job.job_id, job.kind,
                 f": run {run_id}" if run_id else "")
        return _end(engine, job, SUCCEEDED, run_id, None, board.last)


def _end(engine: Engine, job: Job, state: str, run_id: str | None, error: dict | None,
         progress: Progress) -> Job:
    """Record how the job ended; tried again for a while when the database is busy or away (on
    SQLite another process may hold the write lock), since a job left `running` by a worker
    that is still there would never be recovered."""
    for wait in END_RETRY_SECONDS:
        try:
            with unit_of_work(engine, BOOKKEEPING, user=None) as work:
                store.finish_job(work.conn, job, state, run_id=run_id, error=error,
                                 progress=progress, now=_now())
            break
        except DBAPIError:
            if wait is None:
                raise
            log.warning("job %s: its end not recorded yet; again in %s s", job.job_id, wait)
            time.sleep(wait)
    return get_job(engine, job.job_id)


@contextmanager
def _heartbeat(engine: Engine, job: Job):
    """On PostgreSQL, a thread beats the running job's heartbeat (on SQLite the worker's
    presence lock says it is there, and the run's write lock would keep the beat out)."""
    if engine.dialect.name == "sqlite":
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_EVERY.total_seconds()):
            try:
                store.beat(engine, job, _now())
            except Exception:  # noqa: BLE001 - a missed beat is retried; recovery allows several
                log.debug("job %s: heartbeat not written", job.job_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"heartbeat {job.job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


# -- recovery and the worker ------------------------------------------------------------------

def recover_dead_jobs(engine: Engine, *, now: dt.datetime | None = None,
                      limit: dt.timedelta = HEARTBEAT_LIMIT) -> list[Job]:
    """Fail every running job whose worker is gone (its process, where that can be told; else
    no heartbeat for `limit`): its run was all or nothing, so nothing of it was written."""
    now = _now(now)
    with reading(engine) as conn:
        running = store.running_jobs(conn)
    dead = [job for job in running if _worker_gone(engine, job, now, limit)]
    if not dead:
        return []
    failed = []
    with unit_of_work(engine, BOOKKEEPING, user=None) as work:
        for job in dead:
            if store.fail_running(work.conn, job, stopped_problem(), now):
                failed.append(job)
    for job in failed:
        log.warning("job %s (%s, submitted by %r, worker %s) failed: %s", job.job_id, job.kind,
                    job.user_name, job.worker_id, WORKER_STOPPED)
    return [get_job(engine, job.job_id) for job in failed]


def _worker_gone(engine: Engine, job: Job, now: dt.datetime, limit: dt.timedelta) -> bool:
    gone = store.worker_gone(engine, job.worker_id)
    return heartbeat_stale(job, now, limit) if gone is None else gone


def worker_loop(engine: Engine, worker_id: str, stop_event: threading.Event,
                poll_interval: float = 1.0) -> None:
    """Take and run jobs, oldest first, until `stop_event` is set; first (and now and then)
    fail the jobs of workers that are gone, and log them."""
    with store.worker_presence(engine, worker_id):
        log.info("worker %s started", worker_id)
        _try(lambda: recover_dead_jobs(engine), "recovering dead jobs")
        last_recovery = time.monotonic()
        while not stop_event.is_set():
            if time.monotonic() - last_recovery >= RECOVER_EVERY_SECONDS:
                _try(lambda: recover_dead_jobs(engine), "recovering dead jobs")
                last_recovery = time.monotonic()
            job = _try(lambda: claim_next(engine, worker_id), "claiming a job")
            if job is None:
                stop_event.wait(poll_interval)
                continue
            try:
                run_job(engine, job)
            except Exception:  # noqa: BLE001 - its end could not be recorded: recovery will
                log.exception("worker %s: job %s", worker_id, job.job_id)
        log.info("worker %s stopped", worker_id)


def _try(action, what: str):
    """The worker goes on when the database is busy or away for a moment (on SQLite another
    job's run holds the write lock as long as it runs)."""
    try:
        return action()
    except DBAPIError as exc:
        log.debug("worker: %s failed for now: %s", what, exc)
        return None

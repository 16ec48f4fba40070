"""The jobs table (docs/jobs.md): jobs queued, claimed by one worker, their progress, heartbeat and
end; on a connection the caller holds, except the progress board and the worker's presence, which
work beside the job's own transaction.

A running job's run holds its own transaction for as long as it works, and on SQLite that
transaction holds the database's one write lock: nothing else can be written meanwhile.  So its
progress is written outside it: on PostgreSQL into the job's row through a connection of its own
(autocommit, throttled), on SQLite into a small JSON file beside the database, read back by
`get_job` while the job runs.  Whether a worker is still there: on SQLite (one host) the worker
holds an exclusive `flock` on a file of its own for as long as it lives, which the kernel
releases when its process dies; on PostgreSQL (any host) a thread of the worker beats the job's
heartbeat, and a job whose heartbeat is too old has lost its worker.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, select, update

from ..domain.jobs import QUEUED, RUNNING, Job, Progress
from .schema_server import jobs

PROGRESS_EVERY_SECONDS = 0.5
_PRESENT: dict[str, tuple[object, int]] = {}  # worker id -> (its lock file, how many hold it)
_PRESENT_GUARD = threading.Lock()


def _utc(value):
    """SQLite gives back naive datetimes: they were stored in UTC."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def _job(row) -> Job:
    m = row._mapping
    return Job(m["job_id"], m["kind"], m["state"], m["user_name"], m["params"] or {},
               Progress(m["progress_step"], m["progress_done"], m["progress_total"]),
               m["run_id"], m["error"], _utc(m["created_at"]), _utc(m["started_at"]),
               _utc(m["finished_at"]), m["worker_id"], _utc(m["heartbeat_at"]))


# -- rows -------------------------------------------------------------------------------------

def insert_job(conn: Connection, job: Job) -> None:
    conn.execute(jobs.insert().values(
        job_id=job.job_id, kind=job.kind, state=job.state, user_name=job.user_name,
        params=job.params, created_at=job.created_at))


def get_job(conn: Connection, job_id: str) -> Job | None:
    """The job as stored; while it runs on SQLite, with the progress its worker published."""
    row = conn.execute(select(jobs).where(jobs.c.job_id == job_id)).first()
    if row is None:
        return None
    job = _job(row)
    if job.state == RUNNING and (path := _progress_file(conn.engine, job_id)) is not None:
        published = _read_progress(path)
        if published is not None:
            job = _with_progress(job, published)
    return job


def _with_progress(job: Job, progress: Progress) -> Job:
    from dataclasses import replace
    return replace(job, progress=progress)


def claim_oldest(conn: Connection, worker_id: str, now: dt.datetime) -> Job | None:
    """Take the oldest queued job for `worker_id`: running from `now`.  Two workers never take
    the same job: on PostgreSQL the row is locked, skipping rows another worker holds (FOR UPDATE
    SKIP LOCKED); on SQLite the caller's transaction holds the write lock (BEGIN IMMEDIATE)."""
    query = (select(jobs.c.job_id).where(jobs.c.state == QUEUED)
             .order_by(jobs.c.created_at, jobs.c.job_id).limit(1))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    job_id = conn.execute(query).scalar()
    if job_id is None:
        return None
    conn.execute(update(jobs).where(jobs.c.job_id == job_id, jobs.c.state == QUEUED).values(
        state=RUNNING, worker_id=worker_id, started_at=now, heartbeat_at=now))
    return get_job(conn, job_id)


def finish_job(conn: Connection, job: Job, state: str, *, run_id: str | None,
               error: dict | None, progress: Progress, now: dt.datetime) -> int:
    """End the job its worker ran (also over a `failed` that recovery wrote meanwhile, when the
    worker was only slow: what the worker saw is what happened); the rows changed (0 or 1)."""
    done = conn.execute(update(jobs).where(
        jobs.c.job_id == job.job_id, jobs.c.worker_id == job.worker_id).values(
        state=state, run_id=run_id, error=error, finished_at=now,
        progress_step=progress.step, progress_done=progress.done,
        progress_total=progress.total)).rowcount
    if (path := _progress_file(conn.engine, job.job_id)) is not None:
        path.unlink(missing_ok=True)
    return done


def running_jobs(conn: Connection) -> list[Job]:
    rows = conn.execute(select(jobs).where(jobs.c.state == RUNNING)
                        .order_by(jobs.c.started_at, jobs.c.job_id))
    return [_job(row) for row in rows]


def fail_running(conn: Connection, job: Job, error: dict, now: dt.datetime) -> int:
    """Fail a job still running for the same worker (recovery); the rows changed (0 or 1)."""
    return conn.execute(update(jobs).where(
        jobs.c.job_id == job.job_id, jobs.c.state == RUNNING,
        jobs.c.worker_id == job.worker_id).values(
        state="failed", error=error, finished_at=now)).rowcount


def beat(engine: Engine, job: Job, now: dt.datetime) -> None:
    """The running job's heartbeat, in a short transaction of its own."""
    with engine.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.job_id == job.job_id, jobs.c.state == RUNNING,
                                        jobs.c.worker_id == job.worker_id)
                     .values(heartbeat_at=now))


# -- progress, beside the run's transaction ---------------------------------------------------

def _progress_file(engine: Engine, job_id: str) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(f"{database}.job-{_safe(job_id)}.progress.json")


def _read_progress(path: Path) -> Progress | None:
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        return Progress(entry["step"], entry["done"], entry["total"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


class ProgressBoard:
    """Publishes a running job's progress (throttled) where others read it; `last` is the last
    progress reported, published or not.  Progress is a courtesy: a failure to publish it never
    fails the job."""

    def __init__(self, engine: Engine, job: Job):
        self.engine, self.job = engine, job
        self.last = Progress(None, None, None)
        self._published_at = None
        self._conn = None

    def __enter__(self) -> ProgressBoard:
        return self

    def __exit__(self, *exc) -> None:
        if self._conn is not None:
            self._conn.close()

    def publish(self, step: str, done: int, total: int) -> None:
        self.last = Progress(step, done, total)
        now = time.monotonic()
        if self._published_at is not None and now - self._published_at < PROGRESS_EVERY_SECONDS:
            return
        self._published_at = now
        try:
            path = _progress_file(self.engine, self.job.job_id)
            if path is not None:
                partial = path.with_suffix(".part")
                partial.write_text(json.dumps(self.last.as_json()), encoding="utf-8")
                os.replace(partial, path)
            elif self.engine.dialect.name == "postgresql":
                if self._conn is None:
                    self._conn = self.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT")
                self._conn.execute(update(jobs).where(
                    jobs.c.job_id == self.job.job_id, jobs.c.state == RUNNING).values(
                    progress_step=step, progress_done=done, progress_total=total))
        except Exception:  # noqa: BLE001 - see the docstring
            pass


# -- is the worker still there? ---------------------------------------------------------------

def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:120]


def _presence_file(engine: Engine, worker_id: str) -> Path | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(f"{database}.worker-{_safe(worker_id)}.lock")


@contextmanager
def worker_presence(engine: Engine, worker_id: str):
    """Held by a worker for as long as it may run jobs (SQLite: an exclusive flock on a file of
    its own; held again in the same process, it is counted, not locked twice)."""
    path = _presence_file(engine, worker_id)
    key = str(path) if path is not None else f"{engine.url}|{worker_id}"
    with _PRESENT_GUARD:
        handle, count = _PRESENT.get(key, (None, 0))
        if count == 0 and path is not None:
            handle = path.open("a+")
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _PRESENT[key] = (handle, count + 1)
    try:
        yield
    finally:
        with _PRESENT_GUARD:
            handle, count = _PRESENT.pop(key)
            if count > 1:
                _PRESENT[key] = (handle, count - 1)
            elif handle is not None:
                path.unlink(missing_ok=True)  # while still held: nobody takes it for gone
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()


def worker_gone(engine: Engine, worker_id: str | None) -> bool | None:
    """Whether the worker's process is known to be gone (SQLite: nobody holds its presence);
    None where that cannot be told (PostgreSQL: its heartbeat tells)."""
    if worker_id is None:
        return True
    path = _presence_file(engine, worker_id)
    if path is None:
        if engine.dialect.name != "sqlite":
            return None
        with _PRESENT_GUARD:  # an in-memory database lives in this process only
            return f"{engine.url}|{worker_id}" not in _PRESENT
    with _PRESENT_GUARD:
        if str(path) in _PRESENT:
            return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing also releases the lock just taken
    return True

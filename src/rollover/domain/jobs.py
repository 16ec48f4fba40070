"""Jobs (docs/jobs.md) as data: long work that a worker runs outside the request that asked for
it, and what decides that a running job's worker is gone.

    queued -> running -> succeeded | failed

A job acts as the user who submitted it.  Its error, when it failed, is a problem object
(`errors.problem_details`): {"title", "status", "detail", "errors": [{"message": ...}, ...]}.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
STATES = (QUEUED, RUNNING, SUCCEEDED, FAILED)

# A worker writes its running job's heartbeat this often, and is taken for gone when it has not
# for HEARTBEAT_LIMIT (where the database cannot tell at once that its process is gone).
HEARTBEAT_EVERY = dt.timedelta(seconds=5)
HEARTBEAT_LIMIT = dt.timedelta(seconds=60)

WORKER_STOPPED = "the worker stopped while running the job; the run was all or nothing"
UNEXPECTED = ("the job failed unexpectedly; the run was all or nothing, so nothing of it was "
              "written; the server's log has the details")


@dataclass(frozen=True)
class Progress:
    step: str | None
    done: int | None
    total: int | None

    def as_json(self) -> dict:
        return {"step": self.step, "done": self.done, "total": self.total}


@dataclass(frozen=True)
class Job:
    job_id: str
    kind: str
    state: str
    user_name: str | None
    params: dict
    progress: Progress
    run_id: str | None
    error: dict | None
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    worker_id: str | None = None
    heartbeat_at: dt.datetime | None = None

    @property
    def ended(self) -> bool:
        return self.state in (SUCCEEDED, FAILED)

    def as_json(self) -> dict:
        """The job object of the HTTP API."""
        return {"job_id": self.job_id, "kind": self.kind, "state": self.state,
                "progress": self.progress.as_json(), "run_id": self.run_id, "error": self.error,
                "user": self.user_name, "created_at": _iso(self.created_at),
                "started_at": _iso(self.started_at), "finished_at": _iso(self.finished_at)}


def _iso(at: dt.datetime | None) -> str | None:
    return at.isoformat() if at else None


def heartbeat_stale(job: Job, now: dt.datetime, limit: dt.timedelta = HEARTBEAT_LIMIT) -> bool:
    """Whether a running job's worker has not beaten for `limit`."""
    beat = job.heartbeat_at or job.started_at or job.created_at
    return job.state == RUNNING and now - beat > limit


def stopped_problem() -> dict:
    """The error of a job whose worker stopped while running it."""
    return {"title": "Failed unexpectedly", "status": 500, "detail": WORKER_STOPPED,
            "errors": [{"message": WORKER_STOPPED}]}


def unexpected_problem() -> dict:
    """The error of a job that failed other than by a refusal: no traceback, no SQL."""
    return {"title": "Failed unexpectedly", "status": 500, "detail": UNEXPECTED,
            "errors": [{"message": UNEXPECTED}]}

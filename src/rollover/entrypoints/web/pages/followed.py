"""A job followed on a page: a fragment with its state and progress that htmx asks for again
every second until the job has ended, then its outcome (a refused job's every problem, with the
file and line where it has them).  Each page that submits jobs serves the fragment at its own
path (`follow`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ....domain.jobs import Job
from ....services.jobs import get_job
from ..jobs import job_json
from .rendering import render

STATES = {"queued": "waiting for a worker", "running": "running", "succeeded": "done",
          "failed": "refused"}


def followed_job(job: Job, follow: str, what: str) -> dict:
    """What `followed_job.html` shows of `job` (`what`: how the page names it)."""
    return {"job": job_json(job), "ended": job.ended, "follow": follow, "what": what,
            "state": STATES.get(job.state, job.state)}


def followed_by_id(engine, job_id: str | None, follow, names: dict[str, str]) -> dict | None:
    """What `_followed.html` shows of the job `job_id` a page names in its query (none: None);
    `follow(job_id)`: its fragment's path; `names`: how the page names each kind of job."""
    if not job_id:
        return None
    job = get_job(engine, job_id)
    return followed_job(job, follow(job.job_id), names.get(job.kind, job.kind))


def job_fragment(request: Request, job: Job, follow: str, what: str,
                 template: str = "followed_job.html", extra: dict | None = None) -> Response:
    return render(request, template, {**followed_job(job, follow, what), **(extra or {})})

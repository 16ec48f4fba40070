"""Long work as jobs (docs/jobs.md, docs/serve.md): a roll forward, a restore (undo), the
year-end process's steps and module runs, a backup and its restore.  Each request is refused at once for
whatever its job would be refused for now (`jobs.submit_checked`: the user's right and the lock,
the options, a lock held by another, rows changed since, missing prerequisites), else answers 202
with the job, which a worker of `rollover serve` runs.  `GET /jobs/{id}` and its events follow
it."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from starlette.concurrency import run_in_threadpool

from ...domain.jobs import SUCCEEDED, Job as JobRecord
from ...services.jobs import get_job, submit_checked
from .auth import API, User
from .context import BackupFolder, District
from .problems import Problem, problem_type, responses

router = APIRouter(tags=["jobs"])
EVENTS_POLL_SECONDS = 0.5
KEEP_ALIVE_SECONDS = 15.0
SUBMITTED = responses(400, 401, 403, 404, 409, 423)


class Progress(BaseModel):
    step: str | None
    done: int | None
    total: int | None


class Result(BaseModel):
    download: str = Field(description="An export job's zip: GET it (signed in) while the server "
                                      "keeps it")


class Job(BaseModel):
    """A job: `state` queued -> running -> succeeded (its `run_id`, when its kind makes a run;
    its `result`, when its kind makes a file) or failed (its `error`, a problem object)."""

    job_id: str
    kind: str
    state: Literal["queued", "running", "succeeded", "failed"]
    progress: Progress
    run_id: str | None
    error: Problem | None
    user: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    result: Result | None = None


def job_json(job: JobRecord) -> dict:
    """The job object, its error a whole problem object (with its type); a succeeded export's
    `result` its download link."""
    found = job.as_json()
    if found["error"] is not None:
        found["error"] = {"type": problem_type(found["error"]["status"]), **found["error"]}
    found["result"] = ({"download": f"{API}/exports/{job.job_id}.zip"}
                       if job.kind == "export" and job.state == SUCCEEDED else None)
    return found


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ForwardOptions(_Body):
    """The options of `rollover forward`, by their long names in snake_case."""

    source_calendars: list[StrictStr] = []
    source_year: StrictInt | None = None
    source_grades: list[StrictStr] = []
    filter: StrictStr | None = Field(None, description="A filter expression (no @FILE).")
    service_types: list[Literal["primary", "partial", "special_ed"]] = ["primary"]
    source_structure: StrictStr | None = None
    local_start_status: StrictStr | None = None
    dest_calendar: StrictStr | None = None
    dest_structure: StrictStr | None = None
    dest_grade: StrictStr | None = None
    start_date: StrictStr | None = Field(None, description="YYYY-MM-DD",
                                         json_schema_extra={"format": "date"})
    allow_duplicate_primary: StrictBool = False
    include_last_day_enders: StrictBool = False
    test: StrictBool = Field(False, description="Run Test: decide and report, write no "
                                                "enrollment.")


class Restore(_Body):
    test: StrictBool = Field(False, description="List what would be put back; write nothing.")
    confirm: StrictBool = Field(False, description="Put back even though rows changed since "
                                                   "(those changes are lost).")


class ProcessStep(_Body):
    year: StrictInt | None = Field(None, description="The school year being closed (default: "
                                                     "the district's current one).")
    test: StrictBool = False


class ModuleRun(ProcessStep):
    options: dict[str, StrictStr] = {}


class NewBackup(_Body):
    label: StrictStr | None = None
    school_year: StrictInt | None = None


class BackupRestore(_Body):
    confirm: StrictBool = Field(False, description="Replace the district's rows (every change "
                                                   "since the backup is lost).")


def _queued(engine, kind: str, params: dict, user: str) -> dict:
    return job_json(submit_checked(engine, kind, params, user=user))


# -- the jobs ---------------------------------------------------------------------------------

@router.post("/forward", status_code=202, response_model=Job, responses=SUBMITTED)
def forward(options: ForwardOptions, engine: District, user: User):
    """A roll forward Run (or Run Test, `test`), as a job; its options are checked first (400,
    every problem), and a roll forward running now is named (409)."""
    return _queued(engine, "forward", options.model_dump(exclude_unset=True), user)


@router.post("/runs/{run_id}/restore", status_code=202, response_model=Job, responses=SUBMITTED)
def restore(run_id: str, body: Restore, engine: District, user: User):
    """Undo a run (a module run: YE-9's restore), as a job.  Rows changed since it are listed
    at once (409, `changed_after`) unless `confirm` (or `test`)."""
    return _queued(engine, "undo", {"run_id": run_id, **body.model_dump()}, user)


@router.post("/process/prepare", status_code=202, response_model=Job, responses=SUBMITTED)
def prepare(body: ProcessStep, engine: District, user: User):
    """YE-16..YE-20: lock, quiet the side effects, take the full backup."""
    return _queued(engine, "prepare", body.model_dump(), user)


@router.post("/process/finish", status_code=202, response_model=Job, responses=SUBMITTED)
def finish(body: ProcessStep, engine: District, user: User):
    """YE-16: make the next year current, put the settings back, unlock."""
    return _queued(engine, "finish", body.model_dump(), user)


@router.post("/process/modules/{module}/runs", status_code=202, response_model=Job,
             responses=SUBMITTED)
def module_run(module: Annotated[str, Path(description="The module, e.g. calendar")],
               body: ModuleRun, engine: District, user: User):
    """A run (or test run) of one year-end module; missing prerequisite modules are named at
    once (409)."""
    return _queued(engine, "module", {"module": module, **body.model_dump()}, user)


@router.post("/backups", status_code=202, response_model=Job, responses=SUBMITTED)
def backup(body: NewBackup, engine: District, folder: BackupFolder, user: User):
    """A whole-database backup (YE-4) into the server's backup folder."""
    return _queued(engine, "backup", {**body.model_dump(), "folder": str(folder)}, user)


@router.post("/backups/{backup_id}/restore", status_code=202, response_model=Job,
             responses=SUBMITTED)
def restore_backup(backup_id: str, body: BackupRestore, engine: District, folder: BackupFolder,
                   user: User):
    """Restore a backup (YE-4) over the district, as a job; the server's sign-ins and jobs are
    kept.  A district that holds rows needs `confirm` (409 at once, saying how many)."""
    return _queued(engine, "restore_backup",
                   {"backup_id": backup_id, **body.model_dump(), "folder": str(folder)}, user)


# -- following a job --------------------------------------------------------------------------

@router.get("/jobs/{job_id}", response_model=Job, responses=responses(400, 401, 404))
def job(job_id: str, engine: District, _user: User):
    return job_json(get_job(engine, job_id))


@router.get("/jobs/{job_id}/events", response_class=StreamingResponse,
            responses={200: {"description": "Server-sent events: `event: job`, its data the job "
                                            "object, at each change, until the job ends",
                             "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                       **responses(400, 401, 404)})
async def job_events(job_id: str, request: Request, engine: District, _user: User):
    """The job as server-sent events: the job object now and at each change (its state, its
    progress) until it has ended."""
    first = await run_in_threadpool(get_job, engine, job_id)  # 404 before the stream starts
    return StreamingResponse(_events(request, engine, first), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def _events(request: Request, engine, job: JobRecord):
    sent: dict[str, Any] | None = None
    quiet = 0.0
    while True:
        found = job_json(job)
        if found != sent:
            yield f"event: job\ndata: {json.dumps(found)}\n\n"
            sent, quiet = found, 0.0
        elif quiet >= KEEP_ALIVE_SECONDS:
            yield ": still running\n\n"  # a comment: keeps proxies from closing the stream
            quiet = 0.0
        if job.ended or await request.is_disconnected():
            return
        await asyncio.sleep(EVENTS_POLL_SECONDS)
        quiet += EVENTS_POLL_SECONDS
        job = await run_in_threadpool(get_job, engine, job.job_id)

"""The year-end process page (`/process`, "The pages" 6): each step with its state; prepare
(YE-16); each module in its order with its options, Run Test and Run (YE-6, YE-7, YE-17); a
module run's backup log and rollover log (YE-8, YE-19), and for a run that places students (the
registration module's) a link to its roll forward results; its restore, listing the rows changed
since and asking to confirm (YE-9); finish.

Every step is a job submitted as the API submits it (`jobs.submit_checked`: the right, the lock,
missing prerequisites and rows changed since refused at the request), then followed on the page
by a small fragment polled until the job ends (`/process/jobs/{id}`)."""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from ....errors import RolloverError
from ....services import process
from ....services.jobs import get_job, submit_checked
from ....services.modules import all_modules
from ....services.process import NeedsConfirmation
from ....services.runs import PLACING_KINDS
from ..context import District
from .rendering import render
from .session import Session, signed_in_pages

pages = signed_in_pages()
MESSAGES_SHOWN = 200  # a run's log messages on its page; `rollover tasks RUN --csv` has all


def _steps(engine) -> dict:
    """The process's status, and each module in its order with its state, options and runs
    (newest first)."""
    status = process.status(engine)
    states = {s["step"]: s["state"] for s in status["steps"]}
    return {"status": status, "modules": [
        {"name": m.name, "title": m.title, "requires": list(m.requires),
         "tables": list(m.tables), "options": m.option_help, "state": states.get(m.name),
         "runs": process.module_runs(engine, m.name)} for m in all_modules()]}


def _page(request: Request, engine, *, job: str | None = None, errors: dict | None = None,
          values: dict | None = None, status: int = 200) -> Response:
    return render(request, "process.html", {
        "title": "Year-end process", "active": "process", **_steps(engine),
        "job": get_job(engine, job) if job else None, "errors": errors or {},
        "values": values or {}}, status=status)


@pages.get("/process")
def process_page(request: Request, _session: Session, engine: District,
                 job: str | None = None) -> Response:
    """The steps, the modules and, after a step was asked for, its job's progress."""
    return _page(request, engine, job=job)


@pages.get("/process/steps")
def process_steps(request: Request, _session: Session, engine: District) -> Response:
    """The steps and modules alone: what the page shows again once a job has ended."""
    return render(request, "process_steps.html", {**_steps(engine), "errors": {}, "values": {}})


def _submitted(request: Request, engine, user: str, kind: str, params: dict, where: str,
               values: dict | None = None) -> Response:
    """Submit the job; on to the page following it, or the page with the refusal beside
    `where` (its section)."""
    try:
        job = submit_checked(engine, kind, params, user=user)
    except RolloverError as refused:
        return _page(request, engine, errors={where: _refusal(refused)}, values=values,
                     status=refused.http_status)
    return RedirectResponse(f"/process?job={job.job_id}#job", status_code=303)


def _refusal(error: RolloverError) -> dict:
    return {"message": str(error), "details": error.details()}


@pages.post("/process/prepare")
async def prepare(request: Request, session: Session, engine: District) -> Response:
    form = await request.form()
    test = form.get("mode") == "test"
    return await _in_thread(_submitted, request, engine, session.user, "prepare",
                            {"year": None, "test": test}, "prepare")


@pages.post("/process/finish")
async def finish(request: Request, session: Session, engine: District) -> Response:
    form = await request.form()
    test = form.get("mode") == "test"
    return await _in_thread(_submitted, request, engine, session.user, "finish",
                            {"year": None, "test": test}, "finish")


@pages.post("/process/modules/{module}/runs")
async def module_run(module: str, request: Request, session: Session,
                     engine: District) -> Response:
    """A Run Test or Run of one module with the options filled in (empty ones left out)."""
    form = await request.form()
    prefix = "option-"
    options = {name[len(prefix):]: value.strip() for name, value in form.multi_items()
               if name.startswith(prefix) and isinstance(value, str) and value.strip()}
    return await _in_thread(_submitted, request, engine, session.user, "module",
                            {"module": module, "options": options,
                             "test": form.get("mode") != "run", "year": None},
                            module, {module: options})


@pages.get("/process/runs/{run_id}")
def run_page(run_id: str, request: Request, _session: Session, engine: District) -> Response:
    """One module run: its backup log, its rollover log, and its restore."""
    return _run_page(request, engine, run_id)


def _run_page(request: Request, engine, run_id: str, *, changed: list | None = None,
              error: dict | None = None, status: int = 200) -> Response:
    task = process.task(engine, run_id)
    messages = task["rollover_log"]["messages"]
    return render(request, "process_run.html", {
        "title": f"Module run {run_id}", "active": "process", "task": task,
        "messages": messages[:MESSAGES_SHOWN], "messages_total": len(messages),
        "places_students": task["module"] in PLACING_KINDS, "changed": changed,
        "error": error}, status=status)


@pages.post("/process/runs/{run_id}/restore")
async def restore(run_id: str, request: Request, session: Session,
                  engine: District) -> Response:
    """Restore the run (and the later runs that need it) as `POST /runs/{id}/restore` does:
    rows changed since are listed and nothing is put back until the user confirms."""
    form = await request.form()
    confirm = form.get("confirm") == "yes"
    return await _in_thread(_restore, request, engine, session.user, run_id, confirm)


def _restore(request: Request, engine, user: str, run_id: str, confirm: bool) -> Response:
    try:
        job = submit_checked(engine, "undo", {"run_id": run_id, "test": False,
                                              "confirm": confirm}, user=user)
    except NeedsConfirmation as asked:
        return _run_page(request, engine, run_id, status=asked.http_status,
                         changed=[{"table": e.table, "key": "/".join(map(str, e.key)),
                                   "what": e.what} for e in asked.edits],
                         error=_refusal(asked))
    except RolloverError as refused:
        return _run_page(request, engine, run_id, error=_refusal(refused),
                         status=refused.http_status)
    return RedirectResponse(f"/process?job={job.job_id}#job", status_code=303)


@pages.get("/process/jobs/{job_id}")
def job_fragment(job_id: str, request: Request, _session: Session,
                 engine: District) -> Response:
    """The job's progress (polled by the page each second until it ends), then how it
    ended."""
    return render(request, "process_job.html", {"job": get_job(engine, job_id)})


async def _in_thread(function, *args):
    """A service call (blocking) out of the event loop, after the form was read in it."""
    return await run_in_threadpool(function, *args)

"""The roll forward page (docs/roll-forward.md; "The pages", 4): the editor with every option,
Run Test and Run, each a forward job as `POST /api/v1/forward` submits it (the same checks at
the request: a refused option is shown beside its field, and no job is queued), and the job
followed live until it ends.  A Run asks for confirmation first, showing the Run Test it
follows.  The results are `forward_results.py`'s."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from ....domain.jobs import SUCCEEDED
from ....errors import RolloverError
from ....services import district_info, run_pages
from ....services.job_kinds import forward_options
from ....services.jobs import check_job, get_job, may_submit, submit_checked
from ....services.runs import get_run, latest_run_test, places_students
from ....services.reads import MAX_PER_PAGE
from ..context import District
from .forward_form import Refusals, form_values, job_params, refusals_of
from .rendering import render
from .session import Session, signed_in_pages

pages = signed_in_pages()
SERVICE_TYPES = (("primary", "Primary"), ("partial", "Partial"), ("special_ed", "Special education"))


# -- the editor -------------------------------------------------------------------------------

@pages.get("/forward")
def editor(request: Request, engine: District,
           year: Annotated[int | None, Query()] = None) -> Response:
    return _editor(request, engine, form_values({}), year, Refusals())


@pages.post("/forward")
async def submit(request: Request, session: Session, engine: District) -> Response:
    """Run Test: queued at once.  Run: checked, then the confirmation; queued once confirmed."""
    sent = await request.form()
    values = form_values(sent)
    year = _year(sent.get("year"))
    test = sent.get("action") != "run"
    params = job_params(values, test=test)
    try:
        if test or sent.get("confirmed") == "yes":
            job = await run_in_threadpool(submit_checked, engine, "forward", params,
                                          user=session.user)
            return RedirectResponse(f"/forward/jobs/{job.job_id}", status_code=303)
        await run_in_threadpool(_checked, engine, params, session.user)
    except RolloverError as refused:
        return await run_in_threadpool(_editor, request, engine, values, year,
                                       refusals_of(refused), refused.http_status)
    return await run_in_threadpool(_confirmation, request, engine, values, year, params)


def _checked(engine, params: dict, user: str) -> None:
    """What submitting the Run would be refused for now, writing nothing."""
    may_submit(engine, "forward", params, user=user)
    check_job(engine, "forward", params, user=user)


def _year(sent) -> int | None:
    try:
        return int(sent) if sent else None
    except (TypeError, ValueError):
        return None


def _editor(request: Request, engine, values: dict, year: int | None, refusals: Refusals,
            status: int = 200) -> Response:
    district = district_info.district_info(engine)
    every = _all_calendars(engine)
    years = sorted({c["school_year"] for c in every})
    if year not in years:
        year = district["current_school_year"] if district["current_school_year"] in years \
            else (years[-1] if years else None)
    sources = [c for c in every if c["school_year"] == year]
    destinations = [c for c in every if year is not None and c["school_year"] == year + 1]
    by_school: dict[str, dict] = {}
    for calendar in sources:
        school = by_school.setdefault(calendar["school_id"], {
            "school_id": calendar["school_id"], "name": calendar["school_name"] or
            calendar["school_id"], "calendars": []})
        school["calendars"].append(calendar)
    return render(request, "forward.html", {
        "title": "Roll forward", "active": "forward", "values": values, "year": year,
        "years": years, "schools": sorted(by_school.values(), key=lambda s: s["name"]),
        "source_grades": _grades(sources), "source_structures": sorted(
            {s["name"] for c in sources for s in c["structures"]}),
        "destinations": destinations, "dest_grades": _grades(destinations),
        "service_types": SERVICE_TYPES, "refusals": refusals,
        "start_status_required": district["settings"].get("local_start_status_required"),
    }, status=status)


def _all_calendars(engine) -> list[dict]:
    """Every calendar of the district, a page of the read service at a time."""
    found, page = [], 1
    while True:
        chunk = district_info.calendars(engine, page=page, per_page=MAX_PER_PAGE)
        found += chunk.items
        if len(found) >= chunk.total or not chunk.items:
            return found
        page += 1


def _grades(calendars: list[dict]) -> list[str]:
    """The grades the calendars offer, by their sequence."""
    sequence: dict[str, int] = {}
    for calendar in calendars:
        for structure in calendar["structures"]:
            for grade in structure["grades"]:
                sequence[grade["grade"]] = min(sequence.get(grade["grade"], grade["sequence"]),
                                               grade["sequence"])
    return sorted(sequence, key=lambda g: (sequence[g], g))


# -- the confirmation of a Run ----------------------------------------------------------------

def _confirmation(request: Request, engine, values: dict, year: int | None,
                  params: dict) -> Response:
    run_test = latest_run_test(engine, forward_options(engine, params))
    totals = run_pages.school_grade_totals(engine, run_test.run_id) if run_test else []
    warnings = (sum(w["count"] for w in run_pages.warnings_summary(engine, run_test.run_id))
                if run_test else 0)
    return render(request, "forward_confirm.html", {
        "title": "Confirm the Run", "active": "forward", "values": values, "year": year,
        "run_test": run_test, "totals": totals, "warning_count": warnings})


# -- a job, followed ---------------------------------------------------------------------------

JOB_TITLES = {"forward": "Roll forward", "undo": "Undo"}


@pages.get("/forward/jobs/{job_id}")
def job_page(request: Request, engine: District, job_id: str) -> Response:
    job = get_job(engine, job_id)
    if job.state == SUCCEEDED:
        return RedirectResponse(_leads_to(engine, job), status_code=303)
    return render(request, "forward_job.html", {"title": _job_title(job), "active": "forward",
                                                "job": job, "leads_to": None})


@pages.get("/forward/jobs/{job_id}/progress")
def job_progress(request: Request, engine: District, job_id: str) -> Response:
    """The job's progress as a fragment the page polls; once it has succeeded, htmx is sent to
    its results (HX-Redirect)."""
    job = get_job(engine, job_id)
    leads_to = _leads_to(engine, job) if job.state == SUCCEEDED else None
    answer = render(request, "forward_job_progress.html", {"job": job, "leads_to": leads_to,
                                                           "title": _job_title(job)})
    if job.state == SUCCEEDED:
        answer.headers["HX-Redirect"] = leads_to
    return answer


def _job_title(job) -> str:
    if job.kind == "forward":
        return "Run Test" if job.params.get("test") else "Run"
    return JOB_TITLES.get(job.kind, job.kind)


def _leads_to(engine, job) -> str:
    """Where a job's outcome is shown: a roll forward's run, or the run an undo undid (its
    results if it placed students, else its task page)."""
    if job.kind == "undo":
        undone = job.params["run_id"]
        return (f"/forward/runs/{undone}" if places_students(get_run(engine, undone))
                else f"/tasks/{undone}")
    if job.run_id and job.kind == "forward":
        return f"/forward/runs/{job.run_id}"
    return "/tasks"


"""Ending the old year (YE-15) in the browser: the end batch (the old year's enrollments ended,
graduates first) and the clean-up (next-year enrollments of students who left early removed),
each over every calendar of a school year or of the schools ticked, as one run, Run Test or Run.
Each is a job (`end_batch`, `cleanup` of services/job_kinds.py) running the same service as
`rollover end-batch` and `rollover cleanup`; the page follows it, and the run it made is in
Tasks and reports, where it can be undone."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from starlette.responses import RedirectResponse, Response

from ....errors import RolloverError
from ....services.district_info import district_info, school_list
from ....services.jobs import get_job, submit_checked
from ..context import District
from .followed import followed_by_id, job_fragment
from .form_values import FieldRefused, optional_text, optional_year
from .rendering import render
from .session import Session, signed_in_pages

pages = signed_in_pages()
WHAT = {"end_batch": "End batch", "cleanup": "Clean-up"}
LAST_DAY = "last-day"
Text = Annotated[str, Form()]
Texts = Annotated[list[str], Form()]


@pages.get("/end-year")
def end_year(request: Request, engine: District,
             job: Annotated[str | None, Query()] = None) -> Response:
    """The two forms, and the job one of them submitted, followed."""
    followed = followed_by_id(engine, job, _follow, WHAT)
    return _page(request, engine, followed=followed)


@pages.post("/end-year/end-batch")
def submit_end_batch(request: Request, session: Session, engine: District, year: Text = "",
                     schools: Texts = (), end_date: Text = "", end_status: Text = "",
                     graduate_status: Text = "", early: Text = "",
                     action: Text = "test") -> Response:
    form = {"year": year, "schools": list(schools), "end_date": end_date,
            "end_status": end_status, "graduate_status": graduate_status,
            "early": early == "true"}
    try:
        params = {"year": optional_year(year), "schools": list(schools),
                  "end_date": optional_text(end_date) or LAST_DAY,
                  "end_status": _required(end_status, "end_status", "an end status"),
                  "graduate_status": optional_text(graduate_status),
                  "early": early == "true", "test": action != "run"}
        job = submit_checked(engine, "end_batch", params, user=session.user)
    except RolloverError as refused:
        return _page(request, engine, refused=refused, ending=form)
    return RedirectResponse(f"/end-year?job={job.job_id}", status_code=303)


@pages.post("/end-year/cleanup")
def submit_cleanup(request: Request, session: Session, engine: District,
                   next_year: Text = "", next_schools: Texts = (),
                   action: Text = "test") -> Response:
    form = {"year": next_year, "schools": list(next_schools)}
    try:
        params = {"year": optional_year(next_year, "next_year"),
                  "schools": list(next_schools), "test": action != "run"}
        job = submit_checked(engine, "cleanup", params, user=session.user)
    except RolloverError as refused:
        return _page(request, engine, refused=refused, cleaning=form)
    return RedirectResponse(f"/end-year?job={job.job_id}", status_code=303)


@pages.get("/end-year/jobs/{job_id}")
def followed(request: Request, job_id: str, engine: District) -> Response:
    job = get_job(engine, job_id)
    return job_fragment(request, job, _follow(job.job_id), WHAT.get(job.kind, job.kind))


def _follow(job_id: str) -> str:
    return f"/end-year/jobs/{job_id}"


def _required(given: str, field: str, what: str) -> str:
    value = optional_text(given)
    if value is None:
        raise FieldRefused(field, f"give {what}")
    return value


def _page(request: Request, engine, *, followed: dict | None = None,
          refused: RolloverError | None = None, ending: dict | None = None,
          cleaning: dict | None = None) -> Response:
    year = district_info(engine)["current_school_year"]
    field_errors = {refused.field: str(refused)} if isinstance(refused, FieldRefused) else {}
    return render(request, "end_year.html", {
        "title": "End the old year", "active": "end-year", "followed": followed,
        "refused": None if field_errors or refused is None else str(refused),
        "field_errors": field_errors, "schools": school_list(engine),
        "ending": ending or {"year": str(year or ""), "schools": [], "end_date": "",
                             "end_status": "", "graduate_status": "", "early": False},
        "cleaning": cleaning or {"year": str(year + 1) if year else "", "schools": []}},
        status=refused.http_status if refused is not None else 200)

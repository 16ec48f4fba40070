"""A roll forward's results (RF-25; "The pages", 4): its totals per school and grade, this
year beside next; its students a page at a time, searched, filtered and sorted by the server
(services/run_pages.py), each with the rule that decided; its warnings by code; the CSV report;
and for a Run, its undo (the rows changed since listed, and a confirmation to lose them), a
restore job as `POST /api/v1/runs/{id}/restore` submits it."""

from __future__ import annotations

from urllib.parse import urlencode

from typing import Annotated

from fastapi import Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from ....errors import RolloverError
from ....services import district_info, run_pages
from ....services.jobs import submit_checked
from ....services.reads import MAX_PER_PAGE, ReadRefused
from ....services.runs import get_run, places_students
from ....services.undo import undo
from ..context import District
from .forward_form import stored_values
from .rendering import render
from .session import Session, signed_in_pages

pages = signed_in_pages()
Text = Annotated[str | None, Query()]
PER_PAGE = 50
WARNINGS_PER_PAGE = 25
SORTS = (("decision", "Decision order"), ("name", "Name"), ("-name", "Name, Z to A"),
         ("number", "Student number"), ("school", "Next school"), ("grade", "Next grade"),
         ("-grade", "Next grade, highest first"), ("rule", "Deciding rule"))


@pages.get("/forward/runs/{run_id}")
def results(request: Request, engine: District, run_id: str, q: Text = None,
            school: Text = None, grade: Text = None, sort: Text = None, code: Text = None,
            page: Text = None, wpage: Text = None) -> Response:
    record = get_run(engine, run_id)
    totals = run_pages.school_grade_totals(engine, run_id)  # refuses a run placing no students
    asked = {"q": _text(q), "school": _text(school), "grade": _text(grade),
             "sort": _text(sort), "code": _text(code)}
    page, warnings_at = _number(page), _number(wpage)
    refused, status = None, 200
    try:
        students = run_pages.rolled_page(engine, run_id, q=asked["q"], school=asked["school"],
                                         grade=asked["grade"], sort=asked["sort"], page=page,
                                         per_page=PER_PAGE)
    except ReadRefused as problem:
        refused, status, students = str(problem), problem.http_status, None
    summary = run_pages.warnings_summary(engine, run_id)
    codes = [w["code"] for w in summary]
    code = asked["code"].upper() if asked["code"] and asked["code"].upper() in codes else \
        (codes[0] if codes else None)
    warnings = (run_pages.warnings_page(engine, run_id, code=code, page=warnings_at,
                                        per_page=WARNINGS_PER_PAGE) if code else None)
    schools = district_info.schools(engine, per_page=MAX_PER_PAGE).items

    def link(changes: dict) -> str:
        """This page's query string with `changes` (a filter kept, the page asked for)."""
        kept = {**{k: v for k, v in asked.items() if k != "code"}, "code": code, **changes}
        return "?" + urlencode({k: v for k, v in kept.items() if v})

    return render(request, "forward_results.html", {
        "title": f"{'Run Test' if record.mode == 'test' else 'Run'} {run_id}",
        "active": "forward", "run": record, "totals": totals, "asked": asked,
        "students": students, "refused": refused, "sorts": SORTS, "schools": schools,
        "grades": list(dict.fromkeys(t["grade"] for t in totals if t["next_year"])),
        "summary": summary, "code": code, "warnings": warnings,
        "warning_count": sum(w["count"] for w in summary),
        "values": stored_values(record.options or {}),
        "year": _source_year(engine, record.options or {}),
        "undoable": record.mode == "run" and record.status == "completed", "link": link,
    }, status=status)


def _text(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _number(value: str | None) -> int:
    """A page number from the query string; anything else is the first page."""
    try:
        return max(int(value), 1) if value else 1
    except ValueError:
        return 1


def _source_year(engine, options: dict) -> int | None:
    """The school year of the run's source calendars (the editor's year to run them again)."""
    calendars = options.get("source_calendars") or []
    if not calendars:
        return None
    for calendar in district_info.calendars(engine, per_page=MAX_PER_PAGE).items:
        if calendar["calendar_id"] == calendars[0]:
            return calendar["school_year"]
    return None


# -- undo ---------------------------------------------------------------------------------------

@pages.get("/forward/runs/{run_id}/undo")
def undo_page(request: Request, session: Session, engine: District, run_id: str) -> Response:
    """What undoing the run would put back, and the rows changed since that it would lose:
    its test, writing nothing."""
    return _undo_page(request, engine, run_id, session.user)


@pages.post("/forward/runs/{run_id}/undo")
async def undo_run(request: Request, session: Session, engine: District,
                   run_id: str) -> Response:
    sent = await request.form()
    params = {"run_id": run_id, "confirm": sent.get("confirm") == "yes"}
    try:
        job = await run_in_threadpool(submit_checked, engine, "undo", params, user=session.user)
    except RolloverError as refused:
        return await run_in_threadpool(_undo_page, request, engine, run_id, session.user,
                                       str(refused), refused.http_status)
    return RedirectResponse(f"/forward/jobs/{job.job_id}", status_code=303)


def _undo_page(request: Request, engine, run_id: str, user: str, refused: str | None = None,
               status: int = 200) -> Response:
    record = get_run(engine, run_id)
    listing = undo(engine, run_id, test=True, user=user)
    return render(request, "forward_undo.html", {
        "title": f"Undo run {run_id}", "active": "forward", "run": record, "listing": listing,
        "refused": refused, "back": (f"/forward/runs/{run_id}" if places_students(record)
                                     else f"/tasks/{run_id}")}, status=status)

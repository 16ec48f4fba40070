"""The next-year exceptions page (`/exceptions`, "The pages" 5): find a student by name or
number (searched and paged by the server), see their enrollments and where the rules would send
them (a Run Test of that student alone, a `forward` job as the API submits it), set an
enrollment's next calendar, structure, grade and end action (`services.edits.edit_record`, as
`rollover edit` and `PATCH /enrollments/{id}`), and upload a CSV file of such exceptions
(`services.exceptions.apply_exceptions`, as `rollover edit --csv FILE`: checked whole, every
problem with its file and line, nothing written when one is wrong)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated

from fastapi import Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from ....errors import RolloverError
from ....services.edits import edit_record
from ....services.exceptions import NEXT_YEAR_FIELDS, apply_exceptions
from ....services.jobs import get_job, submit_checked
from ....services.run_pages import rolled_page, warnings_page
from ....services.students import find_students, one_student_run_test, student_with_enrollments
from ..context import District
from .rendering import render
from .session import Session, signed_in_pages

pages = signed_in_pages()
PER_PAGE = 25
MAX_UPLOAD_BYTES = 16 * 1024 * 1024
END_ACTIONS = ("promote", "retain", "demote")


@pages.get("/exceptions")
def exceptions_page(request: Request, _session: Session, engine: District,
                    q: Annotated[str | None, Query()] = None, page: int = 1) -> Response:
    """The search for a student, its results a page at a time, and the upload of a file."""
    return _search_page(request, engine, q, page)


def _search_page(request: Request, engine, q: str | None, page: int, *,
                 upload: dict | None = None, status: int = 200) -> Response:
    found, search_error = None, None
    if q and q.strip():
        try:
            found = find_students(engine, q, page=page, per_page=PER_PAGE)
        except RolloverError as refused:
            search_error, status = str(refused), refused.http_status
    return render(request, "exceptions.html", {
        "title": "Next-year exceptions", "active": "exceptions", "q": q or "", "found": found,
        "search_error": search_error, "upload": upload or {},
        "pages": -(-found.total // PER_PAGE) if found else 0}, status=status)


@pages.get("/exceptions/students/{student_id}")
def student_page(student_id: str, request: Request, _session: Session, engine: District,
                 job: str | None = None, saved: str | None = None) -> Response:
    """The student's enrollments, a form for each of the current year's, and their Run Test."""
    return _student_page(request, engine, student_id, job=job, saved=saved)


def _student_page(request: Request, engine, student_id: str, *, job: str | None = None,
                  saved: str | None = None, form: dict | None = None,
                  status: int = 200) -> Response:
    found = student_with_enrollments(engine, student_id)
    return render(request, "exceptions_student.html", {
        "title": f"Exceptions of {found['student']['first_name']} "
                 f"{found['student']['last_name']}",
        "active": "exceptions", **found, "end_actions": END_ACTIONS, "saved": saved,
        "form": form or {}, **_decision(engine, get_job(engine, job) if job else None)},
        status=status)


@pages.post("/exceptions/enrollments/{enrollment_id}")
async def set_next_year(enrollment_id: str, request: Request, session: Session,
                        engine: District) -> Response:
    """Set the enrollment's next-year fields as the form has them (an empty one cleared)."""
    form = await request.form()
    changes = {name: str(form.get(name) or "").strip() for name in NEXT_YEAR_FIELDS}
    student_id = str(form.get("student_id") or "")
    return await run_in_threadpool(_edit, request, engine, session.user, student_id,
                                   enrollment_id, changes)


def _edit(request: Request, engine, user: str, student_id: str, enrollment_id: str,
          changes: dict) -> Response:
    try:
        edit = edit_record(engine, "enrollments", {"enrollment_id": enrollment_id}, changes,
                           user=user)
    except RolloverError as refused:
        message = str(refused)
        field = next((f for f in NEXT_YEAR_FIELDS if message.startswith(f"enrollments.{f}:")),
                     None)  # the refusal names its column: shown beside that field
        return _student_page(request, engine, student_id, status=refused.http_status, form={
            "enrollment_id": enrollment_id, "values": changes, "field": field,
            "message": message})
    return RedirectResponse(f"/exceptions/students/{student_id}?saved={edit.run_id}"
                            f"#enrollment-{enrollment_id}", status_code=303)


@pages.post("/exceptions/students/{student_id}/run-test")
def run_test(student_id: str, request: Request, session: Session,
             engine: District) -> Response:
    """A roll forward Run Test of this student alone, as a job; followed on their page."""
    try:
        job = submit_checked(engine, "forward", one_student_run_test(engine, student_id),
                             user=session.user)
    except RolloverError as refused:
        return _student_page(request, engine, student_id, status=refused.http_status,
                             form={"run_test_error": str(refused)})
    return RedirectResponse(f"/exceptions/students/{student_id}?job={job.job_id}#decision",
                            status_code=303)


@pages.get("/exceptions/jobs/{job_id}")
def decision_fragment(job_id: str, request: Request, _session: Session,
                      engine: District) -> Response:
    """The Run Test's progress, polled until it ends; then where the rules send the student."""
    return render(request, "exceptions_decision.html",
                  _decision(engine, get_job(engine, job_id)))


def _decision(engine, job) -> dict:
    """The job, and once its Run Test has succeeded, its proposed enrollments and warnings (one
    student's: a page holds them)."""
    if job is None or job.kind != "forward" or job.state != "succeeded" or not job.run_id:
        return {"job": job, "rolled": None, "warnings": None}
    return {"job": job, "rolled": rolled_page(engine, job.run_id, per_page=PER_PAGE).items,
            "warnings": warnings_page(engine, job.run_id, per_page=PER_PAGE).items}


@pages.post("/exceptions/upload")
async def upload(request: Request, session: Session, engine: District) -> Response:
    """A CSV file of exceptions: checked whole, then written in one run, or every problem
    listed beside the upload and nothing written."""
    form = await request.form()
    sent = form.get("file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        return await run_in_threadpool(_search_page, request, engine, None, 1, upload={
            "problems": [], "message": "choose a CSV file to upload"}, status=400)
    name = PurePath(sent.filename).name or "upload.csv"
    data = await sent.read(MAX_UPLOAD_BYTES + 1)
    return await run_in_threadpool(_upload, request, engine, session.user, name, data)


def _upload(request: Request, engine, user: str, name: str, data: bytes) -> Response:
    problem = None
    if len(data) > MAX_UPLOAD_BYTES:
        problem = f"{name} is larger than {MAX_UPLOAD_BYTES >> 20} MiB; nothing was written"
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problem = f"{name} is not UTF-8 text ({exc.reason} at byte {exc.start}); nothing " \
                      "was written"
    if problem:
        return _search_page(request, engine, None, 1, upload={"message": problem,
                                                              "problems": []}, status=400)
    try:
        result = apply_exceptions(engine, text, name, user=user)
    except RolloverError as refused:  # ExceptionsRefused: every problem, file:line
        return _search_page(request, engine, None, 1, status=refused.http_status,
                            upload={"message": str(refused), "problems": refused.details()})
    return _search_page(request, engine, None, 1, upload={"result": result.as_json()})

"""The import and export page: upload a bundle zip, imported by a job (`POST /api/v1/imports`'s
`queue_import`: all checked first, a refused import's every problem listed with its file and
line, nothing written), and export the district as a bundle zip (`GET /api/v1/exports`'s
`export_answer`: the zip at once, or for a large district a job whose result links to it)."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from ....errors import RolloverError
from ....services.jobs import get_job
from ..context import District
from ..transfers import export_answer, queue_import
from .followed import followed_job, job_fragment
from .rendering import render
from .session import Session, signed_in_pages

pages = signed_in_pages()
WHAT = {"import": "Import", "export": "Export"}


@pages.get("/transfers")
def transfers(request: Request) -> Response:
    return render(request, "transfers.html", {"title": "Import and export",
                                              "active": "transfers", "export_job": None})


@pages.post("/transfers/import")
async def import_bundle(request: Request, session: Session, engine: District) -> Response:
    """The upload, sent by htmx with the session's CSRF token in its header (so the upload is
    read as it arrives, never whole first): the import job's fragment, or the refusal.  A
    refusal is answered 200 so that htmx shows it in place."""
    try:
        job = await queue_import(request, engine, session.user)
    except RolloverError as refused:
        return render(request, "refusal.html", {"message": str(refused),
                                                "problems": refused.details()})
    return job_fragment(request, job, f"/transfers/jobs/{job.job_id}", WHAT[job.kind])


@pages.get("/transfers/export")
def export(request: Request, session: Session, engine: District) -> Response:
    """The zip at once; for a large district, the page following the export job."""
    answer = export_answer(engine, session.user)
    if isinstance(answer, Response):
        return answer
    return render(request, "transfers.html", {
        "title": "Import and export", "active": "transfers",
        "export_job": followed_job(answer, f"/transfers/jobs/{answer.job_id}", "Export")})


@pages.get("/transfers/jobs/{job_id}")
def followed(request: Request, job_id: str, engine: District) -> Response:
    job = get_job(engine, job_id)
    return job_fragment(request, job, f"/transfers/jobs/{job.job_id}",
                        WHAT.get(job.kind, job.kind))

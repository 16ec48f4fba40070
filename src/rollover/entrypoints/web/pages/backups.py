"""The backups page: the server's backups listed, a backup made (a job), one of an earlier
school year deleted (YE-5: the refusal shown), and a restore over the district (a job) after an
explicit confirmation that names the rows it replaces: the same service calls and checks as the
API's backup endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from starlette.responses import RedirectResponse, Response

from ....errors import RolloverError
from ....services.backup import delete_backup, list_backups, verified_backup
from ....services.jobs import check_job, get_job, submit_checked
from ..context import BackupFolder, District
from .followed import followed_by_id, job_fragment
from .form_values import FieldRefused, optional_text, optional_year
from .rendering import render
from .session import Session, signed_in_pages

pages = signed_in_pages()
WHAT = {"backup": "Backup", "restore_backup": "Restore"}
Text = Annotated[str, Form()]


@pages.get("/backups")
def backups(request: Request, engine: District, folder: BackupFolder,
            job: Annotated[str | None, Query()] = None) -> Response:
    """The list, and the job a form of this page submitted, followed."""
    followed = followed_by_id(engine, job, _follow, WHAT)
    return _page(request, folder, followed=followed)


@pages.post("/backups")
def create(request: Request, session: Session, engine: District, folder: BackupFolder,
           label: Text = "", school_year: Text = "") -> Response:
    try:
        params = {"label": optional_text(label),
                  "school_year": optional_year(school_year, "school_year"),
                  "folder": str(folder)}
        job = submit_checked(engine, "backup", params, user=session.user)
    except RolloverError as refused:
        return _page(request, folder, status=refused.http_status, refused=refused,
                     form={"label": label, "school_year": school_year})
    return RedirectResponse(f"/backups?job={job.job_id}", status_code=303)


@pages.post("/backups/{backup_id}/delete")
def delete(request: Request, backup_id: str, session: Session, engine: District,
           folder: BackupFolder) -> Response:
    try:
        deleted = delete_backup(engine, backup_id, folder=folder, user=session.user)
    except RolloverError as refused:
        return _page(request, folder, status=refused.http_status, refused=refused)
    return _page(request, folder, done=f"Backup {deleted.id} deleted.")


@pages.get("/backups/{backup_id}/restore")
def restore_form(request: Request, backup_id: str, engine: District,
                 folder: BackupFolder) -> Response:
    """What a restore would replace, said by the same check its job makes, before it is
    confirmed."""
    manifest = verified_backup(engine, folder, backup_id)
    try:
        check_job(engine, "restore_backup", _restoring(backup_id, False, folder))
        replaces = None
    except RolloverError as needs_confirmation:
        replaces = str(needs_confirmation)
    return _restore_page(request, manifest, replaces)


@pages.post("/backups/{backup_id}/restore")
def restore(request: Request, backup_id: str, session: Session, engine: District,
            folder: BackupFolder, confirm: Text = "") -> Response:
    manifest = verified_backup(engine, folder, backup_id)
    try:
        job = submit_checked(engine, "restore_backup",
                             _restoring(backup_id, confirm == "true", folder), user=session.user)
    except RolloverError as refused:
        return _restore_page(request, manifest, None, refused=str(refused),
                             status=refused.http_status)
    return RedirectResponse(f"/backups?job={job.job_id}", status_code=303)


@pages.get("/backups/jobs/{job_id}")
def followed(request: Request, job_id: str, engine: District, folder: BackupFolder) -> Response:
    """The job's fragment; once it has ended, the list too (swapped in out of band)."""
    job = get_job(engine, job_id)
    return job_fragment(request, job, _follow(job.job_id), WHAT.get(job.kind, job.kind),
                        template="backups_job.html",
                        extra={"backups": [m.as_json() for m in list_backups(folder)]
                               if job.ended else []})


def _follow(job_id: str) -> str:
    return f"/backups/jobs/{job_id}"


def _restoring(backup_id: str, confirm: bool, folder) -> dict:
    return {"backup_id": backup_id, "confirm": confirm, "folder": str(folder)}


def _page(request: Request, folder, *, status: int = 200, refused: RolloverError | None = None,
          done: str | None = None, form: dict | None = None, followed: dict | None = None):
    field = refused.field if isinstance(refused, FieldRefused) else None
    return render(request, "backups.html", {
        "title": "Backups", "active": "backups",
        "backups": [m.as_json() for m in list_backups(folder)],
        "refused": str(refused) if refused and not field else None,
        "field_errors": {field: str(refused)} if field else {},
        "done": done, "form": form or {"label": "", "school_year": ""},
        "followed": followed}, status=status)


def _restore_page(request: Request, manifest, replaces: str | None, *,
                  refused: str | None = None, status: int = 200) -> Response:
    return render(request, "backup_restore.html", {
        "title": "Restore a backup", "active": "backups", "backup": manifest.as_json(),
        "replaces": replaces, "refused": refused}, status=status)

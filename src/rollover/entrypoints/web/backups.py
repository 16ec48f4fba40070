"""Whole-database backups (YE-4, YE-5): `GET /backups` lists the server's backup folder (as
`rollover backup list --json`), `DELETE /backups/{id}` deletes one of an earlier school year
(needs the `backup` right).  Making and restoring backups are jobs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from ...reports.backup import deleted_json
from ...services.backup import delete_backup, list_backups
from ...services.reads import page_of
from .auth import User
from .context import BackupFolder, District
from .paging import FIRST, PER_PAGE, Page, PageNumber, PerPage
from .problems import responses

router = APIRouter(tags=["backups"])


class Manifest(BaseModel):
    id: str
    created_at: str
    user: str | None
    database: dict[str, Any]
    source_url: str
    school_year: int
    label: str | None
    file: str
    format: str
    size: int
    sha256: str
    alembic_revision: str | None
    row_counts: dict[str, int]
    run_id: str | None
    hmac: str | None


class Deleted(BaseModel):
    deleted: Manifest


@router.get("/backups", response_model=Page[Manifest], responses=responses(400, 401))
def backups(folder: BackupFolder, _user: User, page: PageNumber = FIRST,
            per_page: PerPage = PER_PAGE):
    """Every backup of the server's backup folder, newest first."""
    return page_of([m.as_json() for m in list_backups(folder)], page, per_page).as_json()


@router.delete("/backups/{backup_id}", response_model=Deleted,
               responses=responses(400, 401, 403, 404, 423))
def delete(backup_id: str, engine: District, folder: BackupFolder, user: User):
    """Delete a backup made for a school year before the district's current one (YE-5)."""
    return deleted_json(delete_backup(engine, backup_id, folder=folder, user=user))

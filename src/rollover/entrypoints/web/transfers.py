"""Import and export: `POST /imports` takes a zip of a district bundle or of Ed-Fi files (an
import job, once the zip is unpacked into a folder the server owns) and `GET /exports` answers a
zip of the bundle export (or of one school year as Ed-Fi XML or OneRoster CSV), or for a large
district a job whose result links to the zip (`GET /exports/{job}.zip`).  The user's right is
checked before the upload is read; an upload over the limit is refused as it arrives (413)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy import Engine
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from ...domain.jobs import Job as JobRecord
from ...errors import RolloverError
from ...services.exports import export_file, is_large, new_export_file, write_export_zip
from ...services.jobs import may_submit, submit_checked
from ...services.oneroster_export import oneroster_year
from ...services.uploads import (
    MAX_UPLOAD_BYTES, UploadRefused, refuse_too_large, unpack_bundle_zip, uploads_folder,
)
from .auth import User
from .context import District
from .jobs import SUBMITTED, Job, job_json
from .problems import responses

router = APIRouter(tags=["import and export"])

_FORM = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "A zip whose files are at its root or in one top folder."},
        "format": {"type": "string", "enum": ["bundle", "edfi"], "default": "bundle"},
        "replace": {"type": "string", "enum": ["true", "false"], "default": "false",
                    "description": "Rows of the bundle replace the stored rows of the same "
                                   "ids (an undoable run)."},
        "sync": {"type": "string", "enum": ["true", "false"], "default": "false",
                 "description": "Each table of a file the bundle holds becomes that file: "
                                "rows replaced, added and deleted (an undoable run)."},
        "confirm": {"type": "string", "enum": ["true", "false"], "default": "false",
                    "description": "With sync: delete rows that runs made or changed too."}}}}}}}


class FormatNotSupported(RolloverError):
    """A format this server does not read or write yet."""


@router.post("/imports", status_code=202, response_model=Job, openapi_extra=_FORM,
             responses={**SUBMITTED, **responses(413)})
async def import_upload(request: Request, engine: District, user: User):
    """Import a district bundle, or Ed-Fi 5.2 bulk XML files (`format=edfi`), uploaded as a
    zip (all checked first, all or nothing), as a job; a refused import's job is failed, its
    error listing every problem."""
    return job_json(await queue_import(request, engine, user))


async def queue_import(request: Request, engine: Engine, user: str) -> JobRecord:
    """The import job of the bundle zip a request uploads (this API and the Import page): the
    user's right first, the upload read as it arrives and unpacked, then the job queued."""
    await run_in_threadpool(may_submit, engine, "import", {"folder": ""}, user=user)
    refuse_too_large(_declared_size(request))
    fields = await _form(request)
    try:
        upload, fmt, replace, sync, confirm = _import_fields(fields)
        folder = await run_in_threadpool(
            unpack_bundle_zip, upload.file,
            uploads_folder(engine.url.render_as_string(hide_password=False)))
    finally:
        await fields.close()
    params = {"folder": str(folder), "replace": replace, "format": fmt, "sync": sync,
              "confirm": confirm}
    try:
        return await run_in_threadpool(submit_checked, engine, "import", params, user=user)
    except BaseException:
        shutil.rmtree(folder.parent, ignore_errors=True)
        raise


def _declared_size(request: Request) -> int | None:
    try:
        return int(request.headers.get("content-length", ""))
    except ValueError:
        return None


async def _form(request: Request):
    """The multipart form, read as it arrives; refused (413) once over the upload limit."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UploadRefused("the upload is a multipart/form-data form with a field `file`")

    async def counted():
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            refuse_too_large(size, MAX_UPLOAD_BYTES)
            yield chunk

    parser = MultiPartParser(request.headers, counted(), max_files=1, max_fields=10)
    try:
        return await parser.parse()
    except MultiPartException as exc:
        raise UploadRefused(f"the upload is no readable form: {exc.message}") from None


def _import_fields(fields) -> tuple[UploadFile, str, bool, bool, bool]:
    problems = []
    upload = fields.get("file")
    if not isinstance(upload, UploadFile):
        problems.append("file: is required (the bundle's zip)")
    fmt = fields.get("format") or "bundle"
    if fmt not in ("bundle", "edfi"):
        problems.append(f"format {fmt!r}: is one of bundle, edfi")
    flags = {}
    for name in ("replace", "sync", "confirm"):
        flags[name] = (fields.get(name) or "false").lower()
        if flags[name] not in ("true", "false"):
            problems.append(f"{name} {flags[name]!r}: is true or false")
    if flags["sync"] == "true" and fmt == "edfi":
        problems.append("sync: makes the store equal to a bundle; give format=bundle")
    if flags["replace"] == flags["sync"] == "true":
        problems.append("replace and sync: give one (sync replaces rows as replace does, and "
                        "deletes the stored rows the bundle's files do not hold)")
    if problems:
        raise UploadRefused(problems[0] if len(problems) == 1 else
                            f"{len(problems)} problems: " + "; ".join(problems), problems)
    return upload, fmt, *(flags[name] == "true" for name in ("replace", "sync", "confirm"))


# -- export -----------------------------------------------------------------------------------

_ZIP = {"description": "A zip of the export",
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}


@router.get("/exports", response_class=FileResponse,
            responses={200: _ZIP,
                       202: {"model": Job, "description": "A job, for a large district: once "
                             "it has succeeded its `result.download` is the zip's link"},
                       **responses(400, 401)})
def export(engine: District, user: User,
           format: Annotated[Literal["bundle", "edfi", "oneroster"],  # noqa: A002 - the API's
                             Query(description="The export's format")] = "bundle",
           year: Annotated[int | None, Query(description="The school year (bundle: every "
                                             "year)")] = None):
    """The district as a zip of a bundle (every stored row), or of one school year (`year`,
    else the current one) as the four Ed-Fi XML files (`format=edfi`) or as OneRoster 1.2 CSV
    (`format=oneroster`), read at one moment: at once, or for a district of more than 200,000
    rows a job whose result links to the zip."""
    answer = export_answer(engine, user, format, year)
    if isinstance(answer, JobRecord):
        return JSONResponse(job_json(answer), status_code=202)
    return answer


def export_answer(engine: Engine, user: str, format: str = "bundle",  # noqa: A002 - the API's
                  year: int | None = None) -> FileResponse | JobRecord:
    """The export (this API and the Export page): the zip at once, or the export job of a
    large district."""
    if format not in ("bundle", "edfi", "oneroster"):
        raise FormatNotSupported(f"format {format!r} is not supported: give format=bundle, edfi "
                                 "or oneroster")
    if format == "oneroster":
        year = oneroster_year(engine, year)  # refused at once, before any job
    if is_large(engine):
        params = {"format": format, "year": year, "file": str(new_export_file(_url(engine)))}
        return submit_checked(engine, "export", params, user=user)
    work = Path(tempfile.mkdtemp(prefix="rollover-export-"))
    try:
        archive = write_export_zip(engine, work / "export.zip", format, year)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FileResponse(archive, media_type="application/zip", filename=f"rollover-{format}.zip",
                        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True))


@router.get("/exports/{job_id}.zip", response_class=FileResponse,
            responses={200: _ZIP, **responses(400, 401, 404)})
def exported(job_id: str, engine: District, _user: User):
    """The zip an export job wrote (its `result.download`), while the server keeps it."""
    path = export_file(engine, job_id, _url(engine))
    return FileResponse(path, media_type="application/zip", filename="rollover-bundle.zip")


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)

"""Import and export: `POST /imports` takes a zip of a district bundle (an import job, once the
zip is unpacked into a folder the server owns) and `GET /exports` answers a zip of the bundle
export.  The user's right is checked before the upload is read; an upload over the limit is
refused as it arrives (413)."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from ...errors import RolloverError
from ...services.bundles import export_bundle
from ...services.jobs import may_submit, submit_checked
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
                                   "ids (an undoable run)."}}}}}}}


class FormatNotSupported(RolloverError):
    """A format this server does not read or write yet."""


@router.post("/imports", status_code=202, response_model=Job, openapi_extra=_FORM,
             responses={**SUBMITTED, **responses(413)})
async def import_upload(request: Request, engine: District, user: User):
    """Import a district bundle uploaded as a zip (all checked first, all or nothing), as a
    job; a refused import's job is failed, its error listing every problem."""
    await run_in_threadpool(may_submit, engine, "import", {"folder": ""}, user=user)
    refuse_too_large(_declared_size(request))
    fields = await _form(request)
    try:
        upload, fmt, replace = _import_fields(fields)
        if fmt != "bundle":
            raise FormatNotSupported(f"format {fmt!r} is not yet supported: give format=bundle")
        folder = await run_in_threadpool(
            unpack_bundle_zip, upload.file,
            uploads_folder(engine.url.render_as_string(hide_password=False)))
    finally:
        await fields.close()
    params = {"folder": str(folder), "replace": replace}
    try:
        job = await run_in_threadpool(submit_checked, engine, "import", params, user=user)
    except BaseException:
        shutil.rmtree(folder.parent, ignore_errors=True)
        raise
    return job_json(job)


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


def _import_fields(fields) -> tuple[UploadFile, str, bool]:
    problems = []
    upload = fields.get("file")
    if not isinstance(upload, UploadFile):
        problems.append("file: is required (the bundle's zip)")
    fmt = fields.get("format") or "bundle"
    if fmt not in ("bundle", "edfi"):
        problems.append(f"format {fmt!r}: is one of bundle, edfi")
    replace = (fields.get("replace") or "false").lower()
    if replace not in ("true", "false"):
        problems.append(f"replace {replace!r}: is true or false")
    if problems:
        raise UploadRefused(problems[0] if len(problems) == 1 else
                            f"{len(problems)} problems: " + "; ".join(problems), problems)
    return upload, fmt, replace == "true"


# -- export -----------------------------------------------------------------------------------

@router.get("/exports", response_class=FileResponse,
            responses={200: {"description": "A zip of the export",
                             "content": {"application/zip": {
                                 "schema": {"type": "string", "format": "binary"}}}},
                       **responses(400, 401)})
def export(engine: District, _user: User,
           format: Annotated[Literal["bundle", "edfi", "oneroster"],  # noqa: A002 - the API's
                             Query(description="The export's format")] = "bundle",
           year: Annotated[int | None, Query(description="The school year (bundle: every "
                                             "year)")] = None):
    """The district as a zip of a bundle (every stored row), read at one moment."""
    if format != "bundle":
        raise FormatNotSupported(f"format {format!r} is not yet supported: give format=bundle")
    work = Path(tempfile.mkdtemp(prefix="rollover-export-"))
    try:
        export_bundle(engine, work / "bundle")
        archive = work / "bundle.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
            for path in sorted((work / "bundle").iterdir()):
                out.write(path, path.name)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FileResponse(archive, media_type="application/zip", filename="rollover-bundle.zip",
                        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True))


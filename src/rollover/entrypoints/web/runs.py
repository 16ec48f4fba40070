"""Stored runs: `/runs` (as `rollover runs --json`), one run with its totals and logs, a roll
forward's new enrollments and warnings a page at a time, and its per-student CSV report (as
`rollover report RUN --format csv`).  Reads any signed-in user may make, as on the command
line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask

from ...reports.forward import as_csv_rows, as_json as forward_json, summary_json
from ...reports.runs import run_json, runs_json
from ...services import process, run_changes_export, run_pages
from ...services.modules import all_modules
from ...services.reads import page_of
from ...services.runs import forward_report, get_run, list_runs, places_students
from .auth import User
from .context import District
from .paging import FIRST, PER_PAGE, Page, PageNumber, PerPage
from .problems import responses

router = APIRouter(tags=["runs"])
PROBLEMS = responses(400, 401, 404)


class Run(BaseModel):
    run_id: str
    kind: str
    mode: str
    user: str | None
    started_at: str
    finished_at: str | None
    status: str
    options: dict[str, Any] | None
    counts: dict[str, Any] | None


class Rolled(BaseModel):
    """A new enrollment, as `forward --json` lists it."""

    student_id: str
    source_enrollment_id: str
    enrollment_id: str | None
    calendar_id: str
    structure_id: str
    grade: str
    start_date: dt.date
    service_type: str
    local_start_status: str | None
    graduation_cohort: int | None
    last_day_ender: bool
    warnings: list[str]


class ForwardWarning(BaseModel):
    student_id: str
    source_enrollment_id: str | None
    code: str
    message: str


class RunDetail(Run):
    """The run's record; a roll forward's also has the keys of `forward --json` (`rolled` and
    `warnings` left out with `?summary=true`); a module run's its backup and rollover logs
    (as `rollover tasks RUN --json`); another kind's the report it stored."""

    totals: dict[str, Any] | None = None
    rolled: list[Rolled] | None = None
    warnings: list[ForwardWarning] | None = None
    report: dict[str, Any] | None = None
    backup_log: list[Any] | None = None
    rollover_log: dict[str, Any] | None = None


class RolledPageItem(BaseModel):
    student_id: str
    student_number: str | None
    first_name: str | None
    last_name: str | None
    source_enrollment_id: str
    enrollment_id: str | None
    source_calendar_id: str | None
    source_school_id: str | None
    source_school_name: str | None
    source_grade: str | None
    calendar_id: str
    school_id: str | None
    school_name: str | None
    structure_id: str | None
    grade: str
    start_date: dt.date | None
    service_type: str | None
    local_start_status: str | None
    graduation_cohort: int | None
    last_day_ender: bool
    warnings: list[str]
    rule: str | None


class WarningPageItem(BaseModel):
    student_id: str
    student_number: str | None
    first_name: str | None
    last_name: str | None
    source_enrollment_id: str | None
    source_calendar_id: str | None
    source_school_id: str | None
    source_school_name: str | None
    code: str
    message: str


class WarningCount(BaseModel):
    code: str
    count: int


class WarningSummary(BaseModel):
    items: list[WarningCount]


Text = Annotated[str | None, Query()]


@router.get("/runs", response_model=Page[Run], responses=PROBLEMS)
def runs(engine: District, _user: User, page: PageNumber = FIRST, per_page: PerPage = PER_PAGE):
    """Every stored run, newest first, as `rollover runs --json` lists them."""
    return page_of(runs_json(list_runs(engine)), page, per_page).as_json()


@router.get("/runs/{run_id}", response_model=RunDetail, response_model_exclude_unset=True,
            responses=PROBLEMS)
def run(engine: District, _user: User, run_id: str,
        summary: Annotated[bool, Query(description="Leave a roll forward's `rolled` and "
                                                   "`warnings` out.")] = False):
    """One run: its record, totals and logs."""
    record = get_run(engine, run_id)
    body = run_json(record)
    if places_students(record):
        body.update(summary_json(record) if summary
                    else forward_json(forward_report(engine, run_id)))
    else:
        body["report"] = record.report
    if record.kind in {module.name for module in all_modules()}:
        logs = process.task(engine, run_id)
        body.update(backup_log=logs["backup_log"], rollover_log=logs["rollover_log"])
    return body


@router.get("/runs/{run_id}/rolled", response_model=Page[RolledPageItem], responses=PROBLEMS)
def rolled(engine: District, _user: User, run_id: str, school: Text = None, grade: Text = None,
           calendar: Text = None, q: Text = None, page: PageNumber = FIRST,
           per_page: PerPage = PER_PAGE):
    """The run's new (a Run Test's proposed) enrollments in decision order, filtered by the
    new enrollment's school, grade and calendar, and by `q`: words that begin the student's
    first name, last name or number."""
    return run_pages.rolled_page(engine, run_id, school=school, grade=grade, calendar=calendar,
                                 q=q, page=page, per_page=per_page).as_json()


@router.get("/runs/{run_id}/warnings", response_model=Page[WarningPageItem], responses=PROBLEMS)
def warnings(engine: District, _user: User, run_id: str, code: Text = None,
             school: Text = None, page: PageNumber = FIRST, per_page: PerPage = PER_PAGE):
    """The run's warnings in decision order, by code and by the source enrollment's school."""
    return run_pages.warnings_page(engine, run_id, code=code, school=school, page=page,
                                   per_page=per_page).as_json()


@router.get("/runs/{run_id}/warnings/summary", response_model=WarningSummary,
            responses=PROBLEMS)
def warnings_summary(engine: District, _user: User, run_id: str):
    """How many warnings of each code, most frequent first."""
    return {"items": run_pages.warnings_summary(engine, run_id)}


@router.get("/runs/{run_id}/report.csv", response_class=Response, responses={
    200: {"content": {"text/csv": {"schema": {"type": "string"}}},
          "description": "One row per new enrollment and per warning."}, **PROBLEMS})
def report_csv(engine: District, _user: User, run_id: str) -> Response:
    """The per-student report of a run that places students, as `rollover report RUN --format
    csv`."""
    out = io.StringIO()
    csv.writer(out).writerows(as_csv_rows(forward_report(engine, run_id)))
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{run_id}.csv"'})


@router.get("/runs/{run_id}/changes.zip", response_class=FileResponse, responses={
    200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
          "description": "A CSV per bundle table the run changed, and summary.csv."},
    **PROBLEMS})
def changes_zip(engine: District, _user: User, run_id: str,
                format: Annotated[str, Query(  # noqa: A002 - the API's name
                    description="csv, the only one")] = "csv",
                year: Annotated[int | None, Query(description="Refused: a run's changes are "
                                                  "of every year")] = None):
    """What a real run inserted, updated and deleted, as `rollover export --changes RUN --format
    csv` writes it (docs/interop.md, section 4), zipped."""
    work = Path(tempfile.mkdtemp(prefix="rollover-changes-"))
    try:
        archive = run_changes_export.write_changes_zip(engine, run_id, work / "changes.zip",
                                                       fmt=format, year=year)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FileResponse(archive, media_type="application/zip", filename=f"{run_id}-changes.zip",
                        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True))

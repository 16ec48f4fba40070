"""Tasks and reports: every run, filtered by kind, status and user and paged by the server
(services/run_lists.py), newest first; and one run's page (`/tasks/{run_id}`): its record, the
backup log and rollover log of a module run (as `rollover tasks RUN_ID`), the findings count of
a check, the per-student CSV of a run that places students (the API's report.csv), and the way
to undo any run that can be undone (the undo page lists what it would put back and lose)."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from starlette.responses import Response

from ....errors import RolloverError
from ....reports.stored import counts_line
from ....services import process
from ....services.modules import all_modules
from ....services.readiness import CHECK
from ....services.run_lists import run_filters, run_summary, runs_page
from ....services.runs import get_run, places_students
from ....services.undo import can_be_undone
from ..context import District
from .rendering import render
from .session import signed_in_pages

pages = signed_in_pages()
SHOWN = 500  # messages of a rollover log shown; the rest are counted
Filter = Annotated[str, Query()]


@pages.get("/tasks")
def tasks(request: Request, engine: District, kind: Filter = "", status: Filter = "",
          user: Filter = "", page: Filter = "1") -> Response:
    chosen = {"kind": kind, "status": status, "user": user}
    listed, refused = None, None
    try:
        listed = runs_page(engine, kind=kind, status=status, user=user,
                           page=int(page) if page.strip().isdigit() else page)
    except RolloverError as error:
        refused = str(error)
    return render(request, "tasks.html", {
        "title": "Tasks and reports", "active": "tasks", "runs": listed, "refused": refused,
        "chosen": chosen, "choices": run_filters(engine), "counts_line": counts_line,
        "options_line": options_line,
        "link": lambda n: "/tasks?" + urlencode({**{k: v for k, v in chosen.items() if v},
                                                 "page": n})},
        status=400 if refused else 200)


@pages.get("/tasks/{run_id}")
def task(request: Request, engine: District, run_id: str) -> Response:
    record = get_run(engine, run_id)  # an unknown run: a 404 page naming it
    logs = (process.task(engine, run_id)
            if record.kind in {module.name for module in all_modules()} else None)
    report = None
    if logs is None and record.kind != CHECK.kind and record.report:
        report = json.dumps(record.report, indent=2, sort_keys=True, default=str)
    return render(request, "task.html", {
        "title": f"Run {run_id}", "active": "tasks", "run": run_summary(record),
        "logs": logs, "report": report, "check": record.kind == CHECK.kind,
        "places_students": places_students(record), "undoable": can_be_undone(record),
        "counts_line": counts_line,
        "options_line": options_line, "shown": SHOWN})


def options_line(options: dict) -> str:
    """The options a run was given, leaving out those not given: e.g. "source_calendars
    2027-ELM0001, test false"."""
    def shown(value) -> str:
        if isinstance(value, list):
            return ", ".join(map(str, value))
        if isinstance(value, bool):
            return "true" if value else "false"
        return json.dumps(value) if isinstance(value, dict) else str(value)
    return "; ".join(f"{name} {shown(value)}" for name, value in options.items()
                     if value not in (None, "", [], {}))

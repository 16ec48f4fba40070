"""`rollover tasks` (YE-19): the Tasks and Reports view, every run of every module with its
backup and rollover logs, as text, CSV or JSON."""

from __future__ import annotations

import csv
import sys

import click

from ...reports.tasks import task_csv_rows, task_text, tasks_csv_rows, tasks_text
from .support import db_option, echo_json, example, json_option, refusals
from .tables import echo_report


@example("tasks", "tasks --csv")
@click.command("tasks")
@click.argument("run_id", required=False)
@json_option("One JSON list (or object), logs included.")
@click.option("--csv", "as_csv", is_flag=True, help="One CSV line per run.")
@db_option
@refusals
def tasks_command(db_url, run_id, as_json: bool, as_csv: bool):
    """Every module run, newest first: who, when, options, status, duration, counts.  With
    RUN_ID: that run with its backup log and rollover log."""
    from ...services.process import task, tasks
    from ...store.database import open_engine

    engine = open_engine(db_url)
    if run_id is not None:
        entry = task(engine, run_id)
        if as_csv:
            csv.writer(sys.stdout).writerows(task_csv_rows(entry))
        elif as_json:
            echo_json(entry)
        else:
            echo_report(task_text(entry))
        return
    listed = tasks(engine, with_logs=as_json)
    if as_json:
        echo_json(listed)
    elif as_csv:
        csv.writer(sys.stdout).writerows(tasks_csv_rows(listed))
    else:
        echo_report(tasks_text(listed))

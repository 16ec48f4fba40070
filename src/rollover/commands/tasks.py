"""`rollover tasks` (YE-19): the Tasks and Reports view, every run of every module with its
backup and rollover logs, as text, CSV or JSON."""

from __future__ import annotations

import csv
import json
import sys

import click

from ..cli_support import db_option, echo_json, refusals

CSV_COLUMNS = ("run_id", "module", "school_year", "mode", "user", "started_at", "status",
               "duration_seconds", "options", "counts", "restored_by")


@click.command("tasks")
@click.argument("run_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON list (or object), logs included.")
@click.option("--csv", "as_csv", is_flag=True, help="One CSV line per run.")
@db_option
@refusals
def tasks_command(db_url, run_id, as_json: bool, as_csv: bool):
    """Every module run, newest first: who, when, options, status, duration, counts.  With
    RUN_ID: that run with its backup log and rollover log."""
    from ..services.process import task, tasks
    from ..store.database import open_engine

    engine = open_engine(db_url)
    if run_id is not None:
        entry = task(engine, run_id)
        if as_csv:
            _csv_log(entry)
        elif as_json:
            echo_json(entry)
        else:
            _text_log(entry)
        return
    listed = tasks(engine, with_logs=as_json)
    if as_json:
        echo_json(listed)
    elif as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(CSV_COLUMNS)
        for entry in listed:
            writer.writerow([json.dumps(entry[c]) if isinstance(entry[c], dict) else
                             ("" if entry[c] is None else entry[c]) for c in CSV_COLUMNS])
    else:
        for e in listed:
            seconds = "" if e["duration_seconds"] is None else f"{e['duration_seconds']:.1f}s"
            counts = e["counts"] or {}
            click.echo(f"{e['run_id']:<42} {e['module']:<16} {e['mode']:<4} {e['status']:<9} "
                       f"{e['user'] or '-':<10} {e['started_at'][:19].replace('T', ' ')} "
                       f"{seconds:>7}  +{counts.get('rows_inserted', 0)} "
                       f"~{counts.get('rows_updated', 0)} -{counts.get('rows_deleted', 0)} "
                       f"!{counts.get('warnings', 0)}")


def _text_log(e: dict) -> None:
    click.echo(f"run {e['run_id']}: {e['module']} {e['school_year']} ({e['mode']}), "
               f"{e['status']}, by {e['user'] or '-'} at {e['started_at'][:19]}")
    click.echo(f"options: {json.dumps(e['options'])}")
    click.echo("backup log:")
    for row in e["backup_log"]:
        click.echo(f"  {row['table']:<24} {row['rows']:>9,} rows saved")
    click.echo("rollover log:")
    for row in e["rollover_log"]["changes"]:
        click.echo(f"  {row['table']:<24} school {row['school_id'] or '-':<10} "
                   f"+{row['inserted']:,} ~{row['updated']:,} -{row['deleted']:,}")
    for m in e["rollover_log"]["messages"]:
        click.echo(f"  {m['level']} {m['code']} {m['record'] or ''} "
                   f"(school {m['school_id'] or '-'}): {m['message']}")


def _csv_log(e: dict) -> None:
    writer = csv.writer(sys.stdout)
    writer.writerow(("log", "table", "school_id", "inserted", "updated", "deleted", "rows",
                     "level", "code", "record", "message"))
    for row in e["backup_log"]:
        writer.writerow(("backup", row["table"], "", "", "", "", row["rows"], "", "", "", ""))
    for row in e["rollover_log"]["changes"]:
        writer.writerow(("rollover", row["table"], row["school_id"] or "", row["inserted"],
                         row["updated"], row["deleted"], "", "", "", "", ""))
    for m in e["rollover_log"]["messages"]:
        writer.writerow(("message", "", m["school_id"] or "", "", "", "", "", m["level"],
                         m["code"], m["record"] or "", m["message"]))

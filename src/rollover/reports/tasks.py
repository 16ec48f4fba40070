"""The Tasks and Reports view (YE-19): every module run, and one run with its backup log and
rollover log, as text lines and CSV rows (the JSON is the service's own objects)."""

from __future__ import annotations

import json
from collections.abc import Iterator

CSV_COLUMNS = ("run_id", "module", "school_year", "mode", "user", "started_at", "status",
               "duration_seconds", "options", "counts", "restored_by")
LOG_COLUMNS = ("log", "table", "school_id", "inserted", "updated", "deleted", "rows", "level",
               "code", "record", "message")


def tasks_text(listed: list[dict]) -> Iterator[str]:
    """A line per run: who, what, status, when, how long, rows changed and warnings."""
    for e in listed:
        seconds = "" if e["duration_seconds"] is None else f"{e['duration_seconds']:.1f}s"
        counts = e["counts"] or {}
        yield (f"{e['run_id']:<42} {e['module']:<16} {e['mode']:<4} {e['status']:<9} "
               f"{e['user'] or '-':<10} {e['started_at'][:19].replace('T', ' ')} "
               f"{seconds:>7}  +{counts.get('rows_inserted', 0)} "
               f"~{counts.get('rows_updated', 0)} -{counts.get('rows_deleted', 0)} "
               f"!{counts.get('warnings', 0)}")


def tasks_csv_rows(listed: list[dict]) -> Iterator[tuple | list]:
    """CSV_COLUMNS, then a row per run (options and counts as JSON)."""
    yield CSV_COLUMNS
    for entry in listed:
        yield [json.dumps(entry[c]) if isinstance(entry[c], dict) else
               ("" if entry[c] is None else entry[c]) for c in CSV_COLUMNS]


def task_text(e: dict) -> Iterator[str]:
    """One run: its heading, options, backup log and rollover log."""
    yield (f"run {e['run_id']}: {e['module']} {e['school_year']} ({e['mode']}), "
           f"{e['status']}, by {e['user'] or '-'} at {e['started_at'][:19]}")
    yield f"options: {json.dumps(e['options'])}"
    yield "backup log:"
    for row in e["backup_log"]:
        yield f"  {row['table']:<24} {row['rows']:>9,} rows saved"
    yield "rollover log:"
    for row in e["rollover_log"]["changes"]:
        yield (f"  {row['table']:<24} school {row['school_id'] or '-':<10} "
               f"+{row['inserted']:,} ~{row['updated']:,} -{row['deleted']:,}")
    for m in e["rollover_log"]["messages"]:
        yield (f"  {m['level']} {m['code']} {m['record'] or ''} "
               f"(school {m['school_id'] or '-'}): {m['message']}")


def task_csv_rows(e: dict) -> Iterator[tuple]:
    """LOG_COLUMNS, then a row per table of the backup log and of the rollover log, and per
    message."""
    yield LOG_COLUMNS
    for row in e["backup_log"]:
        yield ("backup", row["table"], "", "", "", "", row["rows"], "", "", "", "")
    for row in e["rollover_log"]["changes"]:
        yield ("rollover", row["table"], row["school_id"] or "", row["inserted"],
               row["updated"], row["deleted"], "", "", "", "", "")
    for m in e["rollover_log"]["messages"]:
        yield ("message", "", m["school_id"] or "", "", "", "", "", m["level"], m["code"],
               m["record"] or "", m["message"])

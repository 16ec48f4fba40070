"""The Tasks and Reports view (YE-19): every module run, and one run with its backup log and
rollover log, as tables and CSV rows (the JSON is the service's own objects)."""

from __future__ import annotations

from collections.abc import Iterator

from .table import Table, number, table

RUN_COLUMNS = ("run_id", "module", "school_year", "mode", "user", "started_at", "status",
               "duration_seconds", "restored_by", "options")
# Every module run counts these (domain/change_plan.py, `ModulePlan.totals`); a module's own
# counts follow them in the CSV.
COUNT_COLUMNS = ("rows_inserted", "rows_updated", "rows_deleted", "warnings", "errors")
COUNT_HEADERS = ("INSERTED", "UPDATED", "DELETED", "WARNINGS", "ERRORS")
LOG_COLUMNS = ("log", "table", "school_id", "inserted", "updated", "deleted", "rows", "level",
               "code", "record", "message")


def tasks_text(listed: list[dict]) -> Iterator[str | Table]:
    """A row per run: what, when, who, status, how long, rows changed, warnings and options."""
    if not listed:
        yield "no module runs yet (rollover process run MODULE)"
        return
    yield table(
        ("RUN", "MODULE", "YEAR", "MODE", "STATUS", "USER", "STARTED", number("DURATION"),
         *map(number, COUNT_HEADERS), "OPTIONS"),
        ((e["run_id"], e["module"], str(e["school_year"]), e["mode"], e["status"], e["user"],
          _when(e["started_at"]), _seconds(e["duration_seconds"]),
          *((e["counts"] or {}).get(c) for c in COUNT_COLUMNS), options_text(e["options"]))
         for e in listed))


def tasks_csv_rows(listed: list[dict]) -> Iterator[tuple | list]:
    """A header, then a row per run: a column per option-free fact, the options as
    `name=value; ...`, and a column per count (COUNT_COLUMNS, then every other count a listed run
    has, by name; empty where a run has none)."""
    own = sorted({name for e in listed for name, value in (e["counts"] or {}).items()
                  if _is_count(value)} - set(COUNT_COLUMNS))
    counts = (*COUNT_COLUMNS, *own)
    yield (*RUN_COLUMNS, *counts)
    for e in listed:
        facts = {**e, "options": options_text(e["options"])}
        yield [*("" if facts[c] is None else facts[c] for c in RUN_COLUMNS),
               *("" if (e["counts"] or {}).get(c) is None else e["counts"][c] for c in counts)]


def task_text(e: dict) -> Iterator[str | Table]:
    """One run: its heading, options, backup log and rollover log (changes, then messages)."""
    yield (f"run {e['run_id']}: {e['module']} {e['school_year']} ({e['mode']}), "
           f"{e['status']}, by {e['user'] or '-'} at {_when(e['started_at'])}")
    yield f"options: {options_text(e['options']) or 'none'}"
    if e["backup_log"]:
        yield "backup log:"
        yield table(("TABLE", number("ROWS SAVED")),
                    ((row["table"], row["rows"]) for row in e["backup_log"]))
    else:
        yield "backup log: no rows saved"
    changes, messages = e["rollover_log"]["changes"], e["rollover_log"]["messages"]
    if changes:
        yield "rollover log:"
        yield table(("TABLE", "SCHOOL", number("INSERTED"), number("UPDATED"), number("DELETED")),
                    ((row["table"], row["school_id"], row["inserted"], row["updated"],
                      row["deleted"]) for row in changes))
    else:
        yield "rollover log: no rows changed"
    if messages:
        yield "messages:"
        yield table(("LEVEL", "CODE", "RECORD", "SCHOOL", "MESSAGE"),
                    ((m["level"], m["code"], m["record"], m["school_id"], m["message"])
                     for m in messages))


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


def options_text(options: dict | None) -> str:
    """The options a module run was given, as `-o` takes them: `name=value` joined by `; `, a
    list's values by commas; an option left empty (its default) is left out."""
    def shown(value) -> str:
        if isinstance(value, list):
            return ",".join(map(str, value))
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
    return "; ".join(f"{name}={shown(value)}" for name, value in (options or {}).items()
                     if value not in (None, "", [], {}))


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _when(started_at: str) -> str:
    return started_at[:19].replace("T", " ")


def _seconds(duration: float | None) -> str | None:
    return None if duration is None else f"{duration:.1f}s"

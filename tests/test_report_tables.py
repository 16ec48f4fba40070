"""What a person reads from the listing commands: a table with a header row (`runs`, `tasks`,
`tasks RUN_ID`, `backup list`, `users list`, `lock status`, `process status`, `process restore
MODULE`), counts under their names or in words, backup sizes in kB and MB, and a flat CSV from
`tasks --csv` (a column per count, no JSON in a cell).  Off a terminal (here, and in a pipe) the
tables are plain text: no colour codes, no line wrapped; on a terminal Rich draws them.

On SQLite and PostgreSQL: the district is built once per database (module scope) and only read.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys

import pytest
from rich.console import Console

from rollover.entrypoints.cli import tables as cli_tables
from rollover.reports.process import status_text
from rollover.reports.table import human_size, number, table
from rollover.services.bundles import import_bundle
from rollover.store import security as security_store
from rollover.store.database import open_engine, writing
from rollover.store.security import ScheduledTask

from .conftest import emptied_postgres, migrated_sqlite
from .process_setup import as_json, ok
from .districts import District
from .security_setup import ADMIN, add_users, rollover
from .tables import cells, table_headers, table_rows

COUNTS = ["INSERTED", "UPDATED", "DELETED", "WARNINGS", "ERRORS"]
TASKS = [ScheduledTask("nightly-sync", "Nightly state reporting sync", "0 2 * * *", True),
         ScheduledTask("weekly-export", "Weekly gradebook export", None, False)]
GRADES = ["09", "10", "11", "12"]
ESCAPE = re.compile(r"\x1b\[[0-9;]*m")  # colour, bold


def two_schools() -> District:
    """HSA and HSB, each with a 2026-27 and a 2027-28 calendar (grades 09-12; the calendar
    module finds next year's there); SA in HSA (grade 10, and special education at HSB), SB in
    HSB (grade 11)."""
    d = District(source_year=2027)
    for school in ("HSA", "HSB"):
        d.school(school)
        for year in (2027, 2028):
            calendar_id = f"{school}{year % 100}"
            d.calendar(calendar_id, school, year, GRADES)
            d.rename_calendar(calendar_id, f"{school} {year - 1}-{year % 100}")
    d.student("SA")
    d.enroll("EA", "SA", "HSA27", "10")
    d.enroll("EA-SE", "SA", "HSB27", "10", service_type="special_ed")
    d.student("SB")
    d.enroll("EB", "SB", "HSB27", "11")
    return d


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def district(request, tmp_path_factory, postgres_url, sqlite_template):
    """Two schools (above); users `admin` (The Administrator), `clerk`
    (calendar at HSA, read only) and `newcomer` (no rights); two scheduled tasks; the year-end
    process prepared (locked, backed up), the calendar module test-run for HSA and run, and
    registration run with two service types."""
    folder = tmp_path_factory.mktemp(f"reports-{request.param}")
    url = (migrated_sqlite(sqlite_template, folder / "rollover.db")
           if request.param == "sqlite" else emptied_postgres(postgres_url))
    engine = open_engine(url)
    import_bundle(engine, two_schools().write_bundle(folder / "bundle"))
    add_users(engine, clerk=[("calendar", "HSA", "read")], newcomer=[])
    with writing(engine) as conn:
        for task in TASKS:
            security_store.put_scheduled_task(conn, task)
    engine.dispose()
    backups = folder / "backups"
    ok(rollover(url, "process", "prepare", "--backup-dir", str(backups), user=ADMIN))
    runs = {
        "tested": as_json(rollover(url, "process", "run", "calendar", "--test", "--json",
                                   "-o", "schools=HSA", user=ADMIN)),
        "calendar": as_json(rollover(url, "process", "run", "calendar", "--json", user=ADMIN)),
        "registration": as_json(rollover(
            url, "process", "run", "registration", "--json", "-o",
            "service_types=primary,special_ed", user=ADMIN))}
    return {"url": url, "backups": str(backups), **runs}


def shown(district, *args: str) -> str:
    """A command's standard output, checked to be plain text: no colour or other escape code."""
    out = ok(rollover(district["url"], *args)).stdout
    assert "\x1b" not in out, out
    return out


# -- rollover runs ---------------------------------------------------------------------------------
def test_runs_is_a_table_with_a_header_row_and_counts_in_words(district):
    text = shown(district, "runs")
    assert table_headers(text, "RUN") == ["RUN", "KIND", "MODE", "STARTED", "USER", "STATUS",
                                          "COUNTS"]
    rows = table_rows(text, "RUN")
    listed = json.loads(shown(district, "runs", "--json"))
    assert [row["RUN"] for row in rows] == [r["run_id"] for r in listed]
    assert len(text.splitlines()) == 1 + len(listed)  # no row wrapped onto a second line
    row = next(r for r in rows if r["RUN"] == district["registration"]["run_id"])
    totals = district["registration"]["totals"]
    assert (row["KIND"], row["MODE"], row["USER"], row["STATUS"]) == (
        "registration", "run", ADMIN, "completed")
    assert row["COUNTS"].split(", ")[:5] == [
        f"rows inserted {totals['rows_inserted']}", "rows updated 0", "rows deleted 0",
        f"warnings {totals['warnings']}", "errors 0"]


# -- rollover tasks --------------------------------------------------------------------------------
def test_tasks_is_a_table_with_the_counts_under_their_names(district):
    text = shown(district, "tasks")
    assert table_headers(text, "RUN") == ["RUN", "MODULE", "YEAR", "MODE", "STATUS", "USER",
                                          "STARTED", "DURATION", *COUNTS, "OPTIONS"]
    rows = {row["RUN"]: row for row in table_rows(text, "RUN")}
    assert list(rows) == [district[r]["run_id"] for r in ("registration", "calendar", "tested")]
    assert len(text.splitlines()) == 1 + len(rows)
    registration = rows[district["registration"]["run_id"]]
    totals = district["registration"]["totals"]
    assert totals["rows_inserted"] > 0
    assert [registration[c] for c in COUNTS] == [
        str(totals["rows_inserted"]), "0", "0", str(totals["warnings"]), "0"]
    assert registration["OPTIONS"] == "service_types=primary,special_ed"
    assert rows[district["tested"]["run_id"]]["OPTIONS"] == "schools=HSA"
    assert rows[district["tested"]["run_id"]]["MODE"] == "test"
    assert rows[district["calendar"]["run_id"]]["OPTIONS"] == "-"  # every school: the default


def test_tasks_csv_is_flat_with_a_column_per_count(district):
    rows = list(csv.reader(io.StringIO(shown(district, "tasks", "--csv"))))
    header = rows[0]
    assert header == [
        "run_id", "module", "school_year", "mode", "user", "started_at", "status",
        "duration_seconds", "restored_by", "options", "rows_inserted", "rows_updated",
        "rows_deleted", "warnings", "errors",
        # then each module's own counts, by name
        "calendars", "days", "grade_levels", "not_rolled", "rolled", "skipped", "structures",
        "terms"]
    by_id = {r["run_id"]: r for r in json.loads(shown(district, "tasks", "--json"))}
    assert [row[0] for row in rows[1:]] == list(by_id)
    for row in rows[1:]:
        assert len(row) == len(header)
        assert not [cell for cell in row if cell[:1] in ("{", "[")], row  # no JSON in a cell
        entry = dict(zip(header, row))
        counts = by_id[entry["run_id"]]["counts"]
        assert {name: int(entry[name]) for name in header[10:] if entry[name] != ""} == {
            name: value for name, value in counts.items() if isinstance(value, int)}
    registration = dict(zip(header, rows[1]))
    assert registration["options"] == "service_types=primary,special_ed"
    assert int(registration["rolled"]) == district["registration"]["totals"]["rolled"] > 0
    assert registration["calendars"] == ""  # not a count of the registration module


def test_one_task_shows_its_logs_as_tables(district):
    run = district["registration"]
    text = shown(district, "tasks", run["run_id"])
    lines = text.splitlines()
    assert lines[0].startswith(f"run {run['run_id']}: registration 2027 (run), completed, by "
                               f"{ADMIN} at ")
    assert lines[1] == "options: service_types=primary,special_ed"
    assert lines[2] == "backup log:"
    assert table_headers(text, "TABLE") == ["TABLE", "ROWS SAVED"]
    assert {r["TABLE"]: r["ROWS SAVED"] for r in table_rows(text, "TABLE", after="backup log:")} \
        == {b["table"]: f"{b['rows']:,}" for b in run["backup_log"]}
    changed = table_rows(text, "TABLE", after="rollover log:")
    assert list(changed[0]) == ["TABLE", "SCHOOL", "INSERTED", "UPDATED", "DELETED"]
    assert sorted(tuple(r.values()) for r in changed) == sorted(
        (c["table"], c["school_id"] or "-", str(c["inserted"]), str(c["updated"]),
         str(c["deleted"])) for c in run["rollover_log"]["changes"])


# -- rollover backup list --------------------------------------------------------------------------
def test_backup_list_is_a_table_with_sizes_as_people_read_them(district):
    text = shown(district, "backup", "list", "--dir", district["backups"])
    assert table_headers(text, "BACKUP") == ["BACKUP", "CREATED", "DATABASE", "YEAR", "ROWS",
                                             "SIZE", "USER", "LABEL"]
    [row] = table_rows(text, "BACKUP")
    [manifest] = json.loads(shown(district, "backup", "list", "--dir", district["backups"],
                                  "--json"))
    assert (row["BACKUP"], row["YEAR"], row["USER"]) == (manifest["id"], "2027", ADMIN)
    assert row["ROWS"] == f"{sum(manifest['row_counts'].values()):,}"
    size = re.fullmatch(r"(\d+(?:\.\d)?) (bytes|kB|MB|GB)", row["SIZE"])
    assert size, row["SIZE"]
    scale = {"bytes": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}[size[2]]
    assert 1 <= manifest["size"] / scale < 1000  # the largest unit under the size
    assert abs(float(size[1]) * scale - manifest["size"]) <= 0.05 * scale
    assert str(manifest["size"]) not in text  # no raw byte count


def test_human_sizes_round_to_one_decimal_in_decimal_units():
    assert [human_size(n) for n in (0, 1, 999, 1000, 1_234, 999_949, 999_950, 1_234_567,
                                    61_210_624, 5_000_000_000)] == [
        "0 bytes", "1 byte", "999 bytes", "1.0 kB", "1.2 kB", "999.9 kB", "1.0 MB", "1.2 MB",
        "61.2 MB", "5.0 GB"]


# -- rollover users list ---------------------------------------------------------------------------
def test_users_list_is_a_table_a_row_per_right(district):
    text = shown(district, "users", "list")
    assert table_rows(text, "USER") == [
        {"USER": ADMIN, "FULL NAME": "The Administrator", "RIGHT": "system_all",
         "SCHOOLS": "all schools", "ACCESS": "write"},
        {"USER": "clerk", "FULL NAME": "-", "RIGHT": "calendar", "SCHOOLS": "school HSA",
         "ACCESS": "read"},
        {"USER": "newcomer", "FULL NAME": "-", "RIGHT": "no rights", "SCHOOLS": "-",
         "ACCESS": "-"}]
    assert len(text.splitlines()) == 4


# -- rollover lock status --------------------------------------------------------------------------
def test_lock_status_is_a_heading_then_tables_of_settings_and_scheduled_tasks(district):
    text = shown(district, "lock", "status")
    assert text.splitlines()[0] == "the system is locked for maintenance"
    assert table_rows(text, "SETTING") == [
        {"SETTING": "lock out users", "VALUE": "on"},
        {"SETTING": "disable scheduled tasks", "VALUE": "on"},
        {"SETTING": "users who can work while locked", "VALUE": ADMIN},
        {"SETTING": "scheduled tasks", "VALUE": "2 (0 enabled)"}]
    assert table_rows(text, "SCHEDULED TASK") == [
        {"SCHEDULED TASK": "nightly-sync", "NAME": "Nightly state reporting sync",
         "SCHEDULE": "0 2 * * *", "STATE": "disabled"},
        {"SCHEDULED TASK": "weekly-export", "NAME": "Weekly gradebook export",
         "SCHEDULE": "-", "STATE": "disabled"}]


def test_lock_status_shows_a_task_the_lock_holds_as_held(db_url):
    """`lock on` leaves each task's own flag (YE-2): an enabled task is held by the lock."""
    engine = open_engine(db_url)
    add_users(engine)
    with writing(engine) as conn:
        for task in TASKS:
            security_store.put_scheduled_task(conn, task)
    engine.dispose()
    ok(rollover(db_url, "lock", "on", user=ADMIN))
    text = ok(rollover(db_url, "lock", "status")).stdout
    assert {r["SETTING"]: r["VALUE"] for r in table_rows(text, "SETTING")}[
        "scheduled tasks"] == "2 (1 enabled)"
    assert [(r["SCHEDULED TASK"], r["STATE"]) for r in table_rows(text, "SCHEDULED TASK")] == [
        ("nightly-sync", "enabled, held by the lock"), ("weekly-export", "disabled")]
    ok(rollover(db_url, "lock", "off", user=ADMIN))
    assert [r["STATE"] for r in table_rows(ok(rollover(db_url, "lock", "status")).stdout,
                                            "SCHEDULED TASK")] == ["enabled", "disabled"]


# -- rollover process status, process restore MODULE -----------------------------------------------
def test_process_status_is_a_table_of_steps(district):
    text = shown(district, "process", "status")
    assert text.splitlines()[0] == "year-end process 2027 -> 2028: prepared"
    assert table_headers(text, "STEP") == ["STEP", "STATE", "DETAIL", "AFTER"]
    rows = table_rows(text, "STEP")
    status = json.loads(shown(district, "process", "status", "--json"))
    assert [(r["STEP"], r["STATE"]) for r in rows] == [(s["step"], s["state"])
                                                       for s in status["steps"]]
    steps = {r["STEP"]: r for r in rows}
    assert steps["registration"]["DETAIL"] == district["registration"]["run_id"]
    assert steps["registration"]["AFTER"] == "calendar"
    assert (steps["scheduling"]["STATE"], steps["scheduling"]["DETAIL"]) == ("to do", "-")
    assert steps["lock"]["AFTER"] == "-"


def test_process_status_names_the_step_running_now_above_the_table():
    """YE-20: a step running in another session is named, with its progress, before the steps."""
    status = {"school_year": 2027, "state": "prepared", "steps": [
        {"step": "lock", "state": "done", "detail": "users locked out", "requires": []},
        {"step": "registration", "state": "to do", "detail": None, "requires": ["calendar"]}],
        "running": {"step": "registration", "label": "enrollments", "done": 2500,
                    "total": 10000}}
    text = "\n".join(map(str, status_text(status)))
    assert text.splitlines()[:2] == [
        "year-end process 2027 -> 2028: prepared",
        "running now: registration (enrollments 25%, 2,500 of 10,000)"]
    assert table_rows(text, "STEP") == [
        {"STEP": "lock", "STATE": "done", "DETAIL": "users locked out", "AFTER": "-"},
        {"STEP": "registration", "STATE": "to do", "DETAIL": "-", "AFTER": "calendar"}]


def test_process_restore_lists_a_modules_runs_as_a_table(district):
    text = shown(district, "process", "restore", "calendar")
    rows = table_rows(text, "RUN")
    assert [(r["RUN"], r["MODE"], r["STATUS"], r["USER"]) for r in rows] == [
        (district["calendar"]["run_id"], "run", "completed", ADMIN),
        (district["tested"]["run_id"], "test", "completed", ADMIN)]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r["STARTED"]) for r in rows)


# -- nothing listed yet ----------------------------------------------------------------------------
def test_empty_lists_say_so_in_a_sentence(db_url, tmp_path):
    assert ok(rollover(db_url, "runs")).stdout == "no runs yet\n"
    assert ok(rollover(db_url, "tasks")).stdout == \
        "no module runs yet (rollover process run MODULE)\n"
    assert ok(rollover(db_url, "backup", "list", "--dir", str(tmp_path))).stdout == \
        f"no backups in {tmp_path}\n"
    assert ok(rollover(db_url, "process", "restore", "calendar")).stdout == \
        "no runs of this module yet\n"


# -- the tables themselves -------------------------------------------------------------------------
def test_a_plain_table_keeps_every_cell_whole_on_one_line():
    shown = table(("NAME", number("ROWS"), "NOTE"),
                  [("a", 1234567, "two  spaces\nand a line"), ("longer name", 5, None)])
    assert list(shown.lines()) == [
        "NAME              ROWS  NOTE",
        "a            1,234,567  two spaces and a line",
        "longer name          5  -"]
    assert [cells(line) for line in shown.lines()] == [
        ["NAME", "ROWS", "NOTE"], ["a", "1,234,567", "two spaces and a line"],
        ["longer name", "5", "-"]]


def test_on_a_terminal_rich_draws_the_table_whole_however_narrow(monkeypatch, capsys):
    """A terminal gets a bold header over a rule; a table wider than the terminal is not
    folded: each row stays on one line, each cell whole."""
    monkeypatch.setattr(cli_tables, "terminal_console", lambda: Console(
        file=sys.stdout, force_terminal=True, color_system="standard", width=40))
    long_id = "registration-20270612T101500-3f9a1c"
    cli_tables.echo_report(["a heading", table(("RUN", "MODULE", number("INSERTED")),
                                               [(long_id, "registration", 476)])])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "a heading"
    assert "\x1b[1m" in lines[1] and "RUN" in lines[1]  # bold header
    assert set(lines[2].strip()) == {"─"}
    plain = [ESCAPE.sub("", line) for line in lines]
    assert cells(plain[3]) == [long_id, "registration", "476"]
    assert len(lines) == 4

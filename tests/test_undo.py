"""`rollover undo RUN_ID [--test] [--confirm]`: every kind of run that changes the district can be
undone, and the district is then, table by table and row by row, as it was before the run.

Runs on SQLite and PostgreSQL (`engine`, `db_url`); commands in process (tests/security_setup.py).
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from sqlalchemy import text

from rollover.store.schema import metadata

from .districts import stored_rows
from .processes import command
from .security_setup import END_DATE, add_users, load_district, rollover

# What a run adds besides the district's rows: its record, report, backup and logs.  Every
# other table must be exactly as before the run once it is undone.
RUN_BOOKKEEPING = {"runs", "run_rolled", "run_warnings", "run_grade_totals", "run_backup_steps",
                   "run_backup_rows", "run_messages", "module_runs", "process_activity"}


def district_rows(engine) -> dict[str, list[tuple]]:
    return stored_rows(engine, *(t.name for t in metadata.sorted_tables
                                 if t.name not in RUN_BOOKKEEPING))


def ok(result):
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def as_json(result):
    return json.loads(ok(result).stdout)


def newest_run(db_url) -> dict:
    return as_json(rollover(db_url, "runs", "--json"))[0]


def run_status(db_url, run_id: str) -> str:
    return next(r["status"] for r in as_json(rollover(db_url, "runs", "--json"))
                if r["run_id"] == run_id)


def undone(db_url, run_id: str, *args: str) -> dict:
    return as_json(rollover(db_url, "undo", run_id, "--json", *args))


@pytest.fixture
def district(engine, tmp_path):
    return load_district(engine, tmp_path)


def roll_forward(db_url, year: int = 2027) -> str:
    return as_json(rollover(db_url, "forward", "--source-year", str(year), "--json"))["run_id"]


def changed_then_undone(engine, db_url, *args: str) -> tuple[str, dict]:
    """Run a command that changes the district, check it changed something, undo it; the run
    and the undo's result."""
    before = district_rows(engine)
    ok(rollover(db_url, *args))
    run = newest_run(db_url)
    assert district_rows(engine) != before, f"{args} changed nothing"
    result = undone(db_url, run["run_id"])
    assert district_rows(engine) == before
    assert run_status(db_url, run["run_id"]) == "restored"
    return run["run_id"], result


def test_undo_forward(engine, db_url, district):
    run_id, result = changed_then_undone(engine, db_url, "forward", "--source-year", "2027")
    assert result["restored_runs"] == [run_id]
    assert result["rows"] == {"enrollments": 2}


def test_undo_calendars_roll(engine, db_url, district):
    _, result = changed_then_undone(engine, db_url, "calendars", "roll", "--from-year", "2028")
    assert set(result["rows"]) == {"calendars", "structures", "terms", "grade_levels", "days"}


def test_undo_end_batch(engine, db_url, district):
    changed_then_undone(engine, db_url, "end-batch", "--calendar", "HSA27", "--end-date",
                        END_DATE, "--end-status", "E01")


def test_undo_cleanup(engine, db_url, district):
    roll_forward(db_url)
    ok(rollover(db_url, "edit", "enrollments", "enrollment_id=EA", "--set",
                "end_date=2027-01-15", "--set", "end_status=W1"))
    _, result = changed_then_undone(engine, db_url, "cleanup", "--calendar", "HSA28")
    assert result["rows"] == {"enrollments": 1}


def test_undo_edit(engine, db_url, district):
    _, result = changed_then_undone(engine, db_url, "edit", "students", "student_id=SA",
                                    "--set", "last_name=Changed")
    assert result["rows"] == {"students": 1}


def test_undo_module_run_restores_it_as_the_process_does(engine, db_url, district, tmp_path):
    ok(rollover(db_url, "process", "prepare", "--backup-dir", str(tmp_path / "backups")))
    before = district_rows(engine)
    run = as_json(rollover(db_url, "process", "run", "calendar", "--json"))
    assert district_rows(engine) != before
    result = undone(db_url, run["run_id"])
    assert result["restored_runs"] == [run["run_id"]]
    assert district_rows(engine) == before


def test_undo_names_and_undoes_the_later_runs_that_depend_on_it(engine, db_url, district):
    first = roll_forward(db_url)  # 2027 -> 2028
    before_roll = district_rows(engine)
    ok(rollover(db_url, "calendars", "roll", "--from-year", "2028"))
    roll = newest_run(db_url)["run_id"]
    second = roll_forward(db_url, 2028)  # into the rolled 2029 calendars
    unrelated = as_json(rollover(db_url, "edit", "students", "student_id=SB", "--set",
                                 "last_name=Other", "--json"))
    assert unrelated["after"]["last_name"] == "Other"

    tested = undone(db_url, roll, "--test")
    assert tested["mode"] == "test"
    assert tested["restored_runs"] == [second, roll]  # newest first
    assert district_rows(engine)["calendars"] != before_roll["calendars"]  # nothing written

    result = undone(db_url, roll)
    assert result["restored_runs"] == [second, roll]
    after = district_rows(engine)
    assert after["calendars"] == before_roll["calendars"]
    assert after["enrollments"] == before_roll["enrollments"]
    assert [r for r in after["students"] if r[0] == "SB"][0] != \
        [r for r in before_roll["students"] if r[0] == "SB"][0]  # the unrelated edit stays
    assert run_status(db_url, first) == "completed"
    assert run_status(db_url, second) == "restored"


def test_undo_of_a_run_a_later_run_built_on_undoes_both(engine, db_url, district):
    before = district_rows(engine)
    first = roll_forward(db_url)
    ok(rollover(db_url, "calendars", "roll", "--from-year", "2028"))
    roll = newest_run(db_url)["run_id"]
    second = roll_forward(db_url, 2028)  # its enrollments are rolled from the first run's
    result = undone(db_url, first)
    assert result["restored_runs"] == [second, first]
    after = district_rows(engine)
    assert after["enrollments"] == before["enrollments"]
    assert run_status(db_url, roll) == "completed"


def test_undo_refuses_rows_changed_since_without_confirm(engine, db_url, district):
    before = district_rows(engine)
    run_id = roll_forward(db_url)
    with engine.begin() as conn:  # another program writes the database directly
        conn.execute(text("UPDATE enrollments SET grade = '12' WHERE rolled_from = 'EA'"))
    changed = district_rows(engine)

    tested = undone(db_url, run_id, "--test")
    assert [e["what"] for e in tested["later_edits"]] == ["changed after the run: grade"]
    refused = rollover(db_url, "undo", run_id)
    assert refused.exit_code == 2, refused.stderr
    assert "changed after the run: grade" in refused.stderr
    assert refused.stderr.strip().splitlines()[-1] == (
        "rollover: 1 row changed after the run would be lost; look at them, then undo again "
        "with --confirm; nothing was undone")
    assert district_rows(engine) == changed
    assert run_status(db_url, run_id) == "completed"

    undone(db_url, run_id, "--confirm")
    assert district_rows(engine) == before


@pytest.mark.parametrize("case", ["unknown", "test", "twice", "check"])
def test_undo_refusals_name_the_run(engine, db_url, district, case):
    if case == "unknown":
        run_id, message = "nope", "unknown run 'nope' (see `rollover runs`)"
    elif case == "test":
        run_id = as_json(rollover(db_url, "forward", "--source-year", "2027", "--test",
                                  "--json"))["run_id"]
        message = f"run {run_id} was a Run Test: it changed nothing to undo"
    elif case == "twice":
        run_id = roll_forward(db_url)
        undone(db_url, run_id)
        message = f"run {run_id} was already undone"
    else:
        ok(rollover(db_url, "check", "--year", "2027"))
        run_id = newest_run(db_url)["run_id"]
        message = f"run {run_id} is a check: it cannot be undone"
    before = district_rows(engine)
    result = rollover(db_url, "undo", run_id)
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"rollover: {message}"
    assert district_rows(engine) == before


def test_undo_needs_the_right_of_the_run(engine, db_url, district):
    run_id = roll_forward(db_url)
    add_users(engine, clerk=[("calendar",)], registrar=[("registration",)])
    result = rollover(db_url, "undo", run_id, user="clerk")
    assert result.exit_code == 2
    assert "registration" in result.stderr.strip().splitlines()[-1]
    undone(db_url, run_id, "--user", "registrar")
    assert run_status(db_url, run_id) == "restored"


@pytest.mark.parametrize("args", [
    ("calendars", "roll", "--from-year", "2028"),
    ("end-batch", "--calendar", "HSA27", "--end-date", END_DATE, "--end-status", "E01"),
    ("edit", "students", "student_id=SA", "--set", "last_name=Changed"),
])
def test_undo_in_a_new_process_knows_every_kind_of_run(engine, db_url, district, args):
    """A new `rollover` process has loaded only the undo command's own code, yet knows the
    right of every kind of run it may be asked to undo."""
    before = district_rows(engine)
    ok(rollover(db_url, *args))
    run_id = newest_run(db_url)["run_id"]
    done = subprocess.run(command(db_url, "undo", run_id), capture_output=True, text=True,
                          timeout=300, env={k: v for k, v in os.environ.items()
                                            if k != "ROLLOVER_USER"})
    assert done.returncode == 0, done.stderr
    assert district_rows(engine) == before

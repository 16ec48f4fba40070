"""The year-end process from prepare to finish (year-end.md YE-2, YE-3, YE-16, YE-17, YE-18,
YE-19): the side effects a user's edit has, quieted by `rollover process prepare` and put back by
`rollover process finish`; the maintenance lock while the process runs; one process step at a
time, and a step killed with SIGKILL leaving nothing behind; the Tasks and Reports view
(`rollover tasks`) as text, CSV and JSON.

Every test runs on SQLite and PostgreSQL (`db_url`, `engine`).  Commands run in-process (click's
CliRunner, tests/security_setup.py), except where processes matter (YE-18): there they are real
processes, one of them killed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import signal
import sys

import pytest
from sqlalchemy import select

from rollover.reports.tasks import COUNT_COLUMNS, COUNT_HEADERS, RUN_COLUMNS
from rollover.services.process import BUSY, LOCK
from rollover.store import security as security_store
from rollover.store.database import writing
from rollover.store.locks import AlreadyRunning, exclusive_transaction
from rollover.store.schema import district as district_table
from rollover.store.schema_process import audit_log, notifications, outbox_events
from rollover.store.security import ScheduledTask

from .districts import District, loaded_fixture, stored_rows
from .process_setup import as_json, every_row, ok, refused
from .processes import command, no_process_left, spawn, timed  # noqa: F401 (autouse fixture)
from .security_setup import ADMIN, add_users, rollover
from .tables import table_headers, table_rows

YEAR = 2027
LOCKED = "the system is locked for maintenance"
QUIETED = ("change_auditing", "outbound_publishing", "notifications", "partner_sync")
GRADES = ["09", "10", "11", "12"]
# A clerk who may do every module and edit, but cannot get past the maintenance lock; a keeper
# who can (maintenance_lock with write access for all schools).
CLERK = [("import",), ("calendar",), ("registration",), ("scheduling",), ("attendance_codes",),
         ("backup",)]
KEEPER = [("maintenance_lock",), ("calendar",), ("registration",), ("attendance_codes",)]
TASKS = [ScheduledTask("nightly-sync", "Nightly state reporting sync", "0 2 * * *", True),
         ScheduledTask("weekly-export", "Weekly gradebook export", "0 3 * * 0", False),
         ScheduledTask("hourly-mail", "Hourly parent e-mail", "0 * * * *", True)]


# -- the district ---------------------------------------------------------------------------------
def district() -> District:
    """HSA and HSB, each with a 2026-27 and a 2027-28 calendar (grades 09-12); SA in HSA (grade
    10; special education at HSB), SB in HSB (grade 11); two attendance codes."""
    d = District(source_year=YEAR)
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
    d.attendance_code("A", name="Absent", excused=False)
    d.attendance_code("E", name="Excused", excused=True)
    return d


loaded = loaded_fixture(district)


# -- helpers --------------------------------------------------------------------------------------
def settings(engine) -> dict:
    """Every system setting, and each scheduled task's flag."""
    with engine.connect() as conn:
        return {"settings": security_store.read_settings(conn),
                "tasks": {t.task_id: t.enabled for t in security_store.all_scheduled_tasks(conn)}}


def set_up(engine, switches: dict[str, bool]) -> dict:
    """The district's settings and scheduled tasks as an administrator left them."""
    with writing(engine) as conn:
        security_store.write_settings(conn, **switches)
        for task in TASKS:
            security_store.put_scheduled_task(conn, task)
    return settings(engine)


def side_effects(engine) -> dict[str, list[dict]]:
    with engine.connect() as conn:
        return {t.name: [dict(r._mapping) for r in conn.execute(select(t).order_by(
            t.primary_key.columns.values()[0]))]
                for t in (audit_log, outbox_events, notifications)}


def current_year(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(district_table.c.current_school_year)).scalar()


def edit_special_ed(db_url, user: str, status: str):
    return rollover(db_url, "edit", "enrollments", "enrollment_id=EA-SE", "--set",
                    f"end_status={status}", user=user)


def assert_edit_side_effects(engine, before: dict, switches: dict, user: str, old, new) -> None:
    """The side effects of one edit of EA-SE's end status (old -> new), as the switches ask."""
    now = side_effects(engine)
    added = {name: now[name][len(before[name]):] for name in now}
    assert {name: now[name][:len(before[name])] for name in now} == before
    if switches["change_auditing"]:
        [audit] = added["audit_log"]
        assert (audit["user_name"], audit["table_name"], audit["action"]) == (
            user, "enrollments", "update")
        assert json.loads(audit["row_key"]) == ["EA-SE"]
        before_row, after_row = audit["before"], audit["after"]
        if isinstance(before_row, str):
            before_row, after_row = json.loads(before_row), json.loads(after_row)
        assert before_row["end_status"] == old and after_row["end_status"] == new
        assert {k for k in after_row if after_row[k] != before_row[k]} == {"end_status"}
    else:
        assert added["audit_log"] == []
    channels = sorted(e["channel"] for e in added["outbox_events"])
    expected = (["feed"] if switches["outbound_publishing"] else []) + \
        (["partner"] if switches["partner_sync"] else [])
    assert channels == expected
    for event in added["outbox_events"]:
        assert (event["table_name"], event["action"]) == ("enrollments", "update")
        assert json.loads(event["row_key"]) == ["EA-SE"]
    if switches["notifications"]:
        [note] = added["notifications"]
        assert (note["user_name"], note["student_id"]) == (user, "SA")
        assert "EA-SE" in note["message"]
    else:
        assert added["notifications"] == []


# -- YE-2, YE-3, YE-16: prepare and finish --------------------------------------------------------
SWITCHES = {
    "all on": dict.fromkeys(QUIETED, True),
    "mixed": {"change_auditing": True, "outbound_publishing": False, "notifications": False,
              "partner_sync": True},
}


@pytest.mark.parametrize("which", list(SWITCHES))
def test_ye3_ye16_prepare_quiets_and_locks_and_finish_puts_every_setting_back(
        engine, db_url, loaded, tmp_path, which):
    add_users(engine, clerk=CLERK, keeper=KEEPER)
    switches = SWITCHES[which]
    earlier = set_up(engine, switches)
    assert earlier["settings"] == {"lock_out_users": False, "disable_scheduled_tasks": False,
                                   **switches}

    # YE-3: a user's edit has its side effects while the settings are on.
    before = side_effects(engine)
    ok(edit_special_ed(db_url, "clerk", "W1"))
    assert_edit_side_effects(engine, before, switches, "clerk", None, "W1")

    # Prepare: locked, tasks disabled, side effects off, a whole-database backup taken.
    backups = tmp_path / "backups"
    status = as_json(rollover(db_url, "process", "prepare", "--backup-dir", str(backups),
                              "--json", user=ADMIN))
    assert status["state"] == "prepared"
    steps = {s["step"]: s for s in status["steps"]}
    assert [steps[s]["state"] for s in ("lock", "quiet", "backup")] == ["done"] * 3
    backup_id = status["backup_id"]
    assert backup_id and steps["backup"]["detail"] == backup_id
    assert (backups / f"{backup_id}.json").is_file()
    files = [p for p in backups.iterdir() if p.name.startswith(backup_id)
             and not p.name.endswith(".json")]
    assert len(files) == 1 and files[0].stat().st_size > 0
    manifest = json.loads((backups / f"{backup_id}.json").read_text())
    assert manifest["row_counts"]["enrollments"] == 3
    now = settings(engine)
    assert now["settings"] == {"lock_out_users": True, "disable_scheduled_tasks": True,
                               **dict.fromkeys(QUIETED, False)}
    assert now["tasks"] == {t.task_id: False for t in TASKS}
    lock = as_json(rollover(db_url, "lock", "status", "--json"))
    assert lock["locked"] and lock["users_who_can_work"] == [ADMIN, "keeper"]

    # YE-2: a plain user is locked out; system_all and maintenance_lock users can work.
    everything = every_row(engine)
    refused(edit_special_ed(db_url, "clerk", "W2"), LOCKED)
    refused(rollover(db_url, "process", "run", "calendar", user="clerk"), LOCKED)
    refused(rollover(db_url, "process", "run", "calendar", "--test", user="clerk"), LOCKED)
    assert every_row(engine) == everything
    quiet = side_effects(engine)
    ok(rollover(db_url, "process", "run", "calendar", user=ADMIN))
    registration = as_json(rollover(db_url, "process", "run", "registration", "--json",
                                    "-o", "service_types=primary,special_ed", user="keeper"))
    assert registration["totals"]["rows_inserted"] == 3
    ok(rollover(db_url, "process", "run", "attendance_codes", user="keeper"))
    everything = every_row(engine)
    refused(rollover(db_url, "process", "restore", "registration", registration["run_id"],
                     user="clerk"), LOCKED)
    assert every_row(engine) == everything
    ok(edit_special_ed(db_url, ADMIN, "W3"))
    # YE-3: while prepared nothing is audited, published or notified.
    assert side_effects(engine) == quiet

    # Finish: next year current, every setting and task back as it was, unlocked.
    status = as_json(rollover(db_url, "process", "finish", "--json", user=ADMIN))
    assert status["state"] == "finished"
    switch = next(s for s in status["steps"] if s["step"] == "switch")
    assert switch["state"] == "done" and "2028" in switch["detail"]
    assert current_year(engine) == YEAR + 1
    assert settings(engine) == earlier
    lock = as_json(rollover(db_url, "lock", "status", "--json"))
    assert not lock["locked"]
    assert {t["task_id"]: t["enabled"] for t in lock["scheduled_tasks"]} == \
        {t.task_id: t.enabled for t in TASKS}

    # The clerk works again, and the edit has its side effects again.
    before = side_effects(engine)
    ok(edit_special_ed(db_url, "clerk", "W4"))
    assert_edit_side_effects(engine, before, switches, "clerk", "W3", "W4")


def test_ye16_a_finished_year_cannot_be_prepared_or_run_again(engine, db_url, loaded, tmp_path):
    backups = str(tmp_path / "backups")
    line = refused(rollover(db_url, "process", "finish"))
    assert "not prepared" in line, line
    ok(rollover(db_url, "process", "prepare", "--backup-dir", backups))
    ok(rollover(db_url, "process", "run", "calendar"))
    ok(rollover(db_url, "process", "finish"))
    assert current_year(engine) == YEAR + 1
    everything = every_row(engine)
    for args in (("process", "prepare", "--year", str(YEAR), "--backup-dir", backups),
                 ("process", "run", "registration", "--year", str(YEAR)),
                 ("process", "finish", "--year", str(YEAR))):
        line = refused(rollover(db_url, *args))
        assert str(YEAR) in line, line
    assert every_row(engine) == everything
    # The new current year's process has not started.
    status = as_json(rollover(db_url, "process", "status", "--json"))
    assert (status["school_year"], status["state"]) == (YEAR + 1, "not started")
    status = as_json(rollover(db_url, "process", "status", "--year", str(YEAR), "--json"))
    assert status["state"] == "finished"


def test_ye18_a_second_year_end_process_is_refused_while_one_is_open(engine, db_url, loaded,
                                                                     tmp_path):
    """With the 2026-27 process prepared, preparing another year is refused, naming the open
    one, and writes nothing: no second lock, no second backup, and the settings saved before the
    first prepare are the ones finish puts back (auditing on again)."""
    earlier = set_up(engine, SWITCHES["all on"])
    backups = tmp_path / "backups"
    ok(rollover(db_url, "process", "prepare", "--backup-dir", str(backups)))
    taken = sorted(backups.iterdir())
    everything = every_row(engine)
    for year in (YEAR + 1, YEAR - 1):
        line = refused(rollover(db_url, "process", "prepare", "--year", str(year),
                                "--backup-dir", str(backups)))
        assert f"the year-end process of {YEAR} is open" in line, line
        refused(rollover(db_url, "process", "prepare", "--year", str(year), "--test"))
    assert every_row(engine) == everything
    assert sorted(backups.iterdir()) == taken
    # Preparing the open year again only resumes it.
    ok(rollover(db_url, "process", "prepare", "--backup-dir", str(backups)))
    assert sorted(backups.iterdir()) == taken
    ok(rollover(db_url, "process", "finish"))
    assert settings(engine) == earlier
    assert settings(engine)["settings"]["change_auditing"] is True


def test_ye20_a_killed_step_s_last_progress_is_cleared_when_the_next_step_starts(
        engine, db_url, loaded, tmp_path):
    """A step killed with SIGKILL cannot remove the progress it published (on PostgreSQL a
    `process_activity` row written outside its transaction); the next step starts by clearing
    it, so followers never see the dead step's progress as the new one's."""
    from rollover.pause_points import hold_at
    from rollover.services.process import run_module
    from rollover.store.activity import ActivityBoard, read_activity

    ok(rollover(db_url, "process", "prepare", "--backup-dir", str(tmp_path / "backups")))
    dead = ActivityBoard(engine, "registration").__enter__()  # as a killed step left it
    dead.publish("writing", 7, 10)
    if dead.conn is not None:
        dead.conn.close()  # the dead process's connection is gone; its row stays
    assert read_activity(engine)["step"] == "registration"
    seen = []
    with hold_at("process:step-started", lambda: seen.append(read_activity(engine))):
        run_module(engine, "calendar", user=ADMIN)
    assert seen == [None]
    assert read_activity(engine) is None


def test_ye3_a_restore_after_finish_is_refused_or_has_the_side_effects_of_any_change(
        engine, db_url, loaded, tmp_path):
    """After `finish` the side effects are back on and users are let in again.  A restore of a
    run of the finished year is then either refused (writing nothing), or its changes are
    audited, published and notified like every other change of enrollments (YE-3)."""
    set_up(engine, SWITCHES["all on"])
    ok(rollover(db_url, "process", "prepare", "--backup-dir", str(tmp_path / "backups")))
    ok(rollover(db_url, "process", "run", "calendar"))
    registration = as_json(rollover(db_url, "process", "run", "registration", "--json"))
    assert registration["totals"]["rows_inserted"] == 2
    ok(rollover(db_url, "process", "finish"))
    everything = every_row(engine)
    before = side_effects(engine)
    result = rollover(db_url, "process", "restore", "registration", registration["run_id"],
                      "--json")
    if result.exit_code != 0:
        refused(result)
        assert every_row(engine) == everything
        return
    restored = json.loads(result.stdout)
    assert restored["rows"] == {"enrollments": 2}
    now = side_effects(engine)
    audited = [a for a in now["audit_log"][len(before["audit_log"]):]
               if a["table_name"] == "enrollments"]
    assert len(audited) == 2, "a restore after finish deleted enrollments without audit rows"
    published = [e for e in now["outbox_events"][len(before["outbox_events"]):]
                 if e["channel"] == "feed" and e["table_name"] == "enrollments"]
    assert len(published) == 2, "a restore after finish deleted enrollments unpublished"
    assert len(now["notifications"]) == len(before["notifications"]) + 2


def test_ye2_ye17_a_prepare_refused_for_a_missing_right_changes_nothing(
        engine, db_url, loaded, tmp_path):
    """A user who may lock the system but not take backups cannot prepare: refused, with
    nothing locked, quieted or recorded (all or nothing)."""
    add_users(engine, locker=[("maintenance_lock",)], clerk=CLERK)
    set_up(engine, SWITCHES["all on"])
    everything = every_row(engine)
    for user in ("clerk", "locker"):
        result = rollover(db_url, "process", "prepare", "--backup-dir",
                          str(tmp_path / "backups"), user=user)
        line = refused(result)
        assert user in line, line
        assert every_row(engine) == everything, f"the refused prepare by {user} changed things"
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())


def test_ye4_no_module_runs_before_the_full_backup_is_taken(engine, db_url, loaded, tmp_path):
    """A prepare whose backup cannot be made (the backup folder is a file) is refused; until a
    prepare has taken the backup, no module may run (the backup comes before the first
    rollover)."""
    not_a_folder = tmp_path / "backups"
    not_a_folder.write_text("a file, not a folder\n")
    line = refused(rollover(db_url, "process", "prepare", "--backup-dir", str(not_a_folder)))
    assert "not a folder" in line, line
    status = as_json(rollover(db_url, "process", "status", "--json"))
    assert status["backup_id"] is None
    everything = every_row(engine)
    result = rollover(db_url, "process", "run", "calendar")
    assert result.exit_code == 2, ("a module ran before the year-end backup was taken",
                                   result.stdout)
    assert every_row(engine) == everything
    # Prepared again with a usable folder: the backup is taken and the modules run.
    status = as_json(rollover(db_url, "process", "prepare", "--backup-dir",
                              str(tmp_path / "good"), "--json"))
    assert status["backup_id"]
    ok(rollover(db_url, "process", "run", "calendar"))


# -- YE-18: one step at a time; a step killed leaves nothing -------------------------------------
# A process that registers a module of its own and runs it: the module inserts next year's
# attendance codes and renames this year's, then (with "hang") stops after its changes are
# applied, inside the step's transaction, and waits to be killed.
SLOW = r"""
import sys, time
from sqlalchemy import select
from rollover.domain.change_plan import ModulePlan, inserts, updates
from rollover.pause_points import hold_at
from rollover.services.modules import RolloverModule, register
from rollover.services.process import run_module
from rollover.store.database import open_engine
from rollover.store.schema_modules import attendance_codes as codes

COLUMNS = [c.name for c in codes.columns]

def plan(ctx):
    rows = [tuple(r) for r in ctx.conn.execute(
        select(codes).where(codes.c.school_year == ctx.school_year).order_by(codes.c.code))]
    result = ModulePlan(summary={"codes": len(rows)})
    result.add(inserts("attendance_codes", COLUMNS, [(ctx.next_year, *r[1:]) for r in rows],
                       lambda r: None))
    result.add(updates("attendance_codes", COLUMNS,
                       [(r, (*r[:2], r[2] + " (old)", r[3])) for r in rows], lambda r: None))
    return result

def hang():
    if sys.argv[2] == "hang":
        print("applied", flush=True)
        time.sleep(600)

register(RolloverModule(name="slow_codes", title="Slow codes", tables=("attendance_codes",),
                        requires=(), plan=plan))
with hold_at("process:step-applied", hang):
    result = run_module(open_engine(sys.argv[1]), "slow_codes", user=None)
print("finished", result.run_id, flush=True)
"""

def environment() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("ROLLOVER_USER",
                                                             "ROLLOVER_DATABASE_URL")}
    return {**env, "USER": "tester"}


def slow(db_url: str, mode: str) -> list[str]:
    return [sys.executable, "-c", SLOW, db_url, mode]


@pytest.mark.slow  # real processes, one killed with SIGKILL
def test_ye18_a_second_step_is_refused_at_once_and_a_killed_step_leaves_nothing(
        engine, db_url, loaded, tmp_path):
    ok(rollover(db_url, "process", "prepare", "--backup-dir", str(tmp_path / "backups")))
    everything = every_row(engine)

    holder = spawn(slow(db_url, "hang"), environment())
    line = holder.stdout.readline().strip()
    assert line == "applied", holder.stderr.read() if holder.poll() is not None else line
    # In this process too.
    with pytest.raises(AlreadyRunning, match=BUSY):
        with exclusive_transaction(engine, LOCK, BUSY):
            pass
    for args in (("process", "run", "calendar"), ("process", "run", "calendar", "--test"),
                 ("process", "finish"),
                 ("process", "prepare", "--backup-dir", str(tmp_path / "backups"))):
        done, _ = timed(command(db_url, *args), environment())
        assert done.returncode == 3, (args, done.returncode, done.stdout, done.stderr)
        assert BUSY in done.stderr, done.stderr
        # Refused while the holder still holds the lock (it never lets go by itself): the
        # refused step cannot have waited for it.
        assert holder.poll() is None, holder.communicate()
    # The status can be read meanwhile, and shows a step running.
    done, _ = timed(command(db_url, "process", "status", "--json"), environment())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout).get("running") is not None, done.stdout

    holder.send_signal(signal.SIGKILL)
    holder.communicate()
    # Nothing of the killed step: no run record, no backup rows, no changed data.  (Its last
    # progress report may stay behind: YE-20's followers ignore it once the lock is free.)
    assert every_row(engine) == everything
    assert as_json(rollover(db_url, "process", "status", "--json")).get("running") is None

    # No stale lock: the next step runs (a held lock would refuse it, exit status 3), and the
    # same module now goes through.
    done, _ = timed(command(db_url, "process", "run", "calendar"), environment())
    assert done.returncode == 0, (done.returncode, done.stderr)
    done, _ = timed(slow(db_url, "finish"), environment())
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.split()[-1]
    codes = stored_rows(engine, "attendance_codes")["attendance_codes"]
    assert codes == [(2027, "A", "Absent (old)", False), (2027, "E", "Excused (old)", True),
                     (2028, "A", "Absent", False), (2028, "E", "Excused", True)]
    task = as_json(rollover(db_url, "tasks", run_id, "--json"))
    assert (task["module"], task["status"]) == ("slow_codes", "completed")
    assert task["backup_log"] == [{"table": "attendance_codes", "rows": 4}]


# -- YE-19: the Tasks and Reports view -----------------------------------------------------------
def test_ye19_tasks_show_who_when_options_status_duration_counts_and_logs(
        engine, db_url, loaded, tmp_path):
    add_users(engine, keeper=KEEPER)
    ok(rollover(db_url, "process", "prepare", "--backup-dir", str(tmp_path / "backups"),
                user=ADMIN))
    started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5)
    tested = as_json(rollover(db_url, "process", "run", "calendar", "--test", "--json",
                              "-o", "schools=HSA", user=ADMIN))
    calendar = as_json(rollover(db_url, "process", "run", "calendar", "--json", user=ADMIN))
    options = ["-o", "service_types=primary,special_ed", "-o", "start_date=2027-08-30"]
    registration = as_json(rollover(db_url, "process", "run", "registration", "--json",
                                    *options, user="keeper"))
    codes = as_json(rollover(db_url, "process", "run", "attendance_codes", "--json",
                             user="keeper"))
    restored = as_json(rollover(db_url, "process", "restore", "attendance_codes",
                                codes["run_id"], "--json", user=ADMIN))
    ended = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)
    order = [codes, registration, calendar, tested]  # newest first
    expected = {
        tested["run_id"]: ("calendar", "test", "completed", ADMIN, {"schools": ["HSA"]}),
        calendar["run_id"]: ("calendar", "run", "completed", ADMIN, {"schools": []}),
        registration["run_id"]: ("registration", "run", "completed", "keeper",
                                 {"service_types": ["primary", "special_ed"],
                                  "start_date": "2027-08-30"}),
        codes["run_id"]: ("attendance_codes", "run", "restored", "keeper", {}),
    }

    # JSON: every run, newest first, with its logs.
    listed = as_json(rollover(db_url, "tasks", "--json"))
    assert [t["run_id"] for t in listed] == [r["run_id"] for r in order]
    for task in listed:
        assert (task["module"], task["mode"], task["status"], task["user"],
                task["options"]) == expected[task["run_id"]]
        at = dt.datetime.fromisoformat(task["started_at"])
        at = at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)
        assert started <= at <= ended, task["started_at"]
        assert task["duration_seconds"] is not None and 0 <= task["duration_seconds"] < 60
        assert task["school_year"] == YEAR
    by_id = {t["run_id"]: t for t in listed}
    reg = by_id[registration["run_id"]]
    assert reg["counts"]["rows_inserted"] == registration["totals"]["rows_inserted"] == 3
    assert reg["counts"]["rolled"] == 3
    assert reg["backup_log"] == [{"table": "enrollments", "rows": 3}]
    assert sorted((c["school_id"], c["inserted"]) for c in reg["rollover_log"]["changes"]) == [
        ("HSA", 1), ("HSB", 2)]
    assert by_id[codes["run_id"]]["restored_by"] == restored["run_id"]
    assert by_id[tested["run_id"]]["counts"] == tested["totals"]

    # Text: a table, a row per run, newest first: id, module, year, mode, status, user, time,
    # duration, the counts under their names, and the options.
    text = ok(rollover(db_url, "tasks")).stdout
    assert table_headers(text, "RUN") == [
        "RUN", "MODULE", "YEAR", "MODE", "STATUS", "USER", "STARTED", "DURATION", "INSERTED",
        "UPDATED", "DELETED", "WARNINGS", "ERRORS", "OPTIONS"]
    rows = table_rows(text, "RUN")
    assert [row["RUN"] for row in rows] == [r["run_id"] for r in order]
    for row in rows:
        module, mode, status, user, opts = expected[row["RUN"]]
        assert (row["MODULE"], row["YEAR"], row["MODE"], row["STATUS"], row["USER"]) == (
            module, str(YEAR), mode, status, user), row
        assert row["DURATION"].endswith("s") and float(row["DURATION"][:-1]) >= 0, row
        assert row["STARTED"] == by_id[row["RUN"]]["started_at"][:19].replace("T", " ")
        counts = by_id[row["RUN"]]["counts"]
        assert [row[h] for h in COUNT_HEADERS] == [f"{counts[c]:,}" for c in COUNT_COLUMNS]
        assert given_options(row["OPTIONS"]) == shown_options(opts), row
    reg_row = next(row for row in rows if row["RUN"] == registration["run_id"])
    assert (reg_row["INSERTED"], reg_row["UPDATED"], reg_row["DELETED"]) == ("3", "0", "0")

    # CSV: a header and one row per run, flat: the options as NAME=VALUE, a column per count.
    listed_csv = list(csv.reader(io.StringIO(ok(rollover(db_url, "tasks", "--csv")).stdout)))
    header, rows = listed_csv[0], listed_csv[1:]
    assert header[:len(RUN_COLUMNS) + len(COUNT_COLUMNS)] == [*RUN_COLUMNS, *COUNT_COLUMNS]
    assert [r[0] for r in rows] == [r["run_id"] for r in order]
    for row in rows:
        assert len(row) == len(header)
        assert not [cell for cell in row if cell[:1] in ("{", "[")], row  # no JSON in a cell
        entry = dict(zip(header, row))
        module, mode, status, user, opts = expected[entry["run_id"]]
        assert (entry["module"], entry["mode"], entry["status"], entry["user"]) == (
            module, mode, status, user)
        assert given_options(entry["options"] or "-") == shown_options(opts)
        counts = by_id[entry["run_id"]]["counts"]
        assert {name: int(entry[name]) for name in header[len(RUN_COLUMNS):] if entry[name]} \
            == {name: value for name, value in counts.items() if isinstance(value, int)}
        assert float(entry["duration_seconds"]) >= 0
        assert entry["started_at"] == by_id[entry["run_id"]]["started_at"]
        assert entry["restored_by"] == (by_id[entry["run_id"]]["restored_by"] or "")

    # One run: text, CSV and JSON, with its backup log and rollover log.
    one = as_json(rollover(db_url, "tasks", registration["run_id"], "--json"))
    assert one == {k: v for k, v in by_id[registration["run_id"]].items()}
    text = ok(rollover(db_url, "tasks", registration["run_id"])).stdout
    lines = text.splitlines()
    assert lines[0].startswith(f"run {registration['run_id']}: registration {YEAR} (run), "
                               f"completed, by keeper at ")
    assert given_options(lines[1].removeprefix("options: ")) == shown_options(
        expected[registration["run_id"]][4])
    assert lines[2] == "backup log:"
    assert table_rows(text, "TABLE", after="backup log:") == [
        {"TABLE": "enrollments", "ROWS SAVED": "3"}]
    changed = table_rows(text, "TABLE", after="rollover log:")
    assert sorted((c["TABLE"], c["SCHOOL"], c["INSERTED"], c["UPDATED"], c["DELETED"])
                  for c in changed) == sorted(
        (c["table"], c["school_id"] or "-", str(c["inserted"]), str(c["updated"]),
         str(c["deleted"])) for c in one["rollover_log"]["changes"])
    assert sorted((c["SCHOOL"], c["INSERTED"]) for c in changed
                  if c["TABLE"] == "enrollments") == [("HSA", "1"), ("HSB", "2")]
    rows = list(csv.reader(io.StringIO(ok(rollover(db_url, "tasks", registration["run_id"],
                                                   "--csv")).stdout)))
    assert rows[0][:3] == ["log", "table", "school_id"]
    assert ["backup", "enrollments", "", "", "", "", "3"] == rows[1][:7]
    assert sorted(r[:6] for r in rows[2:] if r[0] == "rollover") == [
        ["rollover", "enrollments", "HSA", "1", "0", "0"],
        ["rollover", "enrollments", "HSB", "2", "0", "0"]]
    # The calendar's test run: what it would have saved and changed (skipping both schools).
    one = as_json(rollover(db_url, "tasks", tested["run_id"], "--json"))
    assert one["mode"] == "test" and one["backup_log"] == tested["backup_log"]
    assert one["rollover_log"]["messages"] == tested["rollover_log"]["messages"]
    assert [m["record"] for m in one["rollover_log"]["messages"]] == ["HSA27"]
    # An unknown run is refused.
    assert "no-such-run" in refused(rollover(db_url, "tasks", "no-such-run"))


def given_options(shown: str) -> dict[str, str]:
    """A run's options as the table and the CSV show them (`name=value; ...`, `-` for none)."""
    return {} if shown == "-" else dict(pair.split("=", 1) for pair in shown.split("; "))


def shown_options(options: dict) -> dict[str, str]:
    """Options as given to `-o` (a list's values joined by commas); those left empty are not
    shown, being the defaults."""
    return {name: ",".join(value) if isinstance(value, list) else str(value)
            for name, value in options.items() if value not in (None, "", [])}

"""YE-2, the maintenance lock: `rollover lock on|off|status` and `services.security.set_lock`.

While locked, every write and every sign-in by a user without `system_all` for all schools or
`maintenance_lock` with write access (for all schools) is refused with "the system is locked for
maintenance"; those users can still work.  Every command of the `rollover` tree is tried
while locked through the examples it declares (`@example`, entrypoints/cli/support.py), so a new
command is covered without a list here to remember.  Every test runs on SQLite and PostgreSQL
(`engine`, `db_url`); commands run in-process through click's CliRunner (tests/security_setup.py).
"""

from __future__ import annotations

import json
import shlex
import threading
from pathlib import Path

import click
import pytest

from rollover.entrypoints.cli import main
from rollover.services.security import (
    SecurityRefused, SystemLocked, lock_status, require, revoke, set_lock, sign_in,
)
from rollover.store import security as store
from rollover.store.database import writing
from rollover.store.security import ScheduledTask

from .security_setup import ADMIN, add_users, every_file, every_row, load_district, refused, \
    rollover, row_counts
from .tables import table_rows

LOCKED = "the system is locked for maintenance"
# A user with every right the commands' examples need, for all schools, but no way past the lock.
PLAIN = [("import",), ("registration",), ("calendar",), ("backup",), ("security",)]


@pytest.fixture
def district(engine, tmp_path):
    """The two-school district, ADMIN, a plain user, and the lock on (by ADMIN)."""
    bundle = load_district(engine, tmp_path)
    add_users(engine, plain=PLAIN,
              keeper=[("maintenance_lock",), ("calendar",)],
              reader=[("maintenance_lock", None, "read"), ("calendar",)],
              hsa_all=[("system_all", "HSA")])
    set_lock(engine, True, user=ADMIN)
    return bundle


# -- every command, while locked ------------------------------------------------------------------
def leaf_commands(group: click.Group = main, path: tuple[str, ...] = ()):
    """(command path, command) of every command of the `rollover` tree that is not a group."""
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*path, name))
        else:
            yield (*path, name), command


def test_ye2_every_command_has_an_example_of_its_own_for_the_lock_test():
    for path, command in leaf_commands():
        examples = getattr(command, "examples", ())
        assert examples, f"`rollover {' '.join(path)}` has no @example"
        for invocation in examples:
            assert tuple(shlex.split(invocation)[:len(path)]) == path, (path, invocation)


@pytest.fixture
def placeholders(engine, db_url, district, tmp_path) -> dict[str, str]:
    """What the examples' {placeholders} stand for, in the locked district: a roll forward Run
    and a backup of the year before (one that may be deleted), made by ADMIN (who gets past the
    lock).  {tmp} is a folder of its own, away from the store and its lock files."""
    tmp = tmp_path / "work"
    run = rollover(db_url, "forward", "--source-year", "2027", "--json", user=ADMIN)
    backup = rollover(db_url, "backup", "create", "--school-year", "2026", "--dir",
                      str(tmp / "backups"), "--json", user=ADMIN)
    assert run.exit_code == 0 and backup.exit_code == 0, (run.stderr, backup.stderr)
    return {"bundle": str(district), "tmp": str(tmp), "run": json.loads(run.stdout)["run_id"],
            "backup": json.loads(backup.stdout)["id"]}


def test_ye2_every_command_while_locked_is_refused_or_writes_nothing(engine, db_url,
                                                                     placeholders):
    """Each command's examples, as the plain user: refused with exactly the lock's message,
    leaving every row and every file as it was; or a read, open while locked, that changes no
    row and no file (it may add files: an export).  `check` also stores its own run record."""
    tmp = Path(placeholders["tmp"])
    for path, command in leaf_commands():
        for invocation in command.examples:
            args = [word.format(**placeholders) for word in shlex.split(invocation)]
            before, files = every_row(engine), every_file(tmp)
            result = rollover(db_url, *args, user="plain")
            said = (invocation, result.exit_code, result.stdout[-500:], result.stderr[-500:])
            if result.exit_code == 0:
                assert files.items() <= every_file(tmp).items(), said
            else:
                assert refused(result, LOCKED), said
                assert every_file(tmp) == files, said
            after = every_row(engine)
            if command.records_own_run:
                added = [row for row in after["runs"] if row not in before["runs"]]
                assert len(added) == 1, said
                assert [row for row in after["runs"] if row not in added] == before.pop("runs")
                after.pop("runs")
            assert after == before, said


@pytest.mark.parametrize("user", [ADMIN, "keeper"])
def test_ye2_lock_admits_system_all_and_maintenance_lock_write(user, engine, db_url, district):
    before = row_counts(engine)
    result = rollover(db_url, "calendars", "roll", "--from-year", "2027", user=user)
    assert result.exit_code == 0, result.stderr
    after = row_counts(engine)
    assert after["calendars"] == before["calendars"] + 2
    assert after["runs"] == before["runs"] + 1


def test_ye2_lock_does_not_admit_maintenance_lock_read_only(engine, db_url, district):
    before = row_counts(engine)
    result = rollover(db_url, "calendars", "roll", "--from-year", "2027", user="reader")
    assert refused(result, LOCKED)
    assert row_counts(engine) == before


def test_ye2_lock_does_not_admit_system_all_for_one_school(engine, db_url, district):
    args = ("calendars", "roll", "--from-year", "2027", "--school", "HSA")
    before = row_counts(engine)
    assert refused(rollover(db_url, *args, user="hsa_all"), LOCKED)
    assert row_counts(engine) == before
    # unlocked, system_all at HSA is every right at HSA
    set_lock(engine, False, user=ADMIN)
    assert rollover(db_url, *args, user="hsa_all").exit_code == 0
    assert row_counts(engine)["calendars"] == before["calendars"] + 1


def test_ye2_lock_on_sets_both_switches_and_off_clears_both(engine, db_url, tmp_path):
    load_district(engine, tmp_path)
    add_users(engine)
    assert store_settings(engine) == {"lock_out_users": False, "disable_scheduled_tasks": False}
    result = rollover(db_url, "lock", "on", "--json", user=ADMIN)
    assert result.exit_code == 0, result.stderr
    assert '"lock_out_users": true, "disable_scheduled_tasks": true' in result.stdout
    assert store_settings(engine) == {"lock_out_users": True, "disable_scheduled_tasks": True}
    assert lock_status(engine).passers == (ADMIN,)
    result = rollover(db_url, "lock", "off", user=ADMIN)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "the system is not locked"
    assert store_settings(engine) == {"lock_out_users": False, "disable_scheduled_tasks": False}
    # the other switches of the row (YE-3's) are left as they were
    with writing(engine) as conn:
        assert not any(store.read_settings(conn)[name] for name in (
            "change_auditing", "outbound_publishing", "notifications", "partner_sync"))


def test_ye2_lock_leaves_each_scheduled_task_as_it_was(engine, tmp_path):
    load_district(engine, tmp_path)
    add_users(engine)
    with writing(engine) as conn:
        store.put_scheduled_task(conn, ScheduledTask("T1", "Nightly attendance", "0 2 * * *", True))
        store.put_scheduled_task(conn, ScheduledTask("T2", "Weekly export", None, False))
    status = set_lock(engine, True, user=ADMIN)
    assert status.disable_scheduled_tasks
    assert [(t.task_id, t.enabled) for t in status.scheduled_tasks] == [("T1", True),
                                                                      ("T2", False)]


def test_ye2_sign_in_is_refused_while_locked(engine, district):
    """Only the users who get past the lock sign in, and (a decision of the server's contract)
    `maintenance_lock` read-only reviewers, who then only read: their writes stay refused."""
    with pytest.raises(SystemLocked, match=f"^{LOCKED}$"):
        sign_in(engine, "plain")
    with pytest.raises(SystemLocked):
        sign_in(engine, "hsa_all")
    assert sign_in(engine, ADMIN).user_name == ADMIN and not sign_in(engine, ADMIN).read_only
    assert sign_in(engine, "keeper").user_name == "keeper"
    reviewer = sign_in(engine, "reader")
    assert reviewer.user_name == "reader" and reviewer.read_only
    set_lock(engine, False, user=ADMIN)
    assert sign_in(engine, "plain").user_name == "plain"
    assert not sign_in(engine, "reader").read_only


def test_ye2_reads_stay_open_while_locked(engine, db_url, district, tmp_path):
    for args in (["check", "--year", "2027"], ["runs"], ["export", str(tmp_path / "out")],
                 ["backup", "list", "--dir", str(tmp_path / "b")], ["users", "list"],
                 ["lock", "status"]):
        result = rollover(db_url, *args, user="plain")
        assert result.exit_code == 0, (args, result.stderr)
    shown = rollover(db_url, "lock", "status", user="plain").stdout
    assert shown.splitlines()[0] == "the system is locked for maintenance"
    settings = {row["SETTING"]: row["VALUE"] for row in table_rows(shown, "SETTING")}
    assert {name: settings[name] for name in (
        "lock out users", "disable scheduled tasks", "users who can work while locked")} == {
        "lock out users": "on", "disable scheduled tasks": "on",
        "users who can work while locked": "admin, keeper"}


def test_ye2_lock_needs_maintenance_lock_write_for_all_schools(engine, db_url, tmp_path):
    load_district(engine, tmp_path)
    add_users(engine, reader=[("maintenance_lock", None, "read")],
              hsa_keeper=[("maintenance_lock", "HSA")], plain=PLAIN)
    before = row_counts(engine)
    for user in ("reader", "hsa_keeper", "plain"):
        result = rollover(db_url, "lock", "on", user=user)
        assert refused(result, f"user {user!r} needs the 'maintenance_lock' right with write "
                               "access for all schools")
    assert row_counts(engine) == before
    assert not lock_status(engine).locked


def test_ye2_lock_on_is_refused_in_an_open_district(engine, db_url, tmp_path):
    load_district(engine, tmp_path)
    before = row_counts(engine)
    result = rollover(db_url, "lock", "on", user="anyone")
    assert refused(result, "lock refused: security is not set up, so the lock would stop "
                           "nobody; add a user first (rollover users add NAME)")
    assert row_counts(engine) == before


def test_ye2_lock_by_an_unknown_user_is_refused(engine, db_url, district):
    before = row_counts(engine)
    assert refused(rollover(db_url, "lock", "off", user="mallory"), "unknown user 'mallory'")
    assert refused(rollover(db_url, "lock", "off"), "no user given: use --user or ROLLOVER_USER")
    assert row_counts(engine) == before
    assert lock_status(engine).locked


def test_ye2_revoking_the_last_way_past_the_lock_is_refused_while_locked(engine, tmp_path):
    load_district(engine, tmp_path)
    add_users(engine, keeper=[("maintenance_lock",), ("security",)])
    set_lock(engine, True, user="keeper")
    revoke(engine, ADMIN, "system_all", user="keeper")  # keeper can still unlock
    before = row_counts(engine)
    with pytest.raises(SecurityRefused, match="the system is locked for maintenance and no user "
                                              "could unlock it any more"):
        revoke(engine, "keeper", "maintenance_lock", user="keeper")
    assert row_counts(engine) == before
    set_lock(engine, False, user="keeper")
    revoke(engine, "keeper", "maintenance_lock", user="keeper")  # unlocked: allowed


def test_ye2_lock_on_waits_for_a_write_in_progress(engine, district):
    """A writer that passed the guard before `lock on` commits first; `lock on` then waits for
    it (PostgreSQL: the settings row held FOR SHARE; SQLite: one writer at a time)."""
    set_lock(engine, False, user=ADMIN)
    done = threading.Event()

    def lock_on():
        set_lock(engine, True, user=ADMIN)
        done.set()

    with writing(engine) as conn:
        require(conn, "plain", "import")
        locker = threading.Thread(target=lock_on)
        locker.start()
        assert not done.wait(1.0)  # still waiting for this transaction
    locker.join(10)
    assert done.is_set() and lock_status(engine).locked


def store_settings(engine) -> dict[str, bool]:
    with engine.connect() as conn:
        found = store.read_settings(conn)
    return {k: found[k] for k in ("lock_out_users", "disable_scheduled_tasks")}

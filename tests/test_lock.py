"""YE-2, the maintenance lock: `rollover lock on|off|status` and `services.security.set_lock`.

While locked, every write and every sign-in by a user without `system_all` for all schools or
`maintenance_lock` with write access (for all schools) is refused with "the system is locked for
maintenance"; those users can still work.  Every test runs on SQLite and PostgreSQL (`engine`,
`db_url`); commands run in-process through click's CliRunner (tests/security_setup.py).
"""

from __future__ import annotations

import threading

import pytest

from rollover.services.security import (
    SecurityRefused, SystemLocked, lock_status, require, revoke, set_lock, sign_in,
)
from rollover.store import security as store
from rollover.store.database import writing
from rollover.store.security import ScheduledTask

from .security_setup import ADMIN, END_DATE, add_users, load_district, refused, rollover, \
    row_counts

LOCKED = "the system is locked for maintenance"
# A user with every right a write below needs, for all schools, but no way past the lock.
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


def writes(bundle, tmp_path) -> dict[str, list[str]]:
    return {
        "import": ["import", str(bundle), "--replace"],
        "demo": ["demo", "--students", "100", "--replace"],
        "forward": ["forward", "--source-year", "2027"],
        "forward-test": ["forward", "--source-year", "2027", "--test"],
        "calendars-roll": ["calendars", "roll", "--from-year", "2027"],
        "end-batch": ["end-batch", "--calendar", "HSA27", "--end-date", END_DATE,
                      "--end-status", "E01"],
        "cleanup": ["cleanup", "--calendar", "HSA28"],
        "backup-create": ["backup", "create", "--dir", str(tmp_path / "backups")],
        "users-add": ["users", "add", "newcomer"],
        "users-grant": ["users", "grant", "plain", "programs"],
    }


WRITES = ["import", "demo", "forward", "forward-test", "calendars-roll", "end-batch", "cleanup",
          "backup-create", "users-add", "users-grant"]


@pytest.mark.parametrize("command", WRITES)
def test_ye2_lock_refuses_a_plain_users_write(command, engine, db_url, district, tmp_path):
    before = row_counts(engine)
    result = rollover(db_url, *writes(district, tmp_path)[command], user="plain")
    assert refused(result, LOCKED)
    assert row_counts(engine) == before
    assert not (tmp_path / "backups").exists()


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
    with pytest.raises(SystemLocked, match=f"^{LOCKED}$"):
        sign_in(engine, "plain")
    with pytest.raises(SystemLocked):
        sign_in(engine, "reader")
    with pytest.raises(SystemLocked):
        sign_in(engine, "hsa_all")
    assert sign_in(engine, ADMIN).user_name == ADMIN
    assert sign_in(engine, "keeper").user_name == "keeper"
    set_lock(engine, False, user=ADMIN)
    assert sign_in(engine, "plain").user_name == "plain"


def test_ye2_reads_stay_open_while_locked(engine, db_url, district, tmp_path):
    for args in (["check", "--year", "2027"], ["runs"], ["export", str(tmp_path / "out")],
                 ["backup", "list", "--dir", str(tmp_path / "b")], ["users", "list"],
                 ["lock", "status"]):
        result = rollover(db_url, *args, user="plain")
        assert result.exit_code == 0, (args, result.stderr)
    assert rollover(db_url, "lock", "status", user="plain").stdout.splitlines()[:4] == [
        "the system is locked for maintenance", "  lock out users:          on",
        "  disable scheduled tasks: on", "  users who can work while locked: admin, keeper"]


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

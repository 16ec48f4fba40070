"""YE-2, users and rights: `rollover users add|list|grant|revoke`, `services.security` and the
guard (`require`) every writing service calls.

Store and command tests run on SQLite and PostgreSQL (`engine`, `db_url`); commands run
in-process through click's CliRunner (tests/security_setup.py).  The first test proves the rules
of the pure decision (`domain.security.decide`) without a database.
"""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from rollover.domain import security as domain_security
from rollover.domain.calendar_roll import CalendarRollOptions
from rollover.domain.security import (
    LOCKED_MESSAGE, Grant, decide, is_known_right, register_right,
)
from rollover.services.backup import create_backup, delete_backup, restore_backup
from rollover.services.bundles import import_bundle
from rollover.services.calendar_roll import roll_calendars
from rollover.services.end_batch import EndBatchOptions, end_batch
from rollover.services.security import (
    NotPermitted, SecurityRefused, add_user, grant, list_users, revoke,
)

from rollover.store.database import open_engine

from .security_setup import ADMIN, END_DATE, add_users, load_district, refused, rollover, \
    row_counts
from .tables import table_rows


def g(right, school=None, access="write", user="u") -> Grant:
    return Grant(user, right, school, access)


def test_ye2_decide_rules():
    """The decision alone: rights per school, district-wide actions, read and write, the lock."""
    assert decide([g("system_all")], True, "calendar", None, True) is None
    assert decide([g("calendar")], False, "calendar", {"A", "B"}, True) is None
    assert decide([g("calendar", "A")], False, "calendar", {"A"}, True) is None
    refusal = decide([g("calendar", "A")], False, "calendar", {"A", "B"}, True)
    assert str(refusal) == "needs the 'calendar' right with write access for school 'B'"
    assert refusal.schools == ("B",) and not refusal.locked
    assert str(decide([g("calendar", "A")], False, "calendar", None, True)) == \
        "needs the 'calendar' right with write access for all schools"
    assert decide([g("calendar", access="read")], False, "calendar", None, False) is None
    assert decide([g("calendar", access="read")], False, "calendar", None, True) is not None
    assert decide([g("system_all", "A")], False, "import", {"A"}, True) is None  # one school
    # YE-2: the lock
    assert str(decide([g("calendar")], True, "calendar", None, True)) == LOCKED_MESSAGE
    assert decide([g("calendar")], True, "calendar", None, False) is None  # reads stay open
    assert decide([g("maintenance_lock"), g("calendar")], True, "calendar", None, True) is None
    for not_past in ([g("maintenance_lock", access="read"), g("calendar")],
                     [g("maintenance_lock", "A"), g("calendar")],
                     [g("system_all", "A")]):
        assert decide(not_past, True, "calendar", {"A"}, True).locked


def test_ye2_open_district_allows_everything_until_the_first_user(engine, db_url, tmp_path):
    """No users: security is not set up; any name (or none) may write."""
    load_district(engine, tmp_path)  # as nobody
    roll_calendars(engine, CalendarRollOptions(from_year=2027, test=True), user="stranger")
    result = rollover(db_url, "calendars", "roll", "--from-year", "2027", "--test")
    assert result.exit_code == 0, result.stderr
    assert rollover(db_url, "users", "list").stdout == \
        "no users: security is not set up, every action is allowed (rollover users add NAME)\n"
    # the first user, added by anyone, gets system_all for all schools
    result = rollover(db_url, "users", "add", "alice", "--full-name", "Alice Adams")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "added user alice", "  the first user: given system_all (write) for all schools"]
    [alice] = list_users(engine)
    assert (alice.user_name, alice.full_name, alice.grants) == (
        "alice", "Alice Adams", (Grant("alice", "system_all", None, "write"),))
    # from now on names count
    before = row_counts(engine)
    with pytest.raises(NotPermitted, match="^unknown user 'stranger'$"):
        roll_calendars(engine, CalendarRollOptions(from_year=2027, test=True), user="stranger")
    assert row_counts(engine) == before


def test_ye2_unknown_or_missing_user_is_refused(engine, db_url, tmp_path):
    bundle = load_district(engine, tmp_path)
    add_users(engine)
    before = row_counts(engine)
    assert refused(rollover(db_url, "import", str(bundle), "--replace", user="nobody"),
                   "unknown user 'nobody'")
    assert refused(rollover(db_url, "import", str(bundle), "--replace"),
                   "no user given: use --user or ROLLOVER_USER")
    assert refused(rollover(db_url, "forward", "--source-year", "2027", "--test",
                            "--user", "nobody"), "unknown user 'nobody'")
    assert row_counts(engine) == before
    # --user wins over $ROLLOVER_USER
    result = rollover(db_url, "import", str(bundle), "--replace", "--user", ADMIN, user="nobody")
    assert result.exit_code == 0, result.stderr


def test_ye2_rights_per_school(engine, db_url, tmp_path):
    """The calendar right for school HSA allows rolling HSA's calendars, not HSB's, and not the
    whole district's."""
    load_district(engine, tmp_path)
    add_users(engine, clerk=[("calendar", "HSA")])
    before = row_counts(engine)
    assert refused(rollover(db_url, "calendars", "roll", "--from-year", "2027", "--school", "HSB",
                            user="clerk"),
                   "user 'clerk' needs the 'calendar' right with write access for school 'HSB'")
    assert refused(rollover(db_url, "calendars", "roll", "--from-year", "2027", "--school", "HSA",
                            "--school", "HSB", user="clerk"),
                   "user 'clerk' needs the 'calendar' right with write access for school 'HSB'")
    assert refused(rollover(db_url, "calendars", "roll", "--from-year", "2027", user="clerk"),
                   "user 'clerk' needs the 'calendar' right with write access for all schools")
    assert row_counts(engine) == before
    result = rollover(db_url, "calendars", "roll", "--from-year", "2027", "--school", "HSA",
                      user="clerk")
    assert result.exit_code == 0, result.stderr
    assert row_counts(engine)["calendars"] == before["calendars"] + 1


def test_ye2_each_write_needs_its_right(engine, db_url, tmp_path):
    """Import needs `import`, the roll forward `registration` for all schools, the end batch
    `registration` at the calendar's school, a backup `backup`; read access writes nothing."""
    bundle = load_district(engine, tmp_path)
    add_users(engine, reader=[("import", None, "read")], hsa_registrar=[("registration", "HSA")])
    before = row_counts(engine)
    with pytest.raises(NotPermitted, match="^user 'reader' needs the 'import' right with write "
                                           "access for all schools$"):
        import_bundle(engine, bundle, replace=True, user="reader")
    assert refused(rollover(db_url, "forward", "--source-year", "2027", "--test",
                            user="hsa_registrar"),
                   "user 'hsa_registrar' needs the 'registration' right with write access for "
                   "all schools")
    with pytest.raises(NotPermitted, match="'registration' right with write access for school "
                                           "'HSB'"):
        end_batch(engine, EndBatchOptions(calendar_id="HSB27", end_date=END_DATE,
                                          end_status="E01"), user="hsa_registrar")
    with pytest.raises(NotPermitted, match="'backup' right"):
        create_backup(engine, folder=tmp_path / "backups", user="hsa_registrar")
    assert not (tmp_path / "backups").exists()
    assert row_counts(engine) == before
    report = end_batch(engine, EndBatchOptions(calendar_id="HSA27", end_date=END_DATE,
                                               end_status="E01"), user="hsa_registrar")
    assert report.totals["ended"] == 1


def test_ye2_managing_users_needs_the_security_right(engine, db_url, tmp_path):
    load_district(engine, tmp_path)
    add_users(engine, plain=[("import",)], keeper=[("security", "HSA")], officer=[("security",)])
    before = row_counts(engine)
    assert refused(rollover(db_url, "users", "add", "eve", user="plain"),
                   "user 'plain' needs the 'security' right with write access for all schools")
    assert refused(rollover(db_url, "users", "grant", "plain", "calendar", user="plain"),
                   "user 'plain' needs the 'security' right with write access for all schools")
    # security at a school manages rights at that school only
    assert refused(rollover(db_url, "users", "grant", "plain", "calendar", "--school", "HSB",
                            user="keeper"),
                   "user 'keeper' needs the 'security' right with write access for school 'HSB'")
    assert row_counts(engine) == before
    assert rollover(db_url, "users", "grant", "plain", "calendar", "--school", "HSA",
                    user="keeper").stdout == "granted calendar (write) for school HSA to plain\n"
    assert rollover(db_url, "users", "add", "eve", user="officer").exit_code == 0
    assert rollover(db_url, "users", "revoke", "plain", "import", user="officer").stdout == \
        "revoked import (write) for all schools from plain\n"


def test_ye2_granting_again_sets_the_access(engine, db_url, tmp_path):
    load_district(engine, tmp_path)
    add_users(engine, clerk=[("calendar", "HSA")])
    assert rollover(db_url, "users", "grant", "clerk", "calendar", "--school", "HSA", "--read",
                    user=ADMIN).exit_code == 0
    result = rollover(db_url, "users", "list", "--json")
    users = {u["user"]: u["rights"] for u in json.loads(result.stdout)}
    assert users == {ADMIN: [{"right": "system_all", "school": None, "access": "write"}],
                     "clerk": [{"right": "calendar", "school": "HSA", "access": "read"}]}
    assert table_rows(rollover(db_url, "users", "list").stdout, "USER") == [
        {"USER": "admin", "FULL NAME": "The Administrator", "RIGHT": "system_all",
         "SCHOOLS": "all schools", "ACCESS": "write"},
        {"USER": "clerk", "FULL NAME": "-", "RIGHT": "calendar", "SCHOOLS": "school HSA",
         "ACCESS": "read"}]


BAD_VALUES = {
    "unknown right": (["users", "grant", "clerk", "calender"],
                      "unknown right 'calender'; the rights are: system_all, maintenance_lock, "),
    "unknown school": (["users", "grant", "clerk", "calendar", "--school", "HSX"],
                       "unknown school 'HSX'"),
    "unknown user": (["users", "grant", "clark", "calendar"], "unknown user 'clark'"),
    "revoke unknown right": (["users", "revoke", "clerk", "calender"], "unknown right 'calender'"),
    "revoke what is not held": (["users", "revoke", "clerk", "calendar"],
                                "user 'clerk' has no 'calendar' right for all schools"),
    "revoke unknown school": (["users", "revoke", "clerk", "calendar", "--school", "HSX"],
                              "unknown school 'HSX'"),
    "name with a space": (["users", "add", "bad name"],
                          "user name 'bad name' contains a space or a control character"),
    "empty name": (["users", "add", ""], "a user name cannot be empty"),
    "same name twice": (["users", "add", "clerk"], "user 'clerk' already exists"),
    "last security manager": (["users", "revoke", ADMIN, "system_all"],
                              "revoking 'system_all' from 'admin' refused: no user could manage "
                              "users any more"),
}


@pytest.mark.parametrize("case", list(BAD_VALUES))
def test_ye2_bad_values_are_refused_naming_them(case, engine, db_url, tmp_path):
    load_district(engine, tmp_path)
    add_users(engine, clerk=[("calendar", "HSA")])
    args, message = BAD_VALUES[case]
    before = row_counts(engine)
    result = rollover(db_url, *args, user=ADMIN)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"rollover: {message}"), result.stderr
    assert "Traceback" not in result.stderr
    assert row_counts(engine) == before


@pytest.mark.parametrize("command", ["grant", "revoke"])
def test_ye2_a_school_given_twice_is_refused_naming_both_not_the_last_kept(
        command, engine, db_url, tmp_path):
    load_district(engine, tmp_path)
    add_users(engine, clerk=[("calendar", "HSA")])
    before = row_counts(engine)
    result = rollover(db_url, "users", command, "clerk", "calendar", "--school", "HSA",
                      "--school", "HSB", user=ADMIN)
    assert result.exit_code == 2, result.stderr
    assert ("Invalid value for '--school': given 2 times ('HSA', 'HSB'): a grant is at one "
            "school") in result.stderr
    assert "Traceback" not in result.stderr
    assert row_counts(engine) == before


def test_ye2_bad_access_is_refused(engine, tmp_path):
    load_district(engine, tmp_path)
    add_users(engine, clerk=[])
    before = row_counts(engine)
    with pytest.raises(SecurityRefused, match="^access must be 'read' or 'write', not 'rw'$"):
        grant(engine, "clerk", "calendar", access="rw", user=ADMIN)
    assert row_counts(engine) == before


def test_ye2_a_module_registers_its_own_right(engine, tmp_path, monkeypatch):
    # a registry of this test's own, so the name is new on every database kind
    monkeypatch.setattr(domain_security, "_rights", domain_security.known_rights())
    load_district(engine, tmp_path)
    add_users(engine, clerk=[])
    with pytest.raises(SecurityRefused, match="unknown right 'transcripts'"):
        grant(engine, "clerk", "transcripts", user=ADMIN)
    assert register_right("transcripts", "the transcripts module") == "transcripts"
    assert is_known_right("transcripts")
    grant(engine, "clerk", "transcripts", "HSA", user=ADMIN)
    assert list_users(engine)[1].grants == (Grant("clerk", "transcripts", "HSA", "write"),)
    with pytest.raises(ValueError, match="not a right name 'Bad Name'"):
        register_right("Bad Name")


def test_ye2_somebody_can_always_manage_users(engine, tmp_path):
    """The first user's system_all can only go once another user manages security."""
    load_district(engine, tmp_path)
    add_users(engine)
    with pytest.raises(SecurityRefused, match="no user could manage users any more"):
        grant(engine, ADMIN, "system_all", access="read", user=ADMIN)
    add_user(engine, "officer", user=ADMIN)
    grant(engine, "officer", "security", user=ADMIN)
    revoke(engine, ADMIN, "system_all", user="officer")
    assert [u.grants for u in list_users(engine)] == [
        (), (Grant("officer", "security", None, "write"),)]


@pytest.fixture
def another_database(engine, tmp_path, postgres_url):
    """The URL of a new, empty database of the `engine`'s kind."""
    if engine.dialect.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'another.db'}"
        return
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    name = f"rollover_another_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_url).set(database=name).render_as_string(False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_ye2_backups_need_the_backup_right(engine, db_url, tmp_path, another_database):
    """Create and delete need `backup`; a restore over a database that has users needs it
    there (a restore into an empty database has nobody to ask)."""
    load_district(engine, tmp_path)
    add_users(engine, plain=[("import",)], keeper=[("backup",)])
    folder = tmp_path / "bk"
    old = create_backup(engine, folder=folder, school_year=2026, user="keeper")
    manifest = create_backup(engine, folder=folder, user="keeper")
    restore_backup(engine, manifest.id, into=another_database, folder=folder, user=None)
    target = open_engine(another_database, migrate=False)
    try:
        before = row_counts(target)
        result = rollover(db_url, "backup", "restore", manifest.id, "--into", another_database,
                          "--dir", str(folder), "--confirm", user="plain")
        assert refused(result, "user 'plain' needs the 'backup' right with write access for "
                               "all schools")
        assert row_counts(target) == before
    finally:
        target.dispose()
    result = rollover(db_url, "backup", "restore", manifest.id, "--into", another_database,
                      "--dir", str(folder), "--confirm", user="keeper")
    assert result.exit_code == 0, result.stderr
    files = sorted(p.name for p in folder.iterdir())
    with pytest.raises(NotPermitted, match="^user 'plain' needs the 'backup' right"):
        delete_backup(engine, old.id, folder=folder, user="plain")
    assert sorted(p.name for p in folder.iterdir()) == files
    delete_backup(engine, old.id, folder=folder, user="keeper")
    assert len(list(folder.iterdir())) == len(files) - 2

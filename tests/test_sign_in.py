"""Signing in (docs/sign-in.md): passwords kept as argon2id hashes, tokens kept as their SHA-256,
one answer to a wrong name or password, throttling after failed sign-ins, the maintenance lock
(YE-2) with its read-only reviewers, expiry and revocation, and `rollover users add|password`.

Every test runs on SQLite and PostgreSQL (`engine`, `db_url`); the clock is given (`now=`), so no
test waits.  Commands run in process (tests/cli.py), their standard input no terminal.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from rollover.domain import sign_in as sign_in_rules
from rollover.domain.sign_in import (
    FAILURE_WINDOW, hash_password, password_matches, password_problem, token_hash,
)
from rollover.services.security import (
    NotPermitted, PasswordRefused, SystemLocked, add_user, grant, set_lock,
)
from rollover.services.sign_in import (
    NotSignedIn, TooManyAttempts, issue_token, revoke_token, set_password, signed_in,
    user_for_token,
)
from rollover.store.schema import users
from rollover.store.schema_server import api_tokens, sign_in_failures

from . import cli
from .security_setup import ADMIN, load_district, refused

T0 = dt.datetime(2027, 6, 20, 8, 0, tzinfo=dt.timezone.utc)
PASSWORD = "correct horse battery"
WRONG = "wrong user name or password"


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """argon2id with the least work it allows: the district's own parameters cost most of a
    second a hash (test_the_hash_is_argon2id_with_the_librarys_parameters checks those)."""
    monkeypatch.setattr(sign_in_rules, "hasher",
                        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def people(engine):
    """ADMIN (system_all) and ann (no rights), each with PASSWORD."""
    add_user(engine, ADMIN, user=None, password=PASSWORD)
    add_user(engine, "ann", user=ADMIN, password=PASSWORD)
    return engine


def stored_hash(engine, name: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(users.c.password_hash)
                            .where(users.c.user_name == name)).scalar()


def table_rows(engine, table) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(table))]


# -- passwords --------------------------------------------------------------------------------

def test_the_hash_is_argon2id_with_the_librarys_parameters(monkeypatch):
    monkeypatch.undo()
    assert sign_in_rules.hasher.hash(PASSWORD).startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_password_is_kept_as_a_salted_argon2id_hash():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("$argon2id$") and PASSWORD not in first
    assert first != second  # salted
    assert password_matches(PASSWORD, first) and password_matches(PASSWORD, second)
    assert not password_matches("correct horse battery!", first)
    assert not password_matches(PASSWORD, None)  # no password set: never matches
    assert not password_matches(PASSWORD, "not a hash")


def test_a_password_has_at_least_eight_characters():
    assert password_problem("12345678") is None
    assert password_problem("1234567") == ("a password must be at least 8 characters long "
                                           "(this one has 7)")
    assert password_problem("") == "a password cannot be empty"
    assert password_problem("tab\tinside it") is not None


def test_users_get_their_password_hashed_and_users_from_before_have_none(people):
    assert password_matches(PASSWORD, stored_hash(people, "ann"))
    add_user(people, "old", user=ADMIN)  # as every user before passwords
    assert stored_hash(people, "old") is None
    with pytest.raises(NotSignedIn, match=f"^{WRONG}$"):
        issue_token(people, "old", "", now=T0)


# -- signing in -------------------------------------------------------------------------------

def test_a_token_signs_its_user_in_and_only_its_hash_is_kept(people):
    token, expires = issue_token(people, "ann", PASSWORD, now=T0)
    assert expires == T0 + dt.timedelta(hours=12)
    assert user_for_token(people, token, now=T0) == "ann"
    [row] = table_rows(people, api_tokens)
    assert row[0] == token_hash(token) and token not in map(str, row)
    session = issue_token(people, "ann", PASSWORD, kind="session", now=T0)
    seen = signed_in(people, session.token, now=T0)
    assert (seen.user_name, seen.kind) == ("ann", "session") and len(seen.csrf_secret) >= 40
    assert signed_in(people, token, now=T0).csrf_secret is None


def test_a_wrong_password_and_an_unknown_user_get_one_answer_and_are_logged(people, caplog):
    caplog.set_level(logging.WARNING, logger="rollover.sign_in")
    for name, password in (("ann", "not the password"), ("nobody", PASSWORD)):
        with pytest.raises(NotSignedIn, match=f"^{WRONG}$"):
            issue_token(people, name, password, now=T0)
    assert table_rows(people, api_tokens) == []
    logged = [r.getMessage() for r in caplog.records]
    assert any("'ann'" in line for line in logged) and any("'nobody'" in line for line in logged)
    assert not any("not the password" in line for line in logged)  # never the password
    assert [r[1] for r in table_rows(people, sign_in_failures)] == ["ann", "nobody"]


def test_five_failures_in_fifteen_minutes_refuse_that_user_for_a_while(people):
    for minute in range(5):
        with pytest.raises(NotSignedIn):
            issue_token(people, "ann", "guess number %d" % minute,
                        now=T0 + dt.timedelta(minutes=minute))
    later = T0 + dt.timedelta(minutes=5)
    # even the right password is refused now, with an error of its own (429)
    with pytest.raises(TooManyAttempts, match="too many failed sign-ins for 'ann'") as refusal:
        issue_token(people, "ann", PASSWORD, now=later)
    assert refusal.value.http_status == 429
    assert issue_token(people, ADMIN, PASSWORD, now=later)  # other users are not slowed down
    # when the first failure is fifteen minutes old, four remain: ann may try again
    again = T0 + FAILURE_WINDOW + dt.timedelta(seconds=1)
    token, _ = issue_token(people, "ann", PASSWORD, now=again)
    assert user_for_token(people, token, now=again) == "ann"


def test_an_open_district_has_nobody_to_sign_in(engine):
    with pytest.raises(NotSignedIn, match="security is not set up"):
        issue_token(engine, "ann", PASSWORD, now=T0)


# -- the maintenance lock (YE-2) --------------------------------------------------------------

def test_ye2_sign_in_while_locked_admits_the_lock_passers_and_read_only_reviewers(engine,
                                                                                  tmp_path):
    load_district(engine, tmp_path)
    add_user(engine, ADMIN, user=None, password=PASSWORD)
    for name, right, access in (("plain", "registration", "write"),
                                ("keeper", "maintenance_lock", "write"),
                                ("reviewer", "maintenance_lock", "read")):
        add_user(engine, name, user=ADMIN, password=PASSWORD)
        grant(engine, name, right, None, access, user=ADMIN)
    add_user(engine, "hsa_reviewer", user=ADMIN, password=PASSWORD)
    grant(engine, "hsa_reviewer", "maintenance_lock", "HSA", "read", user=ADMIN)
    set_lock(engine, True, user=ADMIN)
    for name in ("plain", "hsa_reviewer"):
        with pytest.raises(SystemLocked, match="^the system is locked for maintenance$"):
            issue_token(engine, name, PASSWORD, now=T0)
    for name in (ADMIN, "keeper", "reviewer"):
        token, _ = issue_token(engine, name, PASSWORD, now=T0)
        assert user_for_token(engine, token, now=T0) == name
    # the reviewer only reads: their own password is a write, refused while locked
    with pytest.raises(SystemLocked):
        set_password(engine, "reviewer", "another password", user="reviewer")
    # a wrong password while locked is still just a wrong password
    with pytest.raises(NotSignedIn, match=f"^{WRONG}$"):
        issue_token(engine, "plain", "not the password", now=T0)


# -- expiry and sign-out ----------------------------------------------------------------------

def test_a_token_expires(people):
    token, expires = issue_token(people, "ann", PASSWORD, lifetime=dt.timedelta(hours=1),
                                 now=T0)
    assert user_for_token(people, token, now=expires - dt.timedelta(seconds=1)) == "ann"
    with pytest.raises(NotSignedIn, match="expired"):
        user_for_token(people, token, now=expires)


def test_a_revoked_token_signs_nobody_in(people):
    token, _ = issue_token(people, "ann", PASSWORD, now=T0)
    other, _ = issue_token(people, "ann", PASSWORD, now=T0)
    revoke_token(people, token, now=T0)
    with pytest.raises(NotSignedIn, match="revoked"):
        user_for_token(people, token, now=T0)
    assert user_for_token(people, other, now=T0) == "ann"  # one sign-out ends one sign-in
    with pytest.raises(NotSignedIn):
        revoke_token(people, token, now=T0)
    for unknown in ("no such token", ""):
        with pytest.raises(NotSignedIn):
            user_for_token(people, unknown, now=T0)


# -- changing a password ----------------------------------------------------------------------

def test_a_user_sets_their_own_password_and_security_sets_anyones(people):
    token, _ = issue_token(people, "ann", PASSWORD)
    done = set_password(people, "ann", "a new password", user="ann")
    assert done.tokens_revoked == 1  # a new password ends the sign-ins made with the old one
    with pytest.raises(NotSignedIn):
        user_for_token(people, token)
    with pytest.raises(NotSignedIn):
        issue_token(people, "ann", PASSWORD, now=T0)
    assert issue_token(people, "ann", "a new password", now=T0)
    with pytest.raises(NotPermitted, match="'security' right"):
        set_password(people, ADMIN, "taken over!", user="ann")
    set_password(people, "ann", "set by the admin", user=ADMIN)
    assert password_matches("set by the admin", stored_hash(people, "ann"))


def test_a_short_password_is_refused_and_nothing_changes(people):
    before = stored_hash(people, "ann")
    with pytest.raises(PasswordRefused, match="at least 8 characters"):
        set_password(people, "ann", "short", user="ann")
    with pytest.raises(PasswordRefused):
        add_user(people, "bob", user=ADMIN, password="short")
    assert stored_hash(people, "ann") == before
    assert [r[0] for r in table_rows(people, users)] == [ADMIN, "ann"]


# -- the command line -------------------------------------------------------------------------

def rollover(db_url, *args, user=ADMIN, stdin=None):
    return cli.rollover("--db", db_url, *args, user=user, env={"USER": None}, stdin=stdin)


def test_cli_users_add_reads_the_password_from_stdin_and_never_shows_it(engine, db_url):
    added = rollover(db_url, "users", "add", ADMIN, "--password-stdin", stdin=PASSWORD + "\n")
    assert added.exit_code == 0, added.stderr
    assert added.stdout.splitlines() == [
        f"added user {ADMIN}", "  the first user: given system_all (write) for all schools",
        "  password set: they can sign in"]
    assert PASSWORD not in added.stdout + added.stderr
    assert issue_token(engine, ADMIN, PASSWORD, now=T0)


def test_cli_users_add_without_a_terminal_adds_no_password_as_before(engine, db_url):
    """Scripts and tests call `users add NAME` without a terminal: no question is asked, the
    user has no password (--no-password says so on a terminal)."""
    for args in (["users", "add", ADMIN], ["users", "add", "ann", "--no-password"]):
        result = rollover(db_url, *args, stdin="")
        assert result.exit_code == 0, result.stderr
        assert "password" not in result.stdout
    assert stored_hash(engine, ADMIN) is None and stored_hash(engine, "ann") is None


def test_cli_users_password_changes_it_and_refuses_a_short_one(engine, db_url):
    add_user(engine, ADMIN, user=None, password=PASSWORD)
    changed = rollover(db_url, "users", "password", ADMIN, "--password-stdin",
                       stdin="brand new password\n")
    assert changed.exit_code == 0, changed.stderr
    assert changed.stdout.splitlines() == [f"password set for {ADMIN}"]
    assert password_matches("brand new password", stored_hash(engine, ADMIN))
    before = stored_hash(engine, ADMIN)
    for stdin, message in (("seven77\n", "a password must be at least 8 characters long "
                                         "(this one has 7)"),
                           ("", "no password on standard input (--password-stdin reads its "
                                "first line)")):
        short = rollover(db_url, "users", "password", ADMIN, "--password-stdin", stdin=stdin)
        assert refused(short, message)
        assert "seven77" not in short.stdout + short.stderr
    # without a terminal to ask on, --password-stdin is needed
    assert refused(rollover(db_url, "users", "password", ADMIN, stdin=""),
                   "no terminal to ask for the password on: give --password-stdin and the "
                   "password on standard input")
    assert stored_hash(engine, ADMIN) == before


def test_cli_users_password_refuses_before_reading_a_password(engine, db_url):
    add_user(engine, ADMIN, user=None, password=PASSWORD)
    add_user(engine, "ann", user=ADMIN)
    result = rollover(db_url, "users", "password", ADMIN, "--password-stdin", user="ann",
                      stdin="whatever it is\n")
    assert refused(result, "user 'ann' needs the 'security' right with write access for all "
                           "schools")
    assert refused(rollover(db_url, "users", "password", "nobody", "--password-stdin",
                            stdin="whatever it is\n"), "unknown user 'nobody'")


# -- backups ----------------------------------------------------------------------------------

def test_a_backup_holds_no_sign_in_no_failure_and_no_job(engine, tmp_path):
    """A restored copy must neither accept old sign-ins nor run queued jobs again; the users'
    password hashes are district data and stay in it."""
    import sqlite3

    from rollover.services.backup import create_backup
    from rollover.services.jobs import submit

    load_district(engine, tmp_path)
    add_user(engine, ADMIN, user=None, password=PASSWORD)
    issue_token(engine, ADMIN, PASSWORD)
    with pytest.raises(NotSignedIn):
        issue_token(engine, ADMIN, "not the password")
    submit(engine, "forward", {"source_year": 2027, "test": True}, user=ADMIN)
    manifest = create_backup(engine, folder=tmp_path / "backups", user=ADMIN)
    left_out = {"api_tokens", "sign_in_failures", "jobs", "backup_key"}
    assert not left_out & set(manifest.row_counts) and manifest.row_counts["users"] == 1
    if engine.dialect.name == "sqlite":
        copy = sqlite3.connect(tmp_path / "backups" / manifest.file)
        try:
            assert [copy.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                    for t in sorted(left_out)] == [0, 0, 0, 0]
            assert copy.execute("SELECT password_hash FROM users").fetchone()[0] == \
                stored_hash(engine, ADMIN)
        finally:
            copy.close()

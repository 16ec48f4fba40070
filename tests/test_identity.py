"""Who is acting (issue 11, item 7; docs/security.md, "Who is acting").

On PostgreSQL a login role that is not a superuser is its own rollover user: the database's
authentication is the proof.  `--user` / $ROLLOVER_USER may name another user only when the
role's own user holds system_all (acting for someone, recorded as "ROLE for USER"); the login name
($USER) is no declaration there.  A superuser (the tests' own connection) can change anything,
so for it, as on SQLite, the name is a declaration.
"""

from __future__ import annotations

import pytest

from rollover.services.runs import list_runs
from rollover.store.database import open_engine

from .conftest import emptied_postgres
from .identity_setup import DatabaseRoles
from .security_setup import ADMIN, add_users, load_district, refused, rollover, row_counts
from .tables import table_rows

ROLL = ("calendars", "roll", "--from-year", "2027", "--test")


@pytest.fixture
def superuser(postgres_url, tmp_path):
    """An engine on the session's PostgreSQL database (as the tests' superuser) holding the
    two-school district."""
    engine = open_engine(emptied_postgres(postgres_url))
    load_district(engine, tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def roles(postgres_url):
    made = DatabaseRoles(postgres_url)
    yield made
    made.drop_all()


def last_run_by(engine) -> str | None:
    return list_runs(engine)[0].user_name


def cannot_act_as(role: str, user: str) -> str:
    return (f"database role {role!r} cannot act as user {user!r}: acting for another user needs "
            "the 'system_all' right with write access for all schools")


def test_a_database_role_acts_as_its_own_user(superuser, roles):
    ann, ann_url = roles.make("ann")
    add_users(superuser, **{ann: [("calendar",)]})
    # The login name is no declaration on PostgreSQL: the role is who acts.
    result = rollover(ann_url, *ROLL, login="somebody_else")
    assert result.exit_code == 0, result.stderr
    assert last_run_by(superuser) == ann
    result = rollover(ann_url, *ROLL, user=ann)  # naming oneself is no acting for someone
    assert result.exit_code == 0, result.stderr
    assert last_run_by(superuser) == ann


def test_a_database_role_cannot_claim_another_user(superuser, roles):
    ann, ann_url = roles.make("ann")
    add_users(superuser, **{ann: [("calendar",)]})
    before = row_counts(superuser)
    assert refused(rollover(ann_url, *ROLL, user=ADMIN), cannot_act_as(ann, ADMIN))
    assert refused(rollover(ann_url, *ROLL, "--user", ADMIN), cannot_act_as(ann, ADMIN))
    assert refused(rollover(ann_url, "lock", "on", "--user", ADMIN), cannot_act_as(ann, ADMIN))
    assert refused(rollover(ann_url, "users", "grant", ann, "system_all", "--user", ADMIN),
                   cannot_act_as(ann, ADMIN))
    assert row_counts(superuser) == before


def test_a_database_role_that_is_no_rollover_user_is_refused(superuser, roles):
    stranger, stranger_url = roles.make("stranger")
    add_users(superuser)
    before = row_counts(superuser)
    message = (f"database role {stranger!r} is not a rollover user: add it (rollover users add "
               f"{stranger}) or connect as a role that is one")
    assert refused(rollover(stranger_url, *ROLL), message)
    assert refused(rollover(stranger_url, *ROLL, user=ADMIN), message)
    assert row_counts(superuser) == before
    assert rollover(stranger_url, "runs").exit_code == 0  # reads stay open


def test_system_all_acts_for_another_user_recorded_as_both(superuser, roles):
    boss, boss_url = roles.make("boss")
    ann, _ = roles.make("ann")
    add_users(superuser, **{boss: [("system_all",)], ann: [("calendar", "HSA")]})
    # ann's rights count, not boss's
    assert refused(rollover(boss_url, *ROLL, user=ann),
                   f"user {ann!r} needs the 'calendar' right with write access for all schools")
    result = rollover(boss_url, *ROLL, "--school", "HSA", user=ann)
    assert result.exit_code == 0, result.stderr
    assert last_run_by(superuser) == f"{boss} for {ann}"
    assert f" {boss} for {ann} " in rollover(boss_url, "runs").stdout


def test_a_superuser_declares_the_user_as_on_sqlite(superuser):
    """The tests' connection is a superuser: the name it gives is who acts (and is recorded)."""
    add_users(superuser, clerk=[("calendar", "HSA")])
    url = emptied_url(superuser)
    assert refused(rollover(url, *ROLL, user="clerk"),
                   "user 'clerk' needs the 'calendar' right with write access for all schools")
    assert rollover(url, *ROLL, "--school", "HSA", user="clerk").exit_code == 0
    assert last_run_by(superuser) == "clerk"
    assert refused(rollover(url, *ROLL), "no user given: use --user or ROLLOVER_USER")


def test_on_sqlite_the_user_name_is_a_declaration(tmp_path):
    """Whoever can write the file can change anything: the name (--user, else $ROLLOVER_USER,
    else the login name) is a declaration, for the record and against mistakes."""
    db_url = f"sqlite:///{tmp_path / 'rollover.db'}"
    engine = open_engine(db_url)
    try:
        load_district(engine, tmp_path)
        add_users(engine, clerk=[("calendar",)])
        assert rollover(db_url, *ROLL, user=ADMIN).exit_code == 0
        assert last_run_by(engine) == ADMIN
        assert rollover(db_url, *ROLL, login="clerk").exit_code == 0
        assert last_run_by(engine) == "clerk"
        assert refused(rollover(db_url, *ROLL, login="nobody"), "unknown user 'nobody'")
    finally:
        engine.dispose()


def test_the_first_user_a_database_role_adds_is_itself(postgres_url, roles):
    """In an open district a role that is not a superuser may add only itself first: any other
    first user would leave it (and maybe everybody) unable to manage users."""
    engine = open_engine(emptied_postgres(postgres_url))
    try:
        clerk, clerk_url = roles.make("clerk")
        before = row_counts(engine)
        assert refused(rollover(clerk_url, "users", "add", "ann"),
                       f"the first user must be the database role you connect as ({clerk!r}): "
                       f"add {clerk!r} first, or connect as a role named 'ann'")
        assert row_counts(engine) == before
        assert rollover(clerk_url, "users", "add", clerk).exit_code == 0
        assert rollover(clerk_url, "users", "add", "ann").exit_code == 0
        result = rollover(clerk_url, "users", "list")
        assert table_rows(result.stdout, "USER") == [
            {"USER": "ann", "FULL NAME": "-", "RIGHT": "no rights", "SCHOOLS": "-",
             "ACCESS": "-"},
            {"USER": clerk, "FULL NAME": "-", "RIGHT": "system_all", "SCHOOLS": "all schools",
             "ACCESS": "write"}]
    finally:
        engine.dispose()


def emptied_url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)

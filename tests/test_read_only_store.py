"""A user who may only read the store runs every read command (issue 11, item 7): `runs`,
`tasks`, `report`, `export` (a bundle and OneRoster), `lock status`, `users list`, `process
status`, and `check`, which then skips its run record and says so.

SQLite: the store file is r--r--r-- in an r-xr-xr-x folder, and the commands run in a child
process held to those modes (tests/identity_setup.py).  PostgreSQL: a login role with SELECT
only.  See docs/security.md, "A user who may only read".
"""

from __future__ import annotations

import fcntl
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from alembic import command

from rollover.domain.forward.options import ForwardOptions
from rollover.services.forward import roll_forward, source_calendars_of_year
from rollover.store.database import open_engine
from rollover.store.migrate import alembic_config, head_revision

from .conftest import emptied_postgres
from .identity_setup import DatabaseRoles, cannot_write, read_only_sqlite, rollover_as_reader
from .security_setup import ADMIN, add_users, load_district, rollover, row_counts
from .tables import table_rows

NOT_RECORDED = ("rollover: this user may only read the store: the check was not recorded "
                "as a run")


@dataclass
class Reader:
    """Runs `rollover ARGS` as a user who may only read the store: (exit status, out, err)."""
    url: str  # the owner's URL (the tests' own connection)
    run: Callable[..., tuple[int, str, str]]
    store_files: Callable[[], list[str]]  # what lies beside a SQLite store (else [])


@pytest.fixture(params=["sqlite", "postgresql"])
def reader(request, tmp_path, postgres_url):
    if request.param == "sqlite":
        database = tmp_path / "store" / "rollover.db"
        database.parent.mkdir()
        url = f"sqlite:///{database}"

        def run(*args):
            assert not Path(f"{database}-wal").exists()  # the premise: the store is at rest
            with read_only_sqlite(database):
                assert cannot_write(database, tmp_path)  # the premise: this user cannot write
                child = rollover_as_reader(url, *args, cwd=tmp_path)
            return child.returncode, child.stdout, child.stderr

        yield Reader(url, run, lambda: sorted(p.name for p in database.parent.iterdir()))
        return
    url = emptied_postgres(postgres_url)
    roles = DatabaseRoles(postgres_url)
    _, role_url = roles.make("reader", access="read")

    def run(*args):
        result = rollover(role_url, *args)
        return result.exit_code, result.stdout, result.stderr

    yield Reader(url, run, lambda: [])
    roles.drop_all()


def stored_district(url: str, tmp_path: Path) -> str:
    """The two-school district, ADMIN, and a roll forward test run; the run's id.  The owner's
    engine is closed again: nobody has the store open."""
    engine = open_engine(url)
    try:
        load_district(engine, tmp_path)
        add_users(engine)
        options = ForwardOptions(source_calendars=tuple(source_calendars_of_year(engine, 2027)),
                                 test=True)
        return roll_forward(engine, options, user=ADMIN).run.run_id
    finally:
        engine.dispose()


def test_a_user_who_may_only_read_runs_every_read_command(reader, tmp_path):
    run_id = stored_district(reader.url, tmp_path)
    engine = open_engine(reader.url)
    before = row_counts(engine)
    engine.dispose()
    files = reader.store_files()
    outputs = {}
    for args in (["runs"], ["runs", "--json"], ["tasks"], ["report", run_id], ["lock", "status"],
                 ["users", "list"], ["export", str(tmp_path / "out")], ["process", "status"],
                 ["check", "--year", "2027"],
                 ["export", "--format", "oneroster", str(tmp_path / "oneroster")]):
        status, out, err = reader.run(*args)
        assert status == 0, (args, err)
        assert "Traceback" not in err
        outputs[args[0]] = (out, err)
    assert [r["run_id"] for r in json.loads(outputs["runs"][0])] == [run_id]
    assert run_id in outputs["report"][0]
    assert outputs["lock"][0].startswith("the system is not locked\n")
    assert outputs["process"][0].startswith("year-end process 2027 -> 2028: not started\n")
    assert [(u["USER"], u["FULL NAME"]) for u in table_rows(outputs["users"][0], "USER")][0] \
        == (ADMIN, "The Administrator")
    assert (tmp_path / "out" / "students.csv").is_file()
    assert (tmp_path / "oneroster" / "users.csv").is_file()
    check_out, check_err = outputs["check"]
    assert check_out.startswith("Readiness check of school year 2027 (2026-27)\n")
    assert check_err.strip().splitlines()[-1] == NOT_RECORDED
    engine = open_engine(reader.url)
    try:
        assert row_counts(engine) == before  # the check's run record was skipped
    finally:
        engine.dispose()
    assert reader.store_files() == files  # nothing left beside the SQLite file


def test_a_sqlite_reader_sees_what_an_open_writer_committed(tmp_path):
    """While a writer has the store open, its last commits may still be in the -wal file only:
    the reader reads them there."""
    database = tmp_path / "store" / "rollover.db"
    database.parent.mkdir()
    url = f"sqlite:///{database}"
    first = stored_district(url, tmp_path)
    writer = open_engine(url)
    try:
        with writer.connect():  # the writer keeps this connection (and the -wal) open
            result = rollover(url, "calendars", "roll", "--from-year", "2027", "--test",
                              "--json", user=ADMIN)
            assert result.exit_code == 0, result.stderr
            latest = json.loads(result.stdout)["run_id"]
            assert (database.parent / "rollover.db-wal").stat().st_size > 0
            with read_only_sqlite(database):
                child = rollover_as_reader(url, "runs", "--json", cwd=tmp_path)
    finally:
        writer.dispose()
    assert child.returncode == 0, child.stderr
    assert [r["run_id"] for r in json.loads(child.stdout)] == [latest, first]


def test_a_read_only_store_whose_schema_is_old_is_refused_clearly(tmp_path):
    database = tmp_path / "store" / "rollover.db"
    database.parent.mkdir()
    url = f"sqlite:///{database}"
    engine = open_engine(url, migrate=False)
    try:
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")
    finally:
        engine.dispose()
    with read_only_sqlite(database):
        assert cannot_write(database, tmp_path)
        child = rollover_as_reader(url, "runs", cwd=tmp_path)
    assert child.returncode == 2, child.stderr
    assert child.stderr == (
        f"rollover: cannot open database {url}: its schema is at revision 0001 and needs an "
        f"upgrade to {head_revision()}, but this user may only read it; open it once as a user "
        "who may write it\n")


def test_a_sqlite_reader_sees_a_step_running(tmp_path):
    """The process lock's file cannot be made by this user, but flock needs no write access:
    a step holding the lock is seen as running."""
    database = tmp_path / "store" / "rollover.db"
    database.parent.mkdir()
    url = f"sqlite:///{database}"
    stored_district(url, tmp_path)
    lock = database.parent / "rollover.db.process.lock"
    with lock.open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a step of this store is running
        lock.chmod(0o444)  # the owner's file: this user may read it, not write it
        with read_only_sqlite(database):
            assert cannot_write(lock, tmp_path)
            child = rollover_as_reader(url, "process", "status", "--json", cwd=tmp_path)
    assert child.returncode == 0, child.stderr
    assert json.loads(child.stdout)["running"] == {"step": "?", "label": "starting", "done": 0,
                                                   "total": 0}

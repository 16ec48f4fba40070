"""`rollover backup` (YE-4, YE-5): a whole-database backup restores into an empty database equal
row for row, on SQLite and PostgreSQL (pg_dump and the logical export); refusals change nothing;
only backups of earlier school years can be deleted."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import uuid
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url

from rollover.domain.calendar_roll import CalendarRollOptions
from rollover.domain.forward.options import ForwardOptions
from rollover.services.backup import (
    BackupRefused, backup_folder, create_backup, delete_backup, list_backups, restore_backup,
)
from rollover.services.calendar_roll import roll_calendars
from rollover.services.demo import load_demo
from rollover.services.forward import roll_forward, source_calendars_of_year
from rollover.store import schema
from rollover.store.database import describe, open_engine
from rollover.store.runs import list_runs

from .cli import rollover as run_rollover
from .test_progress import Recorded
from .tables import table_rows as shown_rows

STUDENTS = 300


# -- helpers ----------------------------------------------------------------------------------

def load_rolled_district(engine) -> None:
    """The demo district plus a calendar roll and a real roll forward run over 2026-27."""
    load_demo(engine, students=STUDENTS, seed=5)
    roll_calendars(engine, CalendarRollOptions(from_year=2027), user="tester")
    calendars = tuple(source_calendars_of_year(engine, 2027))
    report = roll_forward(engine, ForwardOptions(source_calendars=calendars), user="tester")
    assert report.rolled


def table_rows(engine) -> dict[str, list[tuple]]:
    """Every table of the schema, ordered by primary key, plus the alembic revision; but the
    backup key, which a backup never holds (see test_ye4_the_backup_key_stays_in_...)."""
    with engine.connect() as conn:
        rows = {t.name: [tuple(r) for r in conn.execute(
                    select(t).order_by(*t.primary_key.columns))]
                for t in schema.metadata.sorted_tables if t.name != "backup_key"}
        rows["alembic_version"] = [tuple(r) for r in conn.execute(
            text("SELECT version_num FROM alembic_version"))]
    return rows


def rows_at(url: str) -> dict[str, list[tuple]]:
    engine = open_engine(url, migrate=False)
    try:
        return table_rows(engine)
    finally:
        engine.dispose()


def assert_same_rows(left: dict[str, list[tuple]], target_url: str) -> None:
    """`left`: the source's rows when the backup was made (its own run record comes after)."""
    right = rows_at(target_url)
    assert left.keys() == right.keys()
    for name in left:
        assert left[name] == right[name], f"table {name} differs"
    assert len(left["students"]) == STUDENTS and left["run_rolled"] and left["runs"]


def kind(url: str) -> str:
    return make_url(url).get_backend_name()


@pytest.fixture
def new_database(tmp_path, postgres_url):
    """`new_database(kind)`: the URL of a database that does not exist yet / is empty
    (SQLite: a new file path; PostgreSQL: a fresh database made with CREATE DATABASE)."""
    made: list[str] = []
    admin = None

    def make(which: str) -> str:
        nonlocal admin
        if which == "sqlite":
            return f"sqlite:///{tmp_path / f'restored-{uuid.uuid4().hex[:6]}.db'}"
        if postgres_url is None:
            pytest.skip("no PostgreSQL server (set CI to make this a failure)")
        admin = admin or create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        name = f"rollover_restore_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return make_url(postgres_url).set(database=name).render_as_string(False)

    yield make
    if admin is not None:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def rolled(engine, db_url):
    load_rolled_district(engine)
    return engine


def cli(*args: str, env: dict | None = None, cwd: Path | None = None):
    return run_rollover(*args, env=env, cwd=cwd)


def files_of(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# -- YE-4: round trips ------------------------------------------------------------------------

def test_ye4_round_trip_is_equal_row_for_row(rolled, db_url, new_database, tmp_path):
    """SQLite: online backup API; PostgreSQL: pg_dump / pg_restore (they are on PATH here)."""
    before = rows_at(db_url)
    manifest = create_backup(rolled, label="before rollover", folder=tmp_path / "bk",
                             user="tester")
    assert manifest.format == ("sqlite-backup" if kind(db_url) == "sqlite" else "pg_dump-custom")
    assert manifest.school_year == 2027 and manifest.row_counts["students"] == STUDENTS
    target = new_database(kind(db_url))
    progress = Recorded()
    restore_backup(rolled, manifest.id, into=target, folder=tmp_path / "bk", progress=progress)
    assert_same_rows(before, target)
    assert progress.phases() == ["hashing the backup", "restoring the backup"]
    progress.assert_each_phase_counts_up_to_its_whole()
    # the source itself differs only by the run record of the backup
    after = rows_at(db_url)
    assert [r[0] for r in after["runs"] if r not in before["runs"]] == [manifest.run_id]
    assert {n: v for n, v in after.items() if n != "runs"} == \
        {n: v for n, v in before.items() if n != "runs"}


def test_ye4_logical_export_round_trip_on_postgresql(postgres_url, new_database, tmp_path):
    from tests.conftest import emptied_postgres

    url = emptied_postgres(postgres_url)
    engine = open_engine(url)
    try:
        load_rolled_district(engine)
        before = table_rows(engine)
        manifest = create_backup(engine, folder=tmp_path / "bk", use_pg_dump=False)
        assert manifest.format == "logical-copy" and manifest.file.endswith(".zip")
        target = new_database("postgresql")
        progress = Recorded()
        restore_backup(engine, manifest.id, into=target, folder=tmp_path / "bk",
                       progress=progress)
    finally:
        engine.dispose()
    assert_same_rows(before, target)
    assert progress.phases() == ["hashing the backup", "restoring the backup"]
    progress.assert_each_phase_counts_up_to_its_whole()


def test_ye4_cli_without_pg_dump_on_path_uses_the_logical_export(postgres_url, new_database,
                                                                tmp_path):
    from tests.conftest import emptied_postgres

    url = emptied_postgres(postgres_url)
    engine = open_engine(url)
    try:
        load_rolled_district(engine)
        before = table_rows(engine)
    finally:
        engine.dispose()
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = {"PATH": str(empty_bin), "ROLLOVER_BACKUP_DIR": str(tmp_path / "bk")}
    made = cli("--db", url, "backup", "create", "--json", env=env, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    manifest = json.loads(made.stdout)
    assert manifest["format"] == "logical-copy" and manifest["database"]["kind"] == "postgresql"
    assert manifest["source_url"] == describe(url)  # a password would show as ***
    target = new_database("postgresql")
    restored = cli("--db", url, "backup", "restore", manifest["id"], "--into", target, env=env,
                   cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert_same_rows(before, target)


# -- YE-4: refusals ---------------------------------------------------------------------------

def test_ye4_restore_refuses_a_non_empty_target_unless_confirmed(rolled, db_url, new_database,
                                                                tmp_path):
    folder = tmp_path / "bk"
    before = rows_at(db_url)
    manifest = create_backup(rolled, folder=folder)
    target = new_database(kind(db_url))
    restore_backup(rolled, manifest.id, into=target, folder=folder)
    # the target now holds a district; change a row so a refused restore would show
    changed = open_engine(target)
    with changed.begin() as conn:
        conn.execute(update(schema.district).values(name="Changed ISD"))
    changed.dispose()
    result = cli("--db", db_url, "backup", "restore", manifest.id, "--into", target,
                 "--dir", str(folder))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("rollover: ") and "--confirm" in result.stderr
    check = open_engine(target)
    with check.connect() as conn:
        assert conn.execute(select(schema.district.c.name)).scalar() == "Changed ISD"
    check.dispose()
    result = cli("--db", db_url, "backup", "restore", manifest.id, "--into", target,
                 "--dir", str(folder), "--confirm")
    assert result.exit_code == 0, result.stderr
    assert_same_rows(before, target)


def test_ye4_restore_refuses_another_database_kind(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine = open_engine(url)
    load_demo(engine, students=100)
    manifest = create_backup(engine, folder=tmp_path / "bk")
    with pytest.raises(BackupRefused, match="sqlite database and cannot be restored into a "
                                            "postgresql"):
        restore_backup(engine, manifest.id, into="postgresql+psycopg://nobody@127.0.0.1:1/none",
                       folder=tmp_path / "bk")
    engine.dispose()
    result = cli("--db", url, "backup", "restore", manifest.id, "--into",
                 "postgresql://nobody@127.0.0.1:1/none", "--dir", str(tmp_path / "bk"))
    assert result.exit_code == 2 and "cannot be restored into a postgresql" in result.stderr


def test_ye4_restore_refuses_a_corrupted_file(engine, db_url, new_database, tmp_path):
    load_demo(engine, students=100)
    folder = tmp_path / "bk"
    manifest = create_backup(engine, folder=folder)
    path = folder / manifest.file
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    target = new_database(kind(db_url))
    result = cli("--db", db_url, "backup", "restore", manifest.id, "--into", target,
                 "--dir", str(folder))
    assert result.exit_code == 2
    assert "corrupted" in result.stderr and manifest.file in result.stderr
    if kind(target) == "sqlite":
        assert not Path(make_url(target).database).exists()
    else:
        check = create_engine(target)
        with check.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_tables "
                                     "WHERE schemaname = 'public'")).scalar() == 0
        check.dispose()


def test_ye4_unknown_backup_id_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    open_engine(url).dispose()
    for args in (["restore", "backup-nope", "--into", f"sqlite:///{tmp_path / 'b.db'}"],
                 ["delete", "backup-nope"]):
        result = cli("--db", url, "backup", *args)
        assert result.exit_code == 2
        assert result.stderr == f"rollover: no backup 'backup-nope' in " \
                                f"'{tmp_path / 'rollover-backups'}'\n"
    assert not (tmp_path / "b.db").exists()


def test_ye4_create_records_a_run_and_a_manifest(engine, db_url, tmp_path):
    load_demo(engine, students=100)
    manifest = create_backup(engine, label="first", folder=tmp_path / "bk", user="ann")
    assert files_of(tmp_path / "bk") == sorted([f"{manifest.id}.json", manifest.file])
    stored = json.loads((tmp_path / "bk" / f"{manifest.id}.json").read_text())
    assert stored["sha256"] == manifest.sha256 and stored["label"] == "first"
    assert stored["user"] == "ann" and stored["size"] == (tmp_path / "bk" / manifest.file).stat().st_size
    assert stored["database"]["kind"] == kind(db_url) and stored["database"]["server_version"]
    assert stored["row_counts"]["students"] == 100
    with engine.connect() as conn:
        run = list_runs(conn)[0]
    assert (run.kind, run.mode, run.user_name) == ("backup", "run", "ann")
    assert run.options["backup_id"] == manifest.id and run.options["action"] == "create"
    assert run.counts["rows"] == manifest.total_rows and run.run_id == manifest.run_id


def test_ye4_default_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("ROLLOVER_BACKUP_DIR", raising=False)
    assert backup_folder(f"sqlite:///{tmp_path / 'x.db'}") == tmp_path / "rollover-backups"
    assert backup_folder("postgresql://u@h/db") == Path("rollover-backups")
    assert backup_folder("postgresql://u@h/db", tmp_path / "d") == tmp_path / "d"
    monkeypatch.setenv("ROLLOVER_BACKUP_DIR", str(tmp_path / "env"))
    assert backup_folder(f"sqlite:///{tmp_path / 'x.db'}") == tmp_path / "env"


# -- YE-5: old backups ------------------------------------------------------------------------

def test_ye5_earlier_years_can_be_listed_and_deleted_the_current_cannot(engine, tmp_path):
    load_demo(engine, students=100)  # current school year 2027
    folder = tmp_path / "bk"
    old = create_backup(engine, school_year=2026, label="old", folder=folder)
    current = create_backup(engine, label="current", folder=folder)
    assert [m.id for m in list_backups(folder)] == [current.id, old.id]

    with pytest.raises(BackupRefused, match=f"{current.id} was made for school year 2027, "
                                            "the current school year.*restore is still possible"):
        delete_backup(engine, current.id, folder=folder)
    assert current.file in files_of(folder)

    delete_backup(engine, old.id, folder=folder, user="ann")
    assert files_of(folder) == sorted([f"{current.id}.json", current.file])
    with engine.connect() as conn:
        run = list_runs(conn)[0]
    assert (run.kind, run.mode, run.options["action"], run.options["backup_id"]) == \
        ("backup", "run", "delete", old.id)

    # a year later the backup is no longer current, and may go
    with engine.begin() as conn:
        conn.execute(update(schema.district).values(current_school_year=2028))
    delete_backup(engine, current.id, folder=folder)
    assert files_of(folder) == [] and list_backups(folder) == []


def test_ye5_cli_list_and_delete_exit_statuses(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine = open_engine(url)
    load_demo(engine, students=100)
    engine.dispose()
    made = cli("--db", url, "backup", "create", "--school-year", "2025", "--json", "--user", "bo")
    assert made.exit_code == 0, made.stderr
    old = json.loads(made.stdout)
    made = cli("--db", url, "backup", "create", "--label", "eve of rollover")
    assert made.exit_code == 0 and made.stdout.startswith("backup backup-")
    listed = cli("--db", url, "backup", "list", "--json")
    assert listed.exit_code == 0
    manifests = json.loads(listed.stdout)
    assert [m["school_year"] for m in manifests] == [2027, 2025]
    assert manifests[0]["label"] == "eve of rollover" and manifests[1]["user"] == "bo"
    text_list = cli("--db", url, "backup", "list")
    assert text_list.exit_code == 0
    assert [row["BACKUP"] for row in shown_rows(text_list.stdout, "BACKUP")] == [
        m["id"] for m in manifests]

    refused = cli("--db", url, "backup", "delete", manifests[0]["id"])
    assert refused.exit_code == 2
    assert refused.stderr.count("\n") == 1 and refused.stderr.startswith("rollover: backup ")
    assert manifests[0]["id"] in refused.stderr and "restore is still possible" in refused.stderr
    assert len(list_backups(tmp_path / "rollover-backups")) == 2

    deleted = cli("--db", url, "backup", "delete", old["id"], "--json")
    assert deleted.exit_code == 0 and json.loads(deleted.stdout)["deleted"]["id"] == old["id"]
    assert [m.id for m in list_backups(tmp_path / "rollover-backups")] == [manifests[0]["id"]]
    engine = open_engine(url)
    with engine.connect() as conn:
        kinds = [(r.kind, r.options["action"]) for r in list_runs(conn)]
        assert conn.execute(select(func.count()).select_from(schema.runs)).scalar() == 3
    engine.dispose()
    assert sorted(kinds) == [("backup", "create"), ("backup", "create"), ("backup", "delete")]


def test_ye5_create_without_a_district_needs_a_school_year(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    open_engine(url).dispose()
    result = cli("--db", url, "backup", "create")
    assert result.exit_code == 2 and "--school-year" in result.stderr
    assert files_of(tmp_path / "rollover-backups") == []


# -- issue 11, item 6: backups hold every student's record --------------------------------------

def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def untouched(target: str) -> bool:
    """The restore target was not written: no SQLite file, or no table in the PostgreSQL one."""
    if kind(target) == "sqlite":
        return not Path(make_url(target).database).exists()
    check = create_engine(target)
    try:
        with check.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM pg_tables "
                                     "WHERE schemaname = 'public'")).scalar() == 0
    finally:
        check.dispose()


def edit_manifest(folder: Path, backup_id: str, **changes) -> dict:
    path = folder / f"{backup_id}.json"
    data = {**json.loads(path.read_text(encoding="utf-8")), **changes}
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return data


def backup_contents(path: Path, fmt: str) -> bytes:
    """Every byte a backup holds, readable: the SQLite file, pg_restore's script of a pg_dump
    archive, the entries of a logical export."""
    if fmt == "pg_dump-custom":
        return subprocess.run(["pg_restore", "--file=-", str(path)], capture_output=True,
                              check=True).stdout
    if fmt == "logical-copy":
        with zipfile.ZipFile(path) as archive:
            return b"".join(archive.read(name) for name in archive.namelist())
    return path.read_bytes()


def test_ye4_backup_folder_and_files_are_private_whatever_the_umask(engine, db_url, tmp_path):
    load_demo(engine, students=100)
    folder = tmp_path / "made" / "bk"
    previous = os.umask(0o022)
    try:
        create_backup(engine, folder=folder)
        create_backup(engine, folder=folder, school_year=2026)
        if kind(db_url) == "postgresql":
            create_backup(engine, folder=folder, school_year=2025, use_pg_dump=False)
    finally:
        os.umask(previous)
    assert mode_of(folder) == 0o700 and mode_of(tmp_path / "made") == 0o700
    made = sorted(folder.iterdir())
    assert len(made) == (6 if kind(db_url) == "postgresql" else 4)
    assert {p.name: mode_of(p) for p in made} == {p.name: 0o600 for p in made}


def test_ye4_a_manifest_cannot_name_a_file_outside_the_backup_folder(engine, db_url,
                                                                     new_database, tmp_path):
    """Neither `delete` nor `restore` reaches a file the manifest names outside the folder, an
    edited manifest or (with the key) a re-signed one."""
    load_demo(engine, students=100)
    folder = tmp_path / "bk"
    manifest = create_backup(engine, school_year=2026, folder=folder)  # an earlier year: deletable
    outside = tmp_path / "outside.bin"
    shutil.copyfile(folder / manifest.file, outside)  # the same bytes, so the same sha256
    kept = outside.read_bytes()
    target = new_database(kind(db_url))
    for name in (str(outside), "../outside.bin"):
        for resign in (False, True):
            data = edit_manifest(folder, manifest.id, file=name)
            if resign:
                from rollover.services.backup import Manifest, signature
                from rollover.store.backup_key import read_backup_key

                with engine.connect() as conn:
                    key = read_backup_key(conn)
                edit_manifest(folder, manifest.id, hmac=signature(key, Manifest(**data)))
            for args in (["restore", manifest.id, "--into", target], ["delete", manifest.id]):
                result = cli("--db", db_url, "backup", *args, "--dir", str(folder))
                assert result.exit_code == 2, (args, name, resign, result.stderr)
                assert result.stderr.startswith("rollover: ") and manifest.id in result.stderr
                if resign:
                    assert name in result.stderr and "not its own file" in result.stderr
                assert outside.read_bytes() == kept
                assert (folder / f"{manifest.id}.json").exists()
    assert untouched(target)


def test_ye4_an_edited_backup_with_a_recomputed_sha256_is_refused(engine, db_url, new_database,
                                                                  tmp_path):
    load_demo(engine, students=100)
    folder = tmp_path / "bk"
    manifest = create_backup(engine, folder=folder)
    path = folder / manifest.file
    if manifest.format == "sqlite-backup":
        forged = sqlite3.connect(path)
        forged.execute("UPDATE district SET name = 'Forged ISD'")
        forged.commit()
        forged.close()
    else:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    edit_manifest(folder, manifest.id, sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                  size=path.stat().st_size)
    target = new_database(kind(db_url))
    result = cli("--db", db_url, "backup", "restore", manifest.id, "--into", target,
                 "--dir", str(folder))
    assert result.exit_code == 2, result.stderr
    assert result.stderr == (f"rollover: the manifest of backup {manifest.id} is not authentic: "
                             f"its signature does not match the backup key of {describe(db_url)} "
                             "(edited, or not made from this database); refused\n")
    assert untouched(target)

    # an edited school year does not make the current year's backup deletable either
    edit_manifest(folder, manifest.id, school_year=2026)
    result = cli("--db", db_url, "backup", "delete", manifest.id, "--dir", str(folder))
    assert result.exit_code == 2 and "is not authentic" in result.stderr
    assert files_of(folder) == sorted([f"{manifest.id}.json", manifest.file])


def test_ye4_the_backup_key_stays_in_the_database_it_signs_for(engine, db_url, new_database,
                                                              tmp_path):
    """The key is made on the first backup, never written into a backup, and carried into the
    database a backup is restored into (so that copy verifies the same backups); a database
    without it cannot vouch for a backup."""
    from rollover.store.backup_key import read_backup_key

    load_demo(engine, students=100)
    folder = tmp_path / "bk"
    with engine.connect() as conn:
        assert read_backup_key(conn) is None
    manifest = create_backup(engine, folder=folder)
    with engine.connect() as conn:
        key = read_backup_key(conn)
    assert len(key) == 32
    assert key.hex().encode() not in backup_contents(folder / manifest.file, manifest.format)

    copy = new_database(kind(db_url))
    restore_backup(engine, manifest.id, into=copy, folder=folder)
    copied = open_engine(copy, migrate=False)
    try:
        with copied.connect() as conn:
            assert read_backup_key(conn) == key
    finally:
        copied.dispose()
    again = new_database(kind(db_url))
    result = cli("--db", copy, "backup", "restore", manifest.id, "--into", again,
                 "--dir", str(folder))
    assert result.exit_code == 0, result.stderr

    keyless = new_database(kind(db_url))
    open_engine(keyless).dispose()
    elsewhere = new_database(kind(db_url))
    result = cli("--db", keyless, "backup", "restore", manifest.id, "--into", elsewhere,
                 "--dir", str(folder))
    assert result.exit_code == 2
    assert "holds no backup key" in result.stderr and manifest.id in result.stderr
    assert untouched(elsewhere)


def test_ye2_restoring_while_the_source_is_locked_needs_the_bypass(engine, db_url, new_database,
                                                                  tmp_path):
    """A restore is a full copy of the district: while the database it was made from is locked,
    only a user who can get past the lock may make one, even into an empty database."""
    from rollover.services.security import set_lock

    from .security_setup import ADMIN, add_users, refused, rollover

    load_demo(engine, students=100)
    add_users(engine, keeper=[("backup",)])
    folder = tmp_path / "bk"
    manifest = create_backup(engine, folder=folder, user="keeper")
    set_lock(engine, True, user=ADMIN)
    target = new_database(kind(db_url))
    args = ("backup", "restore", manifest.id, "--into", target, "--dir", str(folder))
    assert refused(rollover(db_url, *args, user="keeper"), "the system is locked for maintenance")
    assert untouched(target)
    result = rollover(db_url, *args, user=ADMIN)
    assert result.exit_code == 0, result.stderr


def test_ye4_restored_over_its_own_database_it_keeps_its_key(engine, db_url, tmp_path):
    """A backup holds no key, yet restoring it over the database it was made from leaves that
    database able to verify (and so restore or delete) its other backups."""
    from rollover.store.backup_key import read_backup_key

    load_demo(engine, students=100)
    folder = tmp_path / "bk"
    old = create_backup(engine, folder=folder, school_year=2026)
    current = create_backup(engine, folder=folder)
    with engine.connect() as conn:
        key = read_backup_key(conn)
    restore_backup(engine, current.id, into=db_url, folder=folder, confirm=True)
    with engine.connect() as conn:
        assert read_backup_key(conn) == key
    delete_backup(engine, old.id, folder=folder)
    assert files_of(folder) == sorted([f"{current.id}.json", current.file])

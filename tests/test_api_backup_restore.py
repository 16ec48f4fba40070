"""`POST /api/v1/backups/{id}/restore` (YE-4 through the server): a job that puts the district
back as the backup holds it, row for row, and keeps the server's own state (sign-ins, jobs): the
token that asked for it still signs in, the restore job itself ends `succeeded`, earlier jobs
are still there.  Refused at the request, before any job and writing nothing: an unknown backup
(404), a backup the district's key does not vouch for or a corrupted one (400), a district that
holds rows without `confirm` (409, saying how many), no `backup` right (403), locked (423).

SQLite and PostgreSQL; on PostgreSQL the logical format, and pg_dump's too when it is on PATH.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from alembic import command
from sqlalchemy import create_engine, func, select, text

from rollover.services.backup import Manifest, create_backup, signature
from rollover.store.backup import (backed_up_tables, pg_tools_available, restored_counts,
                                   sha256_of)
from rollover.store.backup_key import read_backup_key
from rollover.store.migrate import alembic_config, head_revision

from .api_setup import LOCKED, PASSWORD, api, is_problem, quick_hashes  # noqa: F401 - fixtures
from .security_setup import ADMIN
from .test_api_jobs import V1, admin, job_count, queued, work


def district_rows(engine) -> dict[str, list[tuple]]:
    """Every table a backup holds, ordered by primary key, and the schema's revision."""
    with engine.connect() as conn:
        rows = {t.name: [tuple(r) for r in conn.execute(
                    select(t).order_by(*t.primary_key.columns))] for t in backed_up_tables()}
        rows["alembic_version"] = conn.execute(text("SELECT version_num FROM alembic_version")) \
            .scalars().all()
    return rows


def as_backed_up(rows: dict[str, list[tuple]], backup) -> dict[str, list[tuple]]:
    """The district's rows as its backup holds them: all but the backup's own run record,
    written once the file was made."""
    return {**rows, "runs": [r for r in rows["runs"] if r[0] != backup.run_id]}


def district_total(engine) -> int:
    with engine.connect() as conn:
        return sum(conn.execute(select(func.count()).select_from(t)).scalar_one()
                   for t in backed_up_tables())


@pytest.fixture(params=[False, True], ids=["default-format", "pg_dump"])
def use_pg_dump(request, engine):
    if request.param and (engine.dialect.name != "postgresql" or not pg_tools_available()):
        pytest.skip("pg_dump's format: PostgreSQL with pg_dump on PATH")
    return request.param


def backup_now(api, use_pg_dump: bool = False):
    return create_backup(api.engine, folder=api.backups, user=ADMIN, use_pg_dump=use_pg_dump)


def change_the_district(api) -> list[str]:
    """The fixture's Run undone through the API and an exception set: the ids of the jobs."""
    undo = queued(api.client.post(f"{V1}/runs/{api.run_id}/restore", json={},
                                  headers=admin(api)))
    assert work(api)["state"] == "succeeded"
    edited = api.client.patch(f"{V1}/enrollments/EA", json={"end_action": "retain"},
                              headers=admin(api))
    assert edited.status_code == 200, edited.text
    return [api.job_id, undo["job_id"]]


def restore(api, backup_id: str, headers=None, **body):
    return api.client.post(f"{V1}/backups/{backup_id}/restore", json=body,
                           headers=headers or admin(api))


# -- a restore --------------------------------------------------------------------------------

def test_a_restore_puts_the_district_back_and_keeps_the_servers_state(api, use_pg_dump):
    headers = admin(api)  # signed in before the backup and the restore
    backup = backup_now(api, use_pg_dump)
    backed_up = as_backed_up(district_rows(api.engine), backup)
    earlier_jobs = change_the_district(api)
    assert district_rows(api.engine) != backed_up

    job = queued(restore(api, backup.id, confirm=True))
    assert job["kind"] == "restore_backup" and job["user"] == ADMIN
    done = work(api)
    assert (done["job_id"], done["state"], done["error"], done["run_id"]) == \
        (job["job_id"], "succeeded", None, None)
    assert district_rows(api.engine) == backed_up
    assert api.client.get(f"{V1}/district", headers=headers).status_code == 200  # still signed in
    for job_id in earlier_jobs:
        earlier = api.client.get(f"{V1}/jobs/{job_id}", headers=headers)
        assert earlier.status_code == 200 and earlier.json()["state"] == "succeeded", earlier.text
    with api.engine.connect() as conn:
        assert read_backup_key(conn) is not None  # the other backups still verify
    listed = api.client.get(f"{V1}/backups", headers=headers).json()["items"]
    assert backup.id in [b["id"] for b in listed]


def test_a_user_the_backup_does_not_know_is_signed_out_by_the_restore(api):
    """A user added after the backup is gone with the restore, and so is their sign-in; the
    others' stay."""
    backup = backup_now(api)
    created = api.client.post(f"{V1}/users", json={"name": "newcomer", "password": PASSWORD},
                              headers=admin(api))
    assert created.status_code == 201, created.text
    newcomer = api.as_user("newcomer")
    queued(restore(api, backup.id, confirm=True))
    assert work(api)["state"] == "succeeded"
    is_problem(api.client.get(f"{V1}/district", headers=newcomer), 401)
    assert api.client.get(f"{V1}/district", headers=admin(api)).status_code == 200


def test_a_backup_of_an_older_schema_is_upgraded_before_the_servers_state_goes_back(
        api, engine, tmp_path):
    """A backup made at the schema's previous revision (SQLite: the file taken down a revision,
    its manifest signed again with the district's key): restored, the database is at this
    rollover's revision and the server's state is back."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the backup file is taken down a revision with SQLite")
    backup = backup_now(api)
    older, older_counts = _downgraded(api, backup, tmp_path)
    change_the_district(api)
    queued(restore(api, backup.id, confirm=True))
    done = work(api)
    assert done["state"] == "succeeded", done["error"]
    with api.engine.connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert older != revision == head_revision()
    assert district_total(api.engine) == sum(older_counts.values())
    assert api.client.get(f"{V1}/jobs/{api.job_id}", headers=admin(api)).status_code == 200


def _downgraded(api, backup, tmp_path) -> tuple[str, dict[str, int]]:
    """The backup's file taken down a revision, and its manifest made as a backup made at that
    revision would be: its file's hash and size, its tables' row counts (a table the later
    revision added is not there), signed again; the revision and those counts."""
    path = api.backups / backup.file
    older = f"{int(head_revision()) - 1:04d}"  # revisions are numbered 0001, 0002 ...
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.downgrade(config, older)
    finally:
        engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (older,)
    manifest_path = api.backups / f"{backup.id}.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    counts = restored_counts(f"sqlite:///{path}")
    manifest.update(alembic_revision=older, sha256=sha256_of(path), size=path.stat().st_size,
                    row_counts=counts)
    with api.engine.connect() as conn:
        key = read_backup_key(conn)
    manifest["hmac"] = signature(key, Manifest(**manifest))
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    return older, counts


# -- refusals, at the request -----------------------------------------------------------------

def unchanged(api, rows_before) -> bool:
    assert job_count(api.engine) == 1  # the fixture's only
    assert district_rows(api.engine) == rows_before
    return True


def test_a_restore_without_confirm_is_409_saying_how_many_rows_it_would_replace(api):
    backup = backup_now(api)
    before = district_rows(api.engine)
    problem = is_problem(restore(api, backup.id), 409)
    total = district_total(api.engine)
    assert problem["detail"] == (f"restoring backup {backup.id} would replace the district's "
                                 f"{total} rows; send confirm: true"), problem
    assert unchanged(api, before)


def test_an_unknown_backup_is_404(api):
    before = district_rows(api.engine)
    problem = is_problem(restore(api, "backup-nope", confirm=True), 404)
    assert "no backup 'backup-nope'" in problem["detail"]
    assert unchanged(api, before)


def test_a_corrupted_backup_is_400(api):
    backup = backup_now(api)
    with (api.backups / backup.file).open("r+b") as spoiled:
        spoiled.seek(200)
        spoiled.write(b"\xff" * 16)
    before = district_rows(api.engine)
    problem = is_problem(restore(api, backup.id, confirm=True), 400)
    assert "is corrupted" in problem["detail"], problem
    assert unchanged(api, before)


def test_a_backup_the_districts_key_does_not_vouch_for_is_400(api):
    backup = backup_now(api)
    manifest_path = api.backups / f"{backup.id}.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["label"] = "edited"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    before = district_rows(api.engine)
    problem = is_problem(restore(api, backup.id, confirm=True), 400)
    assert "is not authentic" in problem["detail"], problem
    assert unchanged(api, before)


def test_a_restore_needs_the_backup_right_and_is_refused_while_locked(api):
    backup = backup_now(api)
    before = district_rows(api.engine)
    problem = is_problem(restore(api, backup.id, api.as_user("ann"), confirm=True), 403)
    assert "needs the 'backup' right" in problem["detail"]
    plain = api.as_user("plain")  # the backup right, no way past the lock
    locked = api.client.put(f"{V1}/lock", json={"locked": True}, headers=api.as_user("keeper"))
    assert locked.status_code == 200, locked.text
    before = district_rows(api.engine)
    problem = is_problem(restore(api, backup.id, plain, confirm=True), 423)
    assert problem["detail"] == LOCKED
    assert unchanged(api, before)


def test_a_restore_body_is_strict(api):
    backup = backup_now(api)
    problem = is_problem(restore(api, backup.id, confirm=1), 400)
    assert {e.get("field") for e in problem["errors"]} == {"confirm"}, problem
    problem = is_problem(restore(api, backup.id, confirm=True, into="elsewhere"), 400)
    assert {e.get("field") for e in problem["errors"]} == {"into"}, problem
    assert job_count(api.engine) == 1


"""What the HTTP API's tests (test_api_*.py) share: the two-school district of
tests/security_setup.py with users who have passwords and chosen rights, a roll forward Run, a
backup of the year before that may be deleted, the app on it (fastapi's TestClient), and
signing in.  Built once per test session and database kind, each test gets a copy
(tests/store_templates.py).

    admin       system_all                              (ADMIN, the first user)
    ann         no right at all
    hsa_admin   security and registration at HSA only
    plain       import, registration, calendar, backup, security for all schools: no way past
                the maintenance lock
    keeper      maintenance_lock (write) for all schools: past the lock
    reader      maintenance_lock read-only for all schools: signs in while locked, only reads
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from rollover.domain import sign_in as sign_in_rules
from rollover.domain.forward.options import ForwardOptions
from rollover.entrypoints.web.app import create_app
from rollover.services.backup import create_backup
from rollover.services.forward import roll_forward
from rollover.services.jobs import claim_next, run_job, submit
from rollover.services.security import add_user, grant
from rollover.services.uploads import DIR_VARIABLE as UPLOADS_VARIABLE

from .security_setup import ADMIN, load_district
from .store_templates import from_template

PASSWORD = "correct horse battery"
LOCKED = "the system is locked for maintenance"
USERS = {
    "ann": [],
    "hsa_admin": [("security", "HSA"), ("registration", "HSA")],
    "plain": [("import",), ("registration",), ("calendar",), ("backup",), ("security",)],
    "keeper": [("maintenance_lock",)],
    "reader": [("maintenance_lock", None, "read")],
}


QUICK_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """argon2id with the least work it allows (the district's parameters cost most of a second
    a hash; tests/test_sign_in.py checks those)."""
    monkeypatch.setattr(sign_in_rules, "hasher", QUICK_HASHER)


@dataclass
class Api:
    client: TestClient
    engine: object
    run_id: str  # a roll forward Run of 2027, by ADMIN
    backup_id: str  # a backup made for school year 2026: one that may be deleted
    backups: Path
    job_id: str  # a roll forward Run Test job of ADMIN's, succeeded

    def token(self, user: str) -> str:
        answer = self.client.post("/api/v1/tokens", json={"user": user, "password": PASSWORD})
        assert answer.status_code == 201, answer.text
        return answer.json()["token"]

    def as_user(self, user: str) -> dict[str, str]:
        """The headers of `user`'s requests: a token of theirs."""
        return {"Authorization": f"Bearer {self.token(user)}"}


@pytest.fixture
def api(engine, tmp_path, monkeypatch) -> Api:
    # The server's uploads in the test's folder on both databases (on PostgreSQL they would go
    # to the working folder: there is no database file to put them beside).
    monkeypatch.setenv(UPLOADS_VARIABLE, str(tmp_path / "rollover-uploads"))
    api = district_with_users(engine, tmp_path)
    yield api
    api.client.close()


def district_and_users(engine, tmp_path: Path) -> None:
    """The two-school district and USERS (ADMIN first), each with PASSWORD."""
    from_template(engine, tmp_path, "district and users", _build_district_and_users)


def _build_district_and_users(engine, folder: Path) -> None:
    load_district(engine, folder)
    add_user(engine, ADMIN, "The Administrator", user=None, password=PASSWORD)
    for name, grants in USERS.items():
        add_user(engine, name, user=ADMIN, password=PASSWORD)
        for right, *rest in grants:
            grant(engine, name, right, rest[0] if rest else None,
                  rest[1] if len(rest) > 1 else "write", user=ADMIN)


_APP = []


def app_on(engine, *, backup_dir: Path | None = None):
    """The app on `engine`, as `create_app(engine, backup_dir=...)` makes it: one app per test
    process, pointed at this test's store.  FastAPI builds every route's handling on an app's
    first requests (most of a second for all of ours); the app keeps nothing of its store but
    `app.state.engine` and `app.state.backup_dir`, which each test sets anew."""
    if not _APP:
        _APP.append(create_app(engine, backup_dir=backup_dir))
    app = _APP[0]
    app.state.engine = engine
    app.state.backup_dir = backup_dir
    return app


def district_with_users(engine, tmp_path: Path) -> Api:
    """The district, its users, a Run and a backup in the store of `engine`; the app on it."""
    made = from_template(engine, tmp_path, "district with users", _build_district_with_users)
    backups = tmp_path / "backups"
    client = TestClient(app_on(engine, backup_dir=backups), raise_server_exceptions=False)
    return Api(client, engine, made["run_id"], made["backup_id"], backups, made["job_id"])


def _build_district_with_users(engine, folder: Path) -> dict[str, str]:
    _build_district_and_users(engine, folder)
    run = roll_forward(engine, ForwardOptions(source_calendars=("HSA27", "HSB27")), user=ADMIN)
    backup = create_backup(engine, school_year=2026, folder=folder / "backups", user=ADMIN,
                           use_pg_dump=False)
    job = submit(engine, "forward", {"source_year": 2027, "test": True}, user=ADMIN)
    run_job(engine, claim_next(engine, "api-setup"))
    return {"run_id": run.run.run_id, "backup_id": backup.id, "job_id": job.job_id}


def is_problem(answer, status: int) -> dict:
    """The answer is a problem object of `status`; returns it."""
    assert answer.status_code == status, (answer.status_code, answer.text)
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.headers
    body = answer.json()
    assert set(body) >= {"type", "title", "status", "detail", "errors"}, body
    assert body["status"] == status and body["errors"], body
    assert all("message" in entry for entry in body["errors"]), body
    return body

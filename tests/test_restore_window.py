"""A restore through the server is one switch for everyone reading meanwhile (docs/backup.md,
"Restoring through the server"): at any moment of it a request sees either the district before
the restore or the restored one, and in both the server's own state: the user signed in (with an
API token and with a page session) stays signed in, and the restore job they follow is there,
running.  Never a moment without sign-ins or jobs, which signed people out and made the job
they watched disappear.

The server's state is kept as it is at the switch: a sign-in made while the backup is being
restored beside the district still signs in after.  A restore refused there (its rows are not
its manifest's) changes nothing.  Nothing of a restore is left beside the database.

The requests are made while the restore is held at its named pause points (rollover.pause_points):
the moment is exact and nothing depends on timing.  SQLite and PostgreSQL, each backup format.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from rollover.pause_points import hold_at
from rollover.services.backup import Manifest, signature
from rollover.store.backup_key import read_backup_key

from .api_setup import api, quick_hashes  # noqa: F401 - fixtures
from .test_api_backup_restore import (as_backed_up, backup_now, change_the_district,
                                      district_rows, restore, use_pg_dump)  # noqa: F401
from .test_api_jobs import V1, admin, queued, work
from .test_web_admin_pages import signed_in

# The moments of a restore: the restored district written but not yet seen by others (its
# transaction still open), and the restored district just seen by everyone.
MOMENTS = ["restore:replacing", "restore:replaced"]


def what_a_signed_in_user_sees(api, headers: dict, job_id: str) -> dict:
    """What the user's requests answer now: the API (their token) and the backups page's
    poll of the job (their session cookie)."""
    district = api.client.get(f"{V1}/district", headers=headers)
    job = api.client.get(f"{V1}/jobs/{job_id}", headers=headers)
    poll = api.client.get(f"/backups/jobs/{job_id}", headers={"HX-Request": "true"},
                          follow_redirects=False)
    return {"district": district.status_code,
            "job": (job.status_code, job.json().get("state")),
            "poll": (poll.status_code, f'id="job-{job_id}"' in poll.text,
                     'data-state="running"' in poll.text)}


@pytest.mark.parametrize("moment", MOMENTS)
def test_while_a_restore_replaces_the_district_its_user_stays_signed_in_and_sees_the_job(
        api, use_pg_dump, moment):
    headers = admin(api)
    signed_in(api.client)  # the page session, besides the API token
    backup = backup_now(api, use_pg_dump)
    restored = as_backed_up(district_rows(api.engine), backup)
    change_the_district(api)
    before = district_rows(api.engine)
    job = queued(restore(api, backup.id, confirm=True))
    seen = []

    def look():
        seen.append((what_a_signed_in_user_sees(api, headers, job["job_id"]),
                     district_rows(api.engine)))

    with hold_at(moment, look):
        done = work(api)
    assert done["state"] == "succeeded", done["error"]
    assert len(seen) == 1, f"the restore never reached {moment}"
    answers, district = seen[0]
    assert answers == {"district": 200, "job": (200, "running"), "poll": (200, True, True)}
    assert district in (before, restored)
    assert district_rows(api.engine) == restored
    assert stages_left(api.engine) == []


def stages_left(engine) -> list[str]:
    """What a restore staged beside the database and left there: files beside a SQLite
    database file, schemas of a PostgreSQL database."""
    if engine.dialect.name == "sqlite":
        database = Path(engine.url.database)
        return sorted(p.name for p in database.parent.glob(f"{database.name}.restore-*"))
    with engine.connect() as conn:
        return conn.execute(text("SELECT nspname FROM pg_namespace "
                                 "WHERE starts_with(nspname, 'rollover_restore_')")
                            ).scalars().all()


def test_a_sign_in_made_while_the_backup_is_staged_still_signs_in_after_the_restore(api):
    backup = backup_now(api)
    job = queued(restore(api, backup.id, confirm=True))
    made = []
    with hold_at("restore:staged", lambda: made.append(api.as_user("plain"))):
        done = work(api)
    assert done["state"] == "succeeded", done["error"]
    assert made, "the restore never reached restore:staged"
    assert api.client.get(f"{V1}/district", headers=made[0]).status_code == 200
    assert api.client.get(f"{V1}/jobs/{job['job_id']}", headers=made[0]).json()["state"] == \
        "succeeded"


def test_a_restore_whose_rows_are_not_its_manifests_changes_nothing(api):
    """The manifest's counts changed and signed again with the district's key: the restore is
    refused once the backup is staged, before the district is touched."""
    headers = admin(api)
    backup = backup_now(api)
    change_the_district(api)
    _miscounted(api, backup, "students")
    before = district_rows(api.engine)
    job = queued(restore(api, backup.id, confirm=True))
    done = work(api)
    assert (done["state"], done["error"]["status"]) == ("failed", 400), done
    assert "row counts differ in students" in done["error"]["detail"], done["error"]
    assert district_rows(api.engine) == before
    assert api.client.get(f"{V1}/jobs/{job['job_id']}", headers=headers).status_code == 200
    assert stages_left(api.engine) == []


def _miscounted(api, backup, table: str) -> None:
    path = api.backups / f"{backup.id}.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["row_counts"][table] += 1
    with api.engine.connect() as conn:
        manifest["hmac"] = signature(read_backup_key(conn), Manifest(**manifest))
    path.write_text(json.dumps(manifest), encoding="utf-8")

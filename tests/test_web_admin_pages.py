"""The administration pages in-process (fastapi's TestClient), on SQLite and PostgreSQL: what a
browser test need not show.  Every write needs the session's CSRF token; each refusal is shown
on the page with its status and names the bad value, and writes nothing; the pages call the
same services as the API (the district and users of tests/api_setup.py)."""

from __future__ import annotations

import io
import json
import re

from rollover.services.backup import list_backups
from rollover.services.security import list_users, lock_status

from .api_setup import PASSWORD, api, quick_hashes  # noqa: F401 - fixtures
from .security_setup import ADMIN

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def signed_in(client, user: str = ADMIN) -> str:
    """Sign `user` in on the pages (whoever was signed in before forgotten); their CSRF
    token."""
    client.cookies.clear()
    form = client.get("/signin")
    token = CSRF_FIELD.search(form.text).group(1)
    answer = client.post("/signin", data={"user": user, "password": PASSWORD,
                                          "csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return CSRF_FIELD.search(client.get("/lock").text).group(1)


def names(engine) -> set[str]:
    return {u.user_name for u in list_users(engine)}


def test_a_write_without_the_csrf_token_is_refused_and_writes_nothing(api):
    signed_in(api.client)
    for path, form in (("/users", {"name": "eve", "password": PASSWORD}),
                       ("/lock", {"action": "lock", "confirm": "true"}),
                       ("/backups", {"label": "x"})):
        answer = api.client.post(path, data=form)
        assert answer.status_code == 403, (path, answer.text)
        assert "Traceback" not in answer.text
    assert "eve" not in names(api.engine)
    assert not lock_status(api.engine).locked
    assert len(list_backups(api.backups)) == 1


def test_the_projection_names_a_year_it_cannot_show_beside_the_picker(api):
    signed_in(api.client)
    answer = api.client.get("/projection", params={"year": "next"})
    assert answer.status_code == 400
    assert 'id="year-error"' in answer.text and "year &#39;next&#39;" in answer.text
    answer = api.client.get("/projection", params={"year": "2031"})
    assert answer.status_code == 400 and "no calendars of school year 2031" in answer.text
    assert 'id="projection-data"' not in answer.text


def test_the_projection_page_holds_the_apis_numbers_for_its_script(api):
    signed_in(api.client)
    page = api.client.get("/projection")
    assert page.status_code == 200
    block = re.search(r'<script type="application/json" id="projection-data">(.*?)</script>',
                      page.text, re.S).group(1)
    assert json.loads(block) == api.client.get("/api/v1/projection").json()
    assert "<script>" not in page.text  # no inline script (the policy forbids it)


def test_a_user_without_the_security_right_is_refused_and_nothing_is_added(api):
    token = signed_in(api.client, "ann")
    answer = api.client.post("/users", data={"name": "eve", "password": PASSWORD,
                                             "csrf_token": token})
    assert answer.status_code == 403 and 'id="add-error"' in answer.text
    assert "eve" not in names(api.engine)


def test_a_grant_at_an_unknown_school_names_it(api):
    token = signed_in(api.client)
    answer = api.client.post("/users/rights", data={
        "user": "ann", "right": "registration", "school": "NOPE", "access": "read",
        "csrf_token": token})
    assert answer.status_code == 400 and "unknown school &#39;NOPE&#39;" in answer.text
    assert next(u for u in list_users(api.engine) if u.user_name == "ann").grants == ()


def test_the_lock_needs_a_confirmation_and_the_right(api):
    token = signed_in(api.client)
    answer = api.client.post("/lock", data={"action": "lock", "csrf_token": token})
    assert answer.status_code == 400 and "tick the box to confirm" in answer.text
    assert not lock_status(api.engine).locked
    token = signed_in(api.client, "plain")  # no maintenance_lock
    answer = api.client.post("/lock", data={"action": "lock", "confirm": "true",
                                            "csrf_token": token})
    assert answer.status_code == 403 and 'id="lock-error"' in answer.text
    assert not lock_status(api.engine).locked


def test_a_restore_not_confirmed_says_how_many_rows_it_replaces_and_queues_nothing(api):
    token = signed_in(api.client)
    form = api.client.get(f"/backups/{api.backup_id}/restore")
    assert form.status_code == 200 and "rows" in form.text
    answer = api.client.post(f"/backups/{api.backup_id}/restore",
                             data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 409 and 'id="confirm-error"' in answer.text
    answer = api.client.get("/backups/no-such-backup/restore")
    assert answer.status_code == 404 and "no-such-backup" in answer.text


def test_a_backup_of_an_earlier_year_is_deleted_and_a_bad_year_is_named_beside_its_field(api):
    token = signed_in(api.client)
    answer = api.client.post(f"/backups/{api.backup_id}/delete", data={"csrf_token": token})
    assert answer.status_code == 200 and f"Backup {api.backup_id} deleted." in answer.text
    assert list_backups(api.backups) == []
    answer = api.client.post("/backups", data={"school_year": "last", "csrf_token": token})
    assert answer.status_code == 400 and 'id="school_year-error"' in answer.text
    assert "year &#39;last&#39;" in answer.text


def test_an_upload_that_is_no_zip_is_refused_in_place_and_queues_nothing(api):
    token = signed_in(api.client)
    answer = api.client.post("/transfers/import", headers={"X-CSRF-Token": token},
                             files={"file": ("bundle.zip", io.BytesIO(b"not a zip"),
                                             "application/zip")})
    assert answer.status_code == 200 and 'role="alert"' in answer.text
    assert "zip" in answer.text and 'class="job"' not in answer.text


def test_the_export_is_the_apis_zip(api):
    signed_in(api.client)
    answer = api.client.get("/transfers/export")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert answer.content[:2] == b"PK"

"""A district without users gets its first administrator on the sign-in page, with the setup
code `rollover serve` printed, in process (fastapi's TestClient), on SQLite and PostgreSQL: a
wrong code or two different passwords make nobody; the right code makes a user with every right
and signs them in; then the form is gone and cannot make a second.  A server started without a
code says how to get one and makes nobody."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from rollover.entrypoints.cli.serve import first_administrator_code
from rollover.entrypoints.web.app import create_app
from rollover.services.security import add_user, list_users

from .api_setup import PASSWORD, quick_hashes  # noqa: F401 - fixture
from .security_setup import load_district

CODE = "the-code-serve-printed"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def first_form(client, **fields):
    page = client.get("/signin")
    assert page.status_code == 200
    token = CSRF_FIELD.search(page.text).group(1)
    return client.post("/signin/first", data={
        "csrf_token": token, "setup_code": CODE, "user": "ann", "full_name": "Ann Admin",
        "password": PASSWORD, "password_again": PASSWORD, **fields}, follow_redirects=False)


def user_names(engine) -> list[str]:
    return [u.user_name for u in list_users(engine)]


def test_the_setup_code_makes_the_first_administrator_and_signs_them_in(engine, tmp_path,
                                                                         quick_hashes):
    load_district(engine, tmp_path)
    client = TestClient(create_app(engine, setup_code=CODE), raise_server_exceptions=False)
    page = client.get("/", follow_redirects=True)  # every page leads to the sign-in form
    assert "<h1>Create the first administrator</h1>" in page.text
    assert 'name="setup_code"' in page.text and "<h1>Sign in</h1>" not in page.text

    wrong = first_form(client, setup_code="guessed")
    assert wrong.status_code == 403
    assert "the setup code is not the one `rollover serve` printed" in wrong.text
    differ = first_form(client, password_again=PASSWORD + "!")
    assert differ.status_code == 400 and "the two passwords differ" in differ.text
    assert 'value="Ann Admin"' in differ.text  # what was typed is kept, not the passwords
    bad_name = first_form(client, user="has space")
    assert bad_name.status_code == 400 and "has space" in bad_name.text
    assert user_names(engine) == []

    made = first_form(client)
    assert made.status_code == 303 and made.headers["location"] == "/"
    (ann,) = list_users(engine)
    assert ann.user_name == "ann" and ann.full_name == "Ann Admin"
    assert [(g.right, g.school_id) for g in ann.grants] == [("system_all", None)]
    assert client.get("/", follow_redirects=False).status_code == 200  # signed in

    client.cookies.clear()
    again = client.get("/signin")
    assert "<h1>Sign in</h1>" in again.text and 'name="setup_code"' not in again.text
    second = first_form(client, user="eve")
    assert second.status_code in (401, 403) and user_names(engine) == ["ann"]


def test_a_server_without_a_setup_code_makes_nobody(engine, tmp_path, quick_hashes):
    load_district(engine, tmp_path)
    client = TestClient(create_app(engine), raise_server_exceptions=False)
    page = client.get("/signin")
    assert "This server has no setup code" in page.text
    refused = first_form(client)
    assert refused.status_code == 403 and "this server has no setup code" in refused.text
    assert user_names(engine) == []


def test_serve_has_a_new_setup_code_only_while_the_district_has_no_user(engine, tmp_path):
    load_district(engine, tmp_path)
    first, second = first_administrator_code(engine), first_administrator_code(engine)
    assert first and second and first != second and len(first) >= 16
    add_user(engine, "ann", user=None)
    assert first_administrator_code(engine) is None

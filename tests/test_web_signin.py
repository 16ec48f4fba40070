"""The pages' sign-in (docs/sign-in.md, "The pages"): the sign-in form, the session cookie
(HttpOnly, SameSite=Lax, Secure over https), sign-out ending the session on the server, the CSRF
token of every form that writes and of the pages' API calls by cookie, the maintenance lock on
the sign-in page, throttling, and pages that never show a stack trace.  Every test runs on
SQLite and PostgreSQL (`engine`); the users are those of tests/api_setup.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from rollover.entrypoints.web.app import create_app
from rollover.entrypoints.web.csrf import csrf_token
from rollover.entrypoints.web.pages import home as home_page
from rollover.services.security import lock_status, set_lock
from rollover.services.sign_in import NotSignedIn, issue_token, signed_in

from .api_setup import LOCKED, PASSWORD, district_and_users, quick_hashes  # noqa: F401 - fixtures

WRONG = "wrong user name or password"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def site(engine, tmp_path):
    """The two-school district with the users of the API's tests, each with PASSWORD."""
    district_and_users(engine, tmp_path)
    return engine


@pytest.fixture
def visitor(site):
    """The app seen from one visitor's cookie jar (fastapi's TestClient)."""
    with TestClient(create_app(site), raise_server_exceptions=False) as client:
        yield client


def client_of(engine, base_url: str = "http://testserver", **options) -> TestClient:
    return TestClient(create_app(engine, **options), base_url=base_url,
                      raise_server_exceptions=False)


def token_in(page) -> str:
    found = CSRF_FIELD.search(page.text)
    assert found, page.text
    return found.group(1)


def sign_in(client: TestClient, user: str, password: str = PASSWORD, **headers):
    """Fill in and send the sign-in form, as a browser does (not following the redirect)."""
    form = client.get("/signin", headers=headers)
    return client.post("/signin", data={"user": user, "password": password,
                                        "csrf_token": token_in(form)},
                       headers=headers, follow_redirects=False)


def signed_in_as(client: TestClient, user: str) -> str:
    """Sign `user` in; the session's CSRF token, from the home page's sign-out form."""
    assert sign_in(client, user).status_code == 303
    home = client.get("/")
    assert home.status_code == 200, home.text
    assert f"Signed in as <strong>{user}</strong>" in home.text, home.text  # the header's form
    return token_in(home)


def cookie_flags(answer, name: str) -> dict[str, str]:
    """The attributes of the Set-Cookie for `name` (lower-case keys; flags map to "")."""
    for header in answer.headers.get_list("set-cookie"):
        if header.startswith(name + "="):
            parts = [p.strip() for p in header.split(";")]
            flags = {k.lower(): v for k, _, v in (p.partition("=") for p in parts[1:])}
            return {"value": parts[0].partition("=")[2], **flags}
    raise AssertionError(f"no cookie {name!r} set: {answer.headers.get_list('set-cookie')}")


def is_page(answer, status: int) -> str:
    """The answer is an HTML page of `status` with no stack trace; its text."""
    assert answer.status_code == status, (answer.status_code, answer.text)
    assert answer.headers["content-type"].startswith("text/html"), answer.headers
    text = answer.text
    assert "Traceback" not in text and 'File "' not in text and "SELECT" not in text, text
    assert '<html lang="en">' in text and 'name="viewport"' in text
    return text


# -- signing in and out -----------------------------------------------------------------------

def test_sign_in_sets_an_httponly_samesite_lax_session_cookie_and_shows_the_home_page(visitor):
    form = visitor.get("/signin")
    is_page(form, 200)
    assert 'name="user"' in form.text and 'type="password"' in form.text
    answer = sign_in(visitor, "ann")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = cookie_flags(answer, "rollover_session")
    assert "httponly" in cookie and cookie["samesite"].lower() == "lax" and cookie["path"] == "/"
    assert "secure" not in cookie  # the request came over http
    home = visitor.get("/")
    assert "Signed in as <strong>ann</strong>" in is_page(home, 200)
    assert "<h1>Dashboard</h1>" in home.text
    assert 'action="/signout"' in home.text
    assert visitor.get("/signin", follow_redirects=False).headers["location"] == "/"


def test_over_https_both_cookies_are_secure(site):
    with client_of(site, "https://testserver") as client:
        assert "secure" in cookie_flags(client.get("/signin"), "rollover_signin")
        assert "secure" in cookie_flags(sign_in(client, "ann"), "rollover_session")
        assert "Signed in as <strong>ann</strong>" in client.get("/").text


def test_x_forwarded_proto_counts_only_behind_a_proxy(site):
    """The proxy speaks http to the server, https to the browser (which sends Secure cookies)."""
    https = {"X-Forwarded-Proto": "https"}
    for behind_proxy in (True, False):
        with client_of(site, behind_proxy=behind_proxy) as client:
            form = client.get("/signin", headers=https)
            assert ("secure" in cookie_flags(form, "rollover_signin")) is behind_proxy
            token = token_in(form)
            answer = client.post("/signin", data={"user": "ann", "password": PASSWORD,
                                                  "csrf_token": token},
                                 headers={**https, "Cookie": f"rollover_signin={token}"},
                                 follow_redirects=False)
            assert ("secure" in cookie_flags(answer, "rollover_session")) is behind_proxy


def test_the_proxy_setting_from_the_environment_names_a_bad_value(site, monkeypatch):
    monkeypatch.setenv("ROLLOVER_BEHIND_PROXY", "maybe")
    with pytest.raises(Exception, match="ROLLOVER_BEHIND_PROXY='maybe'"):
        create_app(site)
    monkeypatch.setenv("ROLLOVER_BEHIND_PROXY", "yes")
    assert create_app(site).state.behind_proxy is True


def test_sign_out_ends_the_session_on_the_server(visitor, site):
    csrf = signed_in_as(visitor, "ann")
    token = visitor.cookies["rollover_session"]
    answer = visitor.post("/signout", data={"csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/signin"
    cleared = cookie_flags(answer, "rollover_session")
    assert cleared["value"] in ("", '""') and cleared["max-age"] == "0"
    with pytest.raises(NotSignedIn, match="revoked"):
        signed_in(site, token)
    visitor.cookies.set("rollover_session", token)  # the old cookie, kept by someone
    assert visitor.get("/", follow_redirects=False).headers["location"] == "/signin"
    assert visitor.get("/api/v1/district").status_code == 401


def test_a_page_without_a_valid_session_goes_to_the_sign_in_form(visitor):
    answer = visitor.get("/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/signin"
    visitor.cookies.set("rollover_session", "not-a-token")
    answer = visitor.get("/", follow_redirects=False)
    assert answer.headers["location"] == "/signin"
    assert cookie_flags(answer, "rollover_session")["max-age"] == "0"  # the stale one is gone
    assert "Sign in" in is_page(visitor.get("/"), 200)


def test_a_part_of_a_page_asked_for_without_a_session_sends_the_whole_page_to_sign_in(
        visitor):
    """htmx (a job's state it polls, a fragment it swaps in) would follow a redirect and swap
    the sign-in form into the part: it gets 401 and `HX-Redirect`, which takes the page to the
    form, and a stale cookie is deleted on the way as for a page."""
    visitor.cookies.set("rollover_session", "not-a-token")
    answer = visitor.get("/backups/jobs/job-1", headers={"HX-Request": "true"},
                         follow_redirects=False)
    assert answer.status_code == 401 and answer.headers["HX-Redirect"] == "/signin"
    assert "Sign in" not in answer.text
    assert cookie_flags(answer, "rollover_session")["max-age"] == "0"
    visitor.cookies.clear()
    answer = visitor.get("/", headers={"HX-Request": "true"}, follow_redirects=False)
    assert answer.status_code == 401 and answer.headers["HX-Redirect"] == "/signin"


def test_an_api_token_in_the_session_cookie_signs_nobody_in(visitor, site):
    visitor.cookies.set("rollover_session", issue_token(site, "ann", PASSWORD).token)
    assert visitor.get("/", follow_redirects=False).headers["location"] == "/signin"
    assert visitor.get("/api/v1/district").status_code == 401


# -- CSRF -------------------------------------------------------------------------------------

def test_sign_out_without_this_sessions_csrf_token_is_refused_and_signs_nobody_out(visitor,
                                                                                 site):
    signed_in_as(visitor, "ann")
    with client_of(site) as other:
        others = signed_in_as(other, "admin")
    for form in ({}, {"csrf_token": "wrong"}, {"csrf_token": others}, {"csrf_token": "é" * 64}):
        page = is_page(visitor.post("/signout", data=form, follow_redirects=False), 403)
        assert "CSRF token" in page and "nothing was written" in page
        assert visitor.get("/").status_code == 200  # still signed in
    assert "rollover_session" in visitor.cookies


def test_the_api_by_cookie_reads_freely_and_writes_only_with_the_csrf_header(visitor, site):
    csrf = signed_in_as(visitor, "keeper")
    assert visitor.get("/api/v1/district").status_code == 200
    with client_of(site) as other:
        others = signed_in_as(other, "admin")
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": others}):
        answer = visitor.put("/api/v1/lock", json={"locked": True}, headers=headers)
        assert answer.status_code == 403, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert "CSRF token" in answer.json()["detail"]
        assert not lock_status(site).locked  # nothing written
    answer = visitor.put("/api/v1/lock", json={"locked": True}, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 200 and answer.json()["locked"]


def test_a_bearer_token_needs_no_csrf_token_even_with_a_session_cookie(visitor, site):
    signed_in_as(visitor, "ann")
    bearer = issue_token(site, "keeper", PASSWORD).token
    answer = visitor.put("/api/v1/lock", json={"locked": True},
                         headers={"Authorization": f"Bearer {bearer}"})
    assert answer.status_code == 200 and answer.json()["locked"]


def test_the_sign_in_form_needs_its_own_token(visitor, site):
    page = is_page(visitor.post("/signin", data={"user": "ann", "password": PASSWORD},
                                follow_redirects=False), 403)
    assert "the sign-in form had expired" in page
    assert "rollover_session" not in visitor.cookies
    answer = visitor.post("/signin", data={"user": "ann", "password": PASSWORD,
                                           "csrf_token": "x" * 43}, follow_redirects=False)
    is_page(answer, 403)
    with client_of(site) as other:  # a token of another browser's form
        other_token = token_in(other.get("/signin"))
    visitor.cookies.clear()
    visitor.get("/signin")
    answer = visitor.post("/signin", data={"user": "ann", "password": PASSWORD,
                                           "csrf_token": other_token}, follow_redirects=False)
    is_page(answer, 403)
    assert "rollover_session" not in visitor.cookies
    assert sign_in(visitor, "ann").status_code == 303  # the form shown again works


def test_the_csrf_token_is_an_hmac_of_the_sessions_secret_never_the_secret(visitor, site):
    csrf = signed_in_as(visitor, "ann")
    secret = signed_in(site, visitor.cookies["rollover_session"]).csrf_secret
    assert csrf == csrf_token(secret) and secret not in visitor.get("/").text


# -- refusals ---------------------------------------------------------------------------------

def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(visitor):
    wrong = sign_in(visitor, "ann", "not the password")
    unknown = sign_in(visitor, "nobody", PASSWORD)
    for answer, user in ((wrong, "ann"), (unknown, "nobody")):
        page = is_page(answer, 401)
        assert WRONG in page and f'value="{user}"' in page  # the name kept, for a retry
        # the message names what it is about: the user name's field points to it
        assert ' required aria-describedby="signin-error">' in page
        assert "not the password" not in page and PASSWORD not in page
        assert "rollover_session" not in answer.cookies


def test_an_empty_form_is_refused_without_counting_as_a_failed_sign_in(visitor):
    page = is_page(sign_in(visitor, "ann", ""), 400)
    assert "enter your user name and your password" in page


def test_what_was_typed_is_escaped(visitor):
    page = is_page(sign_in(visitor, '<script>alert("x")</script>', "wrong password"), 401)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_repeated_failed_sign_ins_show_the_429_page(visitor):
    for _ in range(5):
        assert WRONG in is_page(sign_in(visitor, "ann", "not the password"), 401)
    page = is_page(sign_in(visitor, "ann"), 429)
    assert "too many failed sign-ins for &#39;ann&#39;" in page
    assert "rollover_session" not in visitor.cookies


def test_a_locked_district_says_so_and_refuses_a_plain_users_sign_in(visitor, site):
    assert LOCKED not in visitor.get("/signin").text.lower()
    set_lock(site, True, user="keeper")
    assert "the system is locked for maintenance" in is_page(visitor.get("/signin"), 200).lower()
    page = is_page(sign_in(visitor, "plain"), 423)
    assert LOCKED in page
    assert "rollover_session" not in visitor.cookies
    assert sign_in(visitor, "keeper").status_code == 303  # past the lock


def test_a_read_only_reviewer_signs_in_while_locked_and_only_reads(visitor, site):
    set_lock(site, True, user="keeper")
    csrf = signed_in_as(visitor, "reader")
    assert "locked for maintenance" in visitor.get("/").text
    assert visitor.get("/api/v1/runs").status_code == 200
    answer = visitor.put("/api/v1/lock", json={"locked": False}, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 423 and answer.json()["detail"] == LOCKED
    assert lock_status(site).locked
    assert visitor.post("/signout", data={"csrf_token": csrf}).status_code == 200  # the form


# -- pages, never stack traces ----------------------------------------------------------------

def test_an_unknown_page_and_a_failure_are_pages_without_a_stack_trace(visitor, monkeypatch):
    assert "no such endpoint: GET /nothing-here" in is_page(visitor.get("/nothing-here"), 404)
    signed_in_as(visitor, "ann")

    def failing(_engine):
        raise RuntimeError("SELECT secret FROM somewhere")

    monkeypatch.setattr(home_page, "lock_status", failing)
    page = is_page(visitor.get("/"), 500)
    assert "failed unexpectedly" in page and "somewhere" not in page
    assert visitor.get("/api/v1/nothing").headers["content-type"].startswith(
        "application/problem+json")  # the API's answers stay problem objects


def test_a_malformed_form_is_a_400_page(visitor):
    visitor.get("/signin")
    answer = visitor.post("/signin", content=b"user=ann",
                          headers={"Content-Type": "multipart/form-data"})
    assert "Missing boundary in multipart" in is_page(answer, 400)


def test_pages_keep_to_themselves(visitor):
    answer = visitor.get("/signin")
    assert answer.headers["cache-control"] == "no-store"
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "http" not in answer.text.replace('href="/', "")  # nothing from the network
    style = visitor.get("/static/style.css")
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in style.text


class _Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.labelled: set[str] = set()
        self.controls: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self.labelled.add(attrs.get("for"))
        elif tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.controls.append(attrs)


def test_every_form_control_has_a_label(visitor):
    for page in (visitor.get("/signin"), (signed_in_as(visitor, "ann"), visitor.get("/"))[1]):
        controls = _Controls()
        controls.feed(page.text)
        for control in controls.controls:
            assert control.get("id") in controls.labelled, control


def test_a_page_takes_the_csrf_token_from_the_header_too(visitor):
    """For the pages' scripts: the X-CSRF-Token header instead of the form field."""
    csrf = signed_in_as(visitor, "ann")
    page = is_page(visitor.post("/signout", headers={"X-CSRF-Token": "wrong"}), 403)
    assert "X-CSRF-Token header" in page
    answer = visitor.post("/signout", headers={"X-CSRF-Token": csrf}, follow_redirects=False)
    assert answer.status_code == 303 and visitor.get("/", follow_redirects=False) \
        .headers["location"] == "/signin"

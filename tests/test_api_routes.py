"""Every route of the HTTP API, from the app's own route table: 401 without a valid token (before
its ids or body are looked at) but for the two open routes; 403 without the right, at the school
where the right is per school (YE-2); 423 for every write while the district is locked, for a
read-only reviewer too, who signs in and reads; tokens that expire and are revoked; 429 after
repeated failed sign-ins.  The pages beside the API send a request without a web session to the
sign-in form (their own tests: test_web_signin.py).

A route the app has and EXPECTED does not name fails `test_every_route_has_its_expectation`, so
a new route is covered by adding it here, never forgotten.  Every test runs on SQLite and
PostgreSQL (`engine`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from fastapi.routing import iter_route_contexts

from rollover.services.sign_in import issue_token

from .api_setup import LOCKED, PASSWORD, api, is_problem, quick_hashes  # noqa: F401 - fixtures
from .security_setup import ADMIN


@dataclass(frozen=True)
class Route:
    """How to call a route well (`query`, `body`), and who may: `access` "open" (no token),
    "signed-in" (any signed-in user, even while locked: signing out), "read" (any signed-in
    user: the command line checks no right for it) or "write" (`right`, checked at a school
    when `per_school`: the request names school HSB); a page "page-open" (no session) or "page"
    (a web session, else the sign-in form)."""

    access: str
    right: str | None = None
    per_school: bool = False
    query: str = ""
    body: dict | None = field(default=None, hash=False)
    ok: int = 200


def read(query: str = "", ok: int = 200) -> Route:
    return Route("read", query=query, ok=ok)


def write(right: str, body: dict | None = None, *, query: str = "", per_school: bool = False,
          ok: int = 200) -> Route:
    return Route("write", right, per_school, query, body, ok)


V1 = "/api/v1"
EXPECTED: dict[tuple[str, str], Route] = {
    ("GET", f"{V1}/openapi.json"): Route("open"),
    ("POST", f"{V1}/tokens"): Route("open", body={"user": "ann", "password": PASSWORD}, ok=201),
    ("DELETE", f"{V1}/tokens/current"): Route("signed-in", ok=204),
    ("GET", f"{V1}/district"): read(),
    ("GET", f"{V1}/schools"): read(),
    ("GET", f"{V1}/calendars"): read("year=2027"),
    ("GET", f"{V1}/check"): read("year=2027"),
    ("GET", f"{V1}/projection"): read(),
    ("GET", f"{V1}/runs"): read(),
    ("GET", f"{V1}/runs/{{run_id}}"): read(),
    ("GET", f"{V1}/runs/{{run_id}}/rolled"): read("school=HSA"),
    ("GET", f"{V1}/runs/{{run_id}}/warnings"): read(),
    ("GET", f"{V1}/runs/{{run_id}}/warnings/summary"): read(),
    ("GET", f"{V1}/runs/{{run_id}}/report.csv"): read(),
    ("GET", f"{V1}/runs/{{run_id}}/changes.zip"): read(),
    ("GET", f"{V1}/process"): read(),
    ("GET", f"{V1}/lock"): read(),
    ("PUT", f"{V1}/lock"): write("maintenance_lock", {"locked": False}),
    ("GET", f"{V1}/users"): read(),
    ("POST", f"{V1}/users"): write("security", {"name": "newcomer", "password": PASSWORD},
                                   ok=201),
    ("PUT", f"{V1}/users/{{name}}/rights/{{right}}"): write(
        "security", {"school": "HSB", "read_only": True}, per_school=True),
    ("DELETE", f"{V1}/users/{{name}}/rights/{{right}}"): write(
        "security", query="school=HSB", per_school=True),
    ("PATCH", f"{V1}/enrollments/{{enrollment_id}}"): write("registration",
                                                            {"end_action": "retain"}),
    ("GET", f"{V1}/backups"): read(),
    ("DELETE", f"{V1}/backups/{{backup_id}}"): write("backup"),
    ("POST", f"{V1}/backups"): write("backup", {"label": "before"}, ok=202),
    ("POST", f"{V1}/backups/{{backup_id}}/restore"): write("backup", {"confirm": True},
                                                            ok=202),
    ("POST", f"{V1}/forward"): write("registration", {"source_year": 2027, "test": True},
                                     ok=202),
    ("POST", f"{V1}/runs/{{run_id}}/restore"): write("registration", {"test": True}, ok=202),
    ("POST", f"{V1}/process/prepare"): write("maintenance_lock", {"test": True}, ok=202),
    ("POST", f"{V1}/process/finish"): write("maintenance_lock", {"test": True}, ok=202),
    ("POST", f"{V1}/process/modules/{{module}}/runs"): write("calendar", {"test": True},
                                                            ok=202),
    ("POST", f"{V1}/imports"): write("import", ok=202),
    ("GET", f"{V1}/jobs/{{job_id}}"): read(),
    ("GET", f"{V1}/jobs/{{job_id}}/events"): read(),
    ("GET", f"{V1}/exports"): read("format=bundle"),
    # The fixture's job is a roll forward, no export: its link is no download.
    ("GET", f"{V1}/exports/{{job_id}}.zip"): read(ok=404),
    # The pages (tests/test_web_signin.py): "page-open" answers without a session ...
    ("GET", "/signin"): Route("page-open"),
    ("POST", "/signin"): Route("page-open", ok=403),  # the form again: it lacks its token
    # The first administrator's form (tests/test_web_first_administrator.py), as the sign-in's.
    ("POST", "/signin/first"): Route("page-open", ok=403),
    # ... "page" sends a request without one to the sign-in form.
    ("GET", "/"): Route("page"),
    ("POST", "/signout"): Route("page"),
    ("GET", "/process"): Route("page"),
    ("GET", "/process/steps"): Route("page"),
    ("POST", "/process/prepare"): Route("page"),
    ("POST", "/process/finish"): Route("page"),
    ("POST", "/process/modules/{module}/runs"): Route("page"),
    ("GET", "/process/runs/{run_id}"): Route("page"),
    ("POST", "/process/runs/{run_id}/restore"): Route("page"),
    ("GET", "/process/jobs/{job_id}"): Route("page"),
    ("GET", "/exceptions"): Route("page"),
    ("GET", "/exceptions/students/{student_id}"): Route("page"),
    ("POST", "/exceptions/enrollments/{enrollment_id}"): Route("page"),
    ("POST", "/exceptions/students/{student_id}/run-test"): Route("page"),
    ("GET", "/exceptions/jobs/{job_id}"): Route("page"),
    ("POST", "/exceptions/upload"): Route("page"),
    ("GET", "/readiness"): Route("page"),
    ("POST", "/readiness/check"): Route("page"),
    ("GET", "/tasks"): Route("page"),
    ("GET", "/tasks/{run_id}"): Route("page"),
    ("GET", "/forward"): Route("page"),
    ("POST", "/forward"): Route("page"),
    ("GET", "/forward/jobs/{job_id}"): Route("page"),
    ("GET", "/forward/jobs/{job_id}/progress"): Route("page"),
    ("GET", "/forward/runs/{run_id}"): Route("page"),
    ("GET", "/forward/runs/{run_id}/undo"): Route("page"),
    ("POST", "/forward/runs/{run_id}/undo"): Route("page"),
    ("GET", "/projection"): Route("page"),
    ("GET", "/transfers"): Route("page"),
    ("POST", "/transfers/import"): Route("page"),
    ("GET", "/transfers/export"): Route("page"),
    ("GET", "/transfers/jobs/{job_id}"): Route("page"),
    ("GET", "/backups"): Route("page"),
    ("POST", "/backups"): Route("page"),
    ("POST", "/backups/{backup_id}/delete"): Route("page"),
    ("GET", "/backups/{backup_id}/restore"): Route("page"),
    ("POST", "/backups/{backup_id}/restore"): Route("page"),
    ("GET", "/backups/jobs/{job_id}"): Route("page"),
    ("GET", "/end-year"): Route("page"),
    ("POST", "/end-year/end-batch"): Route("page"),
    ("POST", "/end-year/cleanup"): Route("page"),
    ("GET", "/end-year/jobs/{job_id}"): Route("page"),
    ("GET", "/users"): Route("page"),
    ("POST", "/users"): Route("page"),
    ("POST", "/users/rights"): Route("page"),
    ("POST", "/users/rights/revoke"): Route("page"),
    ("GET", "/lock"): Route("page"),
    ("POST", "/lock"): Route("page"),
}
PAGES = ("page", "page-open")


def app_routes(app) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, those of included routers too (HEAD is
    GET's)."""
    return {(method, route.path) for route in iter_route_contexts(app.routes)
            for method in route.methods or () if method != "HEAD"}


def url(api, path: str, query: str = "", **values: str) -> str:
    filled = path.format(**{"run_id": api.run_id, "backup_id": api.backup_id, "name": "ann",
                            "right": "calendar", "enrollment_id": "EA", "job_id": api.job_id,
                            "module": "calendar", **values})
    return f"{filled}?{query}" if query else filled


def call(api, method: str, path: str, route: Route, headers: dict | None = None, **values):
    return api.client.request(method, url(api, path, route.query, **values), json=route.body,
                              headers=headers or {})


def routes_of(access: str) -> list[tuple[str, str, Route]]:
    return [(m, p, r) for (m, p), r in sorted(EXPECTED.items()) if r.access == access]


# -- the table is the app's -------------------------------------------------------------------

def test_every_route_has_its_expectation(api):
    served = app_routes(api.client.app)
    assert served - set(EXPECTED) == set(), "routes without an expectation in EXPECTED"
    assert set(EXPECTED) - served == set(), "expectations of routes the app does not serve"


# -- 401 first --------------------------------------------------------------------------------

@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_every_route_but_the_open_ones_answers_401_first(api, token):
    """No token (or an unknown one), unknown ids, a body that is no JSON: 401, nothing else."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for (method, path), route in sorted(EXPECTED.items()):
        if route.access in ("open", *PAGES):
            continue
        filled = path.format(run_id="nope", backup_id="nope", name="nope", right="nope",
                             enrollment_id="nope", job_id="nope", module="nope")
        answer = api.client.request(method, filled + "?page=zero&year=soon",
                                    content=b"{not json", headers={
                                        **headers, "Content-Type": "application/json"})
        problem = is_problem(answer, 401)
        assert problem["detail"].startswith("not signed in"), (method, path, problem)
        assert answer.headers["www-authenticate"] == "Bearer"


def test_the_open_routes_answer_without_a_token(api):
    for method, path, route in routes_of("open"):
        answer = call(api, method, path, route)
        assert answer.status_code == route.ok, (method, path, answer.text)


def test_every_page_but_the_sign_in_form_sends_who_has_no_session_to_it(api):
    """Neither no session nor a bearer token (the API's, not a web session) opens a page."""
    for headers in ({}, api.as_user(ADMIN)):
        for method, path, route in routes_of("page"):
            answer = api.client.request(method, path, headers=headers, follow_redirects=False)
            assert answer.status_code == 303, (method, path, answer.text)
            assert answer.headers["location"] == "/signin"
    for method, path, route in routes_of("page-open"):
        answer = api.client.request(method, path, follow_redirects=False)
        assert answer.status_code == route.ok, (method, path, answer.text)


def test_an_unknown_route_is_401_before_404(api):
    is_problem(api.client.get(f"{V1}/nothing-here"), 401)
    is_problem(api.client.get(f"{V1}/nothing-here", headers=api.as_user("ann")), 404)


# -- 403: the rights of YE-2 ------------------------------------------------------------------

def test_a_user_without_rights_reads_and_is_refused_every_write_naming_the_right(api):
    headers = api.as_user("ann")
    for method, path, route in routes_of("read"):
        answer = call(api, method, path, route, headers)
        assert answer.status_code == route.ok, (method, path, answer.text)
    for method, path, route in routes_of("write"):
        problem = is_problem(call(api, method, path, route, headers), 403)
        assert f"needs the {route.right!r} right" in problem["detail"], (method, path, problem)


def test_a_right_per_school_is_checked_at_the_school_the_request_names(api):
    """hsa_admin holds `security` at HSA only: refused at HSB (naming it), allowed at HSA."""
    headers = api.as_user("hsa_admin")
    scoped = routes_of("write")
    assert any(route.per_school for _, _, route in scoped)
    for method, path, route in scoped:
        if not route.per_school:
            continue
        problem = is_problem(call(api, method, path, route, headers), 403)
        assert problem["detail"] == f"user 'hsa_admin' needs the {route.right!r} right with " \
                                    "write access for school 'HSB'", problem
    granted = api.client.put(f"{V1}/users/ann/rights/calendar", headers=headers,
                             json={"school": "HSA"})
    assert granted.json() == {"right": "calendar", "school": "HSA", "access": "write"}
    revoked = api.client.delete(f"{V1}/users/ann/rights/calendar?school=HSA", headers=headers)
    assert revoked.status_code == 200, revoked.text


def test_an_edit_needs_the_tables_right_for_all_schools_as_on_the_command_line(api):
    """`rollover edit` checks the enrollments' right (registration) for all schools."""
    problem = is_problem(api.client.patch(f"{V1}/enrollments/EA", json={"next_grade": "12"},
                                          headers=api.as_user("hsa_admin")), 403)
    assert problem["detail"] == "user 'hsa_admin' needs the 'registration' right with write " \
                                "access for all schools"


# -- 423: the maintenance lock ----------------------------------------------------------------

def test_every_write_while_locked_is_423_for_whoever_cannot_pass_the_lock(api):
    """plain (every right a write needs, no way past the lock) signed in before the lock; reader
    (maintenance_lock read-only) signs in while locked; both read, neither writes."""
    plain = api.as_user("plain")
    locked = api.client.put(f"{V1}/lock", json={"locked": True}, headers=api.as_user("keeper"))
    assert locked.status_code == 200 and locked.json()["locked"], locked.text
    is_problem(api.client.post(f"{V1}/tokens", json={"user": "plain", "password": PASSWORD}),
               423)
    reader = api.as_user("reader")
    for who in (plain, reader):
        for method, path, route in routes_of("read"):
            answer = call(api, method, path, route, who)
            assert answer.status_code == route.ok, (method, path, answer.text)
        for method, path, route in routes_of("write"):
            problem = is_problem(call(api, method, path, route, who), 423)
            assert problem["detail"] == LOCKED, (method, path, problem)
    for method, path, route in routes_of("signed-in"):  # signing out is never refused
        assert call(api, method, path, route, reader).status_code == route.ok


def test_the_lock_lets_its_keepers_write(api):
    keeper = api.as_user("keeper")
    assert api.client.put(f"{V1}/lock", json={"locked": True}, headers=keeper).status_code == 200
    answer = api.client.put(f"{V1}/lock", json={"locked": False}, headers=keeper)
    assert answer.status_code == 200 and not answer.json()["locked"]


# -- tokens -----------------------------------------------------------------------------------

def test_an_expired_token_signs_nobody_in(api):
    issued = issue_token(api.engine, "ann", PASSWORD,
                         now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=13))
    answer = api.client.get(f"{V1}/district",
                            headers={"Authorization": f"Bearer {issued.token}"})
    assert "expired" in is_problem(answer, 401)["detail"]


def test_a_revoked_token_signs_nobody_in(api):
    headers = api.as_user("ann")
    assert api.client.get(f"{V1}/district", headers=headers).status_code == 200
    assert api.client.delete(f"{V1}/tokens/current", headers=headers).status_code == 204
    answer = api.client.get(f"{V1}/district", headers=headers)
    assert "revoked" in is_problem(answer, 401)["detail"]
    is_problem(api.client.delete(f"{V1}/tokens/current", headers=headers), 401)


def test_repeated_failed_sign_ins_are_refused_for_a_while_with_429(api):
    wrong = {"user": "ann", "password": "not the password"}
    for _ in range(5):
        problem = is_problem(api.client.post(f"{V1}/tokens", json=wrong), 401)
        assert problem["detail"] == "wrong user name or password"
    right = {"user": "ann", "password": PASSWORD}
    problem = is_problem(api.client.post(f"{V1}/tokens", json=right), 429)
    assert problem["detail"].startswith("too many failed sign-ins for 'ann'")
    assert api.client.post(f"{V1}/tokens", json={"user": ADMIN, "password": PASSWORD}) \
        .status_code == 201  # other names are not slowed down

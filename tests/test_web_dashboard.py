"""The dashboard, readiness and tasks pages in-process (fastapi's TestClient): the readiness
check's button needs the session's CSRF token (without it nothing is checked or stored), a page
out of range and an unknown run are refused naming the value, a module run's page shows its
logs, and a district without a current year still shows its dashboard with the reason.  On
SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from rollover.services import process
from rollover.services.demo import load_demo
from rollover.services.run_lists import runs_page
from rollover.services.security import add_user

from .api_setup import PASSWORD, app_on, quick_hashes  # noqa: F401 - fixture
from .security_setup import ADMIN

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def demo(engine):
    load_demo(engine, students=300, seed=3)
    add_user(engine, ADMIN, "The Administrator", user=None, password=PASSWORD)
    return engine


def signed_in(engine) -> tuple[TestClient, str]:
    """A client signed in as the administrator, and its CSRF token."""
    client = TestClient(app_on(engine), raise_server_exceptions=False)
    form = client.get("/signin")
    assert client.post("/signin", data={"user": ADMIN, "password": PASSWORD,
                                        "csrf_token": CSRF.search(form.text).group(1)},
                       follow_redirects=False).status_code == 303
    return client, CSRF.search(client.get("/").text).group(1)


def test_the_check_button_needs_the_csrf_token_and_goes_back_where_it_was_pressed(demo):
    client, token = signed_in(demo)
    refused = client.post("/readiness/check", data={"then": "/"}, follow_redirects=False)
    assert refused.status_code == 403 and "Traceback" not in refused.text
    assert runs_page(demo).total == 0  # nothing checked, nothing stored
    answer = client.post("/readiness/check", data={"csrf_token": token, "then": "/"},
                         follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/")
    elsewhere = client.post("/readiness/check", data={"csrf_token": token,
                                                      "then": "https://example.org/"},
                            follow_redirects=False)
    assert elsewhere.headers["location"] == "/readiness"  # never off the site
    assert runs_page(demo, kind="check").total == 2
    assert "No findings: every school is ready to roll." in client.get("/readiness").text


def test_a_bad_page_and_an_unknown_run_are_refused_naming_them(demo):
    client, _token = signed_in(demo)
    answer = client.get("/tasks?page=0")
    assert answer.status_code == 400 and "page 0 is not a page number" in answer.text
    unknown = client.get("/tasks/no-such-run")
    assert unknown.status_code == 404 and "unknown run &#39;no-such-run&#39;" in unknown.text


def test_a_module_runs_page_shows_its_logs_and_its_per_student_report(demo, tmp_path):
    client, _token = signed_in(demo)
    process.prepare(demo, user=ADMIN, backup_folder=tmp_path)
    process.run_module(demo, "calendar", user=ADMIN)
    run = process.run_module(demo, "registration", test=True, user=ADMIN)
    logs = process.task(demo, run.run_id)
    assert logs["backup_log"] and logs["rollover_log"]["changes"]
    page = client.get(f"/tasks/{run.run_id}")
    assert page.status_code == 200
    for row in logs["backup_log"]:
        assert f'<th scope="row">{row["table"]}</th><td>{row["rows"]:,}</td>' in page.text
    for row in logs["rollover_log"]["changes"]:
        assert f'<td>{row["school_id"]}</td>' in page.text
    assert logs["rollover_log"]["messages"][0]["message"].split("'")[0] in page.text
    csv_link = f"/api/v1/runs/{run.run_id}/report.csv"
    assert f'href="{csv_link}"' in page.text
    download = client.get(csv_link)  # the session cookie is enough to read it
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    listed = client.get("/tasks?kind=registration")
    assert run.run_id in listed.text and "1 run," in listed.text


def test_a_district_without_a_current_year_says_so_on_its_dashboard(engine):
    add_user(engine, ADMIN, "The Administrator", user=None, password=PASSWORD)
    client, _token = signed_in(engine)
    page = client.get("/")
    assert page.status_code == 200 and "the district has no current school year" in page.text

"""Ending the old year (YE-15) on the pages, in process (fastapi's TestClient), on SQLite and
PostgreSQL, on the district of tests/api_setup.py (its 2027 rolled into 2028): the end batch and
the clean-up as jobs over every calendar of a year, a Run Test that changes nothing and then the
Run, whose counts are the Run Test's, undoable from its task page; a missing end status shown
beside its field; a user without the registration right refused; nothing queued on refusal."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from rollover.services.jobs import claim_next, get_job, run_job
from rollover.services.runs import get_run
from rollover.store.schema import calendars, enrollments
from rollover.store.schema_server import jobs

from .api_setup import api, quick_hashes  # noqa: F401 - fixtures
from .security_setup import ADMIN
from .test_web_signin import signed_in_as


def job_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(jobs)).scalar_one()


def ended_of_year(engine, year: int) -> int:
    e, c = enrollments.c, calendars.c
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(enrollments)
                            .join(calendars, c.calendar_id == e.calendar_id)
                            .where(c.school_year == year, e.end_date.is_not(None))).scalar_one()


def submitted(api, path: str, data: dict) -> str:
    """Post the form, run the job it queued; the run it made."""
    answer = api.client.post(path, data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    job_id = re.fullmatch(r"/end-year\?job=(.+)", answer.headers["location"]).group(1)
    assert "End batch" in api.client.get(answer.headers["location"]).text
    run_job(api.engine, claim_next(api.engine, "test-worker"))
    fragment = api.client.get(f"/end-year/jobs/{job_id}").text
    job = get_job(api.engine, job_id)
    assert job.state == "succeeded", job.error
    assert f"run <code>{job.run_id}</code>" in fragment
    return job.run_id


def test_the_end_batch_and_the_clean_up_run_test_then_run_from_the_page(api):
    token = signed_in_as(api.client, ADMIN)
    page = api.client.get("/end-year")
    assert page.status_code == 200 and "<h1>End the old year</h1>" in page.text
    assert 'value="2027"' in page.text and 'value="2028"' in page.text  # this year, next
    before = ended_of_year(api.engine, 2027)

    form = {"csrf_token": token, "year": "2027", "end_status": "E01"}
    tested = get_run(api.engine, submitted(api, "/end-year/end-batch",
                                           {**form, "action": "test"}))
    assert (tested.kind, tested.mode) == ("end-batch", "test")
    assert ended_of_year(api.engine, 2027) == before  # a Run Test changes nothing
    ran = get_run(api.engine, submitted(api, "/end-year/end-batch", {**form, "action": "run"}))
    assert (ran.kind, ran.mode) == ("end-batch", "run") and ran.counts == tested.counts
    assert ran.counts["ended"] > 0
    assert ended_of_year(api.engine, 2027) == before + ran.counts["ended"]
    assert "Undo this run…" in api.client.get(f"/tasks/{ran.run_id}").text

    cleaned = get_run(api.engine, submitted(api, "/end-year/cleanup", {
        "csrf_token": token, "next_year": "2028", "next_schools": ["HSA"], "action": "test"}))
    assert (cleaned.kind, cleaned.mode) == ("cleanup", "test")
    assert cleaned.options["calendars"] and all(c.startswith("HSA") for c in
                                                 cleaned.options["calendars"])


def test_a_missing_end_status_is_shown_beside_its_field_and_nothing_is_queued(api):
    token = signed_in_as(api.client, ADMIN)
    before = job_count(api.engine)
    answer = api.client.post("/end-year/end-batch", data={"csrf_token": token, "year": "2027",
                                                          "end_status": " ", "action": "run"})
    assert answer.status_code == 400
    assert '<p class="error field-error" id="end_status-error">give an end status</p>' in \
        answer.text
    bad_year = api.client.post("/end-year/cleanup", data={"csrf_token": token,
                                                          "next_year": "next", "action": "run"})
    assert bad_year.status_code == 400 and 'id="next_year-error"' in bad_year.text
    assert "year &#39;next&#39; is no school year" in bad_year.text  # as the page escapes it
    assert job_count(api.engine) == before


def test_a_user_without_the_registration_right_is_refused_and_nothing_is_queued(api):
    token = signed_in_as(api.client, "ann")
    before = job_count(api.engine)
    answer = api.client.post("/end-year/end-batch", data={"csrf_token": token, "year": "2027",
                                                          "end_status": "E01", "action": "run"})
    assert answer.status_code == 403 and "registration" in answer.text
    assert job_count(api.engine) == before

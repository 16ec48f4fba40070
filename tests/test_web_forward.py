"""The roll forward page in process (fastapi's TestClient), on SQLite and PostgreSQL, on the
district of tests/api_setup.py: what a browser need not prove.  A refused option is shown beside
its field and queues no job, as is a user without the right; a form without its CSRF token
writes nothing; a Run is confirmed against the latest Run Test of the same options; the results
refuse an unknown sort in place; an undo lists the rows changed since and needs them confirmed.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from rollover.services.jobs import claim_next, run_job
from rollover.services.runs import list_runs
from rollover.store.schema import enrollments
from rollover.store.schema_server import jobs

from .api_setup import api, quick_hashes  # noqa: F401 - fixtures
from .security_setup import ADMIN
from .test_web_signin import signed_in_as

BOTH = ["HSA27", "HSB27"]


def job_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(jobs)).scalar_one()


def form(token: str, **fields) -> dict:
    return {"csrf_token": token, "service_types": ["primary"], **fields}


def error_beside(page: str, field: str) -> str:
    found = re.search(rf'<div class="field-error" id="{field}-error">(.*?)</div>', page, re.S)
    assert found, (field, page)
    return re.sub(r"\s+", " ", found.group(1))


def test_every_refused_option_is_shown_beside_its_field_and_no_job_is_queued(api):
    token = signed_in_as(api.client, ADMIN)
    before = job_count(api.engine)
    answer = api.client.post("/forward", data=form(
        token, source_calendars=["HSA27", "NOPE"], service_types=["primary", "weekly"],
        local_start_status="ZZ", dest_grade="10", action="test"))
    assert answer.status_code == 400
    assert "4 options refused; nothing was run" in answer.text
    assert "unknown source calendar &#39;NOPE&#39;" in error_beside(answer.text,
                                                                    "source_calendars")
    assert "unknown service type &#39;weekly&#39;" in error_beside(answer.text, "service_types")
    assert "ZZ" in error_beside(answer.text, "local_start_status")
    assert "needs a destination calendar" in error_beside(answer.text, "dest_grade")
    assert 'aria-describedby="dest_grade-error" aria-invalid="true"' in answer.text
    assert job_count(api.engine) == before


def test_a_bad_date_and_a_filter_are_refused_in_place(api):
    token = signed_in_as(api.client, ADMIN)
    before = job_count(api.engine)
    dated = api.client.post("/forward", data=form(token, source_calendars=BOTH,
                                                  start_date="2028-02-30", action="test"))
    assert dated.status_code == 400 and "2028-02-30" in error_beside(dated.text, "start_date")
    filtered = api.client.post("/forward", data=form(token, source_calendars=BOTH,
                                                     filter="grade == ", action="run"))
    assert filtered.status_code == 400
    beside = error_beside(filtered.text, "filter")
    assert "at position" in beside and "<mark>" in beside
    assert job_count(api.engine) == before


def test_a_form_without_its_csrf_token_or_a_user_without_the_right_queues_nothing(api):
    token = signed_in_as(api.client, "ann")  # no right at all
    before = job_count(api.engine)
    forged = api.client.post("/forward", data={"source_calendars": BOTH, "action": "test"})
    assert forged.status_code == 403
    refused = api.client.post("/forward", data=form(token, source_calendars=BOTH,
                                                    action="test"))
    assert refused.status_code == 403 and "registration" in refused.text
    assert "Traceback" not in refused.text
    assert job_count(api.engine) == before


def test_a_run_test_is_queued_and_followed_to_its_results(api):
    token = signed_in_as(api.client, ADMIN)
    answer = api.client.post("/forward", data=form(token, source_calendars=["HSA27"],
                                                   action="test"), follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/forward/jobs/")
    waiting = api.client.get(answer.headers["location"])
    assert waiting.status_code == 200 and 'hx-trigger="every 1s"' in waiting.text
    run_job(api.engine, claim_next(api.engine, "test-worker"))
    ended = api.client.get(answer.headers["location"] + "/progress")
    results = ended.headers["HX-Redirect"]
    assert results.startswith("/forward/runs/forward-") and "hx-trigger" not in ended.text
    page = api.client.get(results)
    assert page.status_code == 200 and "Run Test forward-" in page.text


def test_a_run_is_confirmed_against_the_latest_run_test_of_its_options(api):
    token = signed_in_as(api.client, ADMIN)
    run_test = next(r for r in list_runs(api.engine) if r.mode == "test")
    before = job_count(api.engine)
    # The same calendars in another order are the same options.
    asked = api.client.post("/forward", data=form(token, source_calendars=BOTH[::-1],
                                                  action="run"))
    assert asked.status_code == 200 and "Confirm the Run" in asked.text
    assert f"Run Test <a href=\"/forward/runs/{run_test.run_id}\">" in asked.text
    assert job_count(api.engine) == before  # nothing queued before the confirmation
    other = api.client.post("/forward", data=form(token, source_calendars=["HSA27"],
                                                  include_last_day_enders="on", action="run"))
    assert "No Run Test with these options has been run" in other.text
    confirmed = api.client.post("/forward", data=form(token, source_calendars=BOTH,
                                                      action="run", confirmed="yes"),
                                follow_redirects=False)
    assert confirmed.status_code == 303 and job_count(api.engine) == before + 1


def test_the_results_refuse_an_unknown_sort_in_place_and_an_unknown_run(api):
    signed_in_as(api.client, ADMIN)
    sorted_ = api.client.get(f"/forward/runs/{api.run_id}", params={"sort": "age"})
    assert sorted_.status_code == 400 and "unknown sort &#39;age&#39;" in sorted_.text
    assert 'id="totals"' in sorted_.text  # the rest of the page is there
    assert api.client.get("/forward/runs/forward-nope").status_code == 404
    by_name = api.client.get(f"/forward/runs/{api.run_id}", params={"sort": "-name"})
    assert by_name.status_code == 200 and 'value="-name" selected' in by_name.text


def test_an_undo_lists_the_rows_changed_since_and_needs_them_confirmed(api):
    token = signed_in_as(api.client, ADMIN)
    with api.engine.begin() as conn:  # another program changes a row the Run wrote
        conn.execute(enrollments.update().where(enrollments.c.rolled_from == "EA")
                     .values(grade="12"))
    listing = api.client.get(f"/forward/runs/{api.run_id}/undo")
    assert listing.status_code == 200
    assert "1 row was changed since the run." in listing.text
    assert "changed after the run: grade" in listing.text
    before = job_count(api.engine)
    unconfirmed = api.client.post(f"/forward/runs/{api.run_id}/undo", data={"csrf_token": token})
    assert unconfirmed.status_code == 409 and "1 row changed after the run" in unconfirmed.text
    assert job_count(api.engine) == before
    confirmed = api.client.post(f"/forward/runs/{api.run_id}/undo",
                                data={"csrf_token": token, "confirm": "yes"},
                                follow_redirects=False)
    assert confirmed.status_code == 303 and job_count(api.engine) == before + 1

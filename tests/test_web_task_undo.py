"""Every run that can be undone is undone from its task page, in process (fastapi's TestClient),
on SQLite and PostgreSQL: an edit (a next-year exception) places no student, so its undo page
leads back to its task, and the finished undo job leads there too; a Run Test, a check and an
undone run offer no undo."""

from __future__ import annotations

import re

from sqlalchemy import select

from rollover.services.edits import edit_record
from rollover.services.jobs import claim_next, run_job
from rollover.services.readiness import check_readiness
from rollover.services.runs import get_run
from rollover.store.schema import enrollments

from .api_setup import api, quick_hashes  # noqa: F401 - fixtures
from .security_setup import ADMIN
from .test_web_signin import signed_in_as

UNDO_LINK = re.compile(r'<a href="(/forward/runs/[^"/]+/undo)">Undo this run…</a>')


def end_action_of(engine, enrollment_id: str):
    with engine.connect() as conn:
        return conn.execute(select(enrollments.c.end_action).where(
            enrollments.c.enrollment_id == enrollment_id)).scalar_one()


def an_enrollment_without_end_action(engine) -> str:
    e = enrollments.c
    with engine.connect() as conn:
        return conn.execute(select(e.enrollment_id).where(
            e.end_action.is_(None), e.rolled_from.is_(None))
            .order_by(e.enrollment_id).limit(1)).scalar_one()


def test_an_exception_is_undone_from_its_task_page(api):
    token = signed_in_as(api.client, ADMIN)
    enrollment = an_enrollment_without_end_action(api.engine)
    edit = edit_record(api.engine, "enrollments", {"enrollment_id": enrollment},
                       {"end_action": "retain"}, user=ADMIN)
    assert end_action_of(api.engine, enrollment) == "retain"

    task = api.client.get(f"/tasks/{edit.run_id}")
    assert task.status_code == 200
    link = UNDO_LINK.search(task.text)
    assert link and link.group(1) == f"/forward/runs/{edit.run_id}/undo", task.text

    listing = api.client.get(link.group(1))
    assert listing.status_code == 200
    assert "No row has changed since the run." in listing.text
    assert f'<a href="/tasks/{edit.run_id}">Keep it</a>' in listing.text  # not its results: none

    queued = api.client.post(link.group(1), data={"csrf_token": token, "confirm": "no"},
                             follow_redirects=False)
    assert queued.status_code == 303, queued.text
    run_job(api.engine, claim_next(api.engine, "test-worker"))
    done = api.client.get(queued.headers["location"], follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/tasks/{edit.run_id}"
    assert end_action_of(api.engine, enrollment) is None
    assert get_run(api.engine, edit.run_id).status == "restored"
    assert UNDO_LINK.search(api.client.get(f"/tasks/{edit.run_id}").text) is None


def test_a_run_test_a_check_and_a_run_offer_their_undo_only_when_it_can_be_taken(api):
    signed_in_as(api.client, ADMIN)
    check = check_readiness(api.engine, 2027, user=ADMIN).run
    test_run = api.client.get("/api/v1/jobs/" + api.job_id,
                              headers=api.as_user(ADMIN)).json()["run_id"]
    for run_id in (check.run_id, test_run):
        page = api.client.get(f"/tasks/{run_id}")
        assert page.status_code == 200 and UNDO_LINK.search(page.text) is None, run_id
    real = api.client.get(f"/tasks/{api.run_id}")
    assert UNDO_LINK.search(real.text).group(1) == f"/forward/runs/{api.run_id}/undo"

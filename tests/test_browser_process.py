"""The year-end process page in a real browser (Chromium): a module whose prerequisite has not
run is refused at the request, naming it; prepare, the calendar module and the registration
module run as jobs followed on the page; the registration run's logs; its restore lists the row
changed since and puts the run back only once confirmed; finish.  No console error and no
serious accessibility violation on any page.  On SQLite and PostgreSQL
(tests/browser_setup.py)."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from rollover.services.edits import edit_record
from rollover.services.process import module_runs, status
from rollover.store.schema import enrollments

from .browser_setup import assert_page_is_clean, site, watch  # noqa: F401 - fixture
from .security_setup import ADMIN

JOB_TIMEOUT = 120_000


def run_step(page, button: str) -> None:
    """Press a step's button and wait until its job has ended well, on the page."""
    page.get_by_role("button", name=button, exact=True).click()
    expect(page).to_have_url(re.compile(r"/process\?job="))
    expect(page.locator("#job")).to_contain_text("Done.", timeout=JOB_TIMEOUT)


def state_of(page, step: str):
    return page.locator("#steps table").first.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=step, exact=True))


def test_prepare_calendar_registration_restore_and_finish(site, page, tmp_path, monkeypatch):
    monkeypatch.setenv("ROLLOVER_BACKUP_DIR", str(tmp_path / "backups"))
    seen = watch(page)
    site.sign_in(page)
    page.goto(f"{site.url}/process")
    expect(page.get_by_role("heading", level=1)).to_have_text("Year-end process")
    assert_page_is_clean(page, seen)

    # A module before its prerequisite: refused at the request, beside the module.
    page.get_by_role("button", name="Run Test of registration").click()
    expect(page.locator("#error-registration")).to_contain_text(
        "module registration needs calendar to have run for 2027 first")
    assert_page_is_clean(page, seen)

    run_step(page, "Prepare")
    expect(state_of(page, "backup")).to_contain_text("done")
    assert_page_is_clean(page, seen)
    run_step(page, "Run Test of calendar")
    run_step(page, "Run calendar")
    expect(state_of(page, "calendar")).to_contain_text("done")
    run_step(page, "Run registration")
    expect(state_of(page, "registration")).to_contain_text("done")
    assert_page_is_clean(page, seen)

    # The run's logs.
    page.get_by_role("link", name=re.compile("backup log and rollover log")).click()
    expect(page.get_by_role("heading", name="Backup log")).to_be_visible()
    run_id = page.url.rsplit("/", 1)[-1]
    assert [r["run_id"] for r in module_runs(site.engine, "registration")] == [run_id]
    expect(page.get_by_role("row").filter(has_text="enrollments").first).to_be_visible()
    assert_page_is_clean(page, seen)

    # A row the run wrote, changed since by a user: listed, and nothing restored unconfirmed.
    with site.engine.connect() as conn:
        written = conn.execute(select(enrollments.c.enrollment_id).where(
            enrollments.c.enrollment_id.like(f"{run_id}-%")).order_by(
            enrollments.c.enrollment_id).limit(1)).scalar_one()
    edit_record(site.engine, "enrollments", {"enrollment_id": written},
                {"end_action": "retain"}, user=ADMIN)
    page.get_by_role("button", name=f"Restore {run_id}").click()
    changed = page.get_by_role("table", name=re.compile("Rows changed since the run"))
    expect(changed).to_contain_text(written)
    expect(page.get_by_role("alert")).to_contain_text("changed after the run would be lost")
    assert module_runs(site.engine, "registration")[0]["status"] == "completed"
    assert_page_is_clean(page, seen)
    page.get_by_role("button", name="Restore and lose these 1 changes").click()
    expect(page.locator("#job")).to_contain_text("Done.", timeout=JOB_TIMEOUT)
    expect(state_of(page, "registration")).to_contain_text("restored")
    assert module_runs(site.engine, "registration")[0]["status"] == "restored"
    with site.engine.connect() as conn:
        assert conn.execute(select(enrollments.c.enrollment_id).where(
            enrollments.c.enrollment_id.like(f"{run_id}-%"))).first() is None
    assert_page_is_clean(page, seen)

    run_step(page, "Finish 2027")
    # 2028 is now the current year: the page shows its process, not started.
    expect(page.get_by_role("heading", name="Steps of 2028")).to_be_visible()
    expect(page.locator("#steps")).to_contain_text("The process of 2028 is not started")
    switch = [s for s in status(site.engine, year=2027)["steps"] if s["step"] == "switch"]
    assert switch[0]["state"] == "done"
    assert_page_is_clean(page, seen)

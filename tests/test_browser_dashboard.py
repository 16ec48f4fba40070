"""The dashboard, readiness and tasks pages in a real browser (Chromium), on SQLite and
PostgreSQL (tests/browser_setup.py): the dashboard shows every step of the year-end process with
the state the API gives and every school with its state as the check and the runs make it;
readiness shows an error of a broken demo district naming its records; tasks lists the runs, a
filter narrows them, and a run's page shows its logs and its download.  Every page clean.

ROLLOVER_SCREENSHOTS=1 also saves the dashboard as docs/images/dashboard.png (run by hand)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from rollover.services import process
from rollover.services.school_readiness import year_readiness

from .browser_setup import assert_page_is_clean, site, watch  # noqa: F401 - fixture
from .dashboard_setup import BROKEN_SCHOOL, NOT_OFFERED, break_the_demo
from .security_setup import ADMIN

SCREENSHOT = Path(__file__).parent.parent / "docs" / "images" / "dashboard.png"
LONG = 60_000  # ms: a check or a step on a busy machine


def expect_the_apis_steps(site, page) -> None:
    """Each step of the dashboard shows the state `GET /api/v1/process` gives it."""
    steps = page.request.get(f"{site.url}/api/v1/process").json()["steps"]
    expect(page.locator("#steps li.step")).to_have_count(len(steps))
    for step in steps:
        expect(page.locator(f'#steps li[data-step="{step["step"]}"] .state')) \
            .to_have_text(step["state"])


def expect_the_schools(site, page, state: str | None = None) -> None:
    """Each school's row shows its state, as the service computes it (and `state`, if given)."""
    schools = year_readiness(site.engine).schools
    expect(page.locator("#schools tbody tr")).to_have_count(len(schools))
    for school in schools:
        assert state is None or school.state == state, school
        row = page.locator(f'#schools tr[data-school="{school.school_id}"]')
        expect(row.get_by_role("rowheader")).to_contain_text(school.name)
        expect(row.locator(".state")).to_have_text(school.state)


def test_the_dashboard_shows_every_step_and_school_with_its_state(site, page, tmp_path):
    seen = watch(page)
    site.sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.locator("form.signout")).to_contain_text(f"Signed in as {ADMIN}")
    expect_the_apis_steps(site, page)
    expect_the_schools(site, page, "not checked")
    assert_page_is_clean(page, seen)

    page.get_by_role("button", name="Run the readiness check").click()
    expect(page).to_have_url(f"{site.url}/")
    expect(page.get_by_text("Readiness as checked by")).to_be_visible(timeout=LONG)
    expect_the_schools(site, page, "ready")

    process.prepare(site.engine, user=ADMIN, backup_folder=tmp_path)
    process.run_module(site.engine, "calendar", user=ADMIN)
    process.run_module(site.engine, "registration", user=ADMIN)
    page.reload()
    expect(page.locator('#steps li[data-step="registration"] .state')).to_have_text("done")
    expect_the_apis_steps(site, page)
    expect_the_schools(site, page, "done")
    assert_page_is_clean(page, seen)
    if os.environ.get("ROLLOVER_SCREENSHOTS"):
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_readiness_shows_an_error_of_a_broken_demo_and_names_its_records(site, page):
    enrollment_id = break_the_demo(site.engine)
    seen = watch(page)
    site.sign_in(page)
    page.goto(f"{site.url}/readiness")
    expect(page.get_by_text("has not been run yet")).to_be_visible()
    assert_page_is_clean(page, seen)

    page.get_by_role("button", name="Run the readiness check").click()
    expect(page.locator("#summary")).to_contain_text("1 error", timeout=LONG)
    first = page.locator("section.school").first  # errors first
    expect(first).to_have_attribute("data-school", BROKEN_SCHOOL)
    error = first.locator('details[data-code="NEXT_GRADE_NOT_OFFERED"]')
    expect(error).to_have_attribute("data-severity", "error")
    expect(error.locator(".finding")).to_contain_text(
        f"enrollment {enrollment_id!r}")  # its message, and its records:
    records = error.locator(".records")
    expect(records.locator("div", has_text="enrollment_id")).to_contain_text(enrollment_id)
    expect(records.locator("div", has_text="grade")).to_contain_text(NOT_OFFERED)
    assert_page_is_clean(page, seen)

    page.goto(f"{site.url}/")
    expect(page.locator(f'#schools tr[data-school="{BROKEN_SCHOOL}"] .state')) \
        .to_have_text("not ready")
    expect_the_schools(site, page)
    assert_page_is_clean(page, seen)


def test_tasks_lists_the_runs_and_a_runs_page_shows_its_logs(site, page, tmp_path):
    process.prepare(site.engine, user=ADMIN, backup_folder=tmp_path)
    calendar = process.run_module(site.engine, "calendar", user=ADMIN)
    tested = process.run_module(site.engine, "registration", test=True, user=ADMIN)
    seen = watch(page)
    site.sign_in(page)
    page.goto(f"{site.url}/tasks")
    for run in (calendar, tested):
        expect(page.locator(f'#runs tr[data-run="{run.run_id}"]')).to_be_visible()
    assert_page_is_clean(page, seen)

    page.get_by_label("Kind").select_option("registration")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#runs tbody tr")).to_have_count(1)
    row = page.locator(f'#runs tr[data-run="{tested.run_id}"]')
    expect(row).to_contain_text("Run Test")
    expect(row).to_contain_text(ADMIN)
    rolled = process.task(site.engine, tested.run_id)["counts"]["rolled"]
    expect(row).to_contain_text(f"rolled {rolled:,}")
    assert_page_is_clean(page, seen)

    row.get_by_role("link", name=tested.run_id).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Run {tested.run_id}")
    logs = process.task(site.engine, tested.run_id)
    for saved in logs["backup_log"]:
        expect(page.locator("#backup tr", has_text=saved["table"])) \
            .to_contain_text(f"{saved['rows']:,}")
    expect(page.locator("#changes tbody tr")).to_have_count(len(logs["rollover_log"]["changes"]))
    expect(page.locator("#messages")).to_contain_text(logs["rollover_log"]["messages"][0]["code"])
    download = page.get_by_role("link", name="The per-student report (CSV)")
    expect(download).to_have_attribute("href", f"/api/v1/runs/{tested.run_id}/report.csv")
    assert_page_is_clean(page, seen)

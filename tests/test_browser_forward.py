"""The roll forward page in a real browser (Chromium), on SQLite and PostgreSQL: a Run Test of
one school, followed live to its results, whose totals are the API's and whose rows name the
rule that decided; the Run after its confirmation (which shows that Run Test); the Run's page;
its undo.  A bad filter is shown at its position and queues no job.  Every page opened is clean
(no console error, no serious accessibility violation)."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from rollover.store.schema_server import jobs

from .browser_setup import assert_page_is_clean, site, watch  # noqa: F401 - fixture

SCHOOL_CALENDAR = "2027-ELM0001"
JOB_TIMEOUT = 60_000


def job_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(jobs)).scalar_one()


def api(page, site, path: str) -> dict:
    answer = page.request.get(f"{site.url}/api/v1{path}")  # the session cookie signs it in
    assert answer.ok, answer.text()
    return answer.json()


def shown_totals(page) -> dict[tuple[str, str], tuple[int, int]]:
    found = {}
    for row in page.locator("table#totals tbody tr[data-school]").all():
        this_year, next_year = (int(cell.inner_text().replace(",", ""))
                                for cell in row.locator("td.num").all())
        found[(row.get_attribute("data-school"), row.get_attribute("data-grade"))] = \
            (this_year, next_year)
    return found


def totals_by_the_api(page, site, run_id: str) -> dict[tuple[str, str], tuple[int, int]]:
    """The run's totals per school and grade, from the API: where its new enrollments go
    (`GET /runs/{id}`'s by_destination), and where they come from (its rolled students)."""
    run = api(page, site, f"/runs/{run_id}?summary=true")
    school_of = {c["calendar_id"]: c["school_id"]
                 for c in api(page, site, "/calendars?per_page=1000")["items"]}
    placed = Counter()
    for row in run["totals"]["by_destination"]:
        placed[(school_of[row["calendar_id"]], row["grade"])] += row["count"]
    rolled = api(page, site, f"/runs/{run_id}/rolled?per_page=1000")
    assert rolled["total"] == run["totals"]["rolled"] <= 1000
    sources = {(i["source_school_id"], i["source_grade"], i["source_enrollment_id"])
               for i in rolled["items"]}
    came = Counter((school, grade) for school, grade, _enrollment in sources)
    return {key: (came[key], placed[key]) for key in came | placed}


def test_run_test_results_run_after_confirmation_tasks_and_undo(site, page):
    seen = watch(page)
    site.sign_in(page)
    page.goto(f"{site.url}/forward")
    expect(page.get_by_role("heading", name="Roll forward", level=1)).to_be_visible()
    assert_page_is_clean(page, seen)

    # Run Test of one school, followed until it ends.
    page.get_by_label(re.compile(re.escape(f"({SCHOOL_CALENDAR})"))).check()
    page.get_by_role("button", name="Run Test").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Run Test forward-"))).to_be_visible(
        timeout=JOB_TIMEOUT)
    assert_page_is_clean(page, seen)
    test_id = page.url.rsplit("/", 1)[1]

    # Its totals are the API's.
    run = api(page, site, f"/runs/{test_id}?summary=true")
    assert run["mode"] == "test" and run["options"]["source_calendars"] == [SCHOOL_CALENDAR]
    expect(page.locator("#total-rolled")).to_have_text(f"{run['totals']['rolled']:,}")
    expect(page.locator("#total-not-rolled")).to_have_text(f"{run['totals']['not_rolled']:,}")
    assert run["totals"]["rolled"] > 0
    assert shown_totals(page) == totals_by_the_api(page, site, test_id)
    assert all(school == "ELM0001" for school, _grade in
               {key for key, (this_year, _next) in shown_totals(page).items() if this_year})

    # A student found by number: their row names the rule that decided.
    student = api(page, site, f"/runs/{test_id}/rolled?per_page=1")["items"][0]
    page.get_by_label("Search").fill(student["student_number"])
    page.get_by_role("button", name="Show").click()
    row = page.locator(f'tr[data-student="{student["student_id"]}"]')
    expect(row.locator("td.rule")).to_have_text(student["rule"])
    expect(page.locator("#students-count")).to_contain_text("1 student placement")
    assert student["rule"].startswith("RF-")
    assert_page_is_clean(page, seen)

    # Run: the confirmation shows the Run Test it follows, then runs.
    page.get_by_role("button", name="Run these options…").click()
    expect(page.get_by_role("heading", name="Confirm the Run")).to_be_visible()
    expect(page.locator("#run-test")).to_contain_text(test_id)
    expect(page.locator("#run-test")).to_contain_text(f"{run['totals']['rolled']:,} new enrollments")
    assert_page_is_clean(page, seen)
    page.get_by_role("button", name="Run now").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Run forward-"))).to_be_visible(
        timeout=JOB_TIMEOUT)
    run_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#run-status")).to_have_text("completed")
    expect(page.locator("#total-rolled")).to_have_text(f"{run['totals']['rolled']:,}")
    assert shown_totals(page) == totals_by_the_api(page, site, run_id)
    assert_page_is_clean(page, seen)

    # Tasks and reports lists both, the Run Test and the Run.
    page.get_by_role("navigation", name="Main").get_by_role("link",
                                                            name="Tasks and reports").click()
    expect(page.locator(f'tr[data-run="{test_id}"]')).to_contain_text("test")
    expect(page.locator(f'tr[data-run="{run_id}"]')).to_contain_text("completed")
    assert_page_is_clean(page, seen)
    page.goto(f"{site.url}/forward/runs/{run_id}")

    # Undo: what it would put back, nothing changed since, then undone.
    page.get_by_role("button", name="Undo this Run…").click()
    expect(page.get_by_role("heading", name=f"Undo run {run_id}")).to_be_visible()
    expect(page.locator("#changed-since")).to_have_text("No row has changed since the run.")
    assert_page_is_clean(page, seen)
    page.get_by_role("button", name="Undo the run").click()
    expect(page.locator("#run-status")).to_have_text("restored", timeout=JOB_TIMEOUT)
    expect(page.get_by_role("button", name="Undo this Run…")).to_have_count(0)
    assert api(page, site, f"/runs/{run_id}?summary=true")["status"] == "restored"
    assert_page_is_clean(page, seen)


def test_a_bad_filter_is_shown_at_its_position_and_queues_no_job(site, page):
    seen = watch(page)
    site.sign_in(page)
    page.goto(f"{site.url}/forward")
    before = job_count(site.engine)
    page.get_by_label(re.compile(re.escape(f"({SCHOOL_CALENDAR})"))).check()
    page.get_by_label("Filter").fill('grade = "05"')
    page.get_by_role("button", name="Run Test").click()
    error = page.locator("#filter-error")
    expect(error).to_contain_text("filter: unexpected '=' at position 7")
    expect(error.locator("mark")).to_have_text("=")
    expect(page.get_by_label("Filter")).to_have_value('grade = "05"')
    expect(page.get_by_label("Filter")).to_have_attribute("aria-describedby", "filter-error")
    expect(page.get_by_label(re.compile(re.escape(f"({SCHOOL_CALENDAR})")))).to_be_checked()
    assert_page_is_clean(page, seen)
    assert job_count(site.engine) == before


def test_a_run_test_of_the_whole_district_with_last_day_enders(site, page, db_url):
    """Every calendar of the year, last-day enders included: the results are the API's.  With
    ROLLOVER_SCREENSHOTS=1 (run by hand, SQLite) it saves docs/images/results.png at 1,280 px."""
    seen = watch(page)
    page.set_viewport_size({"width": 1280, "height": 1000})
    site.sign_in(page)
    page.goto(f"{site.url}/forward")
    for box in page.locator('input[name="source_calendars"]').all():
        box.check()
    page.get_by_label("Include the enrollments that end on the last day").check()
    page.get_by_role("button", name="Run Test").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Run Test forward-"))).to_be_visible(
        timeout=JOB_TIMEOUT)
    run = api(page, site, f"/runs/{page.url.rsplit('/', 1)[1]}?summary=true")
    assert run["options"]["include_last_day_enders"] is True
    expect(page.locator("#total-rolled")).to_have_text(f"{run['totals']['rolled']:,}")
    assert_page_is_clean(page, seen)
    if os.environ.get("ROLLOVER_SCREENSHOTS") and db_url.startswith("sqlite"):
        page.screenshot(path=str(Path(__file__).parents[1] / "docs" / "images" / "results.png"),
                        full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": 2000})

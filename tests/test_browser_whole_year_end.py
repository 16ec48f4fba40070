"""The whole year end of the demo district in one browser session, as docs/pages.md promises it:
sign in; the dashboard shows the steps and every school; the readiness check makes each school
ready; the district locked on the Lock page (the admin works on); on the year-end process page,
Prepare, then every module in its order, each Run followed until it is done; the registration
run's roll forward results (totals per school and grade); Finish; the dashboard on the next year;
the district unlocked.  Every action is done on the pages; the services only check afterwards
that what the pages showed is true.  Every page clean (no console error, no serious
accessibility violation).  On SQLite and PostgreSQL (tests/browser_setup.py); with the slow
tests, as it runs every step of the year end."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from rollover.services.district_info import district_info
from rollover.services.modules import all_modules
from rollover.services.process import module_runs
from rollover.services.projection import projection
from rollover.services.school_readiness import year_readiness

from .browser_setup import assert_page_is_clean, site, watch  # noqa: F401 - fixture

pytestmark = pytest.mark.slow

YEAR, NEXT_YEAR = 2027, 2028  # the demo district's current school year, and the one after
# The modules in their documented order (docs/year-end.md, "Modules and their order").
MODULES = ("calendar", "registration", "scheduling", "mark_reporting", "success_plan",
           "attendance_codes", "programs")
STEPS = ("lock", "quiet", "backup", *MODULES, "switch")
JOB_TIMEOUT = 120_000  # ms: a step's job on a busy machine


def go_to(page, link: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=link, exact=True).click()


def run_step(page, button: str, job_title: str) -> None:
    """Press a step's button on the process page and wait until the page shows its job done."""
    before = page.url
    page.get_by_role("button", name=button, exact=True).click()
    expect(page).not_to_have_url(before)
    expect(page).to_have_url(re.compile(r"/process\?job="))
    expect(page.locator("#job-title")).to_have_text(job_title)
    expect(page.locator("#job .job-state")).to_have_text("Done.", timeout=JOB_TIMEOUT)


def process_state(page, step: str):
    """The state cell of a step in the process page's table of steps."""
    return page.locator("#steps table").first.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=step.replace("_", " "), exact=True)
    ).locator("td.state")


def expect_dashboard_steps(page, states: dict[str, str]) -> None:
    """The dashboard lists every step of the process, in its order, each with its state."""
    steps = page.locator("#steps li.step")
    expect(steps).to_have_count(len(STEPS))
    for position, step in enumerate(STEPS):
        expect(steps.nth(position)).to_have_attribute("data-step", step)
        expect(steps.nth(position).locator(".state")).to_have_text(states[step])


def expect_every_school(page, schools: list[str], state: str) -> None:
    expect(page.locator("#schools tbody tr")).to_have_count(len(schools))
    for school in schools:
        expect(page.locator(f'#schools tr[data-school="{school}"] .state')).to_have_text(state)


def shown_totals(page) -> dict[tuple[str, str], tuple[int, int]]:
    """The results page's totals: (school, grade) -> (this year, next year)."""
    found = {}
    for row in page.locator("table#totals tbody tr[data-school]").all():
        this_year, next_year = (int(cell.inner_text().replace(",", ""))
                                for cell in row.locator("td.num").all())
        found[(row.get_attribute("data-school"), row.get_attribute("data-grade"))] = \
            (this_year, next_year)
    return found


def test_the_whole_year_end_of_the_demo_district_in_the_browser(site, page, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setenv("ROLLOVER_BACKUP_DIR", str(tmp_path / "backups"))
    assert [module.name for module in all_modules()] == list(MODULES)
    schools = [school.school_id for school in year_readiness(site.engine).schools]
    assert schools
    seen = watch(page)

    # Sign in: the dashboard, every step to do and every school not checked yet.
    site.sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect_dashboard_steps(page, {step: "to do" for step in STEPS})
    expect_every_school(page, schools, "not checked")
    assert_page_is_clean(page, seen)

    # Readiness: the check finds no error, so every school is ready.
    go_to(page, "Readiness")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Readiness of {YEAR}")
    page.get_by_role("button", name="Run the readiness check").click()
    expect(page.locator("#summary")).to_contain_text("0 errors", timeout=JOB_TIMEOUT)
    assert_page_is_clean(page, seen)
    go_to(page, "Dashboard")
    expect_every_school(page, schools, "ready")
    assert_page_is_clean(page, seen)

    # Lock: confirmed, then the admin works on through the lock.
    go_to(page, "Lock")
    page.get_by_label(re.compile("^I confirm")).check()
    page.get_by_role("button", name="Lock the district").click()
    expect(page.get_by_role("status")).to_have_text("The district is locked for maintenance.")
    expect(page.get_by_role("button", name="Unlock the district")).to_be_visible()
    assert_page_is_clean(page, seen)
    go_to(page, "Dashboard")
    expect(page.get_by_text("The system is locked for maintenance.")).to_be_visible()
    expect(page.locator('#steps li[data-step="lock"] .state')).to_have_text("done")
    assert_page_is_clean(page, seen)

    # The process page lists the modules in their order; Prepare, then each module's Run.
    go_to(page, "Year-end process")
    expect(page.get_by_role("heading", level=1)).to_have_text("Year-end process")
    expect(page.locator("section.module")).to_have_count(len(MODULES))
    assert [h.get_attribute("id") for h in page.locator("section.module h3").all()] == \
        [f"module-{name}" for name in MODULES]
    assert_page_is_clean(page, seen)
    run_step(page, "Prepare", "Prepare")
    for step in ("lock", "quiet", "backup"):
        expect(process_state(page, step)).to_have_text("done")
    assert_page_is_clean(page, seen)

    results: dict[tuple[str, str], tuple[int, int]] = {}
    rolled = 0
    for name in MODULES:
        run_step(page, f"Run {name}", f"Module {name}")
        expect(process_state(page, name)).to_have_text("done")
        assert_page_is_clean(page, seen)
        if name == "registration":
            # The roll forward: from the run's logs to its results.
            page.get_by_role("link", name=re.compile("backup log and rollover log")).click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("Module run registration-")
            expect(page.get_by_role("heading", name="Rollover log")).to_be_visible()
            assert_page_is_clean(page, seen)
            page.get_by_role("link", name="The roll forward results of this run").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(
                re.compile(r"^Run registration-"))
            expect(page.locator("#run-status")).to_have_text("completed")
            expect(page.get_by_role("heading", name="Totals per school and grade")).to_be_visible()
            results = shown_totals(page)
            rolled = int(page.locator("#total-rolled").inner_text().replace(",", ""))
            assert rolled > 0 and sum(next_year for _this, next_year in results.values()) == rolled
            assert {school for school, _grade in results} <= set(schools)
            assert_page_is_clean(page, seen)
            go_to(page, "Year-end process")
            expect(process_state(page, name)).to_have_text("done")

    # Before the finish: the dashboard shows every step but the switch done, every school done.
    go_to(page, "Dashboard")
    expect_dashboard_steps(page, {**{step: "done" for step in STEPS}, "switch": "to do"})
    expect_every_school(page, schools, "done")
    assert_page_is_clean(page, seen)

    # Finish: the next year is current, on the process page and on the dashboard.
    go_to(page, "Year-end process")
    run_step(page, f"Finish {YEAR}", "Finish")
    expect(page.get_by_role("heading", name=f"Steps of {NEXT_YEAR}")).to_be_visible()
    assert_page_is_clean(page, seen)
    go_to(page, "Dashboard")
    expect(page.get_by_role("heading", name=f"Year-end process of {NEXT_YEAR}")).to_contain_text(
        "not started")
    expect(page.get_by_role("heading", name=f"Schools in {NEXT_YEAR}")).to_be_visible()
    expect(page.get_by_text("The system is locked for maintenance.")).to_have_count(0)
    assert_page_is_clean(page, seen)

    # Unlocked: the finish ended the lock taken by hand too (docs/year-end.md).
    go_to(page, "Lock")
    expect(page.locator("#lock-state")).to_have_text(
        "The district is not locked: every user can sign in and work.")
    expect(page.get_by_role("button", name="Lock the district")).to_be_visible()
    assert_page_is_clean(page, seen)

    # What the pages showed is what the district now holds.
    for name in MODULES:
        assert [(run["mode"], run["status"]) for run in module_runs(site.engine, name)] == \
            [("run", "completed")], name
    assert district_info(site.engine)["current_school_year"] == NEXT_YEAR
    enrolled = {(school["school_id"], grade["grade"]): grade["projected"]
                for school in projection(site.engine, NEXT_YEAR)["schools"]
                for grade in school["grades"] if grade["projected"]}
    assert enrolled == {key: next_year for key, (_this, next_year) in results.items()
                        if next_year}
    assert sum(enrolled.values()) == rolled

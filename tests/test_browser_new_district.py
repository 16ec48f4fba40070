"""A new user's first minutes, as real processes and a real browser (Chromium), on SQLite and
PostgreSQL: `rollover demo`, then `rollover serve`, which prints a setup code because the
district has no user; on the pages alone the user creates the first administrator with it, is
signed in, and runs a Run Test of one school whose results show its students.  No terminal
after the server starts; no console error and no serious accessibility violation on a page."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from rollover.services.security import list_users
from rollover.store.database import open_engine

from .browser_setup import PASSWORD, assert_page_is_clean, chromium_or_skip, watch
from .processes import command, no_process_left, timed  # noqa: F401 - fixture
from .test_serve import Server, until

pytestmark = pytest.mark.slow

SETUP_CODE = re.compile(r"the setup code (\S+) ")
SCHOOL_CALENDAR = "2027-ELM0001"
JOB_TIMEOUT = 120_000


def test_a_new_district_is_set_up_and_rolled_in_the_browser_alone(db_url, page):
    chromium_or_skip()
    env = {k: v for k, v in os.environ.items() if k != "ROLLOVER_DATABASE_URL"}
    demo, _seconds = timed(command(db_url, "demo", "--students", "300"), env)
    assert demo.returncode == 0, demo.stderr
    server = Server(db_url, env)
    code = until(lambda: server._found(SETUP_CODE), "the setup code in the server's log")
    site = server.base.removesuffix("/api/v1")

    seen = watch(page)
    page.goto(f"{site}/")  # any page leads a new district to its first administrator
    expect(page.get_by_role("heading", level=1)).to_have_text("Create the first administrator")
    assert_page_is_clean(page, seen)
    page.get_by_label("Setup code").fill(code)
    page.get_by_label("User name").fill("ann")
    page.get_by_label("Full name").fill("Ann Admin")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create the administrator and sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_page_is_clean(page, seen)
    engine = open_engine(db_url)
    try:
        assert [(u.user_name, [g.right for g in u.grants]) for u in list_users(engine)] == [
            ("ann", ["system_all"])]
    finally:
        engine.dispose()

    page.goto(f"{site}/forward")
    page.get_by_label(re.compile(re.escape(f"({SCHOOL_CALENDAR})"))).check()
    page.get_by_role("button", name="Run Test").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Run Test forward-"))).to_be_visible(
        timeout=JOB_TIMEOUT)
    expect(page.locator("#total-rolled")).not_to_have_text("0")
    assert_page_is_clean(page, seen)
    assert server.stop() == 0

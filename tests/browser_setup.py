"""What the browser tests (test_browser_*.py) share: the server on a real port, a browser that
signs in, and the checks every page must pass.

- `site`: the demo district (300 students) with users who have passwords, served by the app on
  a free port of 127.0.0.1 (uvicorn in a thread) with one job worker (a thread), on SQLite and
  on PostgreSQL (`engine`).
- Chromium is Debian's (`/usr/bin/chromium`, or `$ROLLOVER_CHROMIUM`), driven by Playwright:
  Playwright's own browser download is not used.  Without it the tests are skipped, unless CI is
  set, when they fail.
- `checked(page)`: no console error and no uncaught script error while the test ran, and no
  serious or critical WCAG 2.1 A/AA violation that axe-core (tests/browser_vendor/) finds.

    admin    system_all                        ADMIN, the first user
    clerk    registration at every school: an ordinary user, kept out while locked
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import expect

from rollover.domain import sign_in as sign_in_rules
from rollover.entrypoints.web.app import create_app
from rollover.services.demo import load_demo
from rollover.services.jobs import new_worker_id, worker_loop
from rollover.services.security import add_user, grant

from .api_setup import QUICK_HASHER
from .security_setup import ADMIN

CHROMIUM = os.environ.get("ROLLOVER_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "browser_vendor" / "axe-core-4.14.1" / "axe.min.js"
AXE_SOURCE = AXE.read_text(encoding="utf-8")
PASSWORD = "correct horse battery"
STUDENTS = 300
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# What a page must come to show, it may take this long to show on a loaded machine (two test
# workers, the server and Chromium on two cores): the tests wait on what the page shows, never
# on a duration, and a slow answer is no failure.
expect.set_options(timeout=30_000)


def chromium_or_skip() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but there is no Chromium at {CHROMIUM} "
                        "(apt-get install chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    return CHROMIUM


@dataclass
class Site:
    url: str  # http://127.0.0.1:PORT
    engine: object

    def sign_in(self, page, user: str = ADMIN, password: str = PASSWORD) -> None:
        page.goto(f"{self.url}/signin")
        page.get_by_label("User name").fill(user)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def site(engine, monkeypatch):
    """The demo district and its users, served on a free port with a job worker."""
    chromium_or_skip()
    monkeypatch.setattr(sign_in_rules, "hasher", QUICK_HASHER)
    load_demo(engine, students=STUDENTS, seed=3)
    add_user(engine, ADMIN, "The Administrator", user=None, password=PASSWORD)
    add_user(engine, "clerk", "A Clerk", user=ADMIN, password=PASSWORD)
    grant(engine, "clerk", "registration", None, "write", user=ADMIN)

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(engine), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    stop_worker = threading.Event()
    working = threading.Thread(target=worker_loop, args=(engine, new_worker_id(), stop_worker),
                               kwargs={"poll_interval": 0.2}, daemon=True)
    working.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and serving.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}", engine)
    server.should_exit = True
    stop_worker.set()
    serving.join(timeout=30)
    working.join(timeout=30)


@dataclass
class PageWatch:
    """What went wrong in the browser while a test ran."""

    errors: list[str] = field(default_factory=list)
    documents: set[str] = field(default_factory=set)  # the pages themselves, by URL

    def console(self, message) -> None:
        # A page answered with its refusal's status (a sign-in refused: 401, 423) is the page
        # the user is meant to see: Chromium's "Failed to load resource" of the document
        # itself is no error of it.  Any other resource that failed is.
        own_status = (message.text.startswith("Failed to load resource")
                      and message.location.get("url") in self.documents)
        if message.type == "error" and not own_status:
            self.errors.append(f"console: {message.text} ({message.location.get('url')})")


def watch(page) -> PageWatch:
    seen = PageWatch()
    page.on("response", lambda response: response.request.resource_type == "document"
            and seen.documents.add(response.url))
    page.on("console", seen.console)
    page.on("pageerror", lambda error: seen.errors.append(f"script: {error}"))
    return seen


def accessibility_violations(page) -> list[dict]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations of the page as it is now."""
    # Evaluated through the browser's debugging protocol, which the pages'
    # Content-Security-Policy (no script but the server's own files) does not stop: the pages
    # are tested under their real policy, so a script or style it forbids is a console error.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(
        """async (tags) => {
             const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
             return result.violations
               .filter(v => ["serious", "critical"].includes(v.impact))
               .map(v => ({id: v.id, impact: v.impact, help: v.help,
                           nodes: v.nodes.map(n => n.target.join(" "))}));
           }""", WCAG)


def assert_page_is_clean(page, seen: PageWatch) -> None:
    """No script or console error so far, and no serious accessibility violation now."""
    assert seen.errors == [], seen.errors
    assert accessibility_violations(page) == [], page.url

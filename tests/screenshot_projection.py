"""The projection page's screenshot in docs/images/projection.png (1,280 px wide), of the demo
district after a roll forward.  Run by hand when the page changes, not by the test suite:

    PYTHONPATH=src python -m tests.screenshot_projection [OUTPUT.png] [WIDTH]
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import expect, sync_playwright

from rollover.domain.forward.options import ForwardOptions
from rollover.entrypoints.web.app import create_app
from rollover.services.demo import load_demo
from rollover.services.forward import roll_forward, source_calendars_of_year
from rollover.services.security import add_user
from rollover.store.database import open_engine

from .browser_setup import CHROMIUM, PASSWORD, STUDENTS, _free_port

OUTPUT = Path(__file__).parents[1] / "docs" / "images" / "projection.png"


def main(output: Path = OUTPUT, width: int = 1280) -> None:
    folder = Path(tempfile.mkdtemp(prefix="rollover-screenshot-"))
    engine = open_engine(f"sqlite:///{folder / 'district.db'}")
    load_demo(engine, students=STUDENTS, seed=3)
    add_user(engine, "admin", "The Administrator", user=None, password=PASSWORD)
    roll_forward(engine, ForwardOptions(source_calendars=tuple(
        source_calendars_of_year(engine, 2027))), user="admin")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(engine), host="127.0.0.1", port=port,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": width, "height": 900})
        errors: list[str] = []  # with the page's own Content-Security-Policy, not bypassed
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/signin")
        page.get_by_label("User name").fill("admin")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{url}/projection")
        expect(page.locator("#flow-chart canvas").first).to_be_visible()
        page.locator("#grade-chart").hover()  # a tooltip drawn too, under the policy
        page.screenshot(path=str(output), full_page=True)
        assert errors == [], errors
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT,
         int(sys.argv[2]) if len(sys.argv) > 2 else 1280)

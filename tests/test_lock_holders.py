"""A refused operation names what holds the lock: what is running, who started it and when; and
an import takes the district's write lock like a run (issue: trust, items 3 and 4).

The holder is a real `rollover` process held at a named pause point, so nothing here depends on
timing.
"""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from sqlalchemy import func, select

from rollover.services.bundles import export_bundle
from rollover.store.schema import enrollments, students

from .processes import command, no_process_left, spawn_paused, timed  # noqa: F401 (fixture)

# Two real processes at once, one held at a pause point: long by nature (`pytest -m slow`).
pytestmark = pytest.mark.slow

FORWARD = ("forward", "--source-year", "2027", "--totals-only")
# "... (roll forward Run, started by ann at 2026-12-02 21:10:05 UTC)"
STARTED_AT = re.compile(r"at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC")


def environment(user: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "ROLLOVER_DATABASE_URL"}
    return {**env, "ROLLOVER_USER": user}


def started_at(message: str) -> dt.datetime:
    found = STARTED_AT.search(message)
    assert found, f"no start time in {message!r}"
    return dt.datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=dt.timezone.utc)


@pytest.fixture
def demo_url(db_url):
    done, _ = timed(command(db_url, "demo", "--students", "300", "--replace"), environment("ann"))
    assert done.returncode == 0, done.stderr
    return db_url


def refused_while_held(url: str, holder: tuple[str, ...], point: str, refused: tuple[str, ...],
                       pauses) -> str:
    """Run `refused` as ben while ann's `holder` command is held at `point`; the holder then
    finishes.  The refusal's last line, once its exit status 3 is checked."""
    held = spawn_paused(command(url, *holder), environment("ann"), point, pauses)
    done, _ = timed(command(url, *refused), environment("ben"))
    held.resume()
    _out, err = held.communicate(timeout=300)
    assert held.returncode == 0, err
    assert done.returncode == 3, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "deadlock" not in done.stderr, done.stderr
    return done.stderr.strip().splitlines()[-1]


def test_a_module_run_refused_while_a_forward_runs_names_the_forward_its_user_and_start(
        demo_url, tmp_path):
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    message = refused_while_held(demo_url, FORWARD, "forward:planned",
                                 ("process", "run", "registration", "--test"), tmp_path)
    assert "roll forward Run" in message and "started by ann" in message, message
    assert before <= started_at(message) <= dt.datetime.now(dt.timezone.utc), message


def test_a_second_import_is_refused_at_once_naming_the_first(demo_url, tmp_path):
    bundle = tmp_path / "bundle"
    export_bundle_of(demo_url, bundle)
    importing = ("import", str(bundle), "--replace")
    message = refused_while_held(demo_url, importing, "import:loaded", importing, tmp_path)
    assert "import" in message and "started by ann" in message, message
    started_at(message)


def test_a_forward_is_refused_while_an_import_runs(demo_url, tmp_path):
    bundle = tmp_path / "bundle"
    export_bundle_of(demo_url, bundle)
    message = refused_while_held(demo_url, ("import", str(bundle), "--replace"),
                                 "import:loaded", FORWARD, tmp_path)
    assert "import" in message and "started by ann" in message, message


def export_bundle_of(url: str, folder) -> None:
    from rollover.store.database import open_engine

    engine = open_engine(url)
    try:
        export_bundle(engine, folder)
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(students)).scalar() == 300
            assert conn.execute(select(func.count()).select_from(enrollments)).scalar() > 0
    finally:
        engine.dispose()

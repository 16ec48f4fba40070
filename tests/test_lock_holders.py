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

SOURCE = "2027"
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


def test_a_module_run_refused_while_a_forward_runs_names_the_forward_its_user_and_start(
        demo_url, tmp_path):
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    holder = spawn_paused(command(demo_url, "forward", "--source-year", SOURCE, "--totals-only"),
                          environment("ann"), "forward:planned", tmp_path / "pause")
    refused, _ = timed(command(demo_url, "process", "run", "registration", "--test"),
                       environment("ben"))
    holder.resume()
    out, err = holder.communicate(timeout=300)
    assert holder.returncode == 0, err
    assert refused.returncode == 3, (refused.stdout, refused.stderr)
    message = refused.stderr.strip().splitlines()[-1]
    assert "roll forward Run" in message and "started by ann" in message, message
    assert before <= started_at(message) <= dt.datetime.now(dt.timezone.utc), message
    assert "Traceback" not in refused.stderr


def test_a_second_import_is_refused_at_once_naming_the_first(demo_url, tmp_path):
    bundle = tmp_path / "bundle"
    export_bundle_of(demo_url, bundle)
    holder = spawn_paused(command(demo_url, "import", str(bundle), "--replace"),
                          environment("ann"), "import:loaded", tmp_path / "pause")
    refused, _ = timed(command(demo_url, "import", str(bundle), "--replace"), environment("ben"))
    holder.resume()
    out, err = holder.communicate(timeout=300)
    assert holder.returncode == 0, err
    assert refused.returncode == 3, (refused.stdout, refused.stderr)
    message = refused.stderr.strip().splitlines()[-1]
    assert "import" in message and "started by ann" in message, message
    started_at(message)
    assert "deadlock" not in refused.stderr and "Traceback" not in refused.stderr


def test_a_forward_is_refused_while_an_import_runs(demo_url, tmp_path):
    bundle = tmp_path / "bundle"
    export_bundle_of(demo_url, bundle)
    holder = spawn_paused(command(demo_url, "import", str(bundle), "--replace"),
                          environment("ann"), "import:loaded", tmp_path / "pause")
    refused, _ = timed(command(demo_url, "forward", "--source-year", SOURCE, "--totals-only"),
                       environment("ben"))
    holder.resume()
    holder.communicate(timeout=300)
    assert refused.returncode == 3, (refused.stdout, refused.stderr)
    assert "import" in refused.stderr and "started by ann" in refused.stderr, refused.stderr


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

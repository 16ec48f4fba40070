"""Real `rollover` processes, for the tests where processes matter (test_forward_concurrency.py,
test_process_lifecycle.py): the command line, a process started or run and timed, and no process
outliving the test that started it.

A test module that starts processes with `spawn` imports the autouse fixture `no_process_left`
too, so that pytest kills whatever its tests left running:

    from .processes import command, no_process_left, spawn, timed  # noqa: F401
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

_started: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def no_process_left():
    """Whatever happens in a test, no process it started outlives it."""
    yield
    while _started:
        process = _started.pop()
        if process.poll() is None:
            process.kill()
        process.communicate()


def command(db_url: str, *args: str) -> list[str]:
    """`rollover --db URL ARGS` as a process's arguments."""
    return [sys.executable, "-m", "rollover", "--db", db_url, *args]


def spawn(args: list[str], env: dict) -> subprocess.Popen:
    """A process left running (text pipes for its output), killed at the end of the test."""
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    _started.append(process)
    return process


def timed(args: list[str], env: dict, timeout: float = 120):
    """Run a process to its end: what it did, and how many seconds it took."""
    started = time.monotonic()
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout)
    return done, time.monotonic() - started


def spawn_paused(args: list[str], env: dict, point: str, folder, timeout: float = 300):
    """Start a process that stops at the named pause point (rollover.pause_points) and wait until
    it is there; `resume()` on the result lets it go on.  Fails if it ends before the point."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    process = spawn(args, {**env, "ROLLOVER_PAUSE_AT": point, "ROLLOVER_PAUSE_DIR": str(folder)})
    started = time.monotonic()
    while not (folder / f"{point}.reached").exists():
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"the process ended before {point!r}: {out}{err}")
        assert time.monotonic() - started < timeout, f"{point!r} not reached in {timeout} s"
        time.sleep(0.02)
    process.resume = lambda: (folder / f"{point}.go").touch()
    return process

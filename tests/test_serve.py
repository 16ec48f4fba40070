"""`rollover serve` as a real process (docs/serve.md): it answers on its port, signs users in,
runs jobs in its worker processes (a Run Test and a Run followed through their events), lets one
roll forward run at a time (never a duplicate run), fails the job of a worker killed mid-Run (the
run all or nothing) once the next worker starts, and leaves no worker behind when it stops or
dies.

On a SQLite file and on PostgreSQL (`db_url`); every wait is on a condition, with a generous
limit, never a duration asserted.  Real processes: `pytest -m slow`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from rollover.store.database import open_engine
from rollover.store.schema import calendars, enrollments, runs
from rollover.store.schema_server import jobs

from . import cli
from .processes import command, no_process_left, spawn  # noqa: F401 (fixture)
from .security_setup import ADMIN, load_district

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
LISTENING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")
WORKER_STARTED = re.compile(r"worker process (\d+) started")
LIMIT = 180.0  # seconds: PostgreSQL tells a dead worker by its heartbeat, a minute old


def until(condition, what: str, limit: float = LIMIT):
    """Wait until `condition()` is true (its value), failing after `limit` seconds."""
    deadline = time.monotonic() + limit
    while not (found := condition()):
        assert time.monotonic() < deadline, f"not in {limit} s: {what}"
        time.sleep(0.1)
    return found


class Server:
    """A `rollover serve --port 0` process on `url`; its log kept as it comes."""

    def __init__(self, url: str, env: dict | None = None, workers: int = 1):
        base = {k: v for k, v in os.environ.items() if k != "ROLLOVER_DATABASE_URL"}
        self.process = spawn(command(url, "serve", "--port", "0", "--workers", str(workers)),
                             {**base, **(env or {})})
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        port = until(lambda: self._found(LISTENING), "the server listening")
        self.base = f"http://127.0.0.1:{port}/api/v1"
        self.http = httpx.Client(base_url=self.base, timeout=60)

    def _read(self) -> None:
        for line in self.process.stderr:
            self.log.append(line)

    def _found(self, pattern) -> str | None:
        assert self.process.poll() is None or any(LISTENING.search(x) for x in self.log), \
            "".join(self.log)
        for line in list(self.log):
            if found := pattern.search(line):
                return found.group(1)
        return None

    def worker_pids(self) -> list[int]:
        return [int(m.group(1)) for line in list(self.log)
                if (m := WORKER_STARTED.search(line))]

    def sign_in(self) -> None:
        answer = self.http.post("/tokens", json={"user": ADMIN, "password": PASSWORD})
        assert answer.status_code == 201, answer.text
        self.http.headers["Authorization"] = f"Bearer {answer.json()['token']}"

    def events(self, job_id: str) -> list[dict]:
        """The job's server-sent events, followed until the server ends the stream."""
        seen = []
        with self.http.stream("GET", f"/jobs/{job_id}/events", timeout=LIMIT) as stream:
            assert stream.status_code == 200
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    seen.append(json.loads(line.removeprefix("data: ")))
        return seen

    def job(self, job_id: str) -> dict:
        return self.http.get(f"/jobs/{job_id}").json()

    def stop(self, how=signal.SIGTERM) -> int:
        self.http.close()
        self.process.send_signal(how)
        self.process.wait(timeout=LIMIT)
        return self.process.returncode


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie is gone for good: only its exit status is left
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (OSError, IndexError):
        return True


@pytest.fixture
def district(db_url, tmp_path) -> str:
    engine = open_engine(db_url)
    load_district(engine, tmp_path)
    engine.dispose()
    added = cli.rollover("--db", db_url, "users", "add", ADMIN, "--password-stdin",
                         stdin=PASSWORD + "\n", env={"ROLLOVER_USER": None})
    assert added.exit_code == 0, added.stderr
    return db_url


def counts(url: str) -> tuple[int, int]:
    """(next year's enrollments, roll forward Runs recorded)."""
    engine = open_engine(url, migrate=False)
    try:
        with engine.connect() as conn:
            rolled = conn.execute(select(func.count()).select_from(enrollments).join(
                calendars, calendars.c.calendar_id == enrollments.c.calendar_id)
                .where(calendars.c.school_year == 2028)).scalar_one()
            real = conn.execute(select(func.count()).select_from(runs).where(
                runs.c.kind == "forward", runs.c.mode == "run")).scalar_one()
    finally:
        engine.dispose()
    return rolled, real


def test_serve_runs_a_run_test_and_a_run_through_its_workers(district):
    server = Server(district)
    assert server.http.get("/district").status_code == 401
    server.sign_in()
    for options in ({"source_year": 2027, "test": True}, {"source_year": 2027}):
        answer = server.http.post("/forward", json=options)
        assert answer.status_code == 202, answer.text
        seen = server.events(answer.json()["job_id"])
        assert seen[-1]["state"] == "succeeded" and seen[-1]["run_id"], seen[-1]
    assert counts(district) == (2, 1)
    workers = server.worker_pids()
    assert len(workers) == 1
    assert server.stop() == 0
    until(lambda: all(gone(pid) for pid in workers), "the workers stopped with the server")
    assert "Traceback" not in "".join(server.log)


def test_two_runs_at_once_never_make_a_duplicate_run(district):
    server = Server(district, workers=2)
    server.sign_in()
    answers: list[httpx.Response] = []
    start = threading.Barrier(2)

    def post() -> None:
        start.wait()
        answers.append(server.http.post("/forward", json={"source_year": 2027}))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ended = []
    for answer in answers:
        if answer.status_code == 409:  # refused at the request, naming the holder
            assert "roll forward Run, started by admin at " in answer.json()["detail"]
            continue
        assert answer.status_code == 202, answer.text
        ended.append(server.events(answer.json()["job_id"])[-1])
    assert any(job["state"] == "succeeded" for job in ended), ended
    for job in ended:
        # the later one: refused by the held lock (409, naming the holder), or it found
        # every student rolled already (no second enrollment: RF-10's duplicate check)
        assert job["state"] == "succeeded" or job["error"]["status"] == 409, job
    assert counts(district)[0] == 2  # never a student rolled twice
    server.stop()


def test_a_worker_killed_mid_run_leaves_nothing_and_its_job_failed_after_the_next_start(
        district, tmp_path):
    pauses = tmp_path / "pauses"
    pauses.mkdir()
    server = Server(district, env={"ROLLOVER_PAUSE_AT": "forward:writing",
                                   "ROLLOVER_PAUSE_DIR": str(pauses)})
    server.sign_in()
    job_id = server.http.post("/forward", json={"source_year": 2027}).json()["job_id"]
    until(lambda: (pauses / "forward:writing.reached").exists(), "the Run writing")
    running = server.job(job_id)
    assert running["state"] == "running"
    engine = open_engine(district, migrate=False)
    with engine.connect() as conn:
        worker = conn.execute(select(jobs.c.worker_id).where(jobs.c.job_id == job_id)).scalar()
    engine.dispose()
    pid = int(worker.split("-")[-2])
    assert pid in server.worker_pids()
    os.kill(pid, signal.SIGKILL)
    failed = until(lambda: (job := server.job(job_id))["state"] == "failed" and job,
                   "the killed worker's job failed by the next worker's recovery")
    assert failed["error"]["detail"] == ("the worker stopped while running the job; the run "
                                         "was all or nothing")
    assert failed["run_id"] is None
    assert counts(district) == (0, 0)  # nothing of the Run
    assert len(server.worker_pids()) == 2  # the dead one, and the one started after it
    server.stop()


def test_workers_do_not_outlive_a_killed_server(district):
    server = Server(district, workers=2)
    workers = until(lambda: len(server.worker_pids()) == 2 and server.worker_pids(),
                    "two workers started")
    server.stop(signal.SIGKILL)
    until(lambda: all(gone(pid) for pid in workers), "the workers stopped with their server")

"""The HTTP API's speed goals: a Run through the API against the CLI, pages of the rolled
students, and 50 readers while a Run writes.

For each size and database it builds the demo district once (untimed; on PostgreSQL followed by
VACUUM ANALYZE) with a user who may sign in, and gives each Run below a fresh copy of it (a copy
of the SQLite file; on PostgreSQL a database made from it as a template), so both roll the same
district:

1. Run, CLI: `rollover forward --source-year 2027` in a process of its own (as run.py measures).
   Run, API: `rollover serve --workers 1` on the other copy; from `POST /api/v1/forward` to
   `GET /api/v1/jobs/{id}` saying succeeded (polled every 50 ms).  Goal: within 10% of the CLI.
2. Pages of that Run's rolled students (`GET /runs/{id}/rolled`), one request at a time: filtered
   by the busiest school and grade, searched by the district's most common last name, and by
   that name with a first-name prefix.  p50/p95 per kind.  Goal: p95 < 100 ms.
3. The Run undone (`rollover undo RUN --confirm`, untimed), 50 client threads read those pages in
   a loop while the same Run goes through the API again.  Goal: no errors, p95 < 500 ms.

The server's log is kept in bench/api-server-DB-N.log (ignored by git).  Results are printed
and appended to bench/results.md.

    python bench/api.py --students 100000                       # both databases
    python bench/api.py --students 1000000 --db postgresql      # the issue's size
    python bench/run.py --api --students 1000000                # the same, through run.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select, text

from rollover.store.schema import calendars, run_rolled
from rollover.store.schema import students as student_table
from run import (PG_ADMIN, RESULTS, ROLLOVER, YEAR, database_version, drop_database,
                 fresh_database, machine, measured, run_step_untimed, settle)

HERE = Path(__file__).resolve().parent
PASSWORD = "bench bench bench"
REQUESTS = 200  # per kind of page, one at a time
READERS = 50
TIMEOUT = 10.0  # seconds; a read slower than this counts as an error


# -- the district and its copies -------------------------------------------------------------------

def template_district(kind: str, students: int, folder: Path) -> tuple[str, dict]:
    url = fresh_database(kind, students, folder, "_district")
    env = {**os.environ, "ROLLOVER_DATABASE_URL": url, "ROLLOVER_USER": "bench"}
    run_step_untimed(["demo", "--students", str(students)], env)
    child = subprocess.run(ROLLOVER + ["users", "add", "bench", "--password-stdin"], env=env,
                           input=PASSWORD + "\n", capture_output=True, text=True)
    if child.returncode != 0:
        raise SystemExit(f"rollover users add failed:\n{child.stderr[-3000:]}")
    settle(kind, url)
    return url, env


def copy_of(kind: str, template: str, label: str) -> str:
    """A fresh copy of the district: the same rows, the same statistics."""
    if kind == "sqlite":
        source = Path(template.removeprefix("sqlite:///"))
        target = source.with_name(f"{source.stem}{label}.db")
        shutil.copyfile(source, target)  # the commands that wrote it have checkpointed it
        return f"sqlite:///{target}"
    name = template.rsplit("/", 1)[1] + label
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template.rsplit("/", 1)[1]}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


# -- the server ------------------------------------------------------------------------------------

class Server:
    """`rollover serve --port 0 --workers 1`, its log in a file; ready once it listens and its
    worker has started."""

    def __init__(self, env: dict, log: Path):
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(ROLLOVER + ["serve", "--port", "0", "--workers", "1"],
                                            env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            logged = log.read_text()
            port = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", logged)
            if port and re.search(r"rollover\.jobs: worker \S+ started", logged):
                self.api = f"http://127.0.0.1:{port.group(1)}/api/v1"
                break
            if self.process.poll() is not None:
                raise SystemExit(f"rollover serve ended:\n{logged[-3000:]}")
            time.sleep(0.1)
        else:
            self.stop()
            raise SystemExit(f"rollover serve did not start within a minute:\n{logged[-3000:]}")
        token = httpx.post(f"{self.api}/tokens", json={"user": "bench", "password": PASSWORD})
        token.raise_for_status()
        self.headers = {"Authorization": f"Bearer {token.json()['token']}"}

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.api, headers=self.headers, timeout=TIMEOUT)

    def run(self, body: dict) -> tuple[float, str]:
        """Seconds from the POST to the job succeeded, and its run id."""
        with self.client() as client:
            started = time.perf_counter()
            job = client.post("/forward", json=body)
            if job.status_code != 202:
                raise SystemExit(f"POST /forward: {job.status_code} {job.text}")
            while True:
                state = client.get(f"/jobs/{job.json()['job_id']}").json()
                if state["state"] in ("succeeded", "failed"):
                    break
                time.sleep(0.05)
            seconds = time.perf_counter() - started
        if state["state"] != "succeeded":
            raise SystemExit(f"the API's Run failed: {state['error']}")
        return seconds, state["run_id"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(60)


# -- the pages read --------------------------------------------------------------------------------

def page_kinds(url: str, run_id: str) -> dict[str, dict]:
    """Query strings of each kind of page, from the run itself: its busiest school and grade,
    the most common last name among its students, and a first-name prefix found with it."""
    engine = create_engine(url)
    r, s = run_rolled.c, student_table.c
    with engine.connect() as conn:
        school, grade = conn.execute(
            select(calendars.c.school_id, r.grade).join(calendars,
                                                        calendars.c.calendar_id == r.calendar_id)
            .where(r.run_id == run_id).group_by(calendars.c.school_id, r.grade)
            .order_by(func.count().desc())).first()
        last = conn.execute(select(s.last_name).join(run_rolled, r.student_id == s.student_id)
                            .where(r.run_id == run_id).group_by(s.last_name)
                            .order_by(func.count().desc())).scalar()
        first = conn.execute(select(s.first_name).join(run_rolled, r.student_id == s.student_id)
                             .where(r.run_id == run_id, s.last_name == last)
                             .group_by(s.first_name).order_by(func.count().desc())).scalar()
    engine.dispose()
    return {f"school {school} + grade {grade}": {"school": school, "grade": grade},
            f"q={last}": {"q": last},
            f"q={last} {first[:2]}": {"q": f"{last} {first[:2]}"}}


def page_queries(client: httpx.Client, run_id: str, kinds: dict[str, dict]) -> dict[str, list]:
    """Each kind's query strings over its first pages (up to 10), from its total."""
    queries = {}
    for label, params in kinds.items():
        first = client.get(f"/runs/{run_id}/rolled", params=params)
        first.raise_for_status()
        pages = max(1, min(10, math.ceil(first.json()["total"] / 100)))
        queries[label] = [{**params, "page": n} for n in range(1, pages + 1)]
    return queries


def read_pages(server: Server, run_id: str, queries: dict[str, list]) -> dict[str, dict]:
    """REQUESTS of each kind, one at a time: milliseconds each."""
    took = {}
    with server.client() as client:
        for label, params in queries.items():
            times = []
            for i in range(REQUESTS):
                started = time.perf_counter()
                client.get(f"/runs/{run_id}/rolled", params=params[i % len(params)]) \
                    .raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
            took[label] = summary(times)
    return took


def readers_during_run(server: Server, run_id: str, queries: dict[str, list]) -> dict:
    """READERS threads reading the pages in a loop while the Run goes through the API."""
    every = [params for kind in queries.values() for params in kind]
    stop, lock = threading.Event(), threading.Lock()
    times: list[float] = []
    errors: list[str] = []

    def reader(n: int) -> None:
        with server.client() as client:
            i = n
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    answer = client.get(f"/runs/{run_id}/rolled", params=every[i % len(every)])
                    failed = None if answer.status_code == 200 else f"{answer.status_code}"
                except httpx.HTTPError as exc:
                    failed = type(exc).__name__
                with lock:
                    (errors.append(failed) if failed
                     else times.append((time.perf_counter() - started) * 1000))
                i += 1

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
    for thread in threads:
        thread.start()
    try:
        seconds, _ = server.run({"source_year": YEAR, "test": False})
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    return {**summary(times), "errors": len(errors), "kinds": sorted(set(errors)),
            "run_seconds": seconds}


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"requests": len(ordered), "p50": statistics.median(ordered),
            "p95": ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]}


# -- one size on one database ----------------------------------------------------------------------

def bench_api(kind: str, students: int, folder: Path) -> dict:
    print(f"{kind}, {students:,} students: the API", flush=True)
    template, env = template_district(kind, students, folder)
    copies = []
    try:
        cli_url = copy_of(kind, template, "_cli")
        copies.append(cli_url)
        cli_seconds, _, _ = measured(["forward", "--source-year", str(YEAR)],
                                     {**env, "ROLLOVER_DATABASE_URL": cli_url})
        print(f"  Run, CLI      {cli_seconds:8.1f} s", flush=True)
        drop_copy(kind, cli_url)

        api_url = copy_of(kind, template, "_api")
        copies.append(api_url)
        api_env = {**env, "ROLLOVER_DATABASE_URL": api_url}
        server = Server(api_env, HERE / f"api-server-{kind}-{students}.log")
        try:
            api_seconds, run_id = server.run({"source_year": YEAR, "test": False})
            print(f"  Run, API      {api_seconds:8.1f} s", flush=True)
            kinds = page_kinds(api_url, run_id)
            with server.client() as client:
                queries = page_queries(client, run_id, kinds)
            pages = read_pages(server, run_id, queries)
            for label, took in pages.items():
                print(f"  {label:<32} p50 {took['p50']:6.1f} ms  p95 {took['p95']:6.1f} ms",
                      flush=True)
            run_step_untimed(["undo", run_id, "--confirm"], api_env)
            loaded = readers_during_run(server, run_id, queries)
            print(f"  {READERS} readers during a Run ({loaded['run_seconds']:.1f} s): "
                  f"{loaded['requests']:,} reads, {loaded['errors']} errors, "
                  f"p50 {loaded['p50']:.0f} ms, p95 {loaded['p95']:.0f} ms", flush=True)
        finally:
            server.stop()
        return {"database": kind, "version": database_version(kind, api_url),
                "students": students, "cli": cli_seconds, "api": api_seconds, "pages": pages,
                "loaded": loaded}
    finally:
        for url in copies + [template]:
            drop_copy(kind, url)


def drop_copy(kind: str, url: str) -> None:
    if kind == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        for leftover in path.parent.glob(f"{path.name}*"):
            leftover.unlink()
    else:
        drop_database(kind, url)


# -- the report ------------------------------------------------------------------------------------

def report(results: list[dict]) -> list[str]:
    lines = [f"## {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}: {machine()}: the HTTP API", "",
             "| database | students | measure | result | goal | met |", "|---|---|---|---|---|---|"]
    for r in results:
        row = f"| {r['version']} | {r['students']:,} |"
        over = r["api"] / r["cli"] - 1
        lines.append(f"{row} Run, CLI | {r['cli']:.1f} s | | |")
        lines.append(f"{row} Run, API (POST to succeeded) | {r['api']:.1f} s ({over:+.0%}) | "
                     f"within 10% of the CLI | {met(over <= 0.10)} |")
        for label, took in r["pages"].items():
            lines.append(f"{row} rolled page, {label} ({took['requests']} requests) | "
                         f"p50 {took['p50']:.1f} ms, p95 {took['p95']:.1f} ms | p95 < 100 ms | "
                         f"{met(took['p95'] < 100)} |")
        loaded = r["loaded"]
        errors = f"{loaded['errors']} errors" + (f" ({', '.join(loaded['kinds'])})"
                                                 if loaded["errors"] else "")
        lines.append(f"{row} {READERS} readers during a Run through the API "
                     f"({loaded['run_seconds']:.1f} s; {loaded['requests']:,} reads) | {errors}, "
                     f"p50 {loaded['p50']:.0f} ms, p95 {loaded['p95']:.0f} ms | no errors, "
                     f"p95 < 500 ms | {met(loaded['errors'] == 0 and loaded['p95'] < 500)} |")
    lines += ["", f"The server: `rollover serve --workers 1`, on the same machine as the "
              f"{READERS} reader threads (httpx, one process). The CLI's Run prints its "
              "per-student report (to a pipe); the API's job stores the same run. A read slower "
              f"than {TIMEOUT:.0f} s counts as an error.", ""]
    return lines


def met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def run_all(sizes: list[int], databases: list[str], save: bool) -> None:
    results = []
    with tempfile.TemporaryDirectory(prefix="rollover-bench-api-") as tmp:
        for size in sizes:
            for kind in databases:
                results.append(bench_api(kind, size, Path(tmp)))
    lines = report(results)
    print("\n".join(lines))
    if save:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[100_000])
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"),
                        default=["sqlite", "postgresql"])
    parser.add_argument("--no-save", action="store_true", help="Do not append to results.md.")
    args = parser.parse_args()
    run_all(args.students, args.db, not args.no_save)


if __name__ == "__main__":
    main()

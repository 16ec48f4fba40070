"""How long the roll forward's results page takes to answer on a large district: the whole
page (`GET /forward/runs/RUN_ID`, its totals per school and grade, a page of students, the
warnings by code) as the server renders it, first page, a later page, filtered, searched and
sorted.  Goal: under a second each (the pages never load a whole district).

Run it on a store holding a demo district and a roll forward of it:

    rollover demo --students 1000000 --db URL && rollover forward --source-year 2027 --db URL
    printf '%s\n' "$BENCH_PASSWORD" | rollover users add ann --password-stdin --db URL
    python bench/results_page.py --db URL --user ann      # the newest roll forward

Each page is asked `--repeat` times through the app in process (no network between), signed in
as `--user` (its password in $BENCH_PASSWORD); the median and the slowest are printed, in
milliseconds, and appended to bench/results.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from rollover.entrypoints.web.app import create_app
from rollover.entrypoints.web.csrf import SESSION_COOKIE
from rollover.store.database import open_engine
from rollover.services.sign_in import issue_token
from rollover.store.schema import run_rolled, runs

RESULTS = Path(__file__).resolve().parent / "results.md"
GOAL_MS = 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--run", help="the run to read (default: the newest roll forward)")
    parser.add_argument("--user", required=True, help="who signs in ($BENCH_PASSWORD)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    engine = open_engine(args.db)
    with engine.connect() as conn:
        run_id = args.run or conn.execute(
            select(runs.c.run_id).where(runs.c.kind == "forward")
            .order_by(runs.c.started_at.desc()).limit(1)).scalar_one()
        rows = conn.execute(select(func.count()).select_from(run_rolled)
                            .where(run_rolled.c.run_id == run_id)).scalar_one()
        common = conn.execute(
            select(run_rolled.c.grade, run_rolled.c.calendar_id, func.count().label("n"))
            .where(run_rolled.c.run_id == run_id)
            .group_by(run_rolled.c.grade, run_rolled.c.calendar_id)
            .order_by(func.count().desc()).limit(1)).one()
    token = issue_token(engine, args.user, os.environ.get("BENCH_PASSWORD", ""),
                        kind="session").token
    school = common.calendar_id.split("-", 1)[1] if "-" in common.calendar_id else None
    client = TestClient(create_app(engine), cookies={SESSION_COOKIE: token})
    base = f"/forward/runs/{run_id}"
    pages = {"first page": base, "page 100": f"{base}?page=100",
             "school and grade": f"{base}?school={school}&grade={common.grade}",
             "searched by name": f"{base}?q=smith", "sorted by name": f"{base}?sort=name",
             "sorted by name, last page": f"{base}?sort=-name"}
    measured = []
    for label, path in pages.items():
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            answer = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise SystemExit(f"{path}: {answer.status_code} {answer.text[:300]}")
        measured.append((label, statistics.median(times), max(times)))
        print(f"{label:28} median {measured[-1][1]:8.1f} ms   slowest {measured[-1][2]:8.1f} ms")
    _append(engine, run_id, rows, measured, args.repeat)


def _append(engine, run_id: str, rows: int, measured: list, repeat: int) -> None:
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [f"\n## {now}: the results page, {engine.dialect.name}, run of {rows:,} new "
             f"enrollments ({platform.python_version()})\n",
             f"`bench/results_page.py`, {repeat} requests each, through the app in process. "
             f"Goal: under {GOAL_MS:,.0f} ms.\n",
             "| page | median ms | slowest ms | goal |", "|---|---|---|---|"]
    lines += [f"| {label} | {median:,.1f} | {slowest:,.1f} | "
              f"{'met' if slowest < GOAL_MS else 'missed'} |"
              for label, median, slowest in measured]
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

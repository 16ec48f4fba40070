"""The scale benchmark (issue 6): the roll forward, its restore and the import against the floor.

For each size and database it builds the demo district (not timed in the ratios; on PostgreSQL
followed by an untimed VACUUM ANALYZE, so autovacuum does not run during the measured steps), then
measures, in the same run and the same database:

- import: `rollover import` of the demo bundle into an empty database, and of its district files
  alone (without the year-end modules' files) into another;
- the floor: one `INSERT INTO scratch SELECT ... FROM <table> WHERE <active>` per table the run
  writes, copying as many rows as the run creates (the least a database can do to write them);
- the table floor: the same rows written into the run's own tables under new keys, through their
  indexes and foreign keys, rolled back after (what any roll forward pays inside the database);
- the report floor: the rows of the run's per-student report (RF-25: `run_rolled`,
  `run_warnings`, which a Run Test writes too) copied the same way under a new run;
- Run Test, Run, undo and restore: `rollover process run registration --test`, the real run,
  `rollover undo RUN_ID` of it, the real run again (untimed) and `rollover process restore
  registration RUN_ID` (the roll forward of every source calendar as the year-end process runs
  it, with its per-run backup);
- then, unless --no-process, the whole year-end process step by step (bench/process.py).

Every floor is written through an engine made as `rollover` makes its own (on SQLite: foreign
keys checked, the same page cache), so it pays what the run pays inside the database.  Each step
runs as its own `rollover` process, so its wall time and peak resident memory are its own.
Results are printed and appended to bench/results.md.

    python bench/run.py                                   # 100,000 and 1,000,000; both databases
    python bench/run.py --students 100000 --db sqlite     # one size, one database
    python bench/run.py --api --students 100000           # the HTTP API's goals (bench/api.py)
    python bench/run.py --edfi --students 100000          # Ed-Fi export and import (bench/edfi.py)
    python bench/run.py --areas --students 100000         # attendance areas (bench/areas.py)
    python bench/run.py --process --students 100000       # the year-end process step by step
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, create_engine, text

from rollover.bundle.format import FILES
from rollover.store.database import open_engine
from rollover.store.schema import run_rolled, run_warnings, runs
from rollover.store.schema_modules import MODULE_TABLES

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"
PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ROLLOVER = [sys.executable, "-m", "rollover"]
YEAR = 2027  # the demo district's current school year


def measured(args: list[str], env: dict) -> tuple[float, float, str]:
    """Wall seconds, peak resident memory (MiB) and standard output of one `rollover` command,
    run in a fresh interpreter of its own."""
    with tempfile.NamedTemporaryFile(suffix=".peak") as peak_file:
        started = time.perf_counter()
        child = subprocess.run([sys.executable, str(HERE / "measure.py"), peak_file.name, *args],
                               env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if child.returncode != 0:
            raise SystemExit(f"rollover {' '.join(args)} failed ({child.returncode}):\n"
                             f"{child.stderr[-3000:]}")
        peak = int(Path(peak_file.name).read_text()) / 1024
    return seconds, peak, child.stdout


# -- databases -------------------------------------------------------------------------------------

def fresh_database(kind: str, students: int, folder: Path, label: str = "") -> str:
    if kind == "sqlite":
        path = folder / f"bench-{students}{label}.db"
        for leftover in folder.glob(f"{path.name}*"):
            leftover.unlink()
        return f"sqlite:///{path}"
    name = f"rollover_bench_{students}{label}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop_database(kind: str, url: str) -> None:
    if kind == "postgresql":
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()


def database_version(kind: str, url: str) -> str:
    if kind == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    engine = create_engine(url)
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar()
    engine.dispose()
    return f"PostgreSQL {version}"


# -- the floor -------------------------------------------------------------------------------------

FLOOR_TABLES = {
    # table the run writes -> the rows of it that exist for the year being closed
    "enrollments": "SELECT e.* FROM enrollments e JOIN calendars c ON c.calendar_id = "
                   "e.calendar_id WHERE c.school_year = :year AND e.end_date IS NULL",
    "enrollment_staff": "SELECT s.* FROM enrollment_staff s JOIN enrollments e ON "
                        "e.enrollment_id = s.enrollment_id JOIN calendars c ON c.calendar_id = "
                        "e.calendar_id WHERE c.school_year = :year AND e.end_date IS NULL",
}


def floor_seconds(url: str, rows_per_table: dict[str, int]) -> float:
    """One INSERT ... SELECT per table, as many rows as the run created there, in one
    transaction; the scratch tables are made (untimed) and dropped after."""
    engine = open_engine(url, migrate=False)
    try:
        with engine.begin() as conn:
            for table in rows_per_table:
                conn.execute(text(f"DROP TABLE IF EXISTS scratch_{table}"))
                conn.execute(text(f"CREATE TABLE scratch_{table} AS SELECT * FROM {table} "
                                  "WHERE 1 = 0"))
        started = time.perf_counter()
        with engine.begin() as conn:
            for table, rows in rows_per_table.items():
                conn.execute(text(f"INSERT INTO scratch_{table} {FLOOR_TABLES[table]} "
                                  "LIMIT :rows"), {"year": YEAR, "rows": rows})
        seconds = time.perf_counter() - started
        with engine.begin() as conn:
            for table in rows_per_table:
                conn.execute(text(f"DROP TABLE scratch_{table}"))
        return seconds
    finally:
        engine.dispose()


def rolled_back_seconds(url: str, timed: Callable[[Connection], object],
                        untimed: Callable[[Connection], object] = lambda conn: None) -> float:
    """Seconds `timed` takes, after `untimed`, in one transaction rolled back after, on a
    connection set up as `rollover` sets up its own (SQLite: foreign keys checked)."""
    engine = open_engine(url, migrate=False)
    try:
        with engine.connect() as conn:
            transaction = conn.begin()
            untimed(conn)
            started = time.perf_counter()
            timed(conn)
            seconds = time.perf_counter() - started
            transaction.rollback()
        return seconds
    finally:
        engine.dispose()


def table_floor_seconds(url: str, rows_per_table: dict[str, int]) -> float:
    """A second reference, beside the issue's floor: the same rows written into the run's own
    tables (under new keys, so through their indexes, checks and foreign keys, as a run writes
    them), one INSERT ... SELECT per table in one transaction, rolled back after.  What any
    roll forward pays inside the database, however fast its own code."""
    def copy(conn: Connection) -> None:
        for table, rows in rows_per_table.items():
            conn.execute(text(TABLE_FLOOR[table]), {"year": YEAR, "rows": rows})

    return rolled_back_seconds(url, copy)


_ENROLLMENT_COPY = ("student_id, calendar_id, structure_id, grade, service_type, start_date, "
                    "end_date, end_status, end_action, next_calendar_id, next_structure_id, "
                    "next_grade, local_start_status, graduation_cohort")
TABLE_FLOOR = {
    "enrollments": f"INSERT INTO enrollments (enrollment_id, {_ENROLLMENT_COPY}, rolled_from) "
                   f"SELECT 'F' || e.enrollment_id, "
                   + ", ".join(f"e.{c.strip()}" for c in _ENROLLMENT_COPY.split(","))
                   + ", e.enrollment_id FROM enrollments e JOIN calendars c ON c.calendar_id = "
                     "e.calendar_id WHERE c.school_year = :year AND e.end_date IS NULL "
                     "LIMIT :rows",
    "enrollment_staff": "INSERT INTO enrollment_staff SELECT f.enrollment_id, s.homeroom, "
                        "s.counselor, s.next_homeroom, s.next_counselor FROM enrollment_staff s "
                        "JOIN enrollments f ON f.enrollment_id = 'F' || s.enrollment_id "
                        "LIMIT :rows",
}


def report_floor_seconds(url: str, run_id: str) -> float:
    """The floor of the run's per-student report: its rows of `run_rolled` and `run_warnings`
    copied, one INSERT ... SELECT a table, under a new run (its record copied first, untimed),
    through the tables' indexes and foreign keys; rolled back after."""
    names = {"run": run_id, "copy": "floor-" + run_id}

    def copy_report(conn: Connection) -> None:
        for table in (run_rolled, run_warnings):
            conn.execute(text(_copy_as(table, table.name)), names)

    return rolled_back_seconds(url, copy_report, untimed=lambda conn: conn.execute(
        text(_copy_as(runs, "runs")), names))


def _copy_as(table, name: str) -> str:
    columns = [c.name for c in table.columns]
    chosen = ", ".join(":copy" if c == "run_id" else c for c in columns)
    return (f"INSERT INTO {name} ({', '.join(columns)}) SELECT {chosen} FROM {name} "
            "WHERE run_id = :run")


# -- one size on one database ----------------------------------------------------------------------

def core_bundle(bundle: Path) -> Path:
    """The district files of a bundle without the year-end modules' files (courses, marks,
    plans ...): one student, household and enrollment file each, as the import goal counts."""
    core = bundle.with_name(bundle.name + "-core")
    core.mkdir()
    modules = {table.name for table in MODULE_TABLES}
    for spec in FILES:
        if spec.table not in modules and (bundle / spec.name).exists():
            os.link(bundle / spec.name, core / spec.name)
    return core


def measured_import(kind: str, students: int, bundle: Path, folder: Path,
                    label: str) -> dict:
    """Import a bundle into a fresh database of its own, dropped after."""
    url = fresh_database(kind, students, folder, label)
    env = {**os.environ, "ROLLOVER_DATABASE_URL": url, "ROLLOVER_USER": "bench"}
    try:
        return timed_import(bundle, env, label)
    finally:
        drop_database(kind, url)


def timed_import(bundle: Path, env: dict, label: str = "") -> dict:
    seconds, peak, out = measured(["import", str(bundle)], env)
    imported = int(out.split()[1].replace(",", ""))  # "imported 4,512,345 rows from ..."
    print(f"  import{label:<7}{seconds:8.1f} s  {peak:7.0f} MiB", flush=True)
    return {"seconds": seconds, "peak_mib": peak, "rows": imported}


def bench_one(kind: str, students: int, bundle: Path, core: Path, folder: Path) -> dict:
    import_core = measured_import(kind, students, core, folder, "-core")
    url = fresh_database(kind, students, folder)
    env = {**os.environ, "ROLLOVER_DATABASE_URL": url, "ROLLOVER_USER": "bench",
           "ROLLOVER_BACKUP_DIR": str(folder / f"backups-{kind}-{students}")}
    steps: dict[str, dict] = {"import_core": import_core}
    try:
        steps["import"] = timed_import(bundle, env)
        settle(kind, url)
        run_step_untimed(["process", "prepare"], env)
        run_step_untimed(["process", "run", "calendar"], env)

        seconds, peak, out = measured(["process", "run", "registration", "--test", "--json"],
                                      env)
        steps["run_test"] = {"seconds": seconds, "peak_mib": peak}
        test_totals = json.loads(out)
        print(f"  Run Test     {seconds:8.1f} s  {peak:7.0f} MiB", flush=True)

        seconds, peak, out = measured(["process", "run", "registration", "--json"], env)
        run = json.loads(out)
        steps["run"] = {"seconds": seconds, "peak_mib": peak}
        print(f"  Run          {seconds:8.1f} s  {peak:7.0f} MiB", flush=True)
        if run["totals"]["rows_inserted"] != test_totals["totals"]["rows_inserted"]:
            raise SystemExit("Run Test and Run disagree: the benchmark stops here")
        created = {c["table"]: 0 for c in run["rollover_log"]["changes"]}
        for change in run["rollover_log"]["changes"]:
            created[change["table"]] += change["inserted"]

        report_floor = report_floor_seconds(url, run["run_id"])
        print(f"  report floor {report_floor:8.1f} s", flush=True)

        seconds, peak, _ = measured(["undo", run["run_id"]], env)
        steps["undo"] = {"seconds": seconds, "peak_mib": peak}
        print(f"  undo         {seconds:8.1f} s  {peak:7.0f} MiB", flush=True)

        # The same run again (untimed), for the restore of the process to put back.
        again = json.loads(run_step_untimed(["process", "run", "registration", "--json"], env))
        seconds, peak, _ = measured(["process", "restore", "registration", again["run_id"]],
                                    env)
        steps["restore"] = {"seconds": seconds, "peak_mib": peak}
        print(f"  restore      {seconds:8.1f} s  {peak:7.0f} MiB", flush=True)

        floor = floor_seconds(url, created)
        print(f"  floor        {floor:8.1f} s", flush=True)
        table_floor = table_floor_seconds(url, created)
        print(f"  table floor  {table_floor:8.1f} s", flush=True)
        rows = sum(created.values())
        return {"database": kind, "version": database_version(kind, url), "students": students,
                "rows": rows, "created": created, "floor": floor, "table_floor": table_floor,
                "report_floor": report_floor, "steps": steps}
    finally:
        drop_database(kind, url)


def settle(kind: str, url: str) -> None:
    """PostgreSQL: vacuum the freshly imported district now (untimed), so the server's own
    autovacuum of millions of new rows does not run during, and slow, the measured steps."""
    if kind != "postgresql":
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def run_step_untimed(args: list[str], env: dict) -> str:
    """Run one `rollover` command; its standard output."""
    child = subprocess.run(ROLLOVER + args, env=env, capture_output=True, text=True)
    if child.returncode != 0:
        raise SystemExit(f"rollover {' '.join(args)} failed:\n{child.stderr[-3000:]}")
    return child.stdout


# -- the report ------------------------------------------------------------------------------------

def load() -> float:
    """The 1-minute load average: the machine may be shared."""
    return os.getloadavg()[0]


def bench_each(sizes: list[int], databases: list[str], save: bool, label: str, bench_one,
               report) -> None:
    """`bench_one(kind, students, folder)` for every size and database, in a temporary folder;
    `report(results)` printed and, with `save`, appended to results.md."""
    results = []
    with tempfile.TemporaryDirectory(prefix=f"rollover-bench-{label}-") as tmp:
        for students in sizes:
            for kind in databases:
                print(f"{kind}, {students:,} students ({label})", flush=True)
                results.append(bench_one(kind, students, Path(tmp)))
    lines = report(results)
    print("\n".join(lines))
    if save:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")


def machine() -> str:
    memory = next((int(line.split()[1]) // 1024 // 1024 for line in
                   Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "?")
    return (f"{os.cpu_count()} cores, {memory} GiB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def report(results: list[dict]) -> list[str]:
    lines = [f"## {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}: {machine()}, load "
             f"{load():.1f}", "",
             "| database | students | rows | step | seconds | × floor | × table floor | "
             "× own floor | rows/s | peak MiB |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        floor, table_floor, report_floor = r["floor"], r["table_floor"], r["report_floor"]
        own_floors = {"run_test": report_floor, "run": table_floor + report_floor}
        for label, seconds in (("floor", floor), ("table floor", table_floor),
                               ("report floor", report_floor)):
            rate = "" if label == "report floor" else f"{r['rows'] / seconds:,.0f}"
            lines.append(f"| {r['version']} | {r['students']:,} | {r['rows']:,} | {label} | "
                         f"{seconds:.1f} | {seconds / floor:.1f} | "
                         f"{seconds / table_floor:.1f} | | {rate} | |")
        for step, label in (("run_test", "Run Test"), ("run", "Run"), ("undo", "undo"),
                            ("restore", "restore"), ("import", "import"),
                            ("import_core", "import, core files")):
            s = r["steps"][step]
            rows = s.get("rows", r["rows"])
            own = own_floors.get(step)
            own_ratio = f"{s['seconds'] / own:.1f}" if own else ""
            lines.append(f"| {r['version']} | {r['students']:,} | {rows:,} | {label} | "
                         f"{s['seconds']:.1f} | {s['seconds'] / floor:.1f} | "
                         f"{s['seconds'] / table_floor:.1f} | "
                         f"{own_ratio} | "
                         f"{rows / s['seconds']:,.0f} | {s['peak_mib']:.0f} |")
    growth = _growth(results)
    if growth:
        lines += ["", "Growth, time(largest) / time(smallest):", ""]
        lines += [f"- {line}" for line in growth]
    lines += ["", "Rows: what the step writes (import: every row of the bundle; import, core "
              "files: the same bundle without the year-end modules' files; the others: the "
              "rows the run creates, which the floor copies with one INSERT ... SELECT per "
              "table into a bare scratch table). The table floor writes the same rows into the "
              "run's own tables (indexes, checks, foreign keys), rolled back after; the report "
              "floor copies the run's per-student report (RF-25) the same way. Own floor: what "
              "the step itself must write, Run Test its report, Run the new rows and the "
              "report. Every floor runs on a connection set up as `rollover` sets up its own "
              "(SQLite: foreign keys on). Seconds include starting the `rollover` process.", ""]
    return lines


def _growth(results: list[dict]) -> list[str]:
    lines = []
    for kind in sorted({r["database"] for r in results}):
        mine = sorted((r for r in results if r["database"] == kind), key=lambda r: r["students"])
        if len(mine) < 2:
            continue
        small, large = mine[0], mine[-1]
        for step in ("run_test", "run", "undo", "restore", "import", "import_core"):
            ratio = large["steps"][step]["seconds"] / small["steps"][step]["seconds"]
            lines.append(f"{small['version']}: {step} {ratio:.1f} for "
                         f"{large['students'] // small['students']}× the students")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"),
                        default=["sqlite", "postgresql"])
    parser.add_argument("--no-save", action="store_true", help="Do not append to results.md.")
    parser.add_argument("--no-process", action="store_true",
                        help="Leave out the year-end process step by step (bench/process.py).")
    parser.add_argument("--api", action="store_true",
                        help="Measure the HTTP API's goals instead (bench/api.py).")
    parser.add_argument("--edfi", action="store_true",
                        help="Measure the Ed-Fi export and import instead (bench/edfi.py).")
    parser.add_argument("--areas", action="store_true",
                        help="Measure deciding by attendance areas instead (bench/areas.py).")
    parser.add_argument("--process", action="store_true",
                        help="Measure the whole year-end process step by step instead "
                             "(bench/process.py).")
    args = parser.parse_args()
    # Another benchmark instead: bench/NAME.py's run_all.
    instead = next((name for name in ("process", "areas", "api", "edfi") if getattr(args, name)),
                   None)
    if instead:
        importlib.import_module(instead).run_all(args.students, args.db, not args.no_save)
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="rollover-bench-") as tmp:
        folder = Path(tmp)
        for students in args.students:
            bundle = folder / f"bundle-{students}"
            print(f"demo bundle of {students:,} students (not timed)", flush=True)
            run_step_untimed(["demo", "--students", str(students), "--bundle", str(bundle)],
                             dict(os.environ))
            core = core_bundle(bundle)
            for kind in args.db:
                print(f"{kind}, {students:,} students", flush=True)
                results.append(bench_one(kind, students, bundle, core, folder))
            shutil.rmtree(bundle)
            shutil.rmtree(core)
    lines = report(results)
    print("\n".join(lines))
    if not args.no_save:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
    if not args.no_process:
        importlib.import_module("process").run_all(args.students, args.db, not args.no_save)


if __name__ == "__main__":
    main()

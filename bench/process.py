"""The whole year-end process, step by step, each step against its own table floor.

For each size and database: the demo district is built (not timed), then each step of the
year-end process runs as its own `rollover` process, in the process's order: `process prepare`
(lock, quiet, backup), then for every module its Run Test and its Run (`process run MODULE
[--test] --json`), then `process finish`.  For each: wall seconds, peak resident memory, the
rows it inserted, updated and deleted (its rollover log), and its table floor.

The table floor of a step: for each table it inserted rows into, the same number of that table's
rows copied with one INSERT ... SELECT into an empty copy of the table carrying its indexes,
unique and check constraints and foreign keys (what any way of writing those rows pays inside the
database), in a transaction rolled back after.  A step that only updates or deletes, and the
backup of prepare, have no table floor here; their seconds stand alone.

    python bench/run.py --process                           # 100,000 and 1,000,000; both databases
    python bench/run.py --process --students 100000 --db sqlite
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from pathlib import Path

from run import (bench_each, database_version, drop_database, fresh_database, load,
                 machine, measured, rolled_back_seconds, run_step_untimed, settle)

from rollover.services.modules import all_modules


def bench_process(kind: str, students: int, folder: Path) -> dict:
    url = fresh_database(kind, students, folder, "-process")
    env = {**os.environ, "ROLLOVER_DATABASE_URL": url, "ROLLOVER_USER": "bench",
           "ROLLOVER_BACKUP_DIR": str(folder / f"backups-process-{kind}-{students}")}
    steps = []
    try:
        print("  demo district (not timed)", flush=True)
        run_step_untimed(["demo", "--students", str(students)], env)
        settle(kind, url)
        steps.append(_step("prepare", ["process", "prepare"], env, url))
        for module in all_modules():
            steps.append(_step(f"{module.name}, Run Test",
                               ["process", "run", module.name, "--test", "--json"], env, url,
                               floor=False))
            steps.append(_step(f"{module.name}, Run", ["process", "run", module.name, "--json"],
                               env, url))
        steps.append(_step("finish", ["process", "finish"], env, url))
        return {"database": kind, "version": database_version(kind, url),
                "students": students, "steps": steps, "load": load()}
    finally:
        drop_database(kind, url)


def _step(label: str, args: list[str], env: dict, url: str, floor: bool = True) -> dict:
    seconds, peak, out = measured(args, env)
    changed = _changes(out)
    inserted = Counter({t: c["inserted"] for t, c in changed.items() if c["inserted"]})
    step = {"step": label, "seconds": seconds, "peak_mib": peak,
            "inserted": sum(c["inserted"] for c in changed.values()),
            "updated": sum(c["updated"] for c in changed.values()),
            "deleted": sum(c["deleted"] for c in changed.values()),
            "table_floor": table_floor(url, inserted) if floor and inserted else None}
    if not floor:  # a Run Test is held against its Run's floor, filled in by report()
        step["test_of"] = label.replace(", Run Test", ", Run")
    print(f"  {label:<32}{seconds:8.1f} s  {peak:7.0f} MiB  {step['inserted']:>10,} inserted"
          + (f"  floor {step['table_floor']:.3g} s" if step["table_floor"] else ""), flush=True)
    return step


def _changes(out: str) -> dict[str, dict[str, int]]:
    """Rows inserted, updated, deleted per table, from a `process run --json` rollover log."""
    try:
        log = json.loads(out).get("rollover_log") or {}
    except (json.JSONDecodeError, AttributeError):
        return {}
    tables: dict[str, dict[str, int]] = {}
    for change in log.get("changes", []):
        mine = tables.setdefault(change["table"], Counter())
        for what in ("inserted", "updated", "deleted"):
            mine[what] += change.get(what, 0)
    return tables


def table_floor(url: str, rows_per_table: dict[str, int]) -> float:
    """Seconds to copy as many rows of each table into an empty copy of it with its indexes,
    constraints and foreign keys; the copies are made untimed and the whole rolled back.  On a
    connection set up as `rollover` sets up its own (SQLite: foreign keys checked)."""
    def empty_copies(conn) -> None:
        for table in rows_per_table:
            _empty_copy(conn, table)

    def copy(conn) -> None:
        for table, rows in rows_per_table.items():
            conn.exec_driver_sql(f'INSERT INTO "floor_{table}" SELECT * FROM "{table}" '
                                 f"LIMIT {int(rows)}")

    return rolled_back_seconds(url, copy, untimed=empty_copies)


def _empty_copy(conn, table: str) -> None:
    """Make `floor_TABLE`, an empty table like TABLE with its indexes, constraints and foreign
    keys (made untimed, inside the caller's transaction)."""
    copy = f"floor_{table}"
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f'CREATE TABLE "{copy}" (LIKE "{table}" INCLUDING ALL)')
        for name, definition in conn.exec_driver_sql(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                f"WHERE conrelid = '\"{table}\"'::regclass AND contype = 'f'"):
            conn.exec_driver_sql(f'ALTER TABLE "{copy}" ADD CONSTRAINT "floor_{name}" '
                                 f"{definition}")
        return
    made = list(conn.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
        "ORDER BY type = 'index'", (table,)))
    for kind, name, sql in made:
        if kind == "table":
            sql = re.sub(r'^CREATE TABLE\s+"?' + re.escape(table) + r'"?',
                         f'CREATE TABLE "{copy}"', sql)
        else:
            sql = re.sub(r'^CREATE (UNIQUE )?INDEX\s+"?' + re.escape(name) + r'"?\s+ON\s+"?'
                         + re.escape(table) + r'"?',
                         lambda m: f'CREATE {m.group(1) or ""}INDEX "floor_{name}" ON "{copy}"',
                         sql)
        conn.exec_driver_sql(sql)


def report(results: list[dict]) -> list[str]:
    lines = [f"## {time.strftime('%Y-%m-%d %H:%M')}: {machine()}: the year-end process, "
             "step by step (bench/process.py)", "",
             "| database | students | step | seconds | peak MiB | inserted | updated | deleted "
             "| table floor s | × table floor | load |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        floors = {s["step"]: s["table_floor"] for s in r["steps"]}
        for s in r["steps"]:
            floor = s["table_floor"] if "test_of" not in s else floors.get(s["test_of"])
            ratio = f"{s['seconds'] / floor:.1f}" if floor else "-"
            lines.append(f"| {r['version']} | {r['students']:,} | {s['step']} | "
                         f"{s['seconds']:.1f} | {s['peak_mib']:.0f} | {s['inserted']:,} | "
                         f"{s['updated']:,} | {s['deleted']:,} | "
                         f"{f'{floor:.3g}' if floor else '-'} | {ratio} | {r['load']:.1f} |")
    lines += ["", "Growth, time(largest) / time(smallest), per step:", ""]
    for kind in sorted({r["database"] for r in results}):
        mine = sorted((r for r in results if r["database"] == kind), key=lambda r: r["students"])
        if len(mine) < 2:
            continue
        small, large = mine[0], mine[-1]
        pairs = zip(small["steps"], large["steps"])
        lines.append(f"- {small['version']}, {large['students'] // small['students']}× the "
                     "students: " + "; ".join(
                         f"{a['step']} {b['seconds'] / a['seconds']:.1f}" for a, b in pairs))
    lines += ["", "Seconds include starting the `rollover` process. A Run Test writes no module "
              "rows; it is held against its Run's table floor. The table floor copies as many "
              "rows of each table the step inserted into into an empty copy of that table with "
              "its indexes, constraints and foreign keys, in one INSERT ... SELECT a table, "
              "rolled back after.", ""]
    return lines


def run_all(sizes: list[int], databases: list[str], save: bool) -> None:
    bench_each(sizes, databases, save, "process", bench_process, report)


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"),
                        default=["sqlite", "postgresql"])
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    run_all(args.students, args.db, not args.no_save)

"""The Ed-Fi benchmark: a school year exported as Ed-Fi XML and imported back, beside the bundle
import of the same rows.

For each size and database it builds the demo district in a database of its own (untimed; on
PostgreSQL followed by VACUUM ANALYZE), then measures, each as a `rollover` process of its own
(wall seconds, peak resident memory, as run.py measures):

1. Ed-Fi export: `rollover export --format edfi OUT` of the current school year (2027);
   elements per second (schools, calendars, sessions, dates, students, associations).  Then,
   untimed, a Contact file of the district's households is written beside them
   (bench/edfi_contacts.py): the export writes no contacts.
2. Ed-Fi import: `rollover import --format edfi OUT` into an empty database: validation, mapping,
   the temporary bundle and the bundle import; rows per second of the rows it imports.
3. bundle import, same rows: the district the Ed-Fi import wrote, exported as a bundle (untimed)
   and imported into another empty database: what the bundle import alone pays for those rows.

The 1-minute load average (os.getloadavg) is noted before each step: the machine is shared.
Results are printed and appended to bench/results.md.

    python bench/edfi.py --students 100000                       # both databases
    python bench/edfi.py --students 1000000 --db sqlite
    python bench/run.py --edfi --students 100000                 # the same, through run.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
from pathlib import Path

from edfi_contacts import write_contacts
from run import (bench_each, database_version, drop_database, fresh_database, load, machine,
                 measured, run_step_untimed, settle)


YEAR = 2027  # the demo's current school year, the one the export writes


def counted(pattern: str, out: str) -> int:
    """The number a `rollover` command's summary line gives (`imported 1,234 rows ...`)."""
    found = re.search(pattern, out, re.MULTILINE)
    if found is None:
        raise SystemExit(f"no {pattern!r} in the output:\n{out[-2000:]}")
    return int(found.group(1).replace(",", ""))


def folder_mib(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.iterdir()) / 2**20


def step(label: str, args: list[str], env: dict, pattern: str) -> dict:
    before = load()
    seconds, peak, out = measured(args, env)
    count = counted(pattern, out)
    print(f"  {label:<28}{seconds:8.1f} s  {count:>11,}  {peak:7.0f} MiB  (load {before:.2f})",
          flush=True)
    return {"seconds": seconds, "peak_mib": peak, "count": count, "load": before}


def bench_edfi(kind: str, students: int, folder: Path) -> dict:
    district = fresh_database(kind, students, folder, "_edfi_district")
    imported = bundled = None
    base_env = {**os.environ, "ROLLOVER_USER": "bench"}
    files, bundle = folder / f"edfi-{kind}-{students}", folder / f"bundle-{kind}-{students}"
    try:
        env = {**base_env, "ROLLOVER_DATABASE_URL": district}
        run_step_untimed(["demo", "--students", str(students)], env)
        settle(kind, district)
        version = database_version(kind, district)
        steps = {"export": step("Ed-Fi export", ["export", "--format", "edfi", str(files)], env,
                                r"as Ed-Fi XML: ([\d,]+) elements")}
        steps["export"]["mib"] = folder_mib(files)
        contacts, links = write_contacts(district, YEAR, files / "Contact.xml")
        drop_database(kind, district)

        imported = fresh_database(kind, students, folder, "_edfi_import")
        env = {**base_env, "ROLLOVER_DATABASE_URL": imported}
        steps["import"] = step("Ed-Fi import", ["import", "--format", "edfi", str(files)], env,
                               r"^imported ([\d,]+) rows")
        steps["import"]["contacts"] = (contacts, links)
        shutil.rmtree(files)
        run_step_untimed(["export", str(bundle)], env)
        drop_database(kind, imported)

        bundled = fresh_database(kind, students, folder, "_edfi_bundle")
        env = {**base_env, "ROLLOVER_DATABASE_URL": bundled}
        steps["bundle_import"] = step("bundle import, same rows", ["import", str(bundle)], env,
                                      r"^imported ([\d,]+) rows")
        shutil.rmtree(bundle)
        return {"database": kind, "version": version, "students": students, "steps": steps}
    finally:
        for url in (district, imported, bundled):
            if url is not None:
                drop_database(kind, url)


STEPS = (("export", "Ed-Fi export", "elements"), ("import", "Ed-Fi import", "rows"),
         ("bundle_import", "bundle import, same rows", "rows"))


def report(results: list[dict]) -> list[str]:
    lines = [f"## {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}: {machine()}: Ed-Fi", "",
             "| database | students | step | elements or rows | seconds | per second | "
             "peak MiB | load before |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        for key, label, unit in STEPS:
            s = r["steps"][key]
            shown = label + (f" ({s['mib']:,.0f} MiB of XML)" if "mib" in s else "") + (
                " (with {:,} contacts, {:,} associations)".format(*s["contacts"])
                if "contacts" in s else "")
            lines.append(f"| {r['version']} | {r['students']:,} | {shown} | {s['count']:,} "
                         f"{unit} | {s['seconds']:.1f} | {s['count'] / s['seconds']:,.0f} | "
                         f"{s['peak_mib']:.0f} | {s['load']:.2f} |")
    lines += ["", "Ed-Fi export: the current school year (2027) of the demo district, elements "
              "written. Ed-Fi import: those files and a Contact file of the district's "
              "households (bench/edfi_contacts.py, written untimed) into an empty database, "
              "rows imported. "
              "Bundle import, same rows: the district the Ed-Fi import wrote, exported as a "
              "bundle (untimed) and imported into another empty database. Seconds include "
              "starting the `rollover` process; load before: the 1-minute load average as the "
              "step started (2 cores, shared).", ""]
    return lines


def run_all(sizes: list[int], databases: list[str], save: bool) -> None:
    bench_each(sizes, databases, save, "Ed-Fi", bench_edfi, report)


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

"""The attendance-areas benchmark: deciding by polygons against deciding by street ranges, and
what importing the areas and locating every household costs.

For each size and database it builds two demo districts of the same size (untimed; on PostgreSQL
followed by VACUUM ANALYZE): the synthetic one, whose households are placed by street ranges, and
the Seattle one (`--geography seattle`), whose located households are placed by Seattle Public
Schools' 76 attendance areas.  Then, each in a process of its own (wall seconds, peak memory):

1. deciding: the roll forward's decision of every 2027 calendar (the Run Test's reading and
   deciding as the year-end process's registration module does them, nothing written), split into reading the snapshot, looking up every household in
   the areas (`Areas.locate`, inside the reading) and deciding (`plan_forward`).  The goal: the
   Seattle district's looking-up and deciding at most 20% more than the synthetic district's
   deciding by street ranges;
2. `rollover boundaries import` of the three Seattle area files (57 + 10 + 9 features) into the
   Seattle district, through a name map, replacing its areas (an undoable run);
3. `rollover households locate` of a CSV giving every household of the Seattle district a
   location (an undoable run).

The 1-minute load average is noted before each step: the machine may be shared.  Results are
printed and appended to bench/results.md.

    python bench/areas.py --students 100000 1000000 --db sqlite
    python bench/run.py --areas --students 100000                # the same, through run.py
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

from sqlalchemy import create_engine, text

from run import (bench_each, database_version, drop_database, fresh_database, load, machine,
                 measured, run_step_untimed, settle)

YEAR = 2027
AREA_FILES = (("sps_attendance_area_ES.geojson", "ES_ZONE", "KG-05"),
              ("sps_attendance_area_MS.geojson", "MS_ZONE", "06-08"),
              ("sps_attendance_area_HS.geojson", "HS_ZONE", "09-12"))


# -- deciding, in a process of its own -------------------------------------------------------------

def decide_here(url: str) -> dict:
    """Read and decide every 2027 calendar of the district at `url`; the seconds of each part."""
    from rollover.domain import areas as areas_module
    from rollover.domain.forward.options import ForwardOptions, resolve
    from rollover.domain.forward.plan import plan_forward
    from rollover.services.forward import compile_filter, source_calendars_of_year
    from rollover.store.database import open_engine
    from rollover.store.snapshot import load_catalog, load_snapshot

    locate_seconds = [0.0]
    real_locate = areas_module.Areas.locate

    def timed_locate(self, points):
        started = time.perf_counter()
        try:
            return real_locate(self, points)
        finally:
            locate_seconds[0] += time.perf_counter() - started

    areas_module.Areas.locate = timed_locate
    engine = open_engine(url)
    sources = tuple(source_calendars_of_year(engine, YEAR))
    options = ForwardOptions(source_calendars=sources, test=True)
    with engine.connect() as conn:
        started = time.perf_counter()
        catalog = load_catalog(conn)
        settings = resolve(options, catalog, compile_filter(options.filter))
        # As the year-end process's registration module reads it (no student rows).
        snapshot = load_snapshot(conn, catalog, [c.calendar_id for c in settings.source_calendars],
                                 settings.destination_year, settings.service_types,
                                 with_students=False)
        read = time.perf_counter() - started
        started = time.perf_counter()
        plan = plan_forward(snapshot, settings)
        planned = time.perf_counter() - started
    engine.dispose()
    return {"read_s": read - locate_seconds[0], "locate_s": locate_seconds[0],
            "plan_s": planned, "areas": len(snapshot.boundaries.areas.areas),
            "rolled": len(plan.rolled)}


def decided(url: str, env: dict) -> dict:
    seconds, peak, out = measured_python(["--decide", url], env)
    result = json.loads(out.strip().splitlines()[-1])
    return {**result, "wall_s": seconds, "peak_mib": peak}


def measured_python(args: list[str], env: dict) -> tuple[float, float, str]:
    """Like run.measured, for this script's own `--decide` mode (peak memory from /proc)."""
    started = time.perf_counter()
    child = subprocess.run([sys.executable, __file__, *args], env=env, capture_output=True,
                           text=True)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"bench/areas.py {' '.join(args)} failed:\n{child.stderr[-3000:]}")
    peak = json.loads(child.stdout.strip().splitlines()[-1]).get("peak_kib", 0) / 1024
    return seconds, peak, child.stdout


def peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


# -- the files the commands read -------------------------------------------------------------------

def write_inputs(url: str, folder: Path) -> tuple[list[Path], Path, Path, int]:
    """The three Seattle area files, a name map (area name -> school id, from the stored areas)
    and a CSV locating every household (its stored point; a household without one gets the
    point of another: every row a location)."""
    source = resources.files("rollover.demo") / "seattle"
    files = []
    for name, _prop, _grades in AREA_FILES:
        target = folder / name
        target.write_bytes((source / name).read_bytes())
        files.append(target)
    engine = create_engine(url)
    with engine.connect() as conn:
        names = conn.execute(text("SELECT DISTINCT name, school_id, low_grade FROM boundary_areas "
                                  "WHERE program_id IS NULL ORDER BY name, low_grade")).all()
        homes = conn.execute(text("SELECT household_id, latitude, longitude FROM households "
                                  "ORDER BY household_id")).all()
    engine.dispose()
    maps = {}
    for name, school_id, low_grade in names:
        level = "KG-05" if low_grade in ("PK", "KG") else ("06-08" if low_grade == "06" else "09-12")
        maps.setdefault(level, {})[name] = school_id
    map_files = {}
    for level, pairs in maps.items():
        path = folder / f"names-{level}.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["name", "school_id"])
            writer.writerows(sorted(pairs.items()))
        map_files[level] = path
    located = [(h, lat, lon) for h, lat, lon in homes if lat is not None]
    locations = folder / "locations.csv"
    with locations.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["household_id", "latitude", "longitude"])
        for number, (household_id, lat, lon) in enumerate(homes):
            if lat is None:
                _, lat, lon = located[number % len(located)]
            writer.writerow([household_id, lat, lon])
    return files, map_files, locations, len(homes)


# -- one size, one database ------------------------------------------------------------------------

def bench_areas(kind: str, students: int, folder: Path) -> dict:
    env = dict(os.environ)
    streets = fresh_database(kind, students, folder, "-streets")
    seattle = fresh_database(kind, students, folder, "-seattle")
    result = {"kind": kind, "students": students, "version": database_version(kind, streets),
              "date": dt.date.today().isoformat()}
    try:
        for url, extra in ((streets, []), (seattle, ["--geography", "seattle"])):
            print(f"  demo {' '.join(extra) or 'synthetic'} (not timed)", flush=True)
            run_step_untimed(["demo", "--students", str(students), "--db", url, *extra], env)
            settle(kind, url)
        result["load_streets"] = load()
        result["streets"] = decided(streets, env)
        result["load_seattle"] = load()
        result["seattle"] = decided(seattle, env)
        files, maps, locations, households = write_inputs(seattle, folder)
        imports = []
        for path, (_name, prop, grades) in zip(files, AREA_FILES):
            seconds, peak, _ = measured(["boundaries", "import", str(path), "--school-property",
                                         prop, "--grades", grades, "--map", str(maps[grades]),
                                         "--db", seattle, "--user", "bench"], env)
            imports.append((seconds, peak))
        result["import_s"] = sum(s for s, _ in imports)
        result["import_peak_mib"] = max(p for _, p in imports)
        result["load_locate"] = load()
        seconds, peak, _ = measured(["households", "locate", str(locations), "--db", seattle,
                                     "--user", "bench"], env)
        result.update(locate_s=seconds, locate_peak_mib=peak, households=households)
    finally:
        drop_database(kind, streets)
        drop_database(kind, seattle)
    return result


def report(results: list[dict]) -> list[str]:
    lines = ["", f"## Attendance areas, {dt.date.today().isoformat()} (bench/areas.py)", "",
             f"Machine: {machine()}.", "",
             "Deciding every 2027 calendar (the Run Test's reading and deciding, nothing "
             "written): the synthetic district by street ranges against the Seattle district by "
             "its 76 areas. *Looking up* is `Areas.locate` of every household, inside the reading.",
             "",
             "| db | students | streets: read / decide s | Seattle: read / look up / decide s "
             "| look up + decide vs streets' decide | all three vs streets' read + decide "
             "| peak MiB (streets / Seattle) | load |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        s, a = r["streets"], r["seattle"]
        ratio = (a["locate_s"] + a["plan_s"]) / s["plan_s"]
        whole = (a["read_s"] + a["locate_s"] + a["plan_s"]) / (s["read_s"] + s["plan_s"])
        lines.append(f"| {r['kind']} | {r['students']:,} | {s['read_s']:.2f} / {s['plan_s']:.2f} "
                     f"| {a['read_s']:.2f} / {a['locate_s']:.2f} / {a['plan_s']:.2f} "
                     f"| {ratio:.2f}× | {whole:.2f}× | {s['peak_mib']:.0f} / {a['peak_mib']:.0f} "
                     f"| {r['load_streets']:.1f} / {r['load_seattle']:.1f} |")
    lines += ["", "| db | students | `boundaries import` of the 3 files s (peak MiB) "
                  "| `households locate` s | households | per second | peak MiB |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['kind']} | {r['students']:,} | {r['import_s']:.1f} "
                     f"({r['import_peak_mib']:.0f}) | {r['locate_s']:.1f} | {r['households']:,} "
                     f"| {r['households'] / r['locate_s']:,.0f} | {r['locate_peak_mib']:.0f} |")
    return lines


def run_all(sizes: list[int], databases: list[str], save: bool) -> None:
    bench_each(sizes, databases, save, "areas", bench_areas, report)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"),
                        default=["sqlite", "postgresql"])
    parser.add_argument("--no-save", action="store_true", help="Do not append to results.md.")
    parser.add_argument("--decide", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.decide:
        result = decide_here(args.decide)
        print(json.dumps({**result, "peak_kib": peak_kib()}))
        return
    run_all(args.students, args.db, not args.no_save)


if __name__ == "__main__":
    main()

"""How long the read services take on a large district: a page of a stored roll forward (each
filter, first and last pages), its warnings, the projection and the district's lists.

Run it on a store holding a demo district and a roll forward of it:

    rollover demo --students 1000000 --db URL && rollover forward --source-year 2027 --db URL
    python bench/read_pages.py --db URL                 # the newest roll forward
    python bench/read_pages.py --db URL --double        # also a copy of it twice as long

`--double` stores (once) a run `bench-double` holding the run's rows twice over, numbered on, so a
page of a 1.6 million row run can be timed from a 1 million student demo.  Each read is timed
`--repeat` times on a warm store; the median and the slowest are printed, in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import func, select, text

from rollover.services.district_info import calendars, district_info, schools
from rollover.services.projection import projection
from rollover.services.run_pages import rolled_page, warnings_page, warnings_summary
from rollover.store.database import open_engine
from rollover.store.schema import calendars as calendar_table
from rollover.store.schema import run_rolled, run_warnings, runs, students

DOUBLE = "bench-double"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--run", help="the run to read (default: the newest roll forward)")
    parser.add_argument("--double", action="store_true")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--only", default="", help="time only the reads whose label has this")
    args = parser.parse_args()
    engine = open_engine(args.db)
    run_id = args.run or newest_forward(engine)
    run_ids = [run_id] + ([doubled(engine, run_id)] if args.double else [])
    print(f"{engine.dialect.name}: {args.db}")
    for rid in run_ids:
        for label, read in cases(engine, rid):
            if args.only in label:
                timed(label, read, args.repeat)
    for label, read in [("projection (default year)", lambda: projection(engine)),
                        ("district_info", lambda: district_info(engine)),
                        ("schools page 1", lambda: schools(engine)),
                        ("calendars of 2028 page 1", lambda: calendars(engine, 2028))]:
        if args.only in label:
            timed(label, read, args.repeat)


def newest_forward(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(select(runs.c.run_id).where(runs.c.kind == "forward")
                            .order_by(runs.c.started_at.desc())).scalars().first()


def doubled(engine, run_id: str) -> str:
    """A run holding `run_id`'s rows twice, numbered 1 .. 2N (made once)."""
    with engine.begin() as conn:
        if conn.execute(select(runs.c.run_id).where(runs.c.run_id == DOUBLE)).first():
            return DOUBLE
        record = conn.execute(select(runs).where(runs.c.run_id == run_id)).one()._mapping
        conn.execute(runs.insert().values({**record, "run_id": DOUBLE}))
        for table in (run_rolled, run_warnings):
            last = conn.execute(select(func.max(table.c.seq))
                                .where(table.c.run_id == run_id)).scalar() or 0
            others = [c for c in table.c if c.name not in ("run_id", "seq")]
            for shift in (0, last):
                conn.execute(table.insert().from_select(
                    ["run_id", "seq", *(c.name for c in others)],
                    select(text(f"'{DOUBLE}'"), table.c.seq + shift, *others)
                    .where(table.c.run_id == run_id)))
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE run_rolled, run_warnings")
    return DOUBLE


def cases(engine, run_id: str):
    """(label, read) for the run: values picked from the run itself."""
    with engine.connect() as conn:
        r = run_rolled.c
        total = conn.execute(select(func.max(r.seq)).where(r.run_id == run_id)).scalar()
        busiest = conn.execute(
            select(r.calendar_id, func.count()).where(r.run_id == run_id)
            .group_by(r.calendar_id).order_by(func.count().desc())).first()[0]
        school = conn.execute(select(calendar_table.c.school_id)
                              .where(calendar_table.c.calendar_id == busiest)).scalar()
        first, last, number = conn.execute(
            select(students.c.first_name, students.c.last_name, students.c.student_number)
            .where(students.c.student_id == select(r.student_id).where(
                r.run_id == run_id, r.seq == total // 2).scalar_subquery())).one()
    pages = -(-total // 100)
    label = f"{run_id} ({total:,} rows)"
    yield f"{label} rolled page 1", lambda: rolled_page(engine, run_id)
    yield f"{label} rolled page {pages // 2:,}", lambda: rolled_page(engine, run_id,
                                                                    page=pages // 2)
    yield f"{label} rolled last page {pages:,}", lambda: rolled_page(engine, run_id, page=pages)
    yield f"{label} rolled 1,000 per page", lambda: rolled_page(engine, run_id, per_page=1000)
    yield f"{label} school {school}", lambda: rolled_page(engine, run_id, school=school)
    yield f"{label} calendar {busiest} last page", lambda: rolled_page(
        engine, run_id, calendar=busiest, page=10**6)
    yield f"{label} grade 09 page 1", lambda: rolled_page(engine, run_id, grade="09")
    yield f"{label} grade 09 page 500", lambda: rolled_page(engine, run_id, grade="09", page=500)
    yield f"{label} calendar + grade 09", lambda: rolled_page(engine, run_id, calendar=busiest,
                                                              grade="09")
    yield f"{label} q={last!r}", lambda: rolled_page(engine, run_id, q=last)
    yield f"{label} q={last[:2]!r}", lambda: rolled_page(engine, run_id, q=last[:2])
    yield f"{label} q='{first} {last}'", lambda: rolled_page(engine, run_id, q=f"{first} {last}")
    yield f"{label} q={number!r}", lambda: rolled_page(engine, run_id, q=number)
    yield f"{label} q={first!r} + grade 09", lambda: rolled_page(engine, run_id, q=first,
                                                                 grade="09")
    yield f"{label} warnings page 1", lambda: warnings_page(engine, run_id)
    yield f"{label} warnings GRADUATING page 100", lambda: warnings_page(
        engine, run_id, code="GRADUATING", page=100)
    yield f"{label} warnings school {school}", lambda: warnings_page(engine, run_id,
                                                                    school=school)
    yield f"{label} warnings summary", lambda: warnings_summary(engine, run_id)


def timed(label: str, read, repeat: int) -> None:
    read()  # warm
    took = []
    for _ in range(repeat):
        start = time.perf_counter()
        read()
        took.append((time.perf_counter() - start) * 1000)
    print(f"  {label:<70} median {statistics.median(took):8.1f} ms   slowest {max(took):8.1f} ms")


if __name__ == "__main__":
    main()

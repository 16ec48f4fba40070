"""The readiness check (YE-1) as a service: read the district, find what would make the roll
from a school year go wrong, store the check as a run.

`check_readiness` is what `rollover check`, and later the web page and the year-end process,
call.  It never changes district data: its one write is its run record (kind "check"), skipped
when this user may only read the store (the report's `run` is then None).
`find_problems` is the check alone, on a connection the caller holds, and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from ..domain import readiness
from ..domain.areas import AreaGeometryError
from ..domain.readiness import ERROR, Finding
from ..domain.runs import RunRecord
from ..errors import RolloverError
from ..progress import Progress, Tally, no_progress
from ..store import readiness as reads
from ..store.access import read_only
from ..store.database import reading
from ..store.snapshot import load_catalog
from .unit_of_work import operation, unit_of_work

# A check's run is a read's own record: no right, never refused; nothing to undo.
CHECK = operation("check", "readiness check", None, district_write=False, undoable=False)


@dataclass(frozen=True)
class ReadinessReport:
    run: RunRecord | None  # None: this user may only read the store, so nothing was recorded
    year: int
    findings: list[Finding]

    @property
    def recorded(self) -> bool:
        return self.run is not None

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors

    def as_json(self) -> dict:
        """{"run_id", "year", "errors", "warnings", "findings"}: what `check --json` prints."""
        return {"run_id": self.run and self.run.run_id,
                **readiness.summary(self.year, self.findings)}


def find_problems(conn: Connection, year: int, progress: Progress = no_progress, *,
                  every_enrollment: bool | None = None) -> list[Finding]:
    """Every finding about rolling school year `year` into `year + 1`, sorted.  Refuses a year
    with no calendar (RolloverError, exit status 2).  On SQLite the database reads only the
    enrollments the check can find something in (store/readiness.py `year_enrollments`, which
    says why not on PostgreSQL); `every_enrollment` True or False chooses (the proof).
    Progress: "checking", in enrollments of the year."""
    catalog = load_catalog(conn)
    if not catalog.calendars_of_year(year):
        raise RolloverError(f"no calendar in school year {year}")
    # In the year's enrollments: those read, then the rest, set aside by the database, at once.
    checking = Tally(progress, "checking", reads.count_year_enrollments(conn, year)).start()
    rows = checking.rows(reads.year_enrollments(conn, year, every_one=every_enrollment))
    try:
        areas = readiness.school_areas(reads.school_areas(conn), reads.household_points(conn))
    except AreaGeometryError as bad:
        raise RolloverError(str(bad)) from None
    # The households are read only where the schools have areas (one streamed read).
    households = reads.year_household_members(conn, year) if areas else ()
    findings = readiness.check_readiness(catalog, year, rows, reads.school_boundaries(conn),
                                         areas, households)
    checking.finish()
    return findings


def check_readiness(engine: Engine, year: int, *, user: str | None = None,
                    progress: Progress = no_progress) -> ReadinessReport:
    """Check school year `year`, store the check as a run (unless this user may only read the
    store), and return its report."""
    started = dt.datetime.now(dt.UTC)
    with reading(engine) as conn:  # every read sees the same moment of the district
        findings = find_problems(conn, year, progress)
    with engine.connect() as conn:  # asked in an ordinary transaction, not a snapshot
        if read_only(conn):
            return ReadinessReport(None, year, findings)
    report = readiness.summary(year, findings)
    with unit_of_work(engine, CHECK, user=user, options={"year": year},
                      started=started) as work:
        record = work.finish(counts={"errors": report["errors"],
                                     "warnings": report["warnings"]}, report=report)
    return ReadinessReport(record, year, findings)

"""Where each school stands in the year end, for the dashboard and the readiness page: the
latest stored readiness check (YE-1) of the year, its findings by school and code, and each
school not checked / not ready / ready / done (domain/school_readiness.py decides).

A school is done when a completed Run has rolled each of its calendars of the year: a roll
forward Run naming them as source calendars, or the year's registration module Run (which rolls
every calendar of the year).  Reads only; the check itself is `readiness.check_readiness`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from ..domain.runs import RunRecord
from ..domain.school_readiness import (SchoolFindings, SchoolState, findings_by_school,
                                       school_states)
from ..errors import RolloverError
from ..progress import Progress, no_progress
from ..store import process as process_store
from ..store.database import reading
from ..store.run_lists import runs_of_kind
from ..store.snapshot import load_catalog
from .readiness import CHECK, ReadinessReport, check_readiness
from .runs import PLACING_KINDS

FORWARD, REGISTRATION = PLACING_KINDS


@dataclass(frozen=True)
class YearReadiness:
    year: int
    check: RunRecord | None  # the latest stored check of the year; None: never checked
    schools: list[SchoolState]
    by_school: list[SchoolFindings]  # the check's findings, errors first

    @property
    def errors(self) -> int:
        return self.check.counts.get("errors", 0) if self.check else 0

    @property
    def warnings(self) -> int:
        return self.check.counts.get("warnings", 0) if self.check else 0


def year_readiness(engine: Engine, year: int | None = None) -> YearReadiness:
    """The schools' states and the latest check's findings for school year `year` (default: the
    district's current one)."""
    with reading(engine) as conn:
        year = _year(conn, year)
        catalog = load_catalog(conn)
        check = latest_check(conn, year)
        rolled = rolled_calendars(conn, year, [c.calendar_id
                                               for c in catalog.calendars_of_year(year)])
    calendars = {school: [c.calendar_id for c in own]
                 for school, own in catalog.calendars_by_school(year).items()}
    names = {school_id: school.name for school_id, school in catalog.schools.items()}
    findings = (check.report or {}).get("findings", []) if check else None
    school_of_calendar = {c.calendar_id: c.school_id for c in catalog.calendars.values()}
    return YearReadiness(year, check, school_states(names, calendars, findings, rolled),
                         findings_by_school(findings or [], names, school_of_calendar))


def check_year(engine: Engine, year: int | None = None, *, user: str | None = None,
               progress: Progress = no_progress) -> ReadinessReport:
    """Run the readiness check of `year` (default: the current one); it stores its own run."""
    if year is None:
        with reading(engine) as conn:
            year = _year(conn, None)
    return check_readiness(engine, year, user=user, progress=progress)


def latest_check(conn: Connection, year: int) -> RunRecord | None:
    """The newest completed check of school year `year`."""
    return next((r for r in runs_of_kind(conn, CHECK.kind, status="completed")
                 if r.options.get("year") == year), None)


def rolled_calendars(conn: Connection, year: int, calendars: list[str]) -> set[str]:
    """The calendars of the year (`calendars`) a completed Run has rolled."""
    if any(r.mode == "run" and r.status == "completed"
           for r in process_store.module_run_rows(conn, year=year, modules=[REGISTRATION])):
        return set(calendars)
    named = {c for r in runs_of_kind(conn, FORWARD, mode="run", status="completed")
             for c in r.options.get("source_calendars", ())}
    return named & set(calendars)


def _year(conn: Connection, year: int | None) -> int:
    if year is not None:
        return year
    current = process_store.current_year(conn)
    if current is None:
        raise RolloverError("the district has no current school year")
    return current

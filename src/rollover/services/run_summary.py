"""A stored run that places students, summed up (RF-25): what its text and HTML reports open
with, and what its results page shows (the same reads: `run_pages.warnings_summary` and
`run_pages.school_grade_totals`)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from ..errors import RolloverError
from ..progress import Progress, Tally, no_progress
from ..store.database import reading
from ..store.schema import calendars
from .projection import projection
from .run_pages import school_grade_totals, warnings_summary
from .runs import get_run


def run_summary(engine: Engine, run_id: str, progress: Progress = no_progress) -> dict:
    """{"run_id", "mode", "totals": {"rolled", "not_rolled", "warnings"}, "warnings_by_code":
    [{"code", "count"}] most frequent first (ties by code), "schools": [{"school_id",
    "school_name", "grade", "this_year", "next_year", "calendars": [{"calendar_id",
    "count"}]}] by school name then grade sequence, "projected_year"}.

    `calendars` splits a school and grade's `next_year` by destination calendar (RF-25's totals
    per destination calendar and grade); `projected_year` is the school year of the run's
    destination calendars (None when it placed nobody).  Refuses an unknown run or one that
    places no students, naming it.  Progress: "summing up", in its four reads."""
    read = Tally(progress, "summing up", 4).start()
    record = read.part(get_run(engine, run_id))
    by_code = read.part(warnings_summary(engine, run_id))  # refuses a run placing no students
    schools = read.part(school_grade_totals(engine, run_id))
    by_destination = (record.counts or {}).get("by_destination", [])
    places = read.part(_calendar_places(engine, {row["calendar_id"] for row in by_destination}))
    split: dict[tuple, list[dict]] = {}
    for row in by_destination:
        school_id, _year = places.get(row["calendar_id"], (None, None))
        split.setdefault((school_id, row["grade"]), []).append(
            {"calendar_id": row["calendar_id"], "count": row["count"]})
    years = sorted({year for _school, year in places.values()})
    counts = record.counts or {}
    return {
        "run_id": record.run_id, "mode": record.mode,
        "totals": {"rolled": counts.get("rolled", 0), "not_rolled": counts.get("not_rolled", 0),
                   "warnings": sum(row["count"] for row in by_code)},
        "warnings_by_code": by_code,
        "schools": [{**row, "calendars": split.get((row["school_id"], row["grade"]), [])}
                    for row in schools],
        "projected_year": years[-1] if years else None,
    }


def run_projection(engine: Engine, summary: dict, progress: Progress = no_progress
                   ) -> tuple[dict | None, str | None]:
    """(the projection of the year the run places students in, None), a Run Test's with its
    proposals (a Run's are stored); or (None, why there is none) when the projection refuses
    (e.g. the run placed nobody and the district has no current year)."""
    test = summary["mode"] == "test"
    try:
        return projection(engine, summary["projected_year"],
                          summary["run_id"] if test else None, progress), None
    except RolloverError as refused:
        return None, str(refused)


def _calendar_places(engine: Engine, calendar_ids: set[str]) -> dict[str, tuple[str, int]]:
    """{calendar id: (its school id, its school year)} of the calendars still stored."""
    if not calendar_ids:
        return {}
    c = calendars.c
    with reading(engine) as conn:
        return {calendar_id: (school_id, year) for calendar_id, school_id, year in conn.execute(
            select(c.calendar_id, c.school_id, c.school_year)
            .where(c.calendar_id.in_(sorted(calendar_ids))))}

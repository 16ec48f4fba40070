"""Next year's enrollment against this year's (the API's `/projection`), from the enrollments
stored for both years, rolled or entered by hand; a Run Test's proposals are not enrollments and
do not count.

- `current`: the year before's *active* enrollments in the grade: primary enrollments of that
  year's calendars not ended before their calendar's last day (a student who left in March is
  not counted; one who ended on the last day is).
- `projected`: the projected year's primary enrollments in the grade, active by the same rule (a
  next-year enrollment already ended, e.g. a no-show, is not counted).  Enrollments are counted,
  so a student placed at two schools (RF-10, MULTIPLE_DESTINATIONS) counts at both.
- `flows`: students whose school changes, between different schools only (those who stay are
  the grades' counts): from the school of the enrollment the projected one was rolled from when
  that is of the year before, else from the student's active enrollments of the year before.
- `run_id`, a Run Test: its proposed enrollments count as if they were stored (what next year
  would look like after the Run it tests), beside the enrollments stored now.
"""

from __future__ import annotations

from sqlalchemy import Engine

from sqlalchemy import Connection

from ..store import projection as stored
from ..progress import READING_TABLES, Progress, Tally, no_progress
from ..store.database import reading
from ..store.process import current_year
from .reads import NotFound, ReadRefused, check_year
from .run_pages import placing_run


def projection(engine: Engine, year: int | None = None, run_id: str | None = None,
               progress: Progress = no_progress) -> dict:
    """{"year", "schools": [{"school_id", "name", "grades": [{"grade", "current",
    "projected"}]}], "flows": [{"from_school_id", "to_school_id", "count"}]} for the projected
    school year `year` (default: the year after the district's current one).  Schools with a
    calendar in either year, by id; their grades offered in either year, by sequence; flows most
    students first.  A year with no calendars is refused, naming it.  With `run_id`, a Run
    Test's proposed enrollments count too; a run that is no completed Run Test of a roll
    forward is refused, naming it.  Progress: "reading the tables", in its four queries."""
    if year is not None:
        check_year(year)
    with reading(engine) as conn:
        if run_id is not None:
            _check_run_test(conn, run_id)
        if year is None:
            current = current_year(conn)
            if current is None:
                raise NotFound("the district has no current school year yet (import one first)")
            year = current + 1
        if not stored.has_calendars(conn, year):
            raise ReadRefused(f"no calendars of school year {year} to project (roll the "
                              f"calendars of {year - 1} forward first)")
        years = (year - 1, year)
        read = Tally(progress, READING_TABLES, 4).start()
        schools = read.part(stored.schools_of_years(conn, years))
        offered = read.part(stored.grades_offered(conn, years))
        counts = read.part(stored.active_counts(conn, years, proposed_by=run_id))
        moves = read.part(stored.flows(conn, year, proposed_by=run_id))
    grades: dict[str, list[tuple[int, str]]] = {}
    for school_id, grade, sequence in offered:
        grades.setdefault(school_id, []).append((sequence, grade))
    return {
        "year": year,
        "schools": [{"school_id": school_id, "name": name, "grades": [
            {"grade": grade, "current": counts.get((year - 1, school_id, grade), 0),
             "projected": counts.get((year, school_id, grade), 0)}
            for _sequence, grade in sorted(grades.get(school_id, []))]}
            for school_id, name in schools],
        "flows": [{"from_school_id": from_id, "to_school_id": to_id, "count": count}
                  for from_id, to_id, count in moves],
    }


def _check_run_test(conn: Connection, run_id: str) -> None:
    record = placing_run(conn, run_id)
    if record.mode != "test":
        raise ReadRefused(f"run {run_id!r} is a Run: its enrollments are stored and counted "
                          "already (give the id of a Run Test)")
    if record.status != "completed":
        raise ReadRefused(f"run {run_id!r} did not complete ({record.status}): it proposes "
                          "nothing to project")

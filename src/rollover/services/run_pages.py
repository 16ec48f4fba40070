"""A stored run that places students, read a page at a time (the API's `/runs/{id}/rolled` and
`/runs/{id}/warnings`): its new (for a Run Test, proposed) enrollments and its warnings, filtered
and paged in the database, so a page of a million-student run costs what a page of a small one
does.  Every read sees one moment of the district (`reading`).

Refused, naming the value: a page before the first or a page size out of range, an unknown run,
a run that places no students, an unknown school, calendar or warning code, a search too long.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from ..domain.forward.warnings import ALL_CODES
from ..domain.suggestions import did_you_mean
from ..store import run_pages as stored
from ..store import runs as stored_runs
from ..store.district_info import calendar_ids, school_ids
from ..store.database import reading
from .reads import DEFAULT_PER_PAGE, NotFound, Page, ReadRefused, check_paging
from .runs import PLACING_KINDS, places_students

MAX_SEARCH = 100  # characters of `q`


def rolled_page(engine: Engine, run_id: str, *, school: str | None = None,
                grade: str | None = None, calendar: str | None = None, q: str | None = None,
                sort: str | None = None, page: int = 1,
                per_page: int = DEFAULT_PER_PAGE) -> Page:
    """The run's new enrollments in decision order (or by `sort`: name, number, school,
    grade (by its sequence) or rule, each after a "-" the other way), filtered by the new enrollment's school
    (through its calendar), grade and calendar, and by `q`: each of its words begins the
    student's first name, last name or student number, in any case.  Each item names the
    student, both enrollments with their calendars and schools, and `rule`, the rule that chose
    the destination (e.g. "RF-8"; None for a run stored before rules were recorded)."""
    offset = check_paging(page, per_page)
    words = search_words(q)
    order = check_sort(sort)
    with reading(engine) as conn:
        placing_run(conn, run_id)
        selection = stored.Selection(calendars=_calendars(conn, school, calendar), grade=grade,
                                     words=words, offset=offset, limit=per_page, sort=order)
        total, items = stored.rolled_total_and_page(conn, run_id, selection)
    return Page(items, page, per_page, total)


def warnings_page(engine: Engine, run_id: str, *, code: str | None = None,
                  school: str | None = None, page: int = 1,
                  per_page: int = DEFAULT_PER_PAGE) -> Page:
    """The run's warnings in decision order, filtered by code and by the school of the source
    enrollment (its calendar's when the run decided)."""
    offset = check_paging(page, per_page)
    if code is not None and code.upper() not in ALL_CODES:
        raise ReadRefused(f"unknown warning code {code!r} (one of {', '.join(ALL_CODES)})")
    with reading(engine) as conn:
        placing_run(conn, run_id)
        selection = stored.Selection(calendars=_calendars(conn, school, None),
                                     code=code and code.upper(), offset=offset, limit=per_page)
        total, items = stored.warnings_total_and_page(conn, run_id, selection)
    return Page(items, page, per_page, total)


def warnings_summary(engine: Engine, run_id: str) -> list[dict]:
    """[{"code", "count"}] of the run's warnings, most frequent first (ties by code)."""
    with reading(engine) as conn:
        placing_run(conn, run_id)
        return stored.warning_counts(conn, run_id)


def school_grade_totals(engine: Engine, run_id: str) -> list[dict]:
    """The run per school and grade, this year beside next: {"school_id", "school_name",
    "grade", "this_year" (the enrollments of that school and grade the run decided, rolled or
    not: a graduate counts where they are), "next_year" (placed in it)}, by school name then
    grade sequence."""
    with reading(engine) as conn:
        placing_run(conn, run_id)
        counts = stored.school_grade_counts(conn, run_id)
    rows: dict[tuple, dict] = {}
    for found in counts:
        key = (found["school_id"], found["grade"])
        row = rows.setdefault(key, {"school_id": found["school_id"],
                                    "school_name": found["school_name"],
                                    "grade": found["grade"], "this_year": 0, "next_year": 0,
                                    "sequence": found["sequence"]})
        row["this_year" if found["side"] == "source" else "next_year"] += found["count"]
        if found["sequence"] is not None and (row["sequence"] is None
                                              or found["sequence"] < row["sequence"]):
            row["sequence"] = found["sequence"]
    ordered = sorted(rows.values(), key=lambda row: (
        row["school_name"] or row["school_id"] or "", row["school_id"] or "",
        row["sequence"] if row["sequence"] is not None else 1 << 30, row["grade"]))
    return [{key: value for key, value in row.items() if key != "sequence"} for row in ordered]


def check_sort(sort: str | None) -> str:
    """The order of a page of new enrollments; refuses one there is not, naming it."""
    if sort is None or sort == "":
        return "decision"
    if sort.lstrip("-") not in stored.ROLLED_SORTS or sort.startswith("--"):
        raise ReadRefused(f"unknown sort {sort!r} (one of {', '.join(stored.ROLLED_SORTS)}; "
                          "a leading '-' sorts the other way)")
    return sort


def search_words(q: str | None) -> tuple[str, ...]:
    """The lower-case words of a search ("Smith, Ann" -> smith, ann); none for an empty one."""
    if q is None:
        return ()
    if len(q) > MAX_SEARCH:
        raise ReadRefused(f"search {q[:20]!r}... is {len(q):,} characters long "
                          f"(at most {MAX_SEARCH})")
    return tuple(q.replace(",", " ").lower().split())


def placing_run(conn: Connection, run_id: str):
    """The stored run `run_id`, refused (NotFound) unless it is one that places students."""
    record = stored_runs.get_run(conn, run_id)
    if record is None:
        raise NotFound(f"unknown run {run_id!r} (see `rollover runs`)")
    if not places_students(record):
        raise NotFound(f"run {run_id!r} is a {record.kind} run: it places no students (only "
                       f"{' and '.join(PLACING_KINDS)} runs do)")
    return record


def _calendars(conn: Connection, school: str | None, calendar: str | None) -> list[str] | None:
    """The calendars the rows must be in (None: any), from a school and a calendar; refuses
    either when the district has no such thing."""
    chosen = None
    if school is not None:
        chosen = stored.school_calendars(conn, school)
        if chosen is None:
            raise ReadRefused(f"unknown school {school!r}"
                              f"{did_you_mean(school, school_ids(conn))}")
    if calendar is not None:
        if not stored.calendar_exists(conn, calendar):
            raise ReadRefused(f"unknown calendar {calendar!r}"
                              f"{did_you_mean(calendar, calendar_ids(conn))}")
        chosen = [calendar] if chosen is None or calendar in chosen else []
    return chosen

"""What the district is (the API's `/district`, `/schools`, `/calendars`): its name, current
school year, lock and settings; its schools; its calendars with their structures and grades.
Each read sees one moment of the district (`reading`) and writes nothing."""

from __future__ import annotations

from sqlalchemy import Engine

from ..store import district_info as stored
from ..store.database import reading
from ..store.security import read_settings
from .reads import DEFAULT_PER_PAGE, Page, check_paging, check_year


def district_info(engine: Engine) -> dict:
    """{"name", "current_school_year", "locked", "settings"}: `locked` is the maintenance lock
    (YE-2); `settings` the district's rule settings (restrict_to_boundaries,
    student_assignment_validation, local_start_status_required) and the system's switches
    (disable_scheduled_tasks, change_auditing, outbound_publishing, notifications,
    partner_sync).  Before any import the name and year are None and every setting False."""
    with reading(engine) as conn:
        info = stored.district_row(conn)
        switches = read_settings(conn)
    locked = switches.pop("lock_out_users")
    return {"name": info["name"], "current_school_year": info["current_school_year"],
            "locked": locked, "settings": {**info["settings"], **switches}}


def schools(engine: Engine, *, page: int = 1, per_page: int = DEFAULT_PER_PAGE) -> Page:
    """The district's schools by id: {"school_id", "name", "next_school_id"}."""
    offset = check_paging(page, per_page)
    with reading(engine) as conn:
        total, items = stored.school_total_and_page(conn, offset, per_page)
    return Page(items, page, per_page, total)


def calendars(engine: Engine, year: int | None = None, *, page: int = 1,
              per_page: int = DEFAULT_PER_PAGE) -> Page:
    """The calendars of school year `year` (all years when None), by year then id:
    {"calendar_id", "school_id", "school_name", "school_year", "name", "start_date", "end_date",
    "requires_student_assignment", "structures": [{"structure_id", "name", "grades": [{"grade",
    "sequence", "state_grade", "requires_student_assignment"}]}]}, grades by sequence.  A year
    with no calendars is an empty list."""
    offset = check_paging(page, per_page)
    if year is not None:
        check_year(year)
    with reading(engine) as conn:
        total, items = stored.calendar_total_and_page(conn, year, offset, per_page)
    return Page(items, page, per_page, total)


def school_list(engine: Engine) -> list[dict]:
    """Every school by id, whole (`rollover schools`): {"school_id", "name", "next_school_id",
    "calendars": [calendar ids by year]}."""
    with reading(engine) as conn:
        return stored.schools_with_calendars(conn)


def calendar_list(engine: Engine, year: int | None = None) -> list[dict]:
    """Every calendar of school year `year` (all years when None), by year then id, whole
    (`rollover calendars list`): {"calendar_id", "school_id", "school_year", "name",
    "start_date", "end_date", "enrollments"}; a year with no calendars is an empty list."""
    with reading(engine) as conn:
        return stored.calendars_with_enrollments(conn, year)

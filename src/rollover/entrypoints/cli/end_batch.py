"""`rollover end-batch` and `rollover cleanup` (YE-15): ending the old year after the roll, of
one calendar or of several in one run (--calendar repeated, --year, --school).

Thin layers over `rollover.services.end_batch`; see docs/end-batch.md.  A refusal (unknown
calendar, school or grade, bad date, an end date outside the calendar or before an enrollment's
start, an end date before the last instructional day without --early) prints its message on
standard error and exits with status 2; nothing is written.
"""

from __future__ import annotations

import click

from ...reports.end_batch import cleanup_text, end_batch_text
from .support import (
    SCHOOL_YEAR, db_option, echo_json, echo_lines, example, json_option, progress_bar, refusals, test_option,
    user_option,
)


def _calendars(calendar_ids, year, schools):
    """One calendar id (the one-calendar run, its report as always), or a CalendarChoice."""
    from ...domain.calendar_choice import CalendarChoice

    ids = tuple(dict.fromkeys(calendar_ids))
    if len(ids) == 1 and year is None and not schools:
        return ids[0]
    return CalendarChoice(ids, year, tuple(dict.fromkeys(schools)))


@example("end-batch --calendar HSA27 --end-date 2027-06-04 --end-status E01",
         "end-batch --calendar HSA27 --end-date 2027-06-04 --end-status E01 --test",
         "end-batch --year 2027 --end-date last-day --end-status E01 --test")
@click.command("end-batch")
@click.option("--calendar", "calendar_ids", multiple=True, metavar="ID",
              help="A calendar whose enrollments end (repeat for several).")
@click.option("--year", type=SCHOOL_YEAR, metavar="YEAR",
              help="Every calendar of this school year (2027, 2026-27 or 2026-2027).")
@click.option("--school", "schools", multiple=True, metavar="ID",
              help="With --year: only this school's calendars (repeat for several).")
@click.option("--grade", "grades", multiple=True, metavar="CODE",
              help="Only this grade (repeat for several; default all).")
@click.option("--filter", "filter_expression", metavar="EXPR",
              help='Only students matching, e.g. \'last_name startswith "S"\', or @FILE of ids.')
@click.option("--end-date", required=True, metavar="YYYY-MM-DD|last-day",
              help="The end date (inside the calendar, not before an enrollment's start), or "
                   "last-day: each calendar's last instructional day of its last term.")
@click.option("--end-status", required=True, metavar="CODE", help="The end status (free text).")
@click.option("--graduate-status", metavar="CODE",
              help="The end status of graduates (default: the end status).")
@click.option("--early", is_flag=True,
              help="Allow an end date before the last instructional day of the calendar's last "
                   "term (a clean-up would then remove those students' next-year enrollments).")
@test_option("Decide and report; change no enrollment.")
@json_option("Print the run as one JSON object.")
@user_option("Who runs it")
@db_option
@refusals
def end_batch_command(db_url, calendar_ids, year, schools, grades, filter_expression, end_date,
                      end_status, graduate_status, early, test, as_json, user):
    """End the active promote/empty enrollments of a calendar (--calendar) or of several
    (--calendar repeated, --year, --school), graduates first (YE-15). Several calendars are
    one run: all of them, or, refused in any, none."""
    from ...services.end_batch import EndBatchOptions, end_batch
    from ...store.database import open_engine

    options = EndBatchOptions(
        calendar_id=_calendars(calendar_ids, year, schools), grades=tuple(grades),
        filter=filter_expression, end_date=end_date, end_status=end_status,
        graduate_status=graduate_status, test=test, early=early)
    engine = open_engine(db_url)
    try:
        with progress_bar(enabled=not as_json) as report:
            result = end_batch(engine, options, user=user, progress=report)
    finally:
        engine.dispose()
    if as_json:
        echo_json(result.as_json())
    else:
        echo_lines(end_batch_text(result.as_json(), result.students))


@example("cleanup --calendar HSA28", "cleanup --calendar HSA28 --test",
         "cleanup --year 2028 --test")
@click.command("cleanup")
@click.option("--calendar", "calendar_ids", multiple=True, metavar="NEXT_YEAR_ID",
              help="A next-year calendar to clean up (repeat for several).")
@click.option("--year", type=SCHOOL_YEAR, metavar="YEAR",
              help="Every calendar of this (next) school year: 2028, 2027-28 or 2027-2028.")
@click.option("--school", "schools", multiple=True, metavar="ID",
              help="With --year: only this school's calendars (repeat for several).")
@click.option("--filter", "filter_expression", metavar="EXPR",
              help="Only students and next-year enrollments matching, or @FILE of ids.")
@test_option("Decide and report; remove nothing.")
@json_option("Print the run as one JSON object.")
@user_option("Who runs it")
@db_option
@refusals
def cleanup_command(db_url, calendar_ids, year, schools, filter_expression, test, as_json, user):
    """Remove next-year enrollments of students who left before the last term (YE-15), of a
    calendar (--calendar) or of several (--calendar repeated, --year, --school) in one run."""
    from ...services.end_batch import CleanupOptions, cleanup
    from ...store.database import open_engine

    options = CleanupOptions(calendar_id=_calendars(calendar_ids, year, schools),
                             filter=filter_expression, test=test)
    engine = open_engine(db_url)
    try:
        with progress_bar(enabled=not as_json) as report:
            result = cleanup(engine, options, user=user, progress=report)
    finally:
        engine.dispose()
    if as_json:
        echo_json(result.as_json())
    else:
        echo_lines(cleanup_text(result.as_json(), result.students))

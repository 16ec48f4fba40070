"""`rollover end-batch` and `rollover cleanup` (YE-15): ending the old year after the roll.

Thin layers over `rollover.services.end_batch`; see docs/end-batch.md.  A refusal (unknown
calendar or grade, bad date, an end date outside the calendar or before an enrollment's start,
an end date before the last instructional day without --early) prints its message on standard
error and exits with status 2; nothing is written.
"""

from __future__ import annotations

import click

from ..cli_support import acting_user, db_option, echo_json, progress_bar, refusals


@click.command("end-batch")
@click.option("--calendar", "calendar_id", required=True, metavar="ID",
              help="The calendar whose enrollments end.")
@click.option("--grade", "grades", multiple=True, metavar="CODE",
              help="Only this grade (repeat for several; default all).")
@click.option("--filter", "filter_expression", metavar="EXPR",
              help='Only students matching, e.g. \'last_name startswith "S"\', or @FILE of ids.')
@click.option("--end-date", required=True, metavar="YYYY-MM-DD",
              help="The end date (inside the calendar, not before an enrollment's start).")
@click.option("--end-status", required=True, metavar="CODE", help="The end status (free text).")
@click.option("--graduate-status", metavar="CODE",
              help="The end status of graduates (default: the end status).")
@click.option("--early", is_flag=True,
              help="Allow an end date before the last instructional day of the calendar's last "
                   "term (a clean-up would then remove those students' next-year enrollments).")
@click.option("--test", is_flag=True, help="Decide and report; change no enrollment.")
@click.option("--json", "as_json", is_flag=True, help="Print the run as one JSON object.")
@click.option("--user", metavar="NAME", help="Who runs it (else $ROLLOVER_USER, else $USER).")
@db_option
@refusals
def end_batch_command(db_url, calendar_id, grades, filter_expression, end_date, end_status,
                      graduate_status, early, test, as_json, user):
    """End a calendar's active promote/empty enrollments, graduates first (YE-15)."""
    from ..services.end_batch import EndBatchOptions, end_batch
    from ..store.database import open_engine

    options = EndBatchOptions(
        calendar_id=calendar_id, grades=tuple(grades), filter=filter_expression,
        end_date=end_date, end_status=end_status, graduate_status=graduate_status, test=test,
        early=early)
    engine = open_engine(db_url)
    try:
        with progress_bar(enabled=not as_json) as report:
            result = end_batch(engine, options, user=acting_user(user), progress=report)
    finally:
        engine.dispose()
    _print(result, as_json)


@click.command("cleanup")
@click.option("--calendar", "calendar_id", required=True, metavar="NEXT_YEAR_ID",
              help="The next-year calendar to clean up.")
@click.option("--filter", "filter_expression", metavar="EXPR",
              help="Only students and next-year enrollments matching, or @FILE of ids.")
@click.option("--test", is_flag=True, help="Decide and report; remove nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the run as one JSON object.")
@click.option("--user", metavar="NAME", help="Who runs it (else $ROLLOVER_USER, else $USER).")
@db_option
@refusals
def cleanup_command(db_url, calendar_id, filter_expression, test, as_json, user):
    """Remove next-year enrollments of students who left before the last term (YE-15)."""
    from ..services.end_batch import CleanupOptions, cleanup
    from ..store.database import open_engine

    options = CleanupOptions(calendar_id=calendar_id, filter=filter_expression, test=test)
    engine = open_engine(db_url)
    try:
        with progress_bar(enabled=not as_json) as report:
            result = cleanup(engine, options, user=acting_user(user), progress=report)
    finally:
        engine.dispose()
    _print(result, as_json)


def _print(result, as_json: bool) -> None:
    if as_json:
        echo_json(result.as_json())
        return
    for line in result.as_text():
        click.echo(line)

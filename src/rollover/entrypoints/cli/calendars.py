"""`rollover calendars roll` (YE-10): the calendar wizard, a thin layer over
`services.calendar_roll.roll_calendars`."""

from __future__ import annotations

import click

from ...reports.calendars import calendar_roll_text
from .support import (
    SCHOOL_YEAR, db_option, echo_json, echo_lines, example, json_option, progress_bar, refusals, test_option,
    user_option,
)


@click.group("calendars")
def calendars_group():
    """Calendars: roll a school year's calendars into the next (YE-10)."""


@example("calendars roll --from-year 2027", "calendars roll --from-year 2027 --test")
@calendars_group.command("roll")
@click.option("--from-year", "from_year", type=SCHOOL_YEAR, required=True, metavar="YEAR",
              help="The school year whose calendars are copied into the next: 2027, 2026-27 "
                   "or 2026-2027.")
@click.option("--school", "schools", multiple=True, metavar="ID",
              help="A school whose calendars to copy (repeat; default every school with a "
                   "YEAR calendar).")
@test_option("Work out and report the copies; write only the run.")
@json_option("Print the run as one JSON object.")
@user_option("Who runs it")
@db_option
@refusals
def roll_command(db_url, from_year: int, schools, test: bool, as_json: bool, user):
    """Copy calendars of YEAR into YEAR + 1: structures, terms and grade levels, dates moved by
    52 weeks, instructional days from the new terms' weekdays. Schools that already have a
    YEAR + 1 calendar of the new name are skipped."""
    from ...domain.calendar_roll import CalendarRollOptions
    from ...services.calendar_roll import roll_calendars
    from ...store.database import open_engine

    engine = open_engine(db_url)
    options = CalendarRollOptions(from_year=from_year, schools=tuple(dict.fromkeys(schools)),
                                  test=test)
    try:
        with progress_bar(enabled=not as_json) as report:
            result = roll_calendars(engine, options, user=user, progress=report)
    finally:
        engine.dispose()
    if as_json:
        echo_json(result.as_json())
    else:
        echo_lines(calendar_roll_text(result.plan, result.run.run_id, result.mode))

"""`rollover calendars list` (the calendars of a school year) and `rollover calendars roll`
(YE-10): the calendar wizard, thin layers over `services.district_info.calendar_list` and
`services.calendar_roll.roll_calendars`."""

from __future__ import annotations

import click

from ...reports.calendars import calendar_roll_text
from ...reports.district import calendars_json, calendars_table
from .tables import echo_report
from .support import (
    SCHOOL_YEAR, db_option, echo_json, echo_lines, example, json_option, progress_bar,
    refusals, test_option, user_option,
)


@click.group("calendars")
def calendars_group():
    """Calendars: list them, roll a school year's calendars into the next (YE-10)."""


@example("calendars list", "calendars list --year 2027 --json")
@calendars_group.command("list")
@click.option("--year", type=SCHOOL_YEAR, metavar="YEAR",
              help="Only the calendars of this school year: 2027, 2026-27 or 2026-2027 "
                   "(default: every year).")
@json_option("Print the calendars as a JSON list.")
@db_option
@refusals
def list_command(db_url, year: int | None, as_json: bool):
    """Every calendar (of one school year with --year): its id, school, school year, first and
    last date, and how many enrollments it holds."""
    from ...services.district_info import calendar_list
    from ...store.database import open_engine

    engine = open_engine(db_url)
    try:
        found = calendar_list(engine, year)
    finally:
        engine.dispose()
    if as_json:
        echo_json(calendars_json(found))
    else:
        echo_report([calendars_table(found, year)])


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

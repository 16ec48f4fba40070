"""`rollover households locate FILE.csv`: the latitude and longitude of households, for
attendance areas drawn as polygons; a thin layer over `services.household_locations`
(docs/attendance-areas.md, "Locating households")."""

from __future__ import annotations

import click

from ...reports.household_locations import located_report
from .support import (db_option, echo_json, example, json_option, progress_bar, refusals,
                      user_option)
from .tables import echo_report


@click.group("households")
def households_group():
    """Households: locate them (a latitude and longitude each) for attendance areas."""


@example("households locate {tmp}/locations.csv")
@households_group.command("locate")
@click.argument("file", metavar="FILE.csv")
@json_option("Print the households by outcome and the run as one JSON object.")
@user_option("Who locates them")
@db_option
@refusals
def locate_command(db_url, file: str, as_json: bool, user):
    """Set the location of every household FILE.csv names: a CSV file with the columns
    household_id, latitude and longitude (WGS 84 degrees; both empty clears the household's
    location). The file is checked whole, every problem named at its line, and written in one
    run that `rollover undo RUN_ID` puts back."""
    from ...services.household_locations import locate_households
    from ...store.database import open_engine

    engine = open_engine(db_url)
    try:
        with progress_bar(enabled=not as_json) as report:
            result = locate_households(engine, file, user=user, progress=report)
    finally:
        engine.dispose()
    if as_json:
        echo_json(result.as_json())
    else:
        echo_report(located_report(result))

"""`rollover schools`: the district's schools, each with its next school and its calendars; a
thin layer over `services.district_info` (`rollover calendars list` is beside the calendar
wizard, in calendars.py)."""

from __future__ import annotations

import click

from ...reports.district import schools_json, schools_table
from .tables import echo_report
from .support import db_option, echo_json, example, json_option, refusals


@example("schools", "schools --json")
@click.command("schools")
@json_option("Print the schools as a JSON list.")
@db_option
@refusals
def schools_command(db_url, as_json: bool):
    """Every school of the district: its id, name, next school (where its last grade goes on)
    and calendars."""
    from ...services.district_info import school_list
    from ...store.database import open_engine

    engine = open_engine(db_url)
    try:
        found = school_list(engine)
    finally:
        engine.dispose()
    if as_json:
        echo_json(schools_json(found))
    else:
        echo_report([schools_table(found)])

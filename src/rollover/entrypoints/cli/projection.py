"""`rollover projection`: next year's enrollment per school and grade against this year's, and
the students changing school; a thin layer over `services.projection` (the API's
`GET /projection`, the projection page)."""

from __future__ import annotations

import csv
import sys

import click

from ...reports.projection import projection_csv_rows, projection_text
from ...store.database import open_engine
from .support import (SCHOOL_YEAR, db_option, echo_json, echo_lines, example, progress_bar,
                      refusals)


@example("projection --year 2028", "projection --format json")
@click.command("projection")
@click.option("--year", type=SCHOOL_YEAR, metavar="YEAR",
              help="The projected school year, 2028, 2027-28 or 2027-2028 (default: the year "
                   "after the current one).")
@click.option("--run", "run_id", metavar="RUN_ID",
              help="A Run Test whose proposed enrollments count as if it had run.")
@click.option("--format", "output", type=click.Choice(["text", "csv", "json"]), default="text",
              show_default=True,
              help="text: a table per school and the flows; csv: a row per school and grade, "
                   "then per flow; json: the HTTP API's answer.")
@db_option
@refusals
def projection_command(db_url, year: int | None, run_id: str | None, output: str):
    """Next year's enrollment per school and grade against this year's, and the flows."""
    from ...services.projection import projection

    engine = open_engine(db_url)
    try:
        with progress_bar(enabled=output != "json") as report:
            found = projection(engine, year, run_id, progress=report)
    finally:
        engine.dispose()
    if output == "json":
        echo_json(found)
    elif output == "csv":
        csv.writer(sys.stdout).writerows(projection_csv_rows(found))
    else:
        echo_lines(projection_text(found, run_id))

"""`rollover check --year YEAR [--json] [--user NAME]` (YE-1): the readiness check.

Exit status 0 without errors (warnings included), 1 with errors, 2 for a year with no calendar.
`--json` prints its one object whether the check exits 0 or 1.
"""

from __future__ import annotations

import sys

import click

from ...reports.check import NOT_RECORDED, check_text
from ...store.database import open_engine
from .support import (
    SCHOOL_YEAR, db_option, echo_json, echo_lines, example, json_option, progress_bar, refusals,
    user_option,
)


@example("check --year 2027", records_own_run=True)
@click.command("check")
@click.option("--year", type=SCHOOL_YEAR, required=True, metavar="YEAR",
              help="The school year to roll from: 2027, 2026-27 or 2026-2027 (a year is named "
                   "by the year it ends).")
@json_option("Print the check as one JSON object.")
@user_option("Who runs it")
@db_option
@refusals
def check_command(db_url, year: int, as_json: bool, user: str | None):
    """Readiness check (YE-1): everything that would make the roll from YEAR go wrong.

    Changes nothing but its own run record (none when this user may only read the store).
    Exits 1 when it finds errors."""
    from ...services.readiness import check_readiness

    engine = open_engine(db_url)
    with progress_bar(enabled=not as_json) as report:
        result = check_readiness(engine, year, user=user, progress=report)
    if as_json:
        echo_json(result.as_json())
    else:
        echo_lines(check_text(result.as_json()))
    if not result.recorded:
        click.echo(NOT_RECORDED, err=True)
    sys.exit(1 if result.errors else 0)

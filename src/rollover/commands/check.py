"""`rollover check --year YEAR [--json] [--user NAME]` (YE-1): the readiness check.

Exit status 0 without errors (warnings included), 1 with errors, 2 for a year with no calendar.
`--json` prints its one object whether the check exits 0 or 1.
"""

from __future__ import annotations

import sys

import click

from ..cli_support import acting_user, db_option, echo_json, progress_bar, refusals
from ..store.database import open_engine


@click.command("check")
@click.option("--year", type=int, required=True, metavar="YEAR",
              help="The school year to roll from (named by the year it ends: 2026-27 is 2027).")
@click.option("--json", "as_json", is_flag=True, help="Print the check as one JSON object.")
@click.option("--user", metavar="NAME", help="Who runs it (else $ROLLOVER_USER, else $USER).")
@db_option
@refusals
def check_command(db_url, year: int, as_json: bool, user: str | None):
    """Readiness check (YE-1): everything that would make the roll from YEAR go wrong.

    Changes nothing but its own run record (none when this user may only read the store).
    Exits 1 when it finds errors."""
    from ..services.readiness import check_readiness

    engine = open_engine(db_url)
    with progress_bar(enabled=not as_json) as report:
        result = check_readiness(engine, year, user=acting_user(user), progress=report)
    if as_json:
        echo_json(result.as_json())
    else:
        for line in result.text():
            click.echo(line)
    if not result.recorded:
        click.echo("rollover: this user may only read the store: the check was not recorded "
                   "as a run", err=True)
    sys.exit(1 if result.errors else 0)

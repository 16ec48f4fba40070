"""`rollover edit`: change fields of one record, as a user would in the SIS screens (refused while
the system is locked; audited and published when those settings are on)."""

from __future__ import annotations

import click

from ...errors import RolloverError
from ...reports.edits import edit_json, edit_line
from .support import db_option, echo_json, example, json_option, refusals, user_option


def _pairs(values, option: str) -> dict[str, str]:
    result = {}
    for pair in values:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise RolloverError(f"{option} {pair!r}: write COLUMN=VALUE")
        result[name] = value
    return result


@example("edit enrollments enrollment_id=EA --set end_status=W1")
@click.command("edit")
@click.argument("table")
@click.argument("key", nargs=-1, required=True)
@click.option("--set", "sets", multiple=True, metavar="COLUMN=VALUE", required=True,
              help="A new value, written as in a bundle cell (repeat; empty clears it).")
@json_option("Print the record before and after.")
@user_option("Who edits")
@db_option
@refusals
def edit_command(db_url, table, key, sets, as_json: bool, user):
    """Change one record of TABLE named by KEY (COLUMN=VALUE for each key column), e.g.
    `rollover edit enrollments enrollment_id=E1 --set end_status=W1`."""
    from ...services.edits import edit_record
    from ...store.database import open_engine

    edit = edit_record(open_engine(db_url), table, _pairs(key, "KEY"), _pairs(sets, "--set"),
                       user=user)
    if as_json:
        echo_json(edit_json(edit))
    else:
        click.echo(edit_line(edit, key))

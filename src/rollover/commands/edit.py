"""`rollover edit`: change fields of one record, as a user would in the SIS screens (refused while
the system is locked; audited and published when those settings are on)."""

from __future__ import annotations

import click

from ..cli_support import acting_user, db_option, echo_json, refusals
from ..errors import RolloverError


def _pairs(values, option: str) -> dict[str, str]:
    result = {}
    for pair in values:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise RolloverError(f"{option} {pair!r}: write COLUMN=VALUE")
        result[name] = value
    return result


@click.command("edit")
@click.argument("table")
@click.argument("key", nargs=-1, required=True)
@click.option("--set", "sets", multiple=True, metavar="COLUMN=VALUE", required=True,
              help="A new value, written as in a bundle cell (repeat; empty clears it).")
@click.option("--json", "as_json", is_flag=True, help="Print the record before and after.")
@click.option("--user", metavar="NAME", help="Who edits (else $ROLLOVER_USER, else $USER).")
@db_option
@refusals
def edit_command(db_url, table, key, sets, as_json: bool, user):
    """Change one record of TABLE named by KEY (COLUMN=VALUE for each key column), e.g.
    `rollover edit enrollments enrollment_id=E1 --set end_status=W1`."""
    from ..services.edits import edit_record
    from ..store.database import open_engine

    edit = edit_record(open_engine(db_url), table, _pairs(key, "KEY"), _pairs(sets, "--set"),
                       user=acting_user(user))
    if as_json:
        echo_json({"table": edit.table, "before": edit.before, "after": edit.after})
        return
    changed = [c for c in edit.after if edit.after[c] != edit.before[c]]
    click.echo(f"{edit.table} {' '.join(key)}: " + (", ".join(
        f"{c} {edit.before[c]!r} -> {edit.after[c]!r}" for c in changed) or "no change"))

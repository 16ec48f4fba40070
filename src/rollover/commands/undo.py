"""`rollover undo RUN_ID [--test] [--confirm]`: put back what a run changed."""

from __future__ import annotations

import click

from ..cli_support import acting_user, db_option, echo_json, progress_bar, refusals
from ..store.database import open_engine


@click.command("undo")
@click.argument("run_id")
@click.option("--test", is_flag=True,
              help="List the runs it would undo and the rows changed since; write nothing.")
@click.option("--confirm", is_flag=True,
              help="Undo even though rows changed after the run (those changes are lost).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--user", metavar="NAME", help="Who undoes it (else $ROLLOVER_USER, else $USER).")
@db_option
@refusals
def undo_command(db_url, run_id: str, test: bool, confirm: bool, as_json: bool, user):
    """Undo a run (and every later run that depends on it, newest first): the district's rows
    are then as they were before it."""
    from ..services.undo import undo

    with progress_bar(enabled=not as_json) as report:
        result = undo(open_engine(db_url), run_id, test=test, confirm=confirm,
                      user=acting_user(user), progress=report)
    if as_json:
        echo_json(result.as_json())
        return
    for edit in result.later_edits:
        click.echo(f"changed after the run: {edit.table} {'/'.join(map(str, edit.key))}: "
                   f"{edit.what}")
    verb = "would undo" if test else "undid"
    click.echo(f"{verb} {len(result.restored_runs)} run(s), newest first: "
               + ", ".join(result.restored_runs))
    if not test:
        click.echo(f"rows put back: {sum(result.rows.values()):,}; run {result.run_id}")

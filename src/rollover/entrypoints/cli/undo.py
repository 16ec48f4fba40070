"""`rollover undo RUN_ID [--test] [--confirm]`: put back what a run changed, a thin layer over
`services.undo`."""

from __future__ import annotations

import click

from ...reports.undo import undo_text
from ...store.database import open_engine
from .support import (
    db_option, echo_json, echo_lines, example, json_option, progress_bar, refusals, test_option,
    user_option,
)


@example("undo {run}", "undo {run} --test", "undo {run} --confirm")
@click.command("undo")
@click.argument("run_id")
@test_option("List the runs it would undo and the rows changed since; write nothing.")
@click.option("--confirm", is_flag=True,
              help="Undo even though rows changed after the run (those changes are lost).")
@json_option("Print one JSON object.")
@user_option("Who undoes it")
@db_option
@refusals
def undo_command(db_url, run_id: str, test: bool, confirm: bool, as_json: bool, user):
    """Undo the run RUN_ID (and every later run that depends on it, newest first): the
    district's rows are then as they were before it."""
    from ...services.undo import undo

    with progress_bar(enabled=not as_json) as report:
        result = undo(open_engine(db_url), run_id, test=test, confirm=confirm, user=user,
                      progress=report)
    if as_json:
        echo_json(result.as_json())
    else:
        echo_lines(undo_text(result, test))

"""`rollover edit`: change fields of one record, as a user would in the SIS screens (refused while
the system is locked; audited and published when those settings are on); `rollover edit --csv
FILE`: the next-year exceptions of many enrollments at once, checked whole, in one run."""

from __future__ import annotations

from pathlib import Path

import click

from ...errors import RolloverError
from ...reports.edits import edit_json, edit_line, exceptions_line
from .support import db_option, echo_json, example, json_option, refusals, user_option

MAX_CSV_BYTES = 16 * 1024 * 1024


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
@click.argument("table", required=False)
@click.argument("key", nargs=-1)
@click.option("--set", "sets", multiple=True, metavar="COLUMN=VALUE",
              help="A new value, written as in a bundle cell (repeat; empty clears it).")
@click.option("--csv", "csv_file", metavar="FILE",
              help="Next-year exceptions: a CSV file with the column enrollment_id and one or "
                   "more of end_action, next_calendar_id, next_structure_id, next_grade (an "
                   "empty cell clears the field); checked whole, written in one run.")
@json_option("Print the record before and after.")
@user_option("Who edits")
@db_option
@refusals
def edit_command(db_url, table, key, sets, csv_file, as_json: bool, user):
    """Change one record of TABLE named by KEY (COLUMN=VALUE for each key column), e.g.
    `rollover edit enrollments enrollment_id=E1 --set end_status=W1`; or, with --csv FILE, the
    next-year fields of every enrollment the file names."""
    from ...store.database import open_engine

    if csv_file is not None:
        if table or key or sets:
            raise RolloverError("--csv FILE takes no TABLE, KEY or --set: the file names the "
                                "enrollments and their next-year fields")
        from ...services.exceptions import apply_exceptions

        result = apply_exceptions(open_engine(db_url), _read_csv(csv_file), csv_file, user=user)
        if as_json:
            echo_json(result.as_json())
        else:
            click.echo(exceptions_line(result))
        return
    if not table or not key:
        raise RolloverError("give TABLE and KEY (COLUMN=VALUE for each key column), or "
                            "--csv FILE")
    if not sets:
        raise RolloverError("nothing to change: give --set COLUMN=VALUE")
    from ...services.edits import edit_record

    edit = edit_record(open_engine(db_url), table, _pairs(key, "KEY"), _pairs(sets, "--set"),
                       user=user)
    if as_json:
        echo_json(edit_json(edit))
    else:
        click.echo(edit_line(edit, key))


def _read_csv(name: str) -> str:
    path = Path(name)
    try:
        if not path.is_file():
            raise RolloverError(f"--csv {name!r}: no such file")
        if path.stat().st_size > MAX_CSV_BYTES:
            raise RolloverError(f"--csv {name!r}: larger than {MAX_CSV_BYTES >> 20} MiB")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RolloverError(f"--csv {name!r}: cannot read it: {exc}") from None

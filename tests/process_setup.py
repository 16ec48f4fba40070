"""What the year-end process tests (test_process_lifecycle.py, test_process_order.py,
test_process_restore.py) share: every row of the store, and `rollover process ...` run in-process
(tests/security_setup.py) with its result checked: a success, its JSON, a refusal.
"""

from __future__ import annotations

import json

from rollover.store.schema import metadata

from .districts import stored_rows
from .security_setup import rollover


def every_row(engine) -> dict[str, list[tuple]]:
    """Every row of every table of the store (runs, settings, backups ... included; but a step's
    progress report, `process_activity`, which YE-20's followers trust only while a step holds
    the process lock), sorted."""
    return stored_rows(engine, *(t.name for t in metadata.sorted_tables
                                 if t.name != "process_activity"))


def cli(db_url, *args: str, user: str | None = None):
    return rollover(db_url, *args, user=user)


def ok(result):
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result


def as_json(result):
    return json.loads(ok(result).stdout)


def last_line(result) -> str:
    """A refusal (exit status 2, no traceback): the last line on standard error."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stderr.strip().splitlines()[-1]


def refused(result, message: str | None = None) -> str:
    """A refusal's last line, which is `rollover: MESSAGE` when a message is given."""
    line = last_line(result)
    if message is not None:
        assert line == f"rollover: {message}", result.stderr
    return line


def prepare(db_url, tmp_path):
    """`rollover process prepare`, backing up into tmp_path/backups."""
    return ok(cli(db_url, "process", "prepare", "--backup-dir", str(tmp_path / "backups")))


def run(db_url, module: str, *args: str) -> dict:
    """A module run with --json: the run as printed."""
    return as_json(cli(db_url, "process", "run", module, "--json", *args))

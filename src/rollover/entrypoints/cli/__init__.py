"""The `rollover` command: a thin layer over the service functions, one module per group of
commands, all sharing `support.py`.

Every command takes `--db PATH|URL` (a SQLite file path or a database URL; else
ROLLOVER_DATABASE_URL, else rollover.db in the working directory).  A refusal
prints its message on standard error and exits with the error's status (2 for bad input).
"""

from __future__ import annotations

import click

from . import (
    backup, boundaries, bundles, calendars, check, district, edit, end_batch, forward,
    households, lock,
    process, projection, serve, tasks, undo, users,
)
from .support import DB_HELP

COMMANDS = (
    bundles.import_command, bundles.export_command, bundles.demo_command,
    forward.forward_command, forward.runs_command, forward.report_command,
    projection.projection_command,
    district.schools_command,
    households.households_group,  # attendance areas: households' locations
    boundaries.boundaries_group,  # attendance areas drawn as polygons (RF-14)
    check.check_command,  # YE-1
    calendars.calendars_group,  # YE-10
    end_batch.end_batch_command, end_batch.cleanup_command,  # YE-15
    backup.backup_group,  # YE-4, YE-5
    users.users_group, lock.lock_group,  # YE-2
    process.process_group, tasks.tasks_command,  # YE-6..YE-9, YE-16..YE-20
    edit.edit_command, undo.undo_command,
    serve.serve_command,  # the web app and the HTTP API
)


@click.group(commands=COMMANDS)
@click.option("--db", "db_url", metavar="PATH|URL", default=None, help=DB_HELP)
@click.version_option(None, "-V", "--version", package_name="rollover")
def main(db_url):
    """Year-end rollover of a K-12 student information system."""

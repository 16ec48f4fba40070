"""`rollover backup` (YE-4, YE-5): whole-database backups, a thin layer over
`services.backup`."""

from __future__ import annotations

import click

from ...reports.backup import (
    created_lines, deleted_json, deleted_line, listed_lines, restored_line,
)
from .support import (
    SCHOOL_YEAR, db_option, echo_json, echo_lines, example, json_option, refusals, user_option,
)
from .tables import echo_report

DIR_HELP = ("Backup folder (else $ROLLOVER_BACKUP_DIR, else rollover-backups/ beside a SQLite "
            "database file, or in the working directory for PostgreSQL).")


def dir_option(command):
    return click.option("--dir", "folder", metavar="DIR", help=DIR_HELP)(command)


@click.group("backup")
def backup_group():
    """Whole-database backups: create, list, restore into an empty database, delete old ones."""


@example("backup create --dir {tmp}/backups")
@backup_group.command("create")
@click.option("--label", metavar="TEXT", help="A note kept in the manifest.")
@click.option("--school-year", "school_year", type=SCHOOL_YEAR, metavar="YEAR",
              help="The school year the backup is made for: 2027, 2026-27 or 2026-2027 "
                   "(default: the district's current).")
@dir_option
@json_option("Print the manifest as one JSON object.")
@user_option("Who makes it")
@db_option
@refusals
def create_command(db_url, label, school_year, folder, as_json: bool, user):
    """Back up the whole database (SQLite: online backup API; PostgreSQL: pg_dump when it is
    on PATH, else a logical export) and record the run."""
    from ...services.backup import create_backup
    from ...store.database import open_engine
    from .support import progress_bar

    engine = open_engine(db_url)
    try:
        with progress_bar(enabled=not as_json) as report:
            manifest = create_backup(engine, label=label, school_year=school_year,
                                     folder=folder, user=user, progress=report)
    finally:
        engine.dispose()
    if as_json:
        echo_json(manifest.as_json())
    else:
        echo_lines(created_lines(manifest))


@example("backup list --dir {tmp}/backups")
@backup_group.command("list")
@dir_option
@json_option("Print the manifests as a JSON list.")
@db_option
@refusals
def list_command(db_url, folder, as_json: bool):
    """Every backup of the backup folder, newest first (read from the manifests)."""
    from ...services.backup import backup_folder, list_backups
    from ...store.database import resolve_url

    where = backup_folder(resolve_url(db_url), folder)
    found = list_backups(where)
    if as_json:
        echo_json([m.as_json() for m in found])
    else:
        echo_report(listed_lines(found, where))


@example("backup restore {backup} --into sqlite:///{tmp}/restored.db --dir {tmp}/backups")
@backup_group.command("restore")
@click.argument("backup_id")
@click.option("--into", "into", required=True, metavar="PATH|URL",
              help="The database to restore into (a SQLite file path or a URL, as --db): a new "
                   "SQLite file, an empty PostgreSQL database.")
@click.option("--confirm", is_flag=True,
              help="Replace the rows of a target that already holds rollover tables with rows.")
@dir_option
@user_option("Who restores", "; checked when the target already has users, or the --db "
                             "database is locked")
@db_option
@refusals
def restore_command(db_url, backup_id: str, into: str, confirm: bool, folder, user):
    """Restore BACKUP_ID, made from the --db database, into the database at --into (its
    manifest checked with the --db database's backup key, its file by sha256, first)."""
    from ...services.backup import open_source, restore_backup
    from ...store.database import as_url, describe, resolve_url
    from .support import progress_bar

    into = as_url(into)
    engine = open_source(resolve_url(db_url))
    try:
        with progress_bar() as report:
            manifest = restore_backup(engine, backup_id, into=into, folder=folder,
                                      confirm=confirm, user=user, progress=report)
    finally:
        engine.dispose()
    click.echo(restored_line(manifest, describe(into)))


@example("backup delete {backup} --dir {tmp}/backups")
@backup_group.command("delete")
@click.argument("backup_id")
@dir_option
@json_option("Print the deleted manifest as JSON.")
@user_option("Who deletes it")
@db_option
@refusals
def delete_command(db_url, backup_id: str, folder, as_json: bool, user):
    """Delete the backup BACKUP_ID, made for a school year before the district's current one
    (YE-5)."""
    from ...services.backup import delete_backup
    from ...store.database import open_engine

    engine = open_engine(db_url)
    try:
        manifest = delete_backup(engine, backup_id, folder=folder, user=user)
    finally:
        engine.dispose()
    if as_json:
        echo_json(deleted_json(manifest))
    else:
        click.echo(deleted_line(manifest))

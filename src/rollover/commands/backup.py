"""`rollover backup` (YE-4, YE-5): whole-database backups, a thin layer over
`services.backup`."""

from __future__ import annotations

import click

from ..cli_support import acting_user, db_option, echo_json, refusals

DIR_HELP = ("Backup folder (else $ROLLOVER_BACKUP_DIR, else rollover-backups/ beside a SQLite "
            "database file, or in the working directory for PostgreSQL).")


@click.group("backup")
def backup_group():
    """Whole-database backups: create, list, restore into an empty database, delete old ones."""


def _line(m) -> str:
    return (f"{m.id}  {m.created_at[:16].replace('T', ' ')}  {m.database['kind']:<10}  "
            f"year {m.school_year}  {m.total_rows:>9} rows  {m.size:>11} bytes  "
            f"{m.user or '-':<12} {m.label or ''}").rstrip()


@backup_group.command("create")
@click.option("--label", metavar="TEXT", help="A note kept in the manifest.")
@click.option("--school-year", "school_year", type=int, metavar="YEAR",
              help="The school year the backup is made for (default: the district's current).")
@click.option("--dir", "folder", metavar="DIR", help=DIR_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as one JSON object.")
@click.option("--user", metavar="NAME", help="Who makes it (else $ROLLOVER_USER, else $USER).")
@db_option
@refusals
def create_command(db_url, label, school_year, folder, as_json: bool, user):
    """Back up the whole database (SQLite: online backup API; PostgreSQL: pg_dump when it is
    on PATH, else a logical export) and record the run."""
    from ..services.backup import create_backup
    from ..store.database import open_engine

    engine = open_engine(db_url)
    try:
        manifest = create_backup(engine, label=label, school_year=school_year, folder=folder,
                                 user=acting_user(user))
    finally:
        engine.dispose()
    if as_json:
        echo_json(manifest.as_json())
        return
    click.echo(f"backup {manifest.id}: {manifest.total_rows} rows in "
               f"{len(manifest.row_counts)} tables, {manifest.size} bytes ({manifest.format})")
    click.echo(f"file {manifest.file}  sha256 {manifest.sha256}")


@backup_group.command("list")
@click.option("--dir", "folder", metavar="DIR", help=DIR_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the manifests as a JSON list.")
@db_option
@refusals
def list_command(db_url, folder, as_json: bool):
    """Every backup of the backup folder, newest first (read from the manifests)."""
    from ..services.backup import backup_folder, list_backups
    from ..store.database import resolve_url

    where = backup_folder(resolve_url(db_url), folder)
    found = list_backups(where)
    if as_json:
        echo_json([m.as_json() for m in found])
        return
    if not found:
        click.echo(f"no backups in {where}")
    for m in found:
        click.echo(_line(m))


@backup_group.command("restore")
@click.argument("backup_id")
@click.option("--into", "into", required=True, metavar="URL",
              help="The database to restore into: a new SQLite file, an empty PostgreSQL "
                   "database.")
@click.option("--confirm", is_flag=True,
              help="Replace the rows of a target that already holds rollover tables with rows.")
@click.option("--dir", "folder", metavar="DIR", help=DIR_HELP)
@click.option("--user", metavar="NAME",
              help="Who restores (else $ROLLOVER_USER, else $USER); checked when the target "
                   "already has users, or the --db database is locked.")
@db_option
@refusals
def restore_command(db_url, backup_id: str, into: str, confirm: bool, folder, user):
    """Restore BACKUP_ID, made from the --db database, into the database at --into (its
    manifest checked with the --db database's backup key, its file by sha256, first)."""
    from ..services.backup import open_source, restore_backup
    from ..store.database import describe, resolve_url

    engine = open_source(resolve_url(db_url))
    try:
        manifest = restore_backup(engine, backup_id, into=into, folder=folder, confirm=confirm,
                                  user=acting_user(user))
    finally:
        engine.dispose()
    click.echo(f"restored {manifest.id} into {describe(into)}: {manifest.total_rows} rows in "
               f"{len(manifest.row_counts)} tables")


@backup_group.command("delete")
@click.argument("backup_id")
@click.option("--dir", "folder", metavar="DIR", help=DIR_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the deleted manifest as JSON.")
@click.option("--user", metavar="NAME", help="Who deletes it (else $ROLLOVER_USER, else $USER).")
@db_option
@refusals
def delete_command(db_url, backup_id: str, folder, as_json: bool, user):
    """Delete a backup made for a school year before the district's current one (YE-5)."""
    from ..services.backup import delete_backup
    from ..store.database import open_engine

    engine = open_engine(db_url)
    try:
        manifest = delete_backup(engine, backup_id, folder=folder, user=acting_user(user))
    finally:
        engine.dispose()
    if as_json:
        echo_json({"deleted": manifest.as_json()})
    else:
        click.echo(f"deleted backup {manifest.id} (school year {manifest.school_year}, "
                   f"{manifest.file})")

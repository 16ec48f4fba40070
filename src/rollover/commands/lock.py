"""`rollover lock on|off|status` (YE-2): the maintenance lock, a thin layer over
`services.security`; see docs/security.md."""

from __future__ import annotations

import click

from ..cli_support import acting_user, db_option, echo_json, refusals

USER_HELP = "Who does it (else $ROLLOVER_USER, else $USER)."


@click.group("lock")
def lock_group():
    """Lock the system for maintenance (YE-2): users locked out, scheduled tasks disabled."""


def _print(status, as_json: bool) -> None:
    if as_json:
        echo_json(status.as_json())
        return
    if status.lock_out_users:
        click.echo("the system is locked for maintenance")
    else:
        click.echo("the system is not locked")
    click.echo(f"  lock out users:          {'on' if status.lock_out_users else 'off'}")
    click.echo(f"  disable scheduled tasks: {'on' if status.disable_scheduled_tasks else 'off'}")
    if status.open_district:
        click.echo("  no users yet: security is not set up and the lock stops nobody")
    else:
        click.echo(f"  users who can work while locked: {', '.join(status.passers) or 'none'}")
    enabled = sum(t.enabled for t in status.scheduled_tasks)
    click.echo(f"  scheduled tasks: {len(status.scheduled_tasks)} ({enabled} enabled)")


def _set(db_url, on: bool, as_json: bool, user: str | None) -> None:
    from ..services.security import set_lock
    from ..store.database import open_engine

    engine = open_engine(db_url)
    try:
        status = set_lock(engine, on, user=acting_user(user))
    finally:
        engine.dispose()
    _print(status, as_json)


@lock_group.command("on")
@click.option("--json", "as_json", is_flag=True, help="Print the lock as one JSON object.")
@click.option("--user", metavar="NAME", help=USER_HELP)
@db_option
@refusals
def on_command(db_url, as_json: bool, user: str | None):
    """Lock out users and disable scheduled tasks, in one step."""
    _set(db_url, True, as_json, user)


@lock_group.command("off")
@click.option("--json", "as_json", is_flag=True, help="Print the lock as one JSON object.")
@click.option("--user", metavar="NAME", help=USER_HELP)
@db_option
@refusals
def off_command(db_url, as_json: bool, user: str | None):
    """Let users in again and enable scheduled tasks, in one step."""
    _set(db_url, False, as_json, user)


@lock_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the lock as one JSON object.")
@db_option
@refusals
def status_command(db_url, as_json: bool):
    """Whether the system is locked, and who can work while it is."""
    from ..services.security import lock_status
    from ..store.database import open_engine

    engine = open_engine(db_url)
    try:
        status = lock_status(engine)
    finally:
        engine.dispose()
    _print(status, as_json)

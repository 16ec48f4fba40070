"""`rollover lock on|off|status` (YE-2): the maintenance lock, a thin layer over
`services.security`; see docs/security.md."""

from __future__ import annotations

import click

from ...reports.security import lock_text
from .support import db_option, echo_json, example, json_option, refusals, user_option
from .tables import echo_report

JSON_HELP = "Print the lock as one JSON object."


@click.group("lock")
def lock_group():
    """Lock the system for maintenance (YE-2): users locked out, scheduled tasks disabled."""


def _print(status, as_json: bool) -> None:
    if as_json:
        echo_json(status.as_json())
    else:
        echo_report(lock_text(status))


def _set(db_url, on: bool, as_json: bool, user: str | None) -> None:
    from ...services.security import set_lock
    from ...store.database import open_engine

    engine = open_engine(db_url)
    try:
        status = set_lock(engine, on, user=user)
    finally:
        engine.dispose()
    _print(status, as_json)


@example("lock on")
@lock_group.command("on")
@json_option(JSON_HELP)
@user_option()
@db_option
@refusals
def on_command(db_url, as_json: bool, user: str | None):
    """Lock out users and disable scheduled tasks, in one step."""
    _set(db_url, True, as_json, user)


@example("lock off")
@lock_group.command("off")
@json_option(JSON_HELP)
@user_option()
@db_option
@refusals
def off_command(db_url, as_json: bool, user: str | None):
    """Let users in again and enable scheduled tasks, in one step."""
    _set(db_url, False, as_json, user)


@example("lock status")
@lock_group.command("status")
@json_option(JSON_HELP)
@db_option
@refusals
def status_command(db_url, as_json: bool):
    """Whether the system is locked, and who can work while it is."""
    from ...services.security import lock_status
    from ...store.database import open_engine

    engine = open_engine(db_url)
    try:
        status = lock_status(engine)
    finally:
        engine.dispose()
    _print(status, as_json)

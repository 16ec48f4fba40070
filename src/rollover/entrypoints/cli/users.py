"""`rollover users add|list|grant|revoke` (YE-2): users and their rights, a thin layer over
`services.security`; see docs/security.md."""

from __future__ import annotations

import click

from ...reports.security import added_lines, granted_line, revoked_line, users_text
from .support import (
    db_option, echo_json, echo_lines, example, json_option, refusals, user_option,
)


@click.group("users")
def users_group():
    """Users and their rights (YE-2). Until the first user is added, everything is allowed."""


@example("users add newcomer")
@users_group.command("add")
@click.argument("name")
@click.option("--full-name", metavar="TEXT", help="The user's full name.")
@user_option()
@db_option
@refusals
def add_command(db_url, name: str, full_name: str | None, user: str | None):
    """Add user NAME (the first user gets system_all for all schools; later ones need the
    security right)."""
    from ...services.security import add_user
    from ...store.database import open_engine

    engine = open_engine(db_url)
    try:
        added = add_user(engine, name, full_name, user=user)
    finally:
        engine.dispose()
    echo_lines(added_lines(added))


@example("users list")
@users_group.command("list")
@json_option("Print the users as a JSON list.")
@db_option
@refusals
def list_command(db_url, as_json: bool):
    """Every user with their rights."""
    from ...services.security import list_users
    from ...store.database import open_engine

    engine = open_engine(db_url)
    try:
        found = list_users(engine)
    finally:
        engine.dispose()
    if as_json:
        echo_json([u.as_json() for u in found])
    else:
        echo_lines(users_text(found))


@example("users grant plain programs")
@users_group.command("grant")
@click.argument("name")
@click.argument("right")
@click.option("--school", metavar="ID", help="Only at this school (default: all schools).")
@click.option("--read", "read_only", is_flag=True, help="Read access only (default: write).")
@user_option()
@db_option
@refusals
def grant_command(db_url, name: str, right: str, school: str | None, read_only: bool,
                  user: str | None):
    """Give user NAME the RIGHT (granting again sets its access)."""
    from ...services.security import grant
    from ...store.database import open_engine

    engine = open_engine(db_url)
    try:
        given = grant(engine, name, right, school, "read" if read_only else "write", user=user)
    finally:
        engine.dispose()
    click.echo(granted_line(given))


@example("users revoke plain import")
@users_group.command("revoke")
@click.argument("name")
@click.argument("right")
@click.option("--school", metavar="ID", help="The grant at this school (default: the "
                                             "all-schools grant).")
@user_option()
@db_option
@refusals
def revoke_command(db_url, name: str, right: str, school: str | None, user: str | None):
    """Take the RIGHT from user NAME."""
    from ...services.security import revoke
    from ...store.database import open_engine

    engine = open_engine(db_url)
    try:
        taken = revoke(engine, name, right, school, user=user)
    finally:
        engine.dispose()
    click.echo(revoked_line(taken))

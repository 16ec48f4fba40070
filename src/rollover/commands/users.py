"""`rollover users add|list|grant|revoke` (YE-2): users and their rights, a thin layer over
`services.security`; see docs/security.md."""

from __future__ import annotations

import click

from ..cli_support import acting_user, db_option, echo_json, refusals

USER_HELP = "Who does it (else $ROLLOVER_USER, else $USER)."


def _scope(school: str | None) -> str:
    return "all schools" if school is None else f"school {school}"


@click.group("users")
def users_group():
    """Users and their rights (YE-2). Until the first user is added, everything is allowed."""


@users_group.command("add")
@click.argument("name")
@click.option("--full-name", metavar="TEXT", help="The user's full name.")
@click.option("--user", metavar="NAME", help=USER_HELP)
@db_option
@refusals
def add_command(db_url, name: str, full_name: str | None, user: str | None):
    """Add user NAME (the first user gets system_all for all schools; later ones need the
    security right)."""
    from ..services.security import add_user
    from ..store.database import open_engine

    engine = open_engine(db_url)
    try:
        added = add_user(engine, name, full_name, user=acting_user(user))
    finally:
        engine.dispose()
    click.echo(f"added user {added.user_name}")
    for g in added.grants:
        click.echo(f"  the first user: given {g.right} ({g.access}) for {_scope(g.school_id)}")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the users as a JSON list.")
@db_option
@refusals
def list_command(db_url, as_json: bool):
    """Every user with their rights."""
    from ..services.security import list_users
    from ..store.database import open_engine

    engine = open_engine(db_url)
    try:
        found = list_users(engine)
    finally:
        engine.dispose()
    if as_json:
        echo_json([u.as_json() for u in found])
        return
    if not found:
        click.echo("no users: security is not set up, every action is allowed "
                   "(rollover users add NAME)")
    for u in found:
        click.echo(u.user_name + (f" ({u.full_name})" if u.full_name else ""))
        for g in u.grants:
            click.echo(f"  {g.right:<18} {_scope(g.school_id):<20} {g.access}")
        if not u.grants:
            click.echo("  no rights")


@users_group.command("grant")
@click.argument("name")
@click.argument("right")
@click.option("--school", metavar="ID", help="Only at this school (default: all schools).")
@click.option("--read", "read_only", is_flag=True, help="Read access only (default: write).")
@click.option("--user", metavar="NAME", help=USER_HELP)
@db_option
@refusals
def grant_command(db_url, name: str, right: str, school: str | None, read_only: bool,
                  user: str | None):
    """Give user NAME the RIGHT (granting again sets its access)."""
    from ..services.security import grant
    from ..store.database import open_engine

    engine = open_engine(db_url)
    try:
        given = grant(engine, name, right, school, "read" if read_only else "write",
                      user=acting_user(user))
    finally:
        engine.dispose()
    click.echo(f"granted {given.right} ({given.access}) for {_scope(given.school_id)} to "
               f"{given.user_name}")


@users_group.command("revoke")
@click.argument("name")
@click.argument("right")
@click.option("--school", metavar="ID", help="The grant at this school (default: the "
                                             "all-schools grant).")
@click.option("--user", metavar="NAME", help=USER_HELP)
@db_option
@refusals
def revoke_command(db_url, name: str, right: str, school: str | None, user: str | None):
    """Take the RIGHT from user NAME."""
    from ..services.security import revoke
    from ..store.database import open_engine

    engine = open_engine(db_url)
    try:
        taken = revoke(engine, name, right, school, user=acting_user(user))
    finally:
        engine.dispose()
    click.echo(f"revoked {taken.right} ({taken.access}) for {_scope(taken.school_id)} from "
               f"{taken.user_name}")

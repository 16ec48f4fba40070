"""`rollover users add|password|list|grant|revoke` (YE-2): users, their passwords and their
rights, a thin layer over `services.security` and `services.sign_in`; see docs/security.md and
docs/sign-in.md."""

from __future__ import annotations

import click

from ...reports.security import (
    added_lines, granted_line, password_lines, revoked_line, users_text,
)
from .support import (
    db_option, echo_json, echo_lines, example, json_option, refusals, user_option,
)
from .tables import echo_report


@click.group("users")
def users_group():
    """Users and their rights (YE-2). Until the first user is added, everything is allowed."""


@example("users add newcomer")
@users_group.command("add")
@click.argument("name")
@click.option("--full-name", metavar="TEXT", help="The user's full name.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (scripts).")
@click.option("--no-password", is_flag=True,
              help="Add the user without a password: they cannot sign in to the server until "
                   "`rollover users password NAME` sets one.")
@user_option()
@db_option
@refusals
def add_command(db_url, name: str, full_name: str | None, password_stdin: bool,
                no_password: bool, user: str | None):
    """Add user NAME (the first user gets system_all for all schools; later ones need the
    security right).  On a terminal it asks for the user's password, twice; elsewhere, without
    --password-stdin, the user gets none (as --no-password)."""
    from ...services.security import add_user, may_add_user
    from ...store.database import open_engine

    if password_stdin and no_password:
        raise click.UsageError("give --password-stdin or --no-password, not both")
    engine = open_engine(db_url)
    try:
        password = None
        if password_stdin or (not no_password and _on_a_terminal()):
            may_add_user(engine, name, user=user)  # refused before a password is typed in
            password = _read_password(name, password_stdin)
        added = add_user(engine, name, full_name, user=user, password=password)
    finally:
        engine.dispose()
    echo_lines(added_lines(added, password_set=password is not None))


@example("users password plain --password-stdin")
@users_group.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (scripts).")
@user_option()
@db_option
@refusals
def password_command(db_url, name: str, password_stdin: bool, user: str | None):
    """Set user NAME's password (asked twice on a terminal), ending every sign-in they have.
    Needs the security right, or to be NAME."""
    from ...services.security import PasswordRefused
    from ...services.sign_in import may_set_password, set_password
    from ...store.database import open_engine

    engine = open_engine(db_url)
    try:
        may_set_password(engine, name, user=user)  # refused before a password is typed in
        if not password_stdin and not _on_a_terminal():
            raise PasswordRefused("no terminal to ask for the password on: give "
                                  "--password-stdin and the password on standard input")
        done = set_password(engine, name, _read_password(name, password_stdin), user=user)
    finally:
        engine.dispose()
    echo_lines(password_lines(done))


def _on_a_terminal() -> bool:
    return click.get_text_stream("stdin").isatty()


def _read_password(name: str, from_stdin: bool) -> str:
    """The password from standard input's first line, or asked twice, hidden, on the terminal;
    refused (exit 2) when too short, before anything is written.  Never echoed or logged."""
    from ...domain.sign_in import password_problem
    from ...services.security import PasswordRefused

    if from_stdin:
        line = click.get_text_stream("stdin").readline()
        password = line.rstrip("\r\n")
        if not password:
            raise PasswordRefused("no password on standard input (--password-stdin reads its "
                                  "first line)")
    else:
        password = click.prompt(f"Password for {name}", hide_input=True,
                                confirmation_prompt="Repeat it", err=True)
    problem = password_problem(password)
    if problem:
        raise PasswordRefused(problem)
    return password


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
        echo_report(users_text(found))


@example("users grant plain programs")
@users_group.command("grant")
@click.argument("name")
@click.argument("right")
@click.option("--school", metavar="ID", multiple=True, callback=lambda _ctx, _param, given:
              one_school(given), help="Only at this school (default: all schools).")
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
@click.option("--school", metavar="ID", multiple=True, callback=lambda _ctx, _param, given:
              one_school(given), help="The grant at this school (default: the all-schools "
                                      "grant).")
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


def one_school(given: tuple[str, ...]) -> str | None:
    """A grant is at one school, or at all of them: `--school` given twice is refused, naming
    both, rather than keeping only the last."""
    if len(given) > 1:
        raise click.BadParameter(f"given {len(given)} times ({', '.join(map(repr, given))}): a "
                                 "grant is at one school; give each school a command of its own",
                                 param_hint="'--school'")
    return given[0] if given else None

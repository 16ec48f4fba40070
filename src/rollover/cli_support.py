"""What every `rollover` command shares: the --db option, refusals turned into exit statuses,
the progress bar, the acting user and JSON output."""

from __future__ import annotations

import functools
import json
import os
import sys
from contextlib import contextmanager

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy.exc import DBAPIError

from .domain.security import LoginName
from .errors import RolloverError
from .store.database import URL_VARIABLE

err_console = Console(stderr=True)


def db_option(command):
    """`--db URL` on every command (it may also be given before the command name)."""

    @click.option("--db", "db_url", metavar="URL", default=None,
                  help=f"Database URL (else ${URL_VARIABLE}, else sqlite:///rollover.db).")
    @click.pass_context
    @functools.wraps(command)
    def wrapper(ctx, db_url, **kwargs):
        url = db_url or ctx.find_root().params.get("db_url")
        return command(url, **kwargs)

    return wrapper


def refusals(command):
    """Turn a RolloverError into its message on standard error and its exit status."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except RolloverError as exc:
            for line in exc.details():
                click.echo(line, err=True)
            click.echo(f"rollover: {exc}", err=True)
            sys.exit(exc.exit_status)
        except DBAPIError as exc:
            # Nothing was committed (every write is one transaction); say what the database said.
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            click.echo(f"rollover: database error: {reason}", err=True)
            sys.exit(1)

    return wrapper


@contextmanager
def progress_bar(enabled: bool = True):
    """A progress callback: a Rich bar on a terminal, silent otherwise."""
    if not (enabled and err_console.is_terminal):
        yield lambda label, done, total: None
        return
    columns = (TextColumn("{task.description:<10}"), BarColumn(), TaskProgressColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        tasks: dict[str, int] = {}

        def report(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total or None)
            bar.update(tasks[label], completed=done, total=total or None)

        yield report


def acting_user(given: str | None) -> str | None:
    """--user, else $ROLLOVER_USER, else the login name (a LoginName: no declaration where the
    database proves who connects; see services.security.acting)."""
    login = os.environ.get("USER")
    return given or os.environ.get("ROLLOVER_USER") or (LoginName(login) if login else None)


def echo_json(data) -> None:
    """One JSON object on standard output."""
    click.echo(json.dumps(data, default=str))

"""What every `rollover` command shares: the common options (--db, --json, --user, --test), each
command's example invocations, refusals turned into exit statuses, the progress bar and JSON
output."""

from __future__ import annotations

import functools
import json
import os
import re
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
    TimeRemainingColumn,
)
from sqlalchemy.exc import DBAPIError

from ...domain.security import LoginName
from ...errors import RolloverError
from ...store.database import URL_VARIABLE, remove_unused_store, resolve_url, sqlite_file

DB_HELP = (f"The database: a SQLite file path (district.db) or a URL (sqlite:///district.db, "
           f"postgresql+psycopg://user@host:5432/name); else ${URL_VARIABLE}, else rollover.db "
           f"in the working directory.")

err_console = Console(stderr=True)


def db_option(command):
    """`--db PATH|URL` on every command (it may also be given before the command name)."""

    @click.option("--db", "db_url", metavar="PATH|URL", default=None, help=DB_HELP)
    @click.pass_context
    @functools.wraps(command)
    def wrapper(ctx, db_url, **kwargs):
        url = db_url or ctx.find_root().params.get("db_url")
        with no_new_empty_store_left(url):
            return command(url, **kwargs)

    return wrapper


@contextmanager
def no_new_empty_store_left(url: str | None):
    """A command leaves no SQLite store file that was not there before it (opening one creates
    it) unless it wrote to it: a refused command, or one that only read (a mistyped --db path,
    a Run Test), leaves nothing.  The file is deleted unless it holds rows (see
    store.database.remove_unused_store)."""
    path = sqlite_file(resolve_url(url))
    if path is None or path.exists():
        yield
        return
    try:
        yield
    finally:
        remove_unused_store(path)


def json_option(text: str = "Print the result as one JSON object."):
    """`--json`, the command's parameter `as_json`; `text` is its help."""
    return click.option("--json", "as_json", is_flag=True, help=text)


def test_option(text: str):
    """`--test`: the command's test run (YE-17); `text`, its help, says what it still does."""
    return click.option("--test", is_flag=True, help=text)


def user_option(who: str = "Who does it", note: str = ""):
    """`--user NAME`, else $ROLLOVER_USER, else $USER: the command's parameter `user` is the
    acting user already resolved (see `acting_user`).  `who` starts the help ("Who imports"),
    `note` ends it."""
    return click.option("--user", metavar="NAME",
                        callback=lambda _ctx, _param, value: acting_user(value),
                        help=f"{who} (else $ROLLOVER_USER, else $USER){note}.")


def acting_user(given: str | None) -> str | None:
    """--user, else $ROLLOVER_USER, else the login name (a LoginName: no declaration where the
    database proves who connects; see services.security.acting)."""
    login = os.environ.get("USER")
    return given or os.environ.get("ROLLOVER_USER") or (LoginName(login) if login else None)


class SchoolYear(click.ParamType):
    """A school year, named by the year it ends (2027) or by both its years (2026-27,
    2026-2027): the value is the year it ends, an int."""

    name = "school year"
    _ENDING = re.compile(r"[-+]?\d+")
    _BOTH = re.compile(r"(\d{4})-(\d{2}|\d{4})")

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        # Any whole number is a year, as before; the services say when it has no calendars.
        if self._ENDING.fullmatch(text):
            return int(text)
        both = self._BOTH.fullmatch(text)
        if both:
            start, end = int(both[1]), both[2]
            ending = start + 1
            if end in (f"{ending % 100:02d}", f"{ending}"):
                return ending
            self.fail(f"{value!r} is not a school year: {start}'s school year ends in "
                      f"{ending} ({start}-{ending % 100:02d})", param, ctx)
        self.fail(f"{value!r} is not a school year: write the year it ends (2027) or both its "
                  "years (2026-27, 2026-2027)", param, ctx)


SCHOOL_YEAR = SchoolYear()


def example(*invocations: str, records_own_run: bool = False):
    """Example invocations of a command, without `rollover` and `--db`, as `examples` on the
    command (put it above the command's decorator).  Every command has one: tests/test_lock.py
    runs each in its two-school district, locked for maintenance, as a user who cannot get
    past the lock, and expects it refused with the lock's message or a read that writes
    nothing (`records_own_run`: but its own run record, as `check` stores even then).
    `{bundle}` (the district's bundle folder), `{tmp}` (a folder of the test's own), `{run}` (a
    roll forward Run) and `{backup}` (a backup of the year before, in `{tmp}/backups`) are
    filled in there."""

    def mark(command: click.Command) -> click.Command:
        if not isinstance(command, click.Command):
            raise TypeError("@example goes above the command's decorator")
        command.examples = invocations
        command.records_own_run = records_own_run
        return command

    return mark


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


PROGRESS_VARIABLE = "ROLLOVER_PROGRESS"  # "off": no plain progress lines in a log


@contextmanager
def progress_bar(enabled: bool = True):
    """A progress callback: on a terminal a Rich bar for each step, with its time left; else a
    plain line on standard error every few seconds of a long step (plain_progress.py), unless
    ROLLOVER_PROGRESS=off.  Not `enabled` (a command printing JSON): silent."""
    if not enabled or (not err_console.is_terminal
                       and os.environ.get(PROGRESS_VARIABLE, "").lower() == "off"):
        yield lambda label, done, total: None
        return
    if not err_console.is_terminal:
        from .plain_progress import plain_progress

        with plain_progress(lambda line: click.echo(line, err=True)) as report:
            yield report
        return
    columns = (TextColumn("{task.description:<20}"), BarColumn(), TaskProgressColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        tasks: dict[str, int] = {}

        def report(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total or None)
            bar.update(tasks[label], completed=done, total=total or None)

        yield report


def echo_json(data) -> None:
    """One JSON object on standard output."""
    click.echo(json.dumps(data, default=str))


def echo_lines(lines) -> None:
    """Each line of a report on standard output."""
    for line in lines:
        click.echo(line)

"""The `rollover` command: a thin layer over the service functions.

Every command takes `--db URL` (else ROLLOVER_DATABASE_URL, else sqlite:///rollover.db).  A refusal
prints its message on standard error and exits with the error's status (2 for bad input).
"""

from __future__ import annotations

import functools
import sys
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from .errors import RolloverError
from .services import bundles
from .store.database import URL_VARIABLE, open_engine

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


@click.group()
@click.option("--db", "db_url", metavar="URL", default=None,
              help=f"Database URL (else ${URL_VARIABLE}, else sqlite:///rollover.db).")
@click.version_option(package_name="rollover")
def main(db_url):
    """Year-end rollover of a K-12 student information system."""


@main.command("import")
@click.argument("bundle_dir", type=click.Path(path_type=Path))
@click.option("--replace", is_flag=True, help="Replace stored rows that have the same ids.")
@db_option
@refusals
def import_command(db_url, bundle_dir: Path, replace: bool):
    """Check a district bundle whole, then load it (nothing is written if any row is wrong)."""
    engine = open_engine(db_url)
    with progress_bar() as report:
        result = bundles.import_bundle(engine, bundle_dir, replace=replace, progress=report)
    total = sum(result.rows.values())
    click.echo(f"imported {total:,} rows from {len(result.rows)} files in {bundle_dir}")


@main.command("export")
@click.argument("out_dir", type=click.Path(path_type=Path))
@db_option
@refusals
def export_command(db_url, out_dir: Path):
    """Write the stored district as a bundle folder."""
    engine = open_engine(db_url)
    with progress_bar() as report:
        rows = bundles.export_bundle(engine, out_dir, progress=report)
    click.echo(f"exported {sum(rows.values()):,} rows in {len(rows)} files to {out_dir}")


@main.command("demo")
@click.option("--students", type=click.IntRange(100, 1_000_000), default=10_000, show_default=True,
              help="Number of students (100 to 1,000,000).")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option("--bundle", "bundle_dir", type=click.Path(path_type=Path), default=None,
              help="Write a bundle folder instead of loading the database.")
@click.option("--replace", is_flag=True, help="Replace a district already in the database.")
@db_option
@refusals
def demo_command(db_url, students: int, seed: int, bundle_dir: Path | None, replace: bool):
    """Build a realistic demo district, the same for the same seed."""
    from .services import demo  # the generator is only loaded by the command that uses it

    with progress_bar() as report:
        if bundle_dir is not None:
            summary = demo.write_demo_bundle(bundle_dir, students=students, seed=seed,
                                             progress=report)
            where = f"bundle {bundle_dir}"
        else:
            engine = open_engine(db_url)
            summary = demo.load_demo(engine, students=students, seed=seed, replace=replace,
                                     progress=report)
            where = engine.url.render_as_string(hide_password=True)
    click.echo(f"demo district: {summary.students:,} students, {summary.rows['enrollments']:,} "
               f"enrollments, {summary.elementary_schools} elementary, {summary.middle_schools} "
               f"middle and {summary.high_schools} high schools, school year "
               f"{summary.source_year} with {summary.destination_year} calendars -> {where}")

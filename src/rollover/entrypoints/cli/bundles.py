"""`rollover import`, `export` and `demo`: a district in and out as a bundle folder, and the demo
district; a thin layer over `services.bundles` and `services.demo`."""

from __future__ import annotations

from pathlib import Path

import click

from ...errors import RolloverError
from ...reports.bundles import (
    changes_exported_line, demo_line, exported_line, imported_line, synced_lines,
)
from ...services import bundle_sync, bundles, run_changes_export
from ...store.database import open_engine
from .support import (
    db_option, echo_lines, example, progress_bar, refusals, test_option, user_option,
)


@example("import {bundle} --replace", "import {bundle} --sync --test")
@click.command("import")
@click.argument("bundle_dir", type=click.Path(path_type=Path))
@click.option("--replace", is_flag=True, help="Replace stored rows that have the same ids.")
@click.option("--sync", is_flag=True, help="Make each table of a file the bundle holds equal "
              "to it: replace, insert, and delete the rows the file does not hold.")
@test_option("With --sync: say what it would insert, update and delete; write nothing.")
@click.option("--confirm", is_flag=True, help="With --sync: delete rows that runs made too.")
@user_option("Who imports")
@db_option
@refusals
def import_command(db_url, bundle_dir: Path, replace: bool, sync: bool, test: bool,
                   confirm: bool, user):
    """Check a district bundle whole, then load it (nothing is written if any row is wrong)."""
    bundle_sync.refuse_sync_with_replace(sync, replace)
    if (test or confirm) and not sync:
        raise RolloverError(f"{'--test' if test else '--confirm'} goes with --sync")
    engine = open_engine(db_url)
    if sync:
        with progress_bar() as report:
            result = bundle_sync.sync_bundle(engine, bundle_dir, test=test, confirm=confirm,
                                             progress=report, user=user)
        echo_lines(synced_lines(result, bundle_dir))
        return
    with progress_bar() as report:
        result = bundles.import_bundle(engine, bundle_dir, replace=replace, progress=report,
                                       user=user)
    click.echo(imported_line(result.rows, bundle_dir))


@example("export {tmp}/exported", "export --changes {run} {tmp}/changes")
@click.command("export")
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--changes", "run_id", metavar="RUN_ID", default=None,
              help="Write what run RUN_ID inserted, updated and deleted: a CSV per table.")
@click.option("--format", "fmt", type=click.Choice(["bundle", "csv"]), default=None,
              help="bundle: the district (the default); csv: a run's --changes (its default).")
@click.option("--year", type=int, default=None, help="The school year (the year it ends).")
@db_option
@refusals
def export_command(db_url, out_dir: Path, run_id: str | None, fmt: str | None,
                   year: int | None):
    """Write the stored district as a bundle folder, or a run's changes (--changes)."""
    if run_id is None and fmt == "csv":
        raise RolloverError("--format csv: for a run's changes (--changes RUN_ID); a district "
                            "is exported as a bundle")
    if run_id is None and year is not None:
        raise RolloverError(f"--year {year}: a bundle export holds the whole district, every "
                            "year")
    engine = open_engine(db_url)
    if run_id is not None:
        with progress_bar() as report:
            summary = run_changes_export.export_changes(engine, run_id, out_dir,
                                                        fmt=fmt or "csv", year=year,
                                                        progress=report)
        click.echo(changes_exported_line(summary, run_id, out_dir))
        return
    with progress_bar() as report:
        rows = bundles.export_bundle(engine, out_dir, progress=report)
    click.echo(exported_line(rows, out_dir))


@example("demo --students 100 --replace")
@click.command("demo")
@click.option("--students", type=click.IntRange(100, 1_000_000), default=10_000, show_default=True,
              help="Number of students (100 to 1,000,000).")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option("--bundle", "bundle_dir", type=click.Path(path_type=Path), default=None,
              help="Write a bundle folder instead of loading the database.")
@click.option("--replace", is_flag=True, help="Replace a district already in the database.")
@user_option("Who loads it")
@db_option
@refusals
def demo_command(db_url, students: int, seed: int, bundle_dir: Path | None, replace: bool,
                 user):
    """Build a realistic demo district, the same for the same seed."""
    from ...services import demo  # the generator is only loaded by the command that uses it

    with progress_bar() as report:
        if bundle_dir is not None:
            summary = demo.write_demo_bundle(bundle_dir, students=students, seed=seed,
                                             progress=report)
            where = f"bundle {bundle_dir}"
        else:
            engine = open_engine(db_url)
            summary = demo.load_demo(engine, students=students, seed=seed, replace=replace,
                                     progress=report, user=user)
            where = engine.url.render_as_string(hide_password=True)
    click.echo(demo_line(summary, where))

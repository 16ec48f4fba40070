"""`rollover import`, `export` and `demo`: a district in and out as a bundle folder, and the demo
district; a thin layer over `services.bundles` and `services.demo`."""

from __future__ import annotations

from pathlib import Path

import click

from ...errors import RolloverError
from ...reports.bundles import demo_line, exported_line, imported_line
from ...reports.oneroster import oneroster_line, oneroster_warnings
from ...services import bundles, oneroster_export
from ...store.database import open_engine
from .support import db_option, example, progress_bar, refusals, user_option


@example("import {bundle} --replace")
@click.command("import")
@click.argument("bundle_dir", type=click.Path(path_type=Path))
@click.option("--replace", is_flag=True, help="Replace stored rows that have the same ids.")
@user_option("Who imports")
@db_option
@refusals
def import_command(db_url, bundle_dir: Path, replace: bool, user):
    """Check a district bundle whole, then load it (nothing is written if any row is wrong)."""
    engine = open_engine(db_url)
    with progress_bar() as report:
        result = bundles.import_bundle(engine, bundle_dir, replace=replace, progress=report,
                                       user=user)
    click.echo(imported_line(result.rows, bundle_dir))


@example("export {tmp}/exported", "export --format oneroster --year 2027 {tmp}/oneroster")
@click.command("export")
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["bundle", "oneroster"]), default="bundle",
              show_default=True, help="bundle: every stored row; oneroster: OneRoster 1.2 CSV of "
              "one school year (docs/interop.md).")
@click.option("--year", type=int, default=None,
              help="The school year to export, by the year it ends (default: the district's "
                   "current school year); not for a bundle, which holds every year.")
@db_option
@refusals
def export_command(db_url, out_dir: Path, fmt: str, year: int | None):
    """Write the stored district as a bundle folder, or one school year in another format."""
    engine = open_engine(db_url)
    if fmt == "oneroster":
        with progress_bar() as report:
            result = oneroster_export.export_oneroster(engine, out_dir, year=year,
                                                       progress=report)
        for line in oneroster_warnings(result):
            click.echo(line, err=True)
        click.echo(oneroster_line(result, out_dir))
        return
    if year is not None:
        raise RolloverError("--year: a bundle holds every school year; give --format oneroster "
                            "to export one")
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

"""`rollover import`, `export` and `demo`: a district in and out as a bundle folder, and the demo
district; a thin layer over `services.bundles` and `services.demo`."""

from __future__ import annotations

from pathlib import Path

import click

from ...errors import RolloverError
from ...reports.bundles import demo_line, exported_line, imported_line
from ...reports.edfi import edfi_imported_lines, edfi_notice_lines
from ...services import bundles, edfi_import
from ...store.database import open_engine
from .support import db_option, echo_lines, example, progress_bar, refusals, user_option


@example("import {bundle} --replace")
@click.command("import")
@click.argument("bundle_dir", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["bundle", "edfi"]), default="bundle",
              show_default=True,
              help="What the folder holds: a district bundle, or Ed-Fi 5.2 bulk XML files.")
@click.option("--replace", is_flag=True, help="Replace stored rows that have the same ids.")
@click.option("--grade-map", type=click.Path(path_type=Path), default=None,
              help="With --format edfi: a CSV code_value,grade,sequence,state_grade replacing "
                   "the default Ed-Fi grade map.")
@user_option("Who imports")
@db_option
@refusals
def import_command(db_url, bundle_dir: Path, fmt: str, replace: bool, grade_map: Path | None,
                   user):
    """Check a district bundle (or Ed-Fi files) whole, then load it (nothing is written if any
    row is wrong)."""
    if fmt == "edfi":
        _import_edfi(db_url, bundle_dir, replace, grade_map, user)
        return
    if grade_map is not None:
        raise RolloverError("--grade-map is an option of --format edfi")
    engine = open_engine(db_url)
    with progress_bar() as report:
        result = bundles.import_bundle(engine, bundle_dir, replace=replace, progress=report,
                                       user=user)
    click.echo(imported_line(result.rows, bundle_dir))


def _import_edfi(db_url, folder: Path, replace: bool, grade_map: Path | None, user) -> None:
    engine = open_engine(db_url)
    with progress_bar() as report:
        result = edfi_import.import_edfi(engine, folder, replace=replace, grade_map=grade_map,
                                         progress=report, user=user)
    for line in edfi_notice_lines(result):
        click.echo(line, err=True)
    echo_lines(edfi_imported_lines(result, folder))


@example("export {tmp}/exported")
@click.command("export")
@click.argument("out_dir", type=click.Path(path_type=Path))
@db_option
@refusals
def export_command(db_url, out_dir: Path):
    """Write the stored district as a bundle folder."""
    engine = open_engine(db_url)
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

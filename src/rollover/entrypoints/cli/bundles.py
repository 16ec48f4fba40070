"""`rollover import`, `export` and `demo`: a district in and out as a bundle folder (or Ed-Fi XML
in, Ed-Fi and OneRoster out, docs/interop.md), a run's changes out, and the demo district; a thin
layer over the services of each."""

from __future__ import annotations

from pathlib import Path

import click

from ...errors import RolloverError
from ...reports.bundles import (
    changes_exported_line, demo_line, exported_line, imported_line, synced_lines,
)
from ...reports.edfi import edfi_imported_lines, edfi_notice_lines
from ...reports.edfi_export import edfi_exported_lines, edfi_warning_lines
from ...reports.oneroster import oneroster_line, oneroster_warnings
from ...services import bundle_sync, bundles, edfi_import, oneroster_export, run_changes_export
from ...store.database import open_engine
from .support import (
    SCHOOL_YEAR, db_option, echo_lines, example, progress_bar, refusals, test_option, user_option,
)


@example("import {bundle} --replace", "import {bundle} --sync --test")
@click.command("import")
@click.argument("bundle_dir", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["bundle", "edfi"]), default="bundle",
              show_default=True,
              help="What the folder holds: a district bundle, or Ed-Fi 5.2 bulk XML files.")
@click.option("--replace", is_flag=True, help="Replace stored rows that have the same ids.")
@click.option("--sync", is_flag=True, help="Make each table of a file the bundle holds equal "
              "to it: replace, insert, and delete the rows the file does not hold.")
@test_option("With --sync: say what it would insert, update and delete; write nothing.")
@click.option("--confirm", is_flag=True, help="With --sync: delete rows that runs made too.")
@click.option("--grade-map", type=click.Path(path_type=Path), default=None,
              help="With --format edfi: a CSV code_value,grade,sequence,state_grade replacing "
                   "the default Ed-Fi grade map.")
@user_option("Who imports")
@db_option
@refusals
def import_command(db_url, bundle_dir: Path, fmt: str, replace: bool, sync: bool, test: bool,
                   confirm: bool, grade_map: Path | None, user):
    """Check the district bundle in the folder BUNDLE_DIR (or Ed-Fi files) whole, then load
    it (nothing is written if any row is wrong)."""
    bundle_sync.refuse_sync_with_replace(sync, replace)
    if (test or confirm) and not sync:
        raise RolloverError(f"{'--test' if test else '--confirm'} goes with --sync")
    if sync and fmt != "bundle":
        raise RolloverError("--sync makes the store equal to a bundle; give --format bundle")
    if fmt == "edfi":
        _import_edfi(db_url, bundle_dir, replace, grade_map, user)
        return
    if grade_map is not None:
        raise RolloverError("--grade-map is an option of --format edfi")
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


def _import_edfi(db_url, folder: Path, replace: bool, grade_map: Path | None, user) -> None:
    engine = open_engine(db_url)
    with progress_bar() as report:
        result = edfi_import.import_edfi(engine, folder, replace=replace, grade_map=grade_map,
                                         progress=report, user=user)
    for line in edfi_notice_lines(result):
        click.echo(line, err=True)
    echo_lines(edfi_imported_lines(result, folder))


@example("export {tmp}/exported", "export --format oneroster --year 2027 {tmp}/oneroster",
         "export --changes {run} {tmp}/changes")
@click.command("export")
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["bundle", "edfi", "oneroster", "csv"]),
              default=None,
              help="bundle (the default): every stored row; edfi: one school year as Ed-Fi 5.2 "
                   "bulk XML; oneroster: one school year as OneRoster 1.2 CSV (docs/interop.md); "
                   "csv: a run's --changes (their default and only format).")
@click.option("--year", type=SCHOOL_YEAR, default=None, metavar="YEAR",
              help="edfi, oneroster: the school year, 2027, 2026-27 or 2026-2027 (default: the "
                   "current one); not for a bundle, which holds every year.")
@click.option("--grade-map", type=click.Path(path_type=Path), default=None,
              help="edfi: a CSV code_value,grade,sequence,state_grade replacing the default "
                   "grade map.")
@click.option("--changes", "run_id", metavar="RUN_ID", default=None,
              help="Write what run RUN_ID inserted, updated and deleted: a CSV per table.")
@db_option
@refusals
def export_command(db_url, out_dir: Path, fmt: str | None, year: int | None,
                   grade_map: Path | None, run_id: str | None):
    """Write the stored district as a bundle folder, a school year in another format, or what
    a run changed (--changes), into the folder OUT_DIR (created; refused when not empty)."""
    if run_id is not None:
        _export_changes(db_url, out_dir, run_id, fmt, year, grade_map)
        return
    fmt = fmt or "bundle"
    if fmt == "csv":
        raise RolloverError("--format csv: for a run's changes (--changes RUN_ID); a district "
                            "is exported as a bundle")
    if fmt == "bundle":
        _refuse_year_options(fmt, year=year, grade_map=grade_map)
        engine = open_engine(db_url)
        with progress_bar() as report:
            rows = bundles.export_bundle(engine, out_dir, progress=report)
        click.echo(exported_line(rows, out_dir))
    elif fmt == "edfi":
        from ...services.edfi_export import export_edfi  # lxml, loaded only for this format

        engine = open_engine(db_url)
        with progress_bar() as report:
            result = export_edfi(engine, out_dir, year=year, grade_map=grade_map,
                                 progress=report)
        for line in edfi_warning_lines(result):
            click.echo(line, err=True)
        echo_lines(edfi_exported_lines(result, out_dir))
    else:
        _refuse_year_options(fmt, grade_map=grade_map)
        engine = open_engine(db_url)
        with progress_bar() as report:
            result = oneroster_export.export_oneroster(engine, out_dir, year=year,
                                                       progress=report)
        for line in oneroster_warnings(result):
            click.echo(line, err=True)
        click.echo(oneroster_line(result, out_dir))


def _export_changes(db_url, out_dir: Path, run_id: str, fmt: str | None, year: int | None,
                    grade_map: Path | None) -> None:
    if grade_map is not None:
        raise RolloverError("--grade-map: an option of --format edfi, not of --changes")
    engine = open_engine(db_url)
    with progress_bar() as report:
        summary = run_changes_export.export_changes(engine, run_id, out_dir, fmt=fmt or "csv",
                                                    year=year, progress=report)
    click.echo(changes_exported_line(summary, run_id, out_dir))


def _refuse_year_options(fmt: str, **given) -> None:
    """--year is an option of the formats that write one school year; --grade-map of edfi."""
    why = {"year": "a bundle holds every school year; give --format edfi or oneroster to "
                   "export one",
           "grade_map": f"an option of --format edfi, not of --format {fmt}"}
    problems = [f"--{name.replace('_', '-')}: {why[name]}"
                for name, value in given.items() if value is not None]
    if problems:
        raise RolloverError(problems[-1], problems[:-1])


@example("demo --students 100 --replace", "demo --students 600 --geography seattle --replace")
@click.command("demo")
@click.option("--students", type=click.IntRange(100, 1_000_000), default=10_000, show_default=True,
              help="Number of students (100 to 1,000,000).")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option("--bundle", "bundle_dir", type=click.Path(path_type=Path), default=None,
              help="Write a bundle folder instead of loading the database.")
@click.option("--replace", is_flag=True, help="Replace a district already in the database.")
@click.option("--geography", type=click.Choice(["synthetic", "seattle"]), default="synthetic",
              show_default=True,
              help="Where the district lies: made-up streets sized by --students (synthetic), "
                   "or the 76 real attendance areas of Seattle Public Schools drawn as polygons, "
                   "every household located in them (seattle; docs/attendance-areas.md).")
@user_option("Who loads it")
@db_option
@refusals
def demo_command(db_url, students: int, seed: int, bundle_dir: Path | None, replace: bool,
                 geography: str, user):
    """Build a realistic demo district, the same for the same seed."""
    from ...services import demo  # the generator is only loaded by the command that uses it

    with progress_bar() as report:
        if bundle_dir is not None:
            summary = demo.write_demo_bundle(bundle_dir, students=students, seed=seed,
                                             progress=report, geography=geography)
            where = f"bundle {bundle_dir}"
        else:
            engine = open_engine(db_url)
            summary = demo.load_demo(engine, students=students, seed=seed, replace=replace,
                                     progress=report, user=user, geography=geography)
            where = engine.url.render_as_string(hide_password=True)
    click.echo(demo_line(summary, where))

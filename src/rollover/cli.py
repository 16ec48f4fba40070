"""The `rollover` command: a thin layer over the service functions.

Every command takes `--db URL` (else ROLLOVER_DATABASE_URL, else sqlite:///rollover.db).  A refusal
prints its message on standard error and exits with the error's status (2 for bad input).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click

from .cli_support import acting_user, db_option, echo_json, progress_bar, refusals
from .services import bundles
from .store.database import URL_VARIABLE, open_engine

@click.group()
@click.option("--db", "db_url", metavar="URL", default=None,
              help=f"Database URL (else ${URL_VARIABLE}, else sqlite:///rollover.db).")
@click.version_option(package_name="rollover")
def main(db_url):
    """Year-end rollover of a K-12 student information system."""


@main.command("import")
@click.argument("bundle_dir", type=click.Path(path_type=Path))
@click.option("--replace", is_flag=True, help="Replace stored rows that have the same ids.")
@click.option("--user", metavar="NAME", help="Who imports (else $ROLLOVER_USER, else $USER).")
@db_option
@refusals
def import_command(db_url, bundle_dir: Path, replace: bool, user):
    """Check a district bundle whole, then load it (nothing is written if any row is wrong)."""
    engine = open_engine(db_url)
    with progress_bar() as report:
        result = bundles.import_bundle(engine, bundle_dir, replace=replace, progress=report,
                                       user=acting_user(user))
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
@click.option("--user", metavar="NAME", help="Who loads it (else $ROLLOVER_USER, else $USER).")
@db_option
@refusals
def demo_command(db_url, students: int, seed: int, bundle_dir: Path | None, replace: bool,
                 user):
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
                                     progress=report, user=acting_user(user))
            where = engine.url.render_as_string(hide_password=True)
    click.echo(f"demo district: {summary.students:,} students, {summary.rows['enrollments']:,} "
               f"enrollments, {summary.elementary_schools} elementary, {summary.middle_schools} "
               f"middle and {summary.high_schools} high schools, school year "
               f"{summary.source_year} with {summary.destination_year} calendars -> {where}")


@main.command("forward")
@click.option("--source-calendar", "source_calendars", multiple=True, metavar="ID",
              help="A calendar to collect enrollments from (repeat for several).")
@click.option("--source-year", type=int, metavar="YEAR",
              help="Every calendar of this school year as a source calendar.")
@click.option("--source-grade", "source_grades", multiple=True, metavar="CODE",
              help="A grade to roll (repeat for several; default all).")
@click.option("--filter", "filter_expression", metavar="EXPR",
              help='Only students matching, e.g. \'grade in ("08", "09")\', or @FILE of ids.')
@click.option("--service-type", "service_types", multiple=True,
              type=click.Choice(["primary", "partial", "special_ed"]),
              help="Service types to roll (repeat; default primary).")
@click.option("--source-structure", metavar="NAME", help="Structure name students are in.")
@click.option("--local-start-status", metavar="CODE", help="Start status of new enrollments.")
@click.option("--dest-calendar", metavar="ID", help="Roll every student into this calendar.")
@click.option("--dest-structure", metavar="ID", help="Structure id of the destination calendar.")
@click.option("--dest-grade", metavar="CODE", help="Grade for promoted students.")
@click.option("--start-date", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="First day of the new enrollments.")
@click.option("--allow-duplicate-primary", is_flag=True)
@click.option("--include-last-day-enders", is_flag=True,
              help="Also roll enrollments ending on the last day of the last term.")
@click.option("--totals-only", is_flag=True, help="The report shows counts, not names.")
@click.option("--show-warnings", is_flag=True, help="The report lists students not rolled.")
@click.option("--test", is_flag=True, help="Run Test: decide and report, write no enrollment.")
@click.option("--json", "as_json", is_flag=True, help="Print the run as one JSON object.")
@click.option("--user", metavar="NAME", help="Who runs it (else $ROLLOVER_USER, else $USER).")
@db_option
@refusals
def forward_command(db_url, source_calendars, source_year, source_grades, filter_expression,
                    service_types, source_structure, local_start_status, dest_calendar,
                    dest_structure, dest_grade, start_date, allow_duplicate_primary,
                    include_last_day_enders, totals_only, show_warnings, test, as_json, user):
    """Roll enrollments forward into next year's calendars (Run, or Run Test with --test)."""
    from .domain.forward.options import ForwardOptions
    from .reports.forward import as_json as report_json, as_text
    from .services.forward import roll_forward, source_calendars_of_year

    engine = open_engine(db_url)
    calendars = list(source_calendars)
    if source_year is not None:
        calendars += source_calendars_of_year(engine, source_year)
    options = ForwardOptions(
        source_calendars=tuple(calendars), source_grades=tuple(source_grades),
        filter=filter_expression, service_types=tuple(service_types) or ("primary",),
        source_structure=source_structure, local_start_status=local_start_status,
        dest_calendar=dest_calendar, dest_structure=dest_structure, dest_grade=dest_grade,
        start_date=start_date.date() if start_date else None,
        allow_duplicate_primary=allow_duplicate_primary,
        include_last_day_enders=include_last_day_enders, totals_only=totals_only,
        show_warnings=show_warnings, test=test)
    with progress_bar(enabled=not as_json) as report:
        result = roll_forward(engine, options, user=acting_user(user), progress=report)
    if as_json:
        click.echo(json.dumps(report_json(result)))
    else:
        for line in as_text(result, totals_only=totals_only, show_warnings=show_warnings):
            click.echo(line)


@main.command("runs")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@db_option
@refusals
def runs_command(db_url, as_json: bool):
    """Every stored run, newest first."""
    from .reports.stored import counts_line
    from .services.runs import list_runs

    runs = list_runs(open_engine(db_url))
    if as_json:
        click.echo(json.dumps([{
            "run_id": r.run_id, "kind": r.kind, "mode": r.mode, "user": r.user_name,
            "started_at": r.started_at.isoformat(),
            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            "status": r.status, "options": r.options, "counts": r.counts} for r in runs]))
        return
    if not runs:
        click.echo("no runs yet")
    for r in runs:
        click.echo(f"{r.run_id}  {r.kind:<9} {r.mode:<4}  {r.started_at:%Y-%m-%d %H:%M}  "
                   f"{r.user_name or '-':<12} {r.status:<9}  {counts_line(r.counts)}")


@main.command("report")
@click.argument("run_id")
@click.option("--format", "output", type=click.Choice(["text", "csv", "json"]), default="text",
              show_default=True)
@click.option("--totals-only", is_flag=True, help="Text: counts, not names.")
@click.option("--show-warnings", is_flag=True, help="Text: list students not rolled.")
@db_option
@refusals
def report_command(db_url, run_id: str, output: str, totals_only: bool, show_warnings: bool):
    """Print a stored run again."""
    from .errors import RolloverError
    from .reports.forward import as_csv_rows, as_json as report_json, as_text
    from .reports.stored import stored_json, stored_text
    from .services.runs import forward_report, get_run, places_students

    engine = open_engine(db_url)
    record = get_run(engine, run_id)
    if not places_students(record):
        if output == "csv":
            raise RolloverError(f"run {run_id!r} is a {record.kind} run: --format csv is for "
                                "roll forward runs (use text or json)")
        if output == "json":
            echo_json(stored_json(record))
        else:
            for line in stored_text(record):
                click.echo(line)
        return
    report = forward_report(engine, run_id)
    if output == "json":
        click.echo(json.dumps(report_json(report)))
    elif output == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerows(as_csv_rows(report))
    else:
        options = report.run.options
        for line in as_text(report, totals_only=totals_only or options.get("totals_only", False),
                            show_warnings=show_warnings or options.get("show_warnings", False)):
            click.echo(line)


# The commands around the roll forward (YE-1, YE-10, YE-15), each in a module of its own.
from .commands import calendars, check, end_batch  # noqa: E402  (they import cli_support)

main.add_command(check.check_command)
main.add_command(calendars.calendars_group)
main.add_command(end_batch.end_batch_command)
main.add_command(end_batch.cleanup_command)
from .commands import backup  # noqa: E402
main.add_command(backup.backup_group)
from .commands import lock, users  # noqa: E402  (YE-2: users, rights, the maintenance lock)
main.add_command(users.users_group)
main.add_command(lock.lock_group)
from .commands import process, tasks  # noqa: E402  (YE-6..YE-9, YE-16..YE-19)
main.add_command(process.process_group)
main.add_command(tasks.tasks_command)
from .commands import edit  # noqa: E402
main.add_command(edit.edit_command)
from .commands import undo  # noqa: E402
main.add_command(undo.undo_command)

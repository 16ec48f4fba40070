"""`rollover forward`, `runs` and `report`: the enrollment roll forward (RF-1..RF-26) and the
stored runs of every kind; a thin layer over `services.forward` and `services.runs`."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click

from ...reports.forward import as_csv_rows, as_json as forward_json, as_text as forward_text
from ...reports.runs import runs_json, runs_text
from ...reports.stored import stored_json, stored_text
from ...store.database import open_engine
from .support import (
    SCHOOL_YEAR, db_option, echo_json, echo_lines, example, json_option, progress_bar, refusals, test_option,
    user_option,
)
from .tables import echo_report


@example("forward --source-year 2027", "forward --source-year 2027 --test")
@click.command("forward")
@click.option("--source-calendar", "source_calendars", multiple=True, metavar="ID",
              help="A calendar to collect enrollments from (repeat for several).")
@click.option("--source-year", type=SCHOOL_YEAR, metavar="YEAR",
              help="Every calendar of this school year as a source calendar: 2027, 2026-27 or "
                   "2026-2027.")
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
@click.option("--allow-duplicate-primary", is_flag=True,
              help="Give a student who already has a primary enrollment in another calendar of "
                   "next year a primary one here too (never two in one calendar; RF-22).")
@click.option("--include-last-day-enders", is_flag=True,
              help="Also roll enrollments ending on the last day of the last term.")
@click.option("--totals-only", is_flag=True, help="The report shows counts, not names.")
@click.option("--show-warnings", is_flag=True, help="The report lists students not rolled.")
@test_option("Run Test: decide and report, write no enrollment.")
@json_option("Print the run as one JSON object.")
@user_option("Who runs it")
@db_option
@refusals
def forward_command(db_url, source_calendars, source_year, source_grades, filter_expression,
                    service_types, source_structure, local_start_status, dest_calendar,
                    dest_structure, dest_grade, start_date, allow_duplicate_primary,
                    include_last_day_enders, totals_only, show_warnings, test, as_json, user):
    """Roll enrollments forward into next year's calendars (Run, or Run Test with --test)."""
    from ...domain.forward.options import ForwardOptions
    from ...services.forward import roll_forward, source_calendars_of_year

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
        result = roll_forward(engine, options, user=user, progress=report)
    if as_json:
        click.echo(json.dumps(forward_json(result)))
    else:
        from ...services.run_summary import run_summary

        echo_lines(forward_text(result, run_summary(engine, result.run.run_id),
                                totals_only=totals_only, show_warnings=show_warnings))


@example("runs")
@click.command("runs")
@json_option("Print the runs as JSON.")
@db_option
@refusals
def runs_command(db_url, as_json: bool):
    """Every stored run, newest first."""
    from ...services.runs import list_runs

    runs = list_runs(open_engine(db_url))
    if as_json:
        click.echo(json.dumps(runs_json(runs)))
    else:
        echo_report(runs_text(runs))


@example("report {run}", "report {run} --format csv",
         "report {run} --format html --out {tmp}/report.html")
@click.command("report")
@click.argument("run_id")
@click.option("--format", "output", type=click.Choice(["text", "csv", "json", "html"]),
              default="text", show_default=True,
              help="text: the report as the run printed it; csv: one row per student (roll "
                   "forward runs); json: the run's --json object; html: one printable file with "
                   "the projection's pictures (roll forward runs).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="HTML: write the report to FILE (default: standard output).")
@click.option("--totals-only", is_flag=True, help="Text: counts, not names.")
@click.option("--show-warnings", is_flag=True, help="Text: list students not rolled.")
@db_option
@refusals
def report_command(db_url, run_id: str, output: str, out: Path | None, totals_only: bool,
                   show_warnings: bool):
    """Print the stored run RUN_ID again (`rollover runs` lists them); a roll forward also as
    one HTML file with its pictures."""
    from ...errors import RolloverError
    from ...services.runs import forward_report, get_run, places_students
    from ...services.run_summary import run_summary

    if out is not None and output != "html":
        raise RolloverError(f"--out {str(out)!r} is for --format html (the other formats go to "
                            "standard output)")
    engine = open_engine(db_url)
    record = get_run(engine, run_id)
    if not places_students(record):
        if output in ("csv", "html"):
            raise RolloverError(f"run {run_id!r} is a {record.kind} run: --format {output} is "
                                "for roll forward runs (use text or json)")
        if output == "json":
            echo_json(stored_json(record))
        else:
            echo_lines(stored_text(record))
        return
    if output == "html":
        write_html_report(engine, record, out)
        return
    with progress_bar(enabled=output != "json") as progress:
        report = forward_report(engine, run_id, progress)
        summary = run_summary(engine, run_id, progress) if output == "text" else None
    if output == "json":
        click.echo(json.dumps(forward_json(report)))
    elif output == "csv":
        csv.writer(sys.stdout).writerows(as_csv_rows(report))
    else:
        options = report.run.options
        echo_lines(forward_text(
            report, summary, totals_only=totals_only or options.get("totals_only", False),
            show_warnings=show_warnings or options.get("show_warnings", False)))


def write_html_report(engine, record, out: Path | None) -> None:
    """The run's HTML report, with the projection of the year it places students in (a Run
    Test's with its proposals) and the maps of the district's attendance areas, to `out` or
    standard output."""
    from ...errors import RolloverError
    from ...reports.run_html import run_html
    from ...services.area_map import attendance_areas
    from ...services.run_summary import run_projection, run_summary

    with progress_bar() as progress:
        summary = run_summary(engine, record.run_id, progress)
        projected, refused = run_projection(engine, summary, progress)
        areas = attendance_areas(engine)
    document = run_html(record, summary, projected, projection_refused=refused, areas=areas)
    if out is None:
        click.echo(document, nl=False)
        return
    try:
        out.write_text(document, encoding="utf-8")
    except OSError as failed:
        raise RolloverError(f"cannot write the report to {str(out)!r}: "
                            f"{failed.strerror or failed}") from None
    click.echo(f"wrote the report of run {record.run_id} to {out}")

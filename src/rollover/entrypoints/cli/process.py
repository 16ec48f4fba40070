"""`rollover process` (YE-6..YE-9, YE-16..YE-18): the year-end process step by step, a thin layer
over `services.process`."""

from __future__ import annotations

import click

from ...errors import RolloverError
from ...reports.process import (
    finish_test_line, module_run_text, module_runs_text, modules_json, modules_text,
    prepare_test_line, restore_text, status_text,
)
from .support import (
    SCHOOL_YEAR, db_option, echo_json, echo_lines, example, json_option, progress_bar, refusals, test_option,
    user_option,
)
from .tables import echo_report

YEAR_HELP = ("The school year being closed: 2027, 2026-27 or 2026-2027 (default: the "
             "district's current school year).")
STATUS_JSON_HELP = "Print the status as one JSON object."


def year_option(command):
    return click.option("--year", type=SCHOOL_YEAR, metavar="YEAR", help=YEAR_HELP)(command)


def _module_names(_ctx, _param, incomplete: str) -> list[str]:
    """Shell completion of a MODULE argument: the modules' names."""
    from ...services.modules import all_modules

    return [m.name for m in all_modules() if m.name.startswith(incomplete)]


def _engine(db_url):
    from ...store.database import open_engine

    return open_engine(db_url)


@click.group("process")
def process_group():
    """The year-end process: status, prepare, run each module, restore, finish."""


@example("process status")
@process_group.command("status")
@year_option
@json_option(STATUS_JSON_HELP)
@click.option("--follow", is_flag=True,
              help="Follow a running step's progress until it ends, then print the status.")
@db_option
@refusals
def status_command(db_url, year, as_json: bool, follow: bool):
    """Each step (lock, quiet, backup, every module, switch) with its state."""
    import time

    from ...services.process import running, status

    engine = _engine(db_url)
    if follow:
        with progress_bar(enabled=not as_json) as report:
            while (now := running(engine)) is not None:
                report(f"{now['step']} {now['label']}", now["done"], now["total"])
                time.sleep(0.5)
    result = status(engine, year=year)
    echo_json(result) if as_json else echo_report(status_text(result))


@example("process prepare --backup-dir {tmp}/backups",
         "process prepare --backup-dir {tmp}/backups --test")
@process_group.command("prepare")
@year_option
@click.option("--backup-dir", "backup_dir", metavar="DIR",
              help="Backup folder (as for `rollover backup create --dir`).")
@test_option("Say what it would do; write nothing.")
@json_option(STATUS_JSON_HELP)
@user_option("Who acts")
@db_option
@refusals
def prepare_command(db_url, year, backup_dir, test: bool, as_json: bool, user):
    """Lock out users and scheduled tasks, turn off auditing, publishing, notifications and
    partner sync (saving each previous value), and take a full backup: all or nothing."""
    from ...services.process import prepare

    with progress_bar(enabled=not as_json) as report:
        result = prepare(_engine(db_url), year=year, user=user, backup_folder=backup_dir,
                         test=test, progress=report)
    if as_json:
        echo_json(result)
    elif test:
        click.echo(prepare_test_line(result))
    else:
        echo_report(status_text(result))


def _options(pairs) -> dict[str, str]:
    options = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise RolloverError(f"--option {pair!r}: write NAME=VALUE")
        options[name.strip()] = value
    return options


@example("process run calendar", "process run calendar --test")
@process_group.command("run")
@click.argument("module", shell_complete=_module_names)
@click.option("--option", "-o", "pairs", multiple=True, metavar="NAME=VALUE",
              help="A module option (repeat); `rollover process modules` lists them.")
@test_option("Work out and log the changes; change nothing.")
@year_option
@json_option("Print the run as one JSON object.")
@user_option("Who acts")
@db_option
@refusals
def run_command(db_url, module, pairs, test: bool, year, as_json: bool, user):
    """Run the rollover module MODULE (`rollover process modules` lists them) for the year, all
    or nothing, saving a backup of every row it changes. Refused until the modules it needs have
    run."""
    from ...services.process import run_module

    options = _options(pairs)
    engine = _engine(db_url)
    with progress_bar(enabled=not as_json) as report:
        result = run_module(engine, module, options, test=test, year=year, user=user,
                            progress=report)
    if as_json:
        echo_json(result.as_json())
        return
    from ...services.run_summary import run_summary
    from ...services.runs import get_run, places_students

    placed = (run_summary(engine, result.run_id)
              if places_students(get_run(engine, result.run_id)) else None)
    echo_lines(module_run_text(result, test, placed))


@example("process restore calendar", "process restore calendar {run} --confirm")
@process_group.command("restore")
@click.argument("module", shell_complete=_module_names)
@click.argument("run_id", required=False)
@test_option("List what would be restored and the later edits.")
@click.option("--confirm", is_flag=True,
              help="Restore even though rows changed after the run (those changes are lost).")
@json_option("Print one JSON object.")
@user_option("Who acts")
@db_option
@refusals
def restore_command(db_url, module, run_id, test: bool, confirm: bool, as_json: bool, user):
    """Without RUN_ID: the runs of module MODULE with date and status.  With it: undo that
    run, every later run of the module and of the modules that depend on it, newest first."""
    from ...services.process import module_runs, restore

    engine = _engine(db_url)
    if run_id is None:
        listed = module_runs(engine, module)
        if as_json:
            echo_json(listed)
        else:
            echo_report(module_runs_text(listed))
        return
    with progress_bar(enabled=not as_json) as report:
        result = restore(engine, module, run_id, test=test, confirm=confirm, user=user,
                         progress=report)
    if as_json:
        echo_json(result.as_json())
    else:
        echo_lines(restore_text(result, test))


@example("process finish", "process finish --test")
@process_group.command("finish")
@year_option
@test_option("Say what it would do; write nothing.")
@json_option(STATUS_JSON_HELP)
@user_option("Who acts")
@db_option
@refusals
def finish_command(db_url, year, test: bool, as_json: bool, user):
    """Make the next school year current, put back every setting the process turned off, and
    unlock."""
    from ...services.process import finish

    result = finish(_engine(db_url), year=year, user=user, test=test)
    if as_json:
        echo_json(result)
    elif test:
        click.echo(finish_test_line(result))
    else:
        echo_report(status_text(result))


@example("process modules")
@process_group.command("modules")
@json_option("Print the modules as a JSON list.")
@refusals
def modules_command(as_json: bool):
    """The rollover modules in their order, with what they need, change and take."""
    from ...services.modules import all_modules

    modules = all_modules()
    if as_json:
        echo_json(modules_json(modules))
    else:
        echo_lines(modules_text(modules))

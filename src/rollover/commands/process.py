"""`rollover process` (YE-6..YE-9, YE-16..YE-18): the year-end process step by step, a thin layer
over `services.process`."""

from __future__ import annotations

import click

from ..cli_support import acting_user, db_option, echo_json, progress_bar, refusals
from ..errors import RolloverError

YEAR_HELP = "The school year being closed (default: the district's current school year)."
USER_HELP = "Who acts (else $ROLLOVER_USER, else $USER)."


def _engine(db_url):
    from ..store.database import open_engine

    return open_engine(db_url)


@click.group("process")
def process_group():
    """The year-end process: status, prepare, run each module, restore, finish."""


def _print_status(result: dict) -> None:
    click.echo(f"year-end process {result['school_year']} -> {result['school_year'] + 1}: "
               f"{result['state']}")
    now = result.get("running")
    if now:  # YE-20: another session's step, followed from here
        share = f" {100 * now['done'] // now['total']}%" if now["total"] else ""
        click.echo(f"  running now: {now['step']} ({now['label']}{share}, "
                   f"{now['done']:,} of {now['total']:,})")
    for step in result["steps"]:
        needs = f"  (after {', '.join(step['requires'])})" if step.get("requires") else ""
        click.echo(f"  {step['step']:<17} {step['state']:<9} {step['detail'] or ''}{needs}"
                   .rstrip())


@process_group.command("status")
@click.option("--year", type=int, metavar="YEAR", help=YEAR_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
@click.option("--follow", is_flag=True,
              help="Follow a running step's progress until it ends, then print the status.")
@db_option
@refusals
def status_command(db_url, year, as_json: bool, follow: bool):
    """Each step (lock, quiet, backup, every module, switch) with its state."""
    import time

    from ..services.process import running, status

    engine = _engine(db_url)
    if follow:
        with progress_bar(enabled=not as_json) as report:
            while (now := running(engine)) is not None:
                report(f"{now['step']} {now['label']}", now["done"], now["total"])
                time.sleep(0.5)
    result = status(engine, year=year)
    echo_json(result) if as_json else _print_status(result)


@process_group.command("prepare")
@click.option("--year", type=int, metavar="YEAR", help=YEAR_HELP)
@click.option("--backup-dir", "backup_dir", metavar="DIR",
              help="Backup folder (as for `rollover backup create --dir`).")
@click.option("--test", is_flag=True, help="Say what it would do; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
@click.option("--user", metavar="NAME", help=USER_HELP)
@db_option
@refusals
def prepare_command(db_url, year, backup_dir, test: bool, as_json: bool, user):
    """Lock out users and scheduled tasks, turn off auditing, publishing, notifications and
    partner sync (saving each previous value), and take a full backup: all or nothing."""
    from ..services.process import prepare

    result = prepare(_engine(db_url), year=year, user=acting_user(user),
                     backup_folder=backup_dir, test=test)
    if as_json:
        echo_json(result)
    elif test:
        click.echo(f"prepare {result['school_year']} (test: nothing written) would lock out "
                   "users and disable scheduled tasks; turn off: "
                   f"{', '.join(result['turn_off']) or 'nothing (all off already)'}; disable "
                   f"tasks: {', '.join(result['disable_tasks']) or 'none'}; backup: "
                   f"{result['backup']}")
    else:
        _print_status(result)


def _options(pairs) -> dict[str, str]:
    options = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise RolloverError(f"--option {pair!r}: write NAME=VALUE")
        options[name.strip()] = value
    return options


@process_group.command("run")
@click.argument("module")
@click.option("--option", "-o", "pairs", multiple=True, metavar="NAME=VALUE",
              help="A module option (repeat); `rollover process modules` lists them.")
@click.option("--test", is_flag=True, help="Work out and log the changes; change nothing.")
@click.option("--year", type=int, metavar="YEAR", help=YEAR_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the run as one JSON object.")
@click.option("--user", metavar="NAME", help=USER_HELP)
@db_option
@refusals
def run_command(db_url, module, pairs, test: bool, year, as_json: bool, user):
    """Run one rollover module for the year, all or nothing, saving a backup of every row it
    changes. Refused until the modules it needs have run."""
    from ..services.process import run_module

    options = _options(pairs)
    engine = _engine(db_url)
    with progress_bar(enabled=not as_json) as report:
        result = run_module(engine, module, options, test=test, year=year,
                            user=acting_user(user), progress=report)
    if as_json:
        echo_json(result.as_json())
        return
    verb = "would change" if test else "changed"
    totals = result.plan.totals
    click.echo(f"{module} {result.school_year} -> {result.school_year + 1}: run "
               f"{result.run_id} ({result.mode}) {verb} {totals['rows_inserted']:,} inserted, "
               f"{totals['rows_updated']:,} updated, {totals['rows_deleted']:,} deleted; "
               f"{totals['warnings']:,} warnings, {totals['errors']:,} errors")
    for name, value in result.plan.summary.items():
        click.echo(f"  {name}: {value:,}" if isinstance(value, int) else f"  {name}: {value}")
    click.echo(f"logs: rollover tasks {result.run_id}")


@process_group.command("restore")
@click.argument("module")
@click.argument("run_id", required=False)
@click.option("--test", is_flag=True, help="List what would be restored and the later edits.")
@click.option("--confirm", is_flag=True,
              help="Restore even though rows changed after the run (those changes are lost).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--user", metavar="NAME", help=USER_HELP)
@db_option
@refusals
def restore_command(db_url, module, run_id, test: bool, confirm: bool, as_json: bool, user):
    """Without RUN_ID: the module's runs with date and status.  With it: undo that run, every
    later run of the module and of the modules that depend on it, newest first."""
    from ..services.process import module_runs, restore

    engine = _engine(db_url)
    if run_id is None:
        listed = module_runs(engine, module)
        if as_json:
            echo_json(listed)
            return
        for r in listed:
            click.echo(f"{r['run_id']}  {r['started_at'][:19].replace('T', ' ')}  "
                       f"{r['mode']:<4}  {r['status']:<9}  {r['user'] or '-'}")
        return
    with progress_bar(enabled=not as_json) as report:
        result = restore(engine, module, run_id, test=test, confirm=confirm,
                         user=acting_user(user), progress=report)
    if as_json:
        echo_json(result.as_json())
        return
    for edit in result.later_edits:
        click.echo(f"changed after the run: {edit.table} {'/'.join(map(str, edit.key))}: "
                   f"{edit.what}")
    verb = "would restore" if test else "restored"
    click.echo(f"{verb} {len(result.restored_runs)} run(s), newest first: "
               + ", ".join(result.restored_runs))
    if not test:
        click.echo(f"rows put back: {sum(result.rows.values()):,}; run {result.run_id}")


@process_group.command("finish")
@click.option("--year", type=int, metavar="YEAR", help=YEAR_HELP)
@click.option("--test", is_flag=True, help="Say what it would do; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
@click.option("--user", metavar="NAME", help=USER_HELP)
@db_option
@refusals
def finish_command(db_url, year, test: bool, as_json: bool, user):
    """Make the next school year current, put back every setting the process turned off, and
    unlock."""
    from ..services.process import finish

    result = finish(_engine(db_url), year=year, user=acting_user(user), test=test)
    if as_json:
        echo_json(result)
    elif test:
        on = [n for n, v in result["settings"].items() if v]
        click.echo(f"finish {result['school_year']} (test: nothing written) would make "
                   f"{result['current_school_year']} the current year, unlock, and put back: "
                   f"{', '.join(on) or 'every setting off'}; tasks enabled again: "
                   + (", ".join(t for t, v in result["scheduled_tasks"].items() if v) or "none"))
    else:
        _print_status(result)


@process_group.command("modules")
@click.option("--json", "as_json", is_flag=True, help="Print the modules as a JSON list.")
def modules_command(as_json: bool):
    """The rollover modules in their order, with what they need, change and take."""
    from ..services.modules import all_modules

    listed = [{"name": m.name, "title": m.title, "requires": list(m.requires),
               "tables": list(m.tables), "options": m.option_help} for m in all_modules()]
    if as_json:
        echo_json(listed)
        return
    for m in listed:
        click.echo(f"{m['name']}: {m['title']}")
        click.echo(f"  after: {', '.join(m['requires']) or '-'}; changes: "
                   f"{', '.join(m['tables'])}")
        for name, text in m["options"].items():
            click.echo(f"  -o {name}=...  {text}")

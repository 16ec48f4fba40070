"""What `rollover process` says (YE-6..YE-9, YE-16..YE-20): the process's steps, what prepare and
finish would do, a module run, a restore, and the modules in their order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .counts import by_code
from .table import Table, table
from .forward import summary_text

if TYPE_CHECKING:  # types only: the command loads its service when it runs
    from ..services.modules import RolloverModule
    from ..services.process import ModuleRun, RestoreResult


def status_text(result: dict) -> Iterator[str | Table]:
    """The process's state, then a row per step (the status object of `process status
    --json`)."""
    yield (f"year-end process {result['school_year']} -> {result['school_year'] + 1}: "
           f"{result['state']}")
    now = result.get("running")
    if now:  # YE-20: another session's step, followed from here
        share = f" {100 * now['done'] // now['total']}%" if now["total"] else ""
        yield (f"running now: {now['step']} ({now['label']}{share}, "
               f"{now['done']:,} of {now['total']:,})")
    yield table(("STEP", "STATE", "DETAIL", "AFTER"),
                ((step["step"], step["state"], step["detail"], ", ".join(step.get("requires", ())))
                 for step in result["steps"]))


def prepare_test_line(result: dict) -> str:
    """What a prepare would do (its test run)."""
    return (f"prepare {result['school_year']} (test: nothing written) would lock out "
            "users and disable scheduled tasks; turn off: "
            f"{', '.join(result['turn_off']) or 'nothing (all off already)'}; disable "
            f"tasks: {', '.join(result['disable_tasks']) or 'none'}; backup: "
            f"{result['backup']}")


def finish_test_line(result: dict) -> str:
    """What a finish would do (its test run)."""
    on = [n for n, v in result["settings"].items() if v]
    return (f"finish {result['school_year']} (test: nothing written) would make "
            f"{result['current_school_year']} the current year, unlock, and put back: "
            f"{', '.join(on) or 'every setting off'}; tasks enabled again: "
            + (", ".join(t for t, v in result["scheduled_tasks"].items() if v) or "none"))


def module_run_text(result: ModuleRun, test: bool,
                    placed: dict | None = None) -> Iterator[str]:
    """The run's totals, the module's own numbers, and where its logs are.  `placed`: the
    `services.run_summary` of a run that places students (registration), shown as the roll
    forward's summary (warnings by code, totals per school by name and grade, this year beside
    next) instead of its numbers."""
    verb = "would change" if test else "changed"
    totals = result.plan.totals
    yield (f"{result.module} {result.school_year} -> {result.school_year + 1}: run "
           f"{result.run_id} ({result.mode}) {verb} {totals['rows_inserted']:,} inserted, "
           f"{totals['rows_updated']:,} updated, {totals['rows_deleted']:,} deleted; "
           f"{totals['warnings']:,} warnings, {totals['errors']:,} errors")
    if placed is not None:
        yield ""
        yield from summary_text(placed)
        yield ""
    else:
        for name, value in result.plan.summary.items():
            name = name.replace("_", " ")
            yield f"  {name}: {value:,}" if isinstance(value, int) else f"  {name}: {value}"
        yield from messages_by_code(result.plan.messages)
    each_student = f"; each student: rollover report {result.run_id}" if placed else ""
    yield f"logs: rollover tasks {result.run_id}{each_student}"


def messages_by_code(messages) -> Iterator[str]:
    """The run's warnings and errors counted per code, most frequent first (errors first among
    equals); nothing when it has none."""
    if messages:
        yield "messages by code, most frequent first:"
        yield from by_code((m.code, m.level) for m in messages)


def module_runs_text(listed: list[dict]) -> Iterator[str | Table]:
    """A module's runs, as `services.process.module_runs` lists them."""
    if not listed:
        yield "no runs of this module yet"
        return
    yield table(("RUN", "STARTED", "MODE", "STATUS", "USER"),
                ((r["run_id"], r["started_at"][:19].replace("T", " "), r["mode"], r["status"],
                  r["user"]) for r in listed))


def restore_text(result: RestoreResult, test: bool) -> Iterator[str]:
    """Rows changed after the run, the runs restored, and the rows put back."""
    return put_back_text(result, test, "would restore", "restored")


def put_back_text(result: RestoreResult, test: bool, would: str, did: str) -> Iterator[str]:
    """What a restore or an undo says: the runs it (would) put back, newest first, and the rows
    put back; then each row changed after the run."""
    runs = result.restored_runs
    yield (f"{would if test else did} " + (f"1 run: {runs[0]}" if len(runs) == 1 else
                                            f"{len(runs)} runs, newest first: " + ", ".join(runs)))
    if not test:
        yield f"rows put back: {sum(result.rows.values()):,}; run {result.run_id}"
    for edit in result.later_edits:
        yield f"changed after the run: {edit.table} {'/'.join(map(str, edit.key))}: {edit.what}"


def modules_json(modules: list[RolloverModule]) -> list[dict]:
    return [{"name": m.name, "title": m.title, "requires": list(m.requires),
             "tables": list(m.tables), "options": m.option_help} for m in modules]


def modules_text(modules: list[RolloverModule]) -> Iterator[str]:
    """Each module with what it runs after, the tables it changes, and its options."""
    for m in modules:
        yield f"{m.name}: {m.title}"
        yield f"  after: {', '.join(m.requires) or '-'}; changes: {', '.join(m.tables)}"
        for name, text in m.option_help.items():
            yield f"  -o {name}=...  {text}"

"""The year-end process as a service (YE-2..YE-9, YE-16..YE-20): prepare (lock, quiet, back up),
run each module in order with its backup, restore runs exactly, finish (switch the year, put the
settings back, unlock), and the status and task list that show where it stands.

Every step holds the district's one process lock (YE-18) for its transaction, so two steps never
overlap across processes and hosts, and a step that dies leaves no lock behind (the maintenance
lock of YE-2 is a setting, and stays until `finish` or `rollover lock off`).  A real module run
is one transaction: its changes, backup rows, log and run record commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Engine

from ..domain.change_plan import ModulePlan
from ..errors import RolloverError
from .modules import ModuleContext, RolloverModule, all_modules, dependents, get_module
from ..pause_points import pause_point
from ..progress import Progress, no_progress
from ..store import process as store
from ..store.activity import ActivityBoard, read_activity
from ..store.database import reading
from ..store.run_changes import LaterEdit, later_edits, restore_runs
from ..store.locks import AlreadyRunning, refuse_if_held
from ..store.runs import new_run_id
from ..store.bulk import refresh_statistics
from ..store.schema import metadata, runs
from ..store.schema_process import run_backup_rows
from ..store.security import read_settings
from ..store.side_effects import record_side_effects, side_effect_settings
from .unit_of_work import Operation, operation, unit_of_work

LOCK = "process"
BUSY = "A year-end process step is already running for this district"
STEPS = ("lock", "quiet", "backup")
PROCESS_LOCK = ((LOCK, BUSY),)

# The process's own steps are guarded transactions, no runs (YE-2: maintenance_lock; YE-18:
# one step at a time).  A restore is a run; a failed module run's record is never refused (it
# says what happened).
PREPARE = operation("prepare", "year-end prepare", "maintenance_lock", locks=PROCESS_LOCK,
                    district_write=False, records_run=False)
FINISH = operation("finish", "year-end finish", "maintenance_lock", locks=PROCESS_LOCK,
                   district_write=False, records_run=False)
FAILURE_RECORD = operation("failure", "year-end step", None, locks=PROCESS_LOCK,
                           district_write=False, records_run=False)
RESTORE = operation("restore", "year-end restore", lambda options: options["module"],
                    locks=PROCESS_LOCK, undoable=False)


class ProcessRefused(RolloverError):
    """A step that cannot be taken now (not prepared, prerequisites, later edits ...)."""


class MissingPrerequisites(ProcessRefused):
    """YE-7: a module whose prerequisite modules have not run for the year (409: not now)."""

    http_status = 409


class NeedsConfirmation(ProcessRefused):
    """Rows changed after the runs to put back would be lost: nothing is put back without
    confirm (409; the problem object's `changed_after` lists them)."""

    http_status = 409

    def __init__(self, edits: list[LaterEdit], again: str, done: str):
        many = "s" if len(edits) > 1 else ""
        super().__init__(
            f"{len(edits)} row{many} changed after the run would be lost; look at them, then "
            f"{again} again with --confirm; nothing was {done}",
            [f"{e.table} {'/'.join(map(str, e.key))}: {e.what}" for e in edits])
        self.edits = edits

    def problem_extensions(self) -> dict:
        return {"changed_after": [_later_edit_json(e) for e in self.edits]}


def _later_edit_json(edit: LaterEdit) -> dict:
    return {"table": edit.table, "key": list(map(str, edit.key)), "what": edit.what}


def _both(first: Progress, second: Progress) -> Progress:
    def report(label: str, done: int, total: int) -> None:
        first(label, done, total)
        second(label, done, total)
    return report


def running(engine: Engine) -> dict | None:
    """YE-20: the step running right now and its last progress, or None.

    It looks without taking the lock (the page asks every few seconds; a step started at the
    same instant must not be refused because of it)."""
    try:
        refuse_if_held(engine, LOCK, BUSY)
        return None
    except AlreadyRunning:
        return read_activity(engine) or {"step": "?", "label": "starting", "done": 0,
                                          "total": 0}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _year(conn, year: int | None) -> int:
    """The school year being closed: the given one, else the district's current year."""
    if year is not None:
        return year
    current = store.current_year(conn)
    if current is None:
        raise ProcessRefused("the district has no current school year; give --year")
    return current


# -- prepare (YE-2, YE-3, YE-4) --------------------------------------------------------------------

def prepare(engine: Engine, *, year: int | None = None, user: str | None = None,
            backup_folder=None, use_pg_dump: bool | None = None, test: bool = False,
            progress: Progress = no_progress) -> dict:
    """Lock the system, quiet the side effects (saving each previous value) and take the full
    backup: all of it or, when the backup fails, none of it.  Running it again finishes what an
    interrupted prepare left undone.  With `test`, say what it would do and write nothing.
    Progress: the backup's."""
    from .backup import create_backup

    holder = "year-end prepare" + (" (test)" if test else "")
    with unit_of_work(engine, PREPARE, user=user, holder=holder, write=not test) as work:
        conn, who = work.conn, work.acting
        work.needs("backup")  # YE-4: prepare takes the full backup
        year = _year(conn, year)
        process = store.get_process(conn, year)
        if process is not None and process.state == "finished":
            raise ProcessRefused(f"the year-end process of {year} is already finished")
        other = store.open_process_other_than(conn, year)
        if other is not None:  # YE-18: its saved settings are the ones finish must put back
            raise ProcessRefused(
                f"the year-end process of {other.school_year} is open (prepared "
                f"{other.prepared_at:%Y-%m-%d %H:%M} by {other.prepared_by or 'an unnamed user'}):"
                f" finish it before preparing {year}; nothing was written")
        current = store.settings_to_save(conn)
        plan = _prepare_plan(year, current, process)
        if test:
            return plan
        created = process is None
        if created:
            store.create_process(conn, year, who.recorded, current)
        store.quiet(conn)  # again on a resumed prepare: nobody may have turned things back on
        backup_id = None if created else process.backup_id
    if backup_id is None:
        try:
            manifest = create_backup(engine, label=f"year-end {year}", school_year=year,
                                     folder=backup_folder, user=user, use_pg_dump=use_pg_dump,
                                     progress=progress)
        except BaseException:
            if created:  # all or nothing: no lock, no quieting, no process without its backup
                with unit_of_work(engine, PREPARE, user=user, holder=holder) as work:
                    store.put_back(work.conn, current)
                    store.delete_process(work.conn, year)
            raise
        with unit_of_work(engine, PREPARE, user=user, holder=holder) as work:
            store.set_backup(work.conn, year, manifest.id)
    return status(engine, year=year)


def _prepare_plan(year: int, current: dict, process) -> dict:
    """What prepare would do, as its test mode reports it."""
    return {"school_year": year, "mode": "test",
            "lock": {name: True for name in store.LOCK_SETTINGS},
            "turn_off": sorted(n for n in store.QUIETED_SETTINGS if current["settings"][n]),
            "disable_tasks": sorted(t for t, on in current["scheduled_tasks"].items() if on),
            "backup": (process.backup_id if process is not None and process.backup_id
                       else "a full backup would be taken")}


# -- module runs (YE-6, YE-7, YE-8, YE-17) --------------------------------------------------------

@dataclass
class ModuleRun:
    run_id: str
    module: str
    school_year: int
    mode: str
    plan: ModulePlan

    def as_json(self) -> dict:
        return {"run_id": self.run_id, "module": self.module, "school_year": self.school_year,
                "mode": self.mode, "totals": self.plan.totals,
                "backup_log": self.plan.backup_by_table(),
                "rollover_log": {"changes": self.plan.changes_by_table_and_school(),
                                 "messages": [m.__dict__ for m in self.plan.messages]}}


def _completed(rows) -> list:
    return [r for r in rows if r.mode == "run" and r.status == "completed"]


def run_module(engine: Engine, name: str, options: dict[str, str] | None = None, *,
               test: bool = False, year: int | None = None, user: str | None = None,
               progress: Progress = no_progress) -> ModuleRun:
    """Run (or test) one module for the year; refused unless the process is prepared (for a real
    run) and every prerequisite module has a completed run for the year (YE-7)."""
    module = get_module(name)
    parsed = module.parse_options(dict(options or {}))  # refusals before anything is read
    started = _now()
    run_id = new_run_id(name, started)
    mode = "test" if test else "run"
    seen_year, by = None, None  # by: who is recorded, once the unit of work has said who acts
    try:
        with unit_of_work(engine, module_operation(module), user=user, test=test,
                          options=parsed, run_id=run_id, started=started,
                          progress=progress) as work, \
                ActivityBoard(engine, name) as board:
            progress = _both(progress, board.publish)  # YE-20: the terminal and other sessions
            work.progress = progress
            pause_point("process:step-started")
            conn, by = work.conn, work.recorded_user
            year = _year(conn, year)
            seen_year = year
            _may_run(conn, module, year, test)
            ctx = ModuleContext(conn, year, parsed, run_id, by, test, progress)
            plan = module.plan(ctx)
            store.add_module_run(conn, run_id, name, year)
            work.expect(plan.steps)  # its progress: "writing", rows saved and written
            for step in plan.steps:
                work.change(step)  # saved for restore (YE-8), written, side effects (YE-3)
            for done in plan.after_applying:
                done()
            pause_point("process:step-applied")
            store.write_messages(conn, run_id, plan.messages)
            work.finish(counts=plan.totals, report={
                "summary": plan.summary, "backup_log": plan.backup_by_table(),
                "changes": plan.changes_by_table_and_school()})
    except RolloverError:
        raise  # a refusal: nothing was written and nothing to log
    except Exception as exc:  # the transaction rolled back; say so in the tasks list (YE-19)
        if seen_year is not None:
            _record_failure(engine, run_id, name, mode, by, started, parsed, seen_year, exc)
        raise
    return ModuleRun(run_id, name, year, mode, plan)


def check_module_run(engine: Engine, name: str, options: dict[str, str] | None = None, *,
                     test: bool = False, year: int | None = None) -> None:
    """What a run of module `name` would be refused for, checked now and writing nothing: its
    options, the process not prepared (a real run), a prerequisite module that has not run for
    the year (YE-7, MissingPrerequisites).  The run checks them again in its own transaction."""
    module = get_module(name)
    module.parse_options(dict(options or {}))
    with reading(engine) as conn:
        _may_run(conn, module, _year(conn, year), test)


def module_operation(module: RolloverModule) -> Operation:
    """A module's runs (YE-6): its own right, the process lock and the module's own locks."""
    return operation(module.name, f"year-end step {module.name}", module.name,
                     locks=((LOCK, BUSY), *((lock, BUSY) for lock in module.locks)))


def _may_run(conn, module, year: int, test: bool) -> None:
    """A real run needs the prepared process; any run needs its prerequisites' runs (YE-7)."""
    process = store.get_process(conn, year)
    if not test and (process is None or process.state != "prepared"):
        raise ProcessRefused(f"the year-end process of {year} is not prepared: run "
                             f"`rollover process prepare --year {year}` first "
                             "(a test run with --test needs no preparing)")
    if not test and not process.backup_id:
        raise ProcessRefused(f"the full backup of {year} is not taken yet (YE-4): run "
                             f"`rollover process prepare --year {year}` again")
    done = {r.module for r in _completed(store.module_run_rows(conn, year=year))}
    missing = [m for m in module.requires if m not in done]
    if missing:
        raise MissingPrerequisites(
            f"module {module.name} needs {', '.join(missing)} to have run for {year} first "
            "(YE-7); nothing was written")


def _record_failure(engine: Engine, run_id: str, name: str, mode: str, user: str | None,
                    started: dt.datetime, options: dict, year: int, exc: Exception) -> None:
    """A run that failed changed nothing; record that it was tried and why."""
    try:
        with unit_of_work(engine, FAILURE_RECORD, user=user,
                          holder=f"year-end step {name} (recording its failure)") as work:
            work.conn.execute(runs.insert().values(
                run_id=run_id, kind=name, mode=mode, user_name=user, started_at=started,
                finished_at=_now(), status="failed", options=options, counts={},
                report={"error": f"{type(exc).__name__}: {exc}"[:2000]}))
            store.add_module_run(work.conn, run_id, name, year)
    except Exception:  # the database may be what failed: the original error is what matters
        pass


# -- restore (YE-9) --------------------------------------------------------------------------------

@dataclass
class RestoreResult:
    run_id: str | None  # the restore's own run record (None for a test)
    mode: str
    restored_runs: list[str]  # newest first
    later_edits: list[LaterEdit] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"run_id": self.run_id, "mode": self.mode, "restored_runs": self.restored_runs,
                "rows": self.rows,
                "later_edits": [_later_edit_json(e) for e in self.later_edits]}


def restore(engine: Engine, name: str, run_id: str, *, test: bool = False,
            confirm: bool = False, user: str | None = None,
            progress: Progress = no_progress) -> RestoreResult:
    """Undo run `run_id` of module `name`, every later run of it and of the modules that depend
    on it, newest first; the module tables are then exactly as before that run.  Rows changed
    after those runs are listed first, and without `confirm` nothing is restored."""
    get_module(name)  # an unknown module is refused before anything else
    affected = {name} | dependents(name)
    locks = sorted({lock for m in all_modules() if m.name in affected for lock in m.locks})
    op = RESTORE if not test else RESTORE.listing()  # a test writes nothing, not even a run
    with unit_of_work(engine, op, user=user, test=test, also=[(lock, BUSY) for lock in locks],
                      options={"module": name, "run_id": run_id, "confirm": confirm},
                      holder=f"year-end restore of {name}" + (" (test)" if test else ""),
                      progress=progress) as work, \
            ActivityBoard(engine, f"restore {name}") as board:
        progress = _both(progress, board.publish)
        conn, who = work.conn, work.acting
        target = _restorable(conn, name, run_id)
        later = [r for r in _completed(store.module_run_rows(conn, year=target.school_year,
                                                             modules=affected))
                 if r.sequence >= target.sequence]
        for other in sorted({r.module for r in later} - {name}):
            work.needs(other)  # undoing another module's runs needs its right too
        oldest_first = [r.run_id for r in later]
        # The backup rows were bulk-loaded moments ago: without statistics PostgreSQL plans the
        # joins below as if the tables were empty.
        refresh_statistics(conn, [run_backup_rows, *(metadata.tables[t] for t in sorted(
            {t for m in all_modules() if m.name in affected for t in m.tables}))])
        edits = later_edits(conn, oldest_first, progress)
        newest_first = list(reversed(oldest_first))
        if test:
            return RestoreResult(None, "test", newest_first, edits)
        if edits and not confirm:
            raise NeedsConfirmation(edits, "restore", "restored")
        settings = side_effect_settings(conn)
        rows = restore_runs(conn, newest_first, progress, on_change=(
            (lambda step: record_side_effects(conn, who.recorded, [step], settings))
            if settings.any_on else None))  # YE-3: a restore is a change like any other
        result = RestoreResult(work.run_id, "run", newest_first, edits, rows)
        work.finish(counts={"runs": len(newest_first), "rows": sum(rows.values()),
                            "later_edits": len(edits)}, report=result.as_json())
        store.mark_restored(conn, newest_first, work.run_id)
    return result


def _restorable(conn, name: str, run_id: str):
    rows = store.module_run_rows(conn, modules=[name], run_id=run_id)
    if not rows:
        raise ProcessRefused(f"no run {run_id!r} of module {name}")
    run = rows[0]
    if run.mode != "run":
        raise ProcessRefused(f"run {run_id} was a test run: it changed nothing to restore")
    if run.status == "restored":
        raise ProcessRefused(f"run {run_id} was already restored (by {run.restored_by})")
    process = store.get_process(conn, run.school_year)
    if process is not None and process.state == "finished":
        raise ProcessRefused(
            f"the year-end process of {run.school_year} is finished and users are back at work: "
            f"its runs can no longer be restored (the full backup {process.backup_id} still can, "
            "into an empty database: rollover backup restore)")
    if run.status != "completed":
        raise ProcessRefused(f"run {run_id} did not complete ({run.status}): it changed nothing")
    return run


def module_runs(engine: Engine, name: str) -> list[dict]:
    """YE-9's restore mode: a module's runs with date and status, newest first."""
    get_module(name)
    with reading(engine) as conn:
        rows = store.module_run_rows(conn, modules=[name])
    return [_run_summary(r) for r in reversed(rows)]


# -- finish (YE-16) --------------------------------------------------------------------------------

def finish(engine: Engine, *, year: int | None = None, user: str | None = None,
           test: bool = False) -> dict:
    """Make the next year current, put every quieted setting and task flag back, unlock.
    With `test`, say what it would do and write nothing."""
    with unit_of_work(engine, FINISH, user=user, write=not test,
                      holder="year-end finish" + (" (test)" if test else "")) as work:
        conn, who = work.conn, work.acting
        year = _year(conn, year)
        process = store.get_process(conn, year)
        if process is None or process.state != "prepared":
            raise ProcessRefused(f"the year-end process of {year} is not prepared; "
                                 "nothing to finish")
        saved = process.saved_settings
        if test:
            return {"school_year": year, "mode": "test", "current_school_year": year + 1,
                    "settings": {**saved["settings"],
                                 **dict.fromkeys(store.LOCK_SETTINGS, False)},
                    "scheduled_tasks": saved["scheduled_tasks"]}
        store.set_current_year(conn, year + 1)
        store.put_back(conn, saved)
        # The "finish ... unlocks": the process's own lock ends with it, even when the
        # administrator had locked the district by hand before preparing.
        store.unlock(conn)
        store.finish_process(conn, year, who.recorded)
    return status(engine, year=year)


# -- status and tasks (YE-16, YE-19) ---------------------------------------------------------------

def status(engine: Engine, *, year: int | None = None) -> dict:
    """Each step of the process for the year, with its state."""
    with reading(engine) as conn:
        year = _year(conn, year)
        process = store.get_process(conn, year)
        settings = read_settings(conn)
        rows = store.module_run_rows(conn, year=year)
    prepared = process is not None
    finished = prepared and process.state == "finished"
    steps = [
        {"step": "lock", "state": "done" if settings["lock_out_users"] else
         ("undone" if finished else "to do"),
         "detail": "users locked out, scheduled tasks disabled" if settings["lock_out_users"]
         else "not locked"},
        {"step": "quiet", "state": "done" if prepared else "to do",
         "detail": ("settings put back" if finished else "side effects off, previous values "
                    "saved") if prepared else "side effects as they are"},
        {"step": "backup", "state": "done" if prepared and process.backup_id else "to do",
         "detail": process.backup_id if prepared and process.backup_id else None},
    ]
    for module in all_modules():
        mine = [r for r in rows if r.module == module.name]
        last = _completed(mine)[-1:] or mine[-1:]
        state = ("done" if last and last[0] in _completed(mine) else
                 "restored" if last and last[0].status == "restored" else
                 "tested" if last and last[0].mode == "test" else "to do")
        steps.append({"step": module.name, "state": state,
                      "detail": last[0].run_id if last else None,
                      "requires": list(module.requires)})
    steps.append({"step": "switch", "state": "done" if finished else "to do",
                  "detail": f"{year + 1} is the current year" if finished else None})
    return {"school_year": year, "state": process.state if prepared else "not started",
            "backup_id": process.backup_id if prepared else None, "steps": steps,
            "running": running(engine)}


def _run_summary(r) -> dict:
    duration = ((r.finished_at - r.started_at).total_seconds()
                if r.finished_at and r.started_at else None)
    return {"run_id": r.run_id, "module": r.module, "school_year": r.school_year,
            "mode": r.mode, "user": r.user_name, "started_at": r.started_at.isoformat(),
            "status": r.status, "duration_seconds": duration, "options": r.options,
            "counts": r.counts, "restored_by": r.restored_by}


def tasks(engine: Engine, *, with_logs: bool = False) -> list[dict]:
    """YE-19: every run of every module, newest first; with its backup and rollover logs."""
    with reading(engine) as conn:
        rows = list(reversed(store.module_run_rows(conn)))
        result = [_run_summary(r) for r in rows]
        if with_logs:
            for entry, r in zip(result, rows):
                entry.update(_logs(conn, r))
    return result


def task(engine: Engine, run_id: str) -> dict:
    """One module run with its backup log and rollover log."""
    with reading(engine) as conn:
        rows = store.module_run_rows(conn, run_id=run_id)
        if not rows:
            raise ProcessRefused(f"no module run {run_id!r}")
        return {**_run_summary(rows[0]), **_logs(conn, rows[0])}


def _logs(conn, r) -> dict:
    report = r.report or {}
    if r.mode == "run":  # counted from what was actually saved
        backup, changes = store.saved_counts(conn, r.run_id), store.changed_counts(conn, r.run_id)
    else:
        backup, changes = report.get("backup_log", []), report.get("changes", [])
    return {"backup_log": backup,
            "rollover_log": {"changes": changes, "summary": report.get("summary", {}),
                             "messages": store.run_messages_of(conn, r.run_id)}}

"""Undo any run: `rollover undo RUN_ID [--test] [--confirm]`.

Every run that changes the district saves, through the unit of work, each row it inserted,
updated or deleted, as it was before and after (its undo log, `store/undo_log.py`).  Undoing a run puts those
rows back, exactly as YE-9 restores a module run:

- a later run that depends on it (it changed the same rows, or wrote rows naming rows the run
  inserted; `store/run_dependencies.py`) is named and undone too, newest first;
- rows changed since by anything else are listed, and nothing is undone without `confirm`;
- with `test`, the runs it would undo and those rows are listed, and nothing is written (not
  even a run record, as YE-9's `restore --test`).

A module run of the year-end process is restored by the process's own rule (the module's later
runs and the modules that depend on it, `process.restore`), the same mechanism.  The undo is a
run of its own (kind "undo"); each run undone keeps its record, with the status "restored".
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from ..errors import RolloverError
from ..progress import Progress, no_progress
from ..store import process as process_store
from ..store.bulk import refresh_statistics
from ..store.run_changes import later_edits, restore_runs
from ..store.database import reading
from ..store.run_dependencies import dependent_runs
from ..store.runs import get_run
from ..store.schema_process import run_backup_rows
from ..store.side_effects import record_side_effects, side_effect_settings
from .modules import ModuleRefused, get_module
from .process import (
    NeedsConfirmation, ProcessRefused, RestoreResult, module_operation, restore,
)
from .unit_of_work import Operation, all_operations, operation, refuse_if_busy, unit_of_work

# The undoer needs the right of every run undone, at the schools of its rows (YE-2).
UNDO = operation("undo", "undo", lambda options: options["right"], scope="schools",
                 undoable=False)
NOT_UNDOABLE = {"undo": "an undo", "restore": "a restore", "check": "a check",
                "backup": "a backup"}


class UndoRefused(RolloverError):
    """A run that cannot be undone (unknown, a Run Test, already undone, changed nothing), or rows
    changed since that the undo would lose without --confirm: nothing was written."""


class RunNotFound(UndoRefused):
    http_status = 404


def operation_of(kind: str) -> Operation:
    """The operation a run of this kind went through: a service's, or a year-end module's."""
    known = all_operations()
    if kind in known:
        return known[kind]
    try:
        return module_operation(get_module(kind))
    except ModuleRefused:
        raise UndoRefused(f"runs of kind {kind!r} cannot be undone") from None


def undo(engine: Engine, run_id: str, *, test: bool = False, confirm: bool = False,
         user: str | None = None, progress: Progress = no_progress) -> RestoreResult:
    """Undo run `run_id` and every later run that depends on it, newest first; the district's
    rows are then exactly as before the run.  See the module's docstring."""
    record, module_run = _run_of(engine, run_id)
    if module_run:  # YE-9: the process's own rule for what must be restored with it
        try:
            return restore(engine, record.kind, run_id, test=test, confirm=confirm, user=user,
                           progress=progress)
        except NeedsConfirmation:
            raise
        except ProcessRefused as exc:
            raise UndoRefused(str(exc), exc.details()) from None
    _refuse_unless_undoable(record)
    target = operation_of(record.kind)
    op = UNDO if not test else UNDO.listing()  # a test writes nothing, not even a run record
    options = {"run_id": run_id, "confirm": confirm, "right": target.right_for(record.options)}
    with unit_of_work(engine, op, user=user, test=test, progress=progress, write=not test,
                      options=options) as work:
        conn = work.conn
        again = get_run(conn, run_id)  # as it is now, under the lock
        _refuse_unless_undoable(again)
        oldest_first = [run_id, *dependent_runs(conn, run_id, again.started_at)]
        for other in oldest_first:
            _declare(work, conn, other)
        refresh_statistics(conn, [run_backup_rows])
        edits = later_edits(conn, oldest_first, progress)
        newest_first = list(reversed(oldest_first))
        if test:
            return RestoreResult(None, "test", newest_first, edits)
        if edits and not confirm:
            raise NeedsConfirmation(edits, "undo", "undone")
        settings = side_effect_settings(conn)
        rows = restore_runs(conn, newest_first, progress, on_change=(
            (lambda step: record_side_effects(conn, work.recorded_user, [step], settings))
            if settings.any_on else None))  # YE-3: an undo is a change like any other
        process_store.mark_restored(conn, newest_first, work.run_id)
        result = RestoreResult(work.run_id, "run", newest_first, edits, rows)
        work.finish(counts={"runs": len(newest_first), "rows": sum(result.rows.values()),
                            "later_edits": len(edits)}, report=result.as_json())
    return result


def check_undo(engine: Engine, run_id: str, *, test: bool = False, confirm: bool = False,
               user: str | None = None) -> None:
    """What an undo of `run_id` would be refused for, found now by its test mode, writing
    nothing: an unknown run (404), one that cannot be undone, a right the user lacks, a lock
    held now (409); and unless `test` or `confirm`, rows changed since that it would lose
    (NeedsConfirmation, 409, naming them).  The undo checks all of it again when it runs."""
    listing = undo(engine, run_id, test=True, user=user)
    if test:
        return
    _record, module_run = _run_of(engine, run_id)
    if not module_run:  # a module run's listing has probed the process lock already
        refuse_if_busy(engine, UNDO)
    if listing.later_edits and not confirm:
        raise NeedsConfirmation(listing.later_edits, *(("restore", "restored") if module_run
                                                       else ("undo", "undone")))


def _run_of(engine: Engine, run_id: str):
    """The run's record, and whether it is a module run of the year-end process."""
    with reading(engine) as conn:
        record = get_run(conn, run_id)
        module_run = bool(process_store.module_run_rows(conn, run_id=run_id))
    if record is None:
        raise RunNotFound(f"unknown run {run_id!r} (see `rollover runs`)")
    return record, module_run


def can_be_undone(record) -> bool:
    """Whether `undo` would take the run at all (rows changed since may still need confirming)."""
    try:
        _refuse_unless_undoable(record)
        operation_of(record.kind)
    except UndoRefused:
        return False
    return True


def _refuse_unless_undoable(record) -> None:
    if record.kind in NOT_UNDOABLE:
        raise UndoRefused(f"run {record.run_id} is {NOT_UNDOABLE[record.kind]}: it cannot be "
                          "undone")
    if record.mode != "run":
        raise UndoRefused(f"run {record.run_id} was a Run Test: it changed nothing to undo")
    if record.status == "restored":
        raise UndoRefused(f"run {record.run_id} was already undone")
    if record.status != "completed":
        raise UndoRefused(f"run {record.run_id} did not complete ({record.status}): it changed "
                          "nothing")


def _declare(work, conn, run_id: str) -> None:
    """YE-2: the undoer needs the right of each run undone, at the schools of its rows."""
    record = get_run(conn, run_id)
    op = operation_of(record.kind)
    schools = None
    if op.scope == "schools":
        b = run_backup_rows.c
        found = set(conn.execute(select(b.school_id).distinct().where(b.run_id == run_id))
                    .scalars())
        schools = None if None in found else found
    work.at_schools(schools, right=op.right_for(record.options))


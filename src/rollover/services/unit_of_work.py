"""The one way to write: a unit of work around every run that changes the district.

    with unit_of_work(engine, FORWARD, user=user, test=test, options=options) as work:
        ...read on work.conn and decide...
        work.change(step)                       # saved for undo, written, side effects
        work.finish(counts=..., report=...)     # the run record

It opens the one transaction of the run and, before the service reads anything:

- takes the operation's one-at-a-time locks (RF-23, YE-18), and for a Run the district's write
  lock, refusing at once while another holder has one;
- checks who is acting and their right (YE-2), which also refuses while the system is locked for
  maintenance; a right held at some schools only is checked at the schools the service declares
  (`at_schools`) once it knows them, and every row changed must belong to one of them;
- opens the run record, which `finish` completes.

`change` is the only way a run writes: the step's rows are saved in the run's undo log (YE-8, what
`rollover undo` restores), written, and their side effects recorded (YE-3) while those settings
are on.  In a Run Test (`test=True`, RF-24, YE-17) `change` only counts: the same code decides,
nothing but the run record is written.  Everything commits together, or nothing does.  A run
that declares its steps first (`expect`) has its writing reported as progress ("writing", in
rows saved and written); the commit is reported too ("committing").

A service declares what it needs in its `Operation` and never checks rights or takes locks
itself; `OPERATIONS` lists every kind of run, which `undo` uses to check the undoer's right.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection, Engine, update

from ..domain.change_plan import ChangeStep
from ..domain.runs import RunRecord
from ..progress import Progress, Tally, no_progress
from ..store.run_changes import save_and_apply
from ..store.database import writing
from ..store.locks import DISTRICT_WRITE, Holder, exclusive_transaction, refuse_if_held
from ..store.runs import new_run_id
from ..store.schema import runs
from ..store.side_effects import SideEffectSettings, record_side_effects, side_effect_settings
from .bulk_work import cycle_collection_paused
from .security import Acting, NotPermitted, acting, require, require_writer


@dataclass(frozen=True)
class Operation:
    """What a kind of run needs: its right, its locks, and where its right must hold."""

    kind: str  # the run's kind, as `rollover runs` lists it
    title: str  # for the lock holder: "<title> Run" or "<title> Run Test"
    # YE-2: the right, or how to name it from the run's options (an edit: the table's owner);
    # None: no right (a read's own record, e.g. a check's run, which is never refused)
    right: str | Callable[[dict], str] | None
    # Named one-at-a-time locks (name, busy message), held by a Run and a Run Test alike.
    locks: tuple[tuple[str, str], ...] = ()
    # A Run holds the district's write lock: two bulk writers never interleave.
    district_write: bool = True
    # "district": the right for all schools; "schools": at the schools the service declares.
    scope: str = "district"
    # The run's rows are saved, so that `rollover undo` can put them back.
    undoable: bool = True
    # False: a guarded transaction that is no run (a year-end process step, a backup check, an
    # import that only adds rows); what it changes is written, not saved for undo.
    records_run: bool = True
    # YE-3's side effects of the rows it changes; a data load (an import) is not a user's change.
    side_effects: bool = True

    def right_for(self, options: dict) -> str | None:
        return self.right(options) if callable(self.right) else self.right

    def listing(self) -> Operation:
        """The same guard for a test that writes nothing, not even a run record (YE-9's
        `restore --test`, `rollover undo --test`)."""
        return replace(self, records_run=False, district_write=False)


OPERATIONS: dict[str, Operation] = {}


def all_operations() -> dict[str, Operation]:
    """Every kind of run, by kind: each service module declares its operations when imported, so
    every module of the service layer is imported first (a command loads only its own)."""
    from importlib import import_module
    from pkgutil import iter_modules

    from . import __path__ as services_path, __name__ as services
    for found in iter_modules(services_path):
        import_module(f"{services}.{found.name}")
    return OPERATIONS


def operation(kind: str, title: str, right: str | Callable[[dict], str] | None,
              **kwargs) -> Operation:
    """Declare a kind of run (once, at import time)."""
    declared = Operation(kind, title, right, **kwargs)
    if declared.records_run:
        OPERATIONS[kind] = declared
    return declared


class UndeclaredSchools(RuntimeError):
    """A service of a school-scoped operation wrote before declaring its schools: a bug."""


@dataclass
class UnitOfWork:
    conn: Connection
    operation: Operation
    run_id: str
    started_at: dt.datetime
    test: bool
    options: dict
    user: str | None  # the name declared
    acting: Acting
    progress: Progress = no_progress
    schools: frozenset[str] | None = None  # None: district-wide (or not declared yet)
    record: RunRecord | None = None
    changed: dict[str, int] = field(default_factory=dict)  # rows per table, for the counts
    _declared: bool = False
    _effects: SideEffectSettings | None = None
    _writing: Tally | None = None  # the run's "writing" progress, once it declared its steps

    @property
    def mode(self) -> str:
        return "test" if self.test else "run"

    @property
    def recorded_user(self) -> str | None:
        return self.acting.recorded

    def at_schools(self, schools: Iterable[str] | None, *, right: str | None = None) -> None:
        """Declare where the run works (None: the whole district); the right (the operation's,
        or `right` too when the run also needs another) is checked there (YE-2).  A
        school-scoped operation must declare before it changes anything."""
        self.schools = None if schools is None else frozenset(schools)
        self.acting = require(self.conn, self.user, right or self.operation.right_for(self.options),
                              self.schools)
        self._declared = True

    def past_the_lock(self) -> None:
        """Declare a write that needs no right of its own (a user's own password), or whose right
        the service it queues checks later at the schools it changes (a job): only that the one
        acting is a user who may write while the system is as it is (YE-2) is checked."""
        self.acting = require_writer(self.conn, self.user)
        self._declared = True

    def needs(self, right: str, schools: Iterable[str] | None = None) -> None:
        """Declare a further right the run needs (YE-2), e.g. a restore of several modules'
        runs: each module's right; checked at once."""
        self.acting = require(self.conn, self.user, right, schools)

    @property
    def _keeps_undo_log(self) -> bool:
        # A guarded transaction that is no run (an import that only adds rows) writes, unsaved.
        return self.operation.undoable and self.operation.records_run

    def expect(self, steps: Iterable[ChangeStep]) -> None:
        """Declare every step the run will change, before the first: `change` then reports
        its writing as progress ("writing": the rows saved in the undo log and the rows
        written, of all of them).  A Run Test writes none, and reports none."""
        if self.test:
            return
        per_row = 2 if self._keeps_undo_log else 1
        self._writing = Tally(self.progress, "writing",
                              per_row * sum(len(step.rows) for step in steps)).start()

    def counted(self, rows: Iterable) -> Iterable:
        """The rows of a step's own `write`, counted in the "writing" progress."""
        return rows if self._writing is None else self._writing.rows(rows)

    def change(self, step: ChangeStep, write: Callable[[], object] | None = None) -> None:
        """Save the step's rows in the run's undo log, write them (`write` when the step is
        written by a statement of its own, e.g. a guarded set-based UPDATE; it may count its
        rows through `counted`) and record their side effects.  In a Run Test: count them
        only."""
        self._refuse_rows_outside_schools(step)
        self.changed[step.table] = self.changed.get(step.table, 0) + len(step.rows)
        if self.test or not step.rows:
            return
        keep = self._keeps_undo_log
        if self._writing is None:
            save_and_apply(self.conn, self.run_id, step, write, keep=keep)
        else:
            after = self._writing.done + len(step.rows) * (2 if keep else 1)
            save_and_apply(self.conn, self.run_id, step, write, keep=keep,
                           counted=self._writing.rows)
            self._writing.reach(after)
        if not self.operation.side_effects:
            return
        if self._effects is None:
            self._effects = side_effect_settings(self.conn)
        record_side_effects(self.conn, self.acting.recorded, [step], self._effects)

    def _refuse_rows_outside_schools(self, step: ChangeStep) -> None:
        if self.operation.scope != "schools":
            return
        if not self._declared:
            raise UndeclaredSchools(f"{self.operation.kind}: declare the schools (at_schools) "
                                    "before changing rows")
        if self.schools is None:
            return
        outside = sorted({s or "" for s, _before, _after in step.rows} - self.schools)
        if outside:
            raise NotPermitted(f"{self.operation.kind} would change {step.table} rows of school "
                               f"{outside[0] or '(none)'}, outside "
                               + ", ".join(sorted(self.schools)))

    def finish(self, *, counts: dict, report: dict | None = None,
               options: dict | None = None) -> RunRecord:
        """Complete the run record; it commits with the run's changes."""
        if self.operation.scope == "schools" and not self._declared:
            raise UndeclaredSchools(f"{self.operation.kind}: declare the schools (at_schools) "
                                    "before finishing")
        if not self.operation.records_run:
            raise RuntimeError(f"{self.operation.kind} is no run: it has no record to finish")
        if options is not None:
            self.options = options
        finished = _now()
        self.conn.execute(update(runs).where(runs.c.run_id == self.run_id).values(
            finished_at=finished, status="completed", options=self.options, counts=counts,
            report=report, user_name=self.acting.recorded))
        self.record = RunRecord(self.run_id, self.operation.kind, self.mode, self.acting.recorded,
                                self.started_at, finished, "completed", self.options, counts,
                                report)
        return self.record


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@contextmanager
def unit_of_work(engine: Engine, op: Operation, *, user: str | None, test: bool = False,
                 options: dict | None = None, progress: Progress = no_progress,
                 also: Iterable[tuple[str, str]] = (), holder: str | None = None,
                 run_id: str | None = None, started: dt.datetime | None = None,
                 write: bool = True) -> Iterator[UnitOfWork]:
    """The transaction of one run of `op` (see the module's docstring).  `also`: further locks
    this run holds (a module run: its module's); `holder`: what the lock holder says instead of
    the operation's title; `write` False: a guarded transaction that only reads (SQLite takes no
    write lock for it)."""
    started = started or _now()
    run_id = run_id or new_run_id(op.kind, started)
    mode = "test" if test else "run"
    locks = _locks(op, test, also)
    what = holder or f"{op.title} {'Run Test' if test else 'Run'}"
    with cycle_collection_paused(), \
            _transaction(engine, locks, Holder(what, user, started,
                                               run_id if op.records_run else None),
                         write) as conn:
        options = dict(options or {})
        # YE-2: a district-wide operation checks at once; a school-scoped one when it declares
        # its schools, which it must do before it changes or records anything.
        right = op.right_for(options)
        if right is None:  # a read's own record: never refused, never a claim it cannot make
            who = acting(conn, user, strict=False)
        elif op.scope == "district":
            who = require(conn, user, right)
        else:
            who = acting(conn, user)
        work = UnitOfWork(conn, op, run_id, started, test, options, user, who, progress)
        work._declared = op.scope == "district"
        if op.records_run:
            conn.execute(runs.insert().values(
                run_id=run_id, kind=op.kind, mode=mode, user_name=who.recorded,
                started_at=started, finished_at=None, status="running", options=options,
                counts={}, report=None))
        yield work
        if op.records_run and work.record is None:
            raise RuntimeError(f"{op.kind}: the unit of work ended without finish()")
        if write:  # a large run's commit takes seconds (the database writes it all out)
            progress("committing", 0, 1)
    if write:
        progress("committing", 1, 1)


def _locks(op: Operation, test: bool, also: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The one-at-a-time locks a run of `op` takes (name, busy message)."""
    locks = [*op.locks, *also]
    if not test and op.district_write:
        locks.append(DISTRICT_WRITE)
    return locks


def refuse_if_busy(engine: Engine, op: Operation, *, test: bool = False,
                   also: Iterable[tuple[str, str]] = ()) -> None:
    """Refuse now (AlreadyRunning, naming the holder: what, who, since, its run) what a run of
    `op` would be refused when it starts, while another holds one of its locks; takes no lock
    for longer than an instant and writes nothing.  A request checks it before queueing a job
    (the lock may still be taken meanwhile: the run itself is refused then)."""
    for name, busy in _locks(op, test, also):
        refuse_if_held(engine, name, busy)


@contextmanager
def _transaction(engine: Engine, locks: list[tuple[str, str]], holder: Holder, write: bool):
    if not locks:
        with (writing(engine) if write else engine.begin()) as conn:
            yield conn
        return
    (name, busy), *others = locks
    with exclusive_transaction(engine, name, busy, also=others, holder=holder,
                               write=write) as conn:
        yield conn

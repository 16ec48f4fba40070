"""YE-20, YE-18: reading what runs never gets in a step's way.

The year-end page asks `process.running` every few seconds while a user starts steps.  A step
started at the very instant the status is read must start, not fail with "already running":
the status is read without holding the process lock.  The instant is made exact here: the step
is started from inside the status read itself, at each statement (PostgreSQL) or file lock
(SQLite) the read takes, so nothing depends on timing.
"""

from __future__ import annotations

import fcntl
import threading

import pytest
from sqlalchemy import event

from rollover.services import process
from rollover.store import locks
from rollover.store.locks import AlreadyRunning, Holder, exclusive_transaction


def start_step(engine) -> str:
    """Take the process lock as a step does; "started" or the refusal's message."""
    try:
        with exclusive_transaction(engine, process.LOCK, process.BUSY,
                                   holder=Holder("year-end prepare", "ann")):
            return "started"
    except AlreadyRunning as refused:
        return str(refused)


def test_ye20_a_step_started_while_postgresql_reads_the_status_is_not_refused(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL status read")
    outcomes: list[str] = []
    reading = threading.local()

    def step_at_this_statement(*_args):
        if getattr(reading, "status", False) and not getattr(reading, "step", False):
            reading.step = True
            try:
                outcomes.append(start_step(engine))
            finally:
                reading.step = False

    event.listen(engine, "after_cursor_execute", step_at_this_statement)
    try:
        reading.status = True
        assert process.running(engine) is None
    finally:
        reading.status = False
        event.remove(engine, "after_cursor_execute", step_at_this_statement)
    assert outcomes, "the status read made no statement"
    assert set(outcomes) == {"started"}, outcomes


def test_ye20_a_step_started_while_sqlite_reads_the_status_is_not_refused(engine, monkeypatch):
    if engine.dialect.name != "sqlite":
        pytest.skip("the SQLite status read")
    real_flock = fcntl.flock
    step_thread: list[threading.Thread] = []
    outcomes: list[str] = []
    step_tried = threading.Event()
    reading = threading.local()

    def flock(handle, operation):
        real_flock(handle, operation)  # raises as the real one does
        if getattr(reading, "status", False) and operation != fcntl.LOCK_UN \
                and not step_thread:
            # The status read holds the lock file this instant: a step starts in another
            # thread, and the read goes on once that step has tried the lock.
            thread = threading.Thread(target=lambda: outcomes.append(start_step(engine)))
            step_thread.append(thread)
            thread.start()
            assert step_tried.wait(60), "the step never tried the lock"

    def traced(handle, operation):
        if not getattr(reading, "status", False) and operation & fcntl.LOCK_EX:
            try:
                return real_flock(handle, operation)
            finally:
                step_tried.set()
        return flock(handle, operation)

    assert start_step(engine) == "started"  # an earlier step: its lock file is there
    monkeypatch.setattr(locks.fcntl, "flock", traced)
    reading.status = True
    try:
        assert process.running(engine) is None
    finally:
        reading.status = False
    assert step_thread, "the status read took no file lock"
    step_thread[0].join(60)
    assert outcomes == ["started"]

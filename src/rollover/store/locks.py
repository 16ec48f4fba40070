"""One at a time across processes and hosts (RF-23, YE-18), and nothing left behind by the dead.

PostgreSQL: a session advisory lock, held by a connection of its own for the whole run.  The
server drops it when that connection ends; TCP keepalives make a lost machine's connection end
within about 10 seconds.  SQLite: an exclusive `flock` on a file beside the database, which the
kernel releases when the process holding it dies.  Neither ever waits: a second caller is refused.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from ..errors import RolloverError

_MEMORY_LOCKS: dict[str, threading.Lock] = {}


class AlreadyRunning(RolloverError):
    """Another holder has the lock: exit status 3."""

    exit_status = 3


@contextmanager
def exclusive(engine: Engine, name: str, busy_message: str):
    """Hold the named lock for the block, or raise AlreadyRunning(busy_message) at once."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, name, busy_message):
            yield
    else:
        with _file_lock(engine, name, busy_message):
            yield


def _lock_key(name: str) -> int:
    # A stable signed 64-bit key for pg_try_advisory_lock, the same on every host.
    return int.from_bytes(hashlib.sha256(f"rollover:{name}".encode()).digest()[:8], "big",
                          signed=True)


@contextmanager
def _advisory_lock(engine: Engine, name: str, busy_message: str):
    conn = engine.connect()
    try:
        conn.execute(text("SET tcp_keepalives_idle = 3; SET tcp_keepalives_interval = 2; "
                          "SET tcp_keepalives_count = 3"))
        got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"),
                           {"key": _lock_key(name)}).scalar()
        conn.commit()
        if not got:
            raise AlreadyRunning(busy_message)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _lock_key(name)})
            conn.commit()
    finally:
        conn.close()


@contextmanager
def _file_lock(engine: Engine, name: str, busy_message: str):
    database = engine.url.database
    if not database or database == ":memory:":
        lock = _MEMORY_LOCKS.setdefault(name, threading.Lock())
        if not lock.acquire(blocking=False):
            raise AlreadyRunning(busy_message)
        try:
            yield
        finally:
            lock.release()
        return
    path = Path(f"{database}.{name}.lock")
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(busy_message) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

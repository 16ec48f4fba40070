"""One at a time across processes and hosts (RF-23, YE-18), and nothing left behind by the dead.

`exclusive_transaction` yields a transaction that only one caller at a time can hold:

- PostgreSQL: a transaction-level advisory lock taken by the transaction itself, so it lasts
  exactly as long as the work: the server releases it when that transaction commits or aborts,
  never while a dying client's COMMIT is still under way.  The server checks every second that
  the client is still there and aborts the transaction of one that is gone; TCP keepalives make
  a lost machine count as gone within about 10 seconds.
- SQLite: an exclusive `flock` on a file beside the database, taken before the transaction and
  released after it ends; the kernel releases it when the process holding it dies, and SQLite's
  journal undoes an unfinished transaction.

Neither ever waits: a second caller is refused at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from ..errors import RolloverError
from .database import writing

_MEMORY_LOCKS: dict[str, threading.Lock] = {}


class AlreadyRunning(RolloverError):
    """Another holder has the lock: exit status 3."""

    exit_status = 3


@contextmanager
def exclusive_transaction(engine: Engine, name: str, busy_message: str, *, write: bool = True,
                          also: Sequence[tuple[str, str]] = ()):
    """A transaction (taking SQLite's write lock at once when `write`) that holds the named
    lock, and the `also` locks (name, busy message) after it; raise AlreadyRunning with the
    busy message of the first lock another caller holds, at once."""
    transaction = writing(engine) if write else engine.begin()
    locks = [(name, busy_message), *also]
    if engine.dialect.name == "postgresql":
        with transaction as conn:
            for lock_name, message in locks:
                _advisory_lock(conn, lock_name, message)
            yield conn
    else:
        with ExitStack() as stack:
            for lock_name, message in locks:
                stack.enter_context(_file_lock(engine, lock_name, message))
            conn = stack.enter_context(transaction)
            yield conn


def _lock_key(name: str) -> int:
    # A stable signed 64-bit key for the advisory lock, the same on every host.
    return int.from_bytes(hashlib.sha256(f"rollover:{name}".encode()).digest()[:8], "big",
                          signed=True)


def _advisory_lock(conn: Connection, name: str, busy_message: str) -> None:
    # If this client dies, the server must end the transaction (and so free the lock) even
    # while it waits inside COMMIT: it checks the client every second (PostgreSQL 14+), and
    # keepalives turn a vanished machine into a closed connection.
    conn.execute(text("SET tcp_keepalives_idle = 3; SET tcp_keepalives_interval = 2; "
                      "SET tcp_keepalives_count = 3"))
    if conn.dialect.server_version_info >= (14,):
        conn.execute(text("SET client_connection_check_interval = 1000"))
    if not conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"),
                        {"key": _lock_key(name)}).scalar():
        raise AlreadyRunning(busy_message)


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
    try:
        handle = path.open("a+")
    except PermissionError:  # a user who may only read the store (docs/security.md)
        if not path.exists():
            yield  # no lock file: nobody holds it (a holder makes it first)
            return
        handle = path.open("r")  # flock needs no write access
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(busy_message) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

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

Neither waits for a holder: a second caller is refused at once, told what holds the lock: what
is running, who started it and when (the `holder` the first caller gave).  A status probe
(`refuse_if_held`) takes nothing on PostgreSQL; on SQLite it holds the file's shared lock for
an instant, and a caller that finds the file locked by no named holder tries again for up to
a second rather than be refused because someone looked.  On PostgreSQL the holder
is the transaction's `application_name` (reset by the server when the transaction ends), read
from `pg_stat_activity` by the refused caller; on SQLite it is written into the lock file, which
the next holder empties.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import threading
import time
from collections.abc import Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from ..errors import RolloverError
from .database import writing

_MEMORY_LOCKS: dict[str, threading.Lock] = {}
_MEMORY_HOLDERS: dict[str, "Holder"] = {}
_APPLICATION = "rollover"
_RUN = "ro"  # a run's holder: its run id takes the room of "rollover" (see _encode)
_NAME_BYTES = 63  # PostgreSQL keeps this much of an application_name
_UNNAMED_WAIT = 1.0  # seconds: see _take_file_lock


# Every operation that writes much of the district at once holds this lock besides its own, so
# that two of them never interleave (two imports on PostgreSQL would deadlock).
DISTRICT_WRITE = ("district", "Another operation is writing this district's records")


class AlreadyRunning(RolloverError):
    """Another holder has the lock: exit status 3."""

    exit_status = 3
    http_status = 409


@dataclass(frozen=True)
class Holder:
    """What holds a lock: the operation (e.g. "rollover forward"), who started it, when, and
    the run it records (if it is a run)."""

    what: str
    user: str | None = None
    since: dt.datetime | None = None
    run_id: str | None = None

    def describe(self) -> str:
        when = f" at {self.since:%Y-%m-%d %H:%M:%S} UTC" if self.since else ""
        run = f", run {self.run_id}" if self.run_id else ""
        return f"{self.what}, started by {self.user or 'an unnamed user'}{when}{run}"


@contextmanager
def exclusive_transaction(engine: Engine, name: str, busy_message: str, *, write: bool = True,
                          also: Sequence[tuple[str, str]] = (), holder: Holder | None = None):
    """A transaction (taking SQLite's write lock at once when `write`) that holds the named
    lock, and the `also` locks (name, busy message) after it; raise AlreadyRunning with the
    busy message of the first lock another caller holds, and what holds it, at once.

    `holder` says what the caller is doing, for the message another caller gets meanwhile; a
    caller that gives none (a status probe) is described as holding it for nothing named."""
    transaction = writing(engine) if write else engine.begin()
    locks = [(name, busy_message), *also]
    if holder is not None and holder.since is None:
        holder = Holder(holder.what, holder.user, dt.datetime.now(dt.timezone.utc))
    if engine.dialect.name == "postgresql":
        with transaction as conn:
            _name_holder(conn, holder)
            for lock_name, message in locks:
                _advisory_lock(conn, lock_name, message)
            yield conn
    else:
        with ExitStack() as stack:
            for lock_name, message in locks:
                stack.enter_context(_file_lock(engine, lock_name, message, holder))
            conn = stack.enter_context(transaction)
            yield conn


def refuse_if_held(engine: Engine, name: str, busy_message: str) -> None:
    """Raise AlreadyRunning, naming the holder as `exclusive_transaction` would, when another
    holds the named lock now; write nothing.  PostgreSQL: read from pg_locks, taking nothing;
    SQLite: the lock file's lock tried for an instant (as a status probe does)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            held, label = _advisory_lock_state(conn, _lock_key(name))
            conn.rollback()
        if held:
            raise _busy(busy_message, _decode(label))
        return
    database = engine.url.database
    if not database or database == ":memory:":
        lock = _MEMORY_LOCKS.setdefault(name, threading.Lock())
        if lock.locked():
            raise _busy(busy_message, _MEMORY_HOLDERS.get(name))
        return
    path = Path(f"{database}.{name}.lock")
    if not path.exists():
        return  # a holder makes it first
    with path.open("r") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(busy_message, _file_holder(handle)) from None
        fcntl.flock(handle, fcntl.LOCK_UN)


def _busy(message: str, holder: Holder | None) -> AlreadyRunning:
    if holder is None:
        return AlreadyRunning(message)
    return AlreadyRunning(f"{message} ({holder.describe()})")


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
    key = _lock_key(name)
    if not conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}).scalar():
        raise _busy(busy_message, _advisory_holder(conn, key))


def _name_holder(conn: Connection, holder: Holder | None) -> None:
    """Name the transaction after its holder (SET LOCAL: the server puts the name back when the
    transaction ends, so a dead holder's name goes with its lock)."""
    label = _APPLICATION if holder is None else _encode(holder)
    conn.execute(text("SELECT set_config('application_name', :label, true)"), {"label": label})


def _encode(holder: Holder) -> str:
    # application_name keeps printable ASCII only, 63 bytes: "rollover|when|what|user"; for a
    # run "ro|run id|user|what", its run id holding its kind and start time, what last (where
    # the 63 bytes may cut it short).
    if holder.run_id:
        label = f"{_RUN}|{holder.run_id}|{holder.user or ''}|{holder.what}"
    else:
        since = holder.since.strftime("%Y%m%dT%H%M%S") if holder.since else ""
        label = f"{_APPLICATION}|{since}|{holder.what}|{holder.user or ''}"
    return "".join(c if " " <= c <= "~" else "?" for c in label)[:_NAME_BYTES]


def _decode(label: str | None) -> Holder | None:
    parts = (label or "").split("|", 3)
    if len(parts) != 4 or parts[0] not in (_APPLICATION, _RUN):
        return None
    if parts[0] == _RUN:
        run_id, user, what = parts[1:]
        return Holder(what, user or None, _time(run_id.rsplit("-", 2)[-2:][0]), run_id)
    return Holder(parts[2], parts[3] or None, _time(parts[1]))


def _time(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%dT%H%M%S")
    except ValueError:
        return None


def _advisory_holder(conn: Connection, key: int) -> Holder | None:
    """Who holds the advisory lock `key` in this database, as its transaction named itself.

    pg_locks lists the whole server's locks: the same key held in another database of the same
    server is another lock, whose holder this one's must not be mistaken for."""
    return _decode(_advisory_lock_state(conn, key)[1])


def _advisory_lock_state(conn: Connection, key: int) -> tuple[bool, str | None]:
    """Whether a session of this database holds the advisory lock `key`, and its name."""
    high, low = (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF  # pg_locks splits the key in two
    row = conn.execute(text(
        "SELECT a.application_name FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.classid = :high AND l.objid = :low AND l.objsubid = 1 LIMIT 1"),
        {"high": high, "low": low}).first()
    return (row is not None, row[0] if row is not None else None)


@contextmanager
def _file_lock(engine: Engine, name: str, busy_message: str, holder: Holder | None):
    database = engine.url.database
    if not database or database == ":memory:":
        lock = _MEMORY_LOCKS.setdefault(name, threading.Lock())
        if not lock.acquire(blocking=False):
            raise _busy(busy_message, _MEMORY_HOLDERS.get(name))
        _MEMORY_HOLDERS.pop(name, None)
        if holder is not None:
            _MEMORY_HOLDERS[name] = holder
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
        _take_file_lock(handle, busy_message)
        try:
            _write_holder(handle, holder)
            yield
        finally:
            _write_holder(handle, None)  # a later probe's instant is not taken for this holder
            fcntl.flock(handle, fcntl.LOCK_UN)


def _take_file_lock(handle, busy_message: str) -> None:
    """The exclusive lock now; AlreadyRunning naming its holder when a named holder has it.

    A file locked by nobody named is a status probe's instant (or a holder between its lock and
    its note): tried again every few milliseconds, for a second at most."""
    deadline = time.monotonic() + _UNNAMED_WAIT
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = _file_holder(handle)
            if holder is not None or time.monotonic() >= deadline:
                raise _busy(busy_message, holder) from None
        time.sleep(0.005)


def _write_holder(handle, holder: Holder | None) -> None:
    if not handle.writable():
        return  # a read-only user's status probe: it names nothing
    handle.seek(0)
    handle.truncate()
    if holder is not None:
        handle.write(json.dumps({"what": holder.what, "user": holder.user,
                                 "since": holder.since.isoformat() if holder.since else None,
                                 "run_id": holder.run_id, "pid": os.getpid()}))
    handle.flush()


def _file_holder(handle) -> Holder | None:
    """What the lock file says of its holder (nothing when it is being rewritten just now)."""
    try:
        handle.seek(0)
        entry = json.loads(handle.read() or "null")
        since = dt.datetime.fromisoformat(entry["since"]) if entry.get("since") else None
        return Holder(str(entry["what"]), entry.get("user"), since, entry.get("run_id"))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None

"""What the tests of who is acting and of read-only stores share (test_identity.py,
test_read_only_store.py; docs/security.md, "The threat model"):

    DatabaseRoles       PostgreSQL login roles made for one test, dropped after it
    read_only_sqlite    lock a SQLite store's file and folder against writes (and undo it)
    run_as_reader       the command line in a child process that cannot write what it may not

Tests run as root, and root writes any file whatever its mode.  The child process drops root's
power to override file permissions (CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, from its capability
bounding set before it starts Python), so it is held to the file modes like any other user.
"""

from __future__ import annotations

import ctypes
import os
import stat
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import rollover
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SOURCE = Path(rollover.__file__).resolve().parents[1]
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


class DatabaseRoles:
    """Login roles in the session's database: `make(name, access)` -> (role, URL).  "write" may
    read and write every table; "read" may only read.  Roles belong to the whole server, so each
    gets a unique name; `drop_all` ends their sessions and drops them."""

    def __init__(self, postgres_url: str):
        self.url = postgres_url
        self.admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        self.made: list[str] = []

    def make(self, name: str, access: str = "write") -> tuple[str, str]:
        role = f"{name}_{uuid.uuid4().hex[:8]}"
        statements = [f'CREATE ROLE "{role}" LOGIN',
                      f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"']
        if access == "write":
            statements += [f'GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public '
                           f'TO "{role}"',
                           f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{role}"']
        with self.admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
        self.made.append(role)
        return role, make_url(self.url).set(username=role).render_as_string(False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for role in self.made:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE usename = :role"), {"role": role})
                conn.execute(text(f'DROP OWNED BY "{role}"'))
                conn.execute(text(f'DROP ROLE "{role}"'))
        self.admin.dispose()


@contextmanager
def read_only_sqlite(database: Path):
    """The store file and its folder made read-only (r--r--r--, r-xr-xr-x) for the block; the
    reader may create nothing beside the file either (no -wal, no -shm)."""
    folder = database.parent
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in (database, folder)}
    database.chmod(0o444)
    folder.chmod(0o555)
    try:
        yield
    finally:
        folder.chmod(modes[folder])
        database.chmod(modes[database])


def _drop_file_override() -> None:
    """In the child, before Python starts: give up root's override of file permissions."""
    if os.geteuid() != 0:
        return  # an ordinary user is held to the file modes already
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop a capability")


def run_as_reader(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`python ARGS` as a user held to the file modes, with this checkout's rollover."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("ROLLOVER_USER", "USER", "ROLLOVER_DATABASE_URL")}
    env["PYTHONPATH"] = str(SOURCE)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, preexec_fn=_drop_file_override)


def rollover_as_reader(url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return run_as_reader("-m", "rollover", "--db", url, *args, cwd=cwd)


def cannot_write(path: Path, cwd: Path) -> bool:
    """Whether the reader is refused opening `path` for writing (the test's own premise)."""
    child = run_as_reader("-c", f"open({str(path)!r}, 'r+b')", cwd=cwd)
    return child.returncode != 0 and "PermissionError" in child.stderr

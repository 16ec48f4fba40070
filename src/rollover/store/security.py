"""Reads and writes of users, their rights, the district's system settings and scheduled tasks
(YE-2, YE-3), on a connection the caller holds: the caller owns the transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, exists, select, text

from ..domain.security import MAINTENANCE_LOCK, SYSTEM_ALL, WRITE, Grant
from .schema import schools, users
from .schema_process import scheduled_tasks, system_settings, user_rights

SETTINGS_KEY = 1
# Every switch of the settings row; an absent row means every one is off.
SETTINGS = tuple(c.name for c in system_settings.columns if c.name != "settings_key")


@dataclass(frozen=True)
class UserRow:
    user_name: str
    full_name: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class DatabaseRole:
    name: str
    superuser: bool


# -- who is connected -------------------------------------------------------------------------

def connection_role(conn: Connection) -> DatabaseRole | None:
    """The role the database authenticated this connection as (PostgreSQL's session_user, which
    SET ROLE does not change); None where the database has no roles of its own (SQLite)."""
    if conn.dialect.name != "postgresql":
        return None
    name, superuser = conn.execute(text(
        "SELECT session_user, rolsuper FROM pg_roles WHERE rolname = session_user")).one()
    return DatabaseRole(name, bool(superuser))


# -- users ------------------------------------------------------------------------------------

def has_users(conn: Connection) -> bool:
    """False while security is not set up (the "open district" of docs/security.md)."""
    return bool(conn.execute(select(exists().select_from(users))).scalar())


def get_user(conn: Connection, name: str) -> UserRow | None:
    row = conn.execute(select(users.c.user_name, users.c.full_name, users.c.created_at)
                       .where(users.c.user_name == name)).first()
    return UserRow(*row) if row else None


def all_users(conn: Connection) -> list[UserRow]:
    rows = conn.execute(select(users.c.user_name, users.c.full_name, users.c.created_at)
                        .order_by(users.c.user_name))
    return [UserRow(*row) for row in rows]


def insert_user(conn: Connection, name: str, full_name: str | None,
                created_at: dt.datetime, *, password_hash: str | None = None) -> UserRow:
    conn.execute(users.insert().values(user_name=name, full_name=full_name,
                                       created_at=created_at, password_hash=password_hash))
    return UserRow(name, full_name, created_at)


def password_hash_of(conn: Connection, name: str) -> str | None:
    """The user's password hash (None: no such user, or no password set)."""
    return conn.execute(select(users.c.password_hash).where(users.c.user_name == name)).scalar()


def set_password_hash(conn: Connection, name: str, password_hash: str) -> int:
    """The number of users changed (0: no such user)."""
    return conn.execute(users.update().where(users.c.user_name == name)
                        .values(password_hash=password_hash)).rowcount


# -- rights -----------------------------------------------------------------------------------

def _grants(conn: Connection, *conditions) -> list[Grant]:
    r = user_rights.c
    query = (select(r.user_name, r.right_name, r.school_id, r.access).where(*conditions)
             # all-schools grants first, then by school
             .order_by(r.user_name, r.right_name, r.school_id.is_not(None), r.school_id))
    return [Grant(*row) for row in conn.execute(query)]


def user_grants(conn: Connection, name: str) -> list[Grant]:
    return _grants(conn, user_rights.c.user_name == name)


def all_grants(conn: Connection) -> list[Grant]:
    return _grants(conn)


def find_grant(conn: Connection, name: str, right: str, school: str | None) -> Grant | None:
    found = _grants(conn, *_same_grant(name, right, school))
    return found[0] if found else None


def put_grant(conn: Connection, grant: Grant) -> None:
    """Insert the grant, or set the access of the one with the same user, right and school."""
    same = _same_grant(grant.user_name, grant.right, grant.school_id)
    updated = conn.execute(user_rights.update().where(*same).values(access=grant.access))
    if not updated.rowcount:
        conn.execute(user_rights.insert().values(
            user_name=grant.user_name, right_name=grant.right, school_id=grant.school_id,
            access=grant.access))


def delete_grant(conn: Connection, name: str, right: str, school: str | None) -> int:
    return conn.execute(user_rights.delete().where(*_same_grant(name, right, school))).rowcount


def lock_passers(conn: Connection) -> list[str]:
    """Users who can work while the system is locked (YE-2), by name."""
    r = user_rights.c
    query = (select(r.user_name).distinct()
             .where(r.school_id.is_(None), r.access == WRITE,
                    r.right_name.in_((SYSTEM_ALL, MAINTENANCE_LOCK)))
             .order_by(r.user_name))
    return list(conn.execute(query).scalars())


def _same_grant(name: str, right: str, school: str | None):
    r = user_rights.c
    return (r.user_name == name, r.right_name == right, r.school_id.is_not_distinct_from(school))


def school_exists(conn: Connection, school_id: str) -> bool:
    return bool(conn.execute(select(exists().where(schools.c.school_id == school_id))).scalar())


# -- system settings --------------------------------------------------------------------------

def read_settings(conn: Connection, *, lock: str | None = None) -> dict[str, bool]:
    """Every switch of the settings row (all False when there is no row yet).

    `lock="share"` / `lock="update"` hold the row (PostgreSQL; SQLite's writers are already
    serialized) until the transaction ends, so the lock cannot be switched on between a writer's
    check and its commit: `set_lock` waits for writers that checked before it.
    """
    query = select(*(system_settings.c[name] for name in SETTINGS)).where(
        system_settings.c.settings_key == SETTINGS_KEY)
    if lock is not None:
        query = query.with_for_update(read=lock == "share")
    row = conn.execute(query).first()
    if row is None:
        return dict.fromkeys(SETTINGS, False)
    return {name: bool(value) for name, value in zip(SETTINGS, row)}


def write_settings(conn: Connection, **values: bool) -> dict[str, bool]:
    """Set some switches (the row is created on first write, the others off); every switch after."""
    unknown = set(values) - set(SETTINGS)
    if unknown:
        raise ValueError(f"unknown system settings: {', '.join(sorted(unknown))}")
    updated = conn.execute(system_settings.update()
                           .where(system_settings.c.settings_key == SETTINGS_KEY).values(**values))
    if not updated.rowcount:
        conn.execute(system_settings.insert().values(
            settings_key=SETTINGS_KEY, **{**dict.fromkeys(SETTINGS, False), **values}))
    return read_settings(conn)


# -- scheduled tasks --------------------------------------------------------------------------

@dataclass(frozen=True)
class ScheduledTask:
    task_id: str
    name: str
    schedule: str | None
    enabled: bool

    def as_json(self) -> dict:
        return {"task_id": self.task_id, "name": self.name, "schedule": self.schedule,
                "enabled": self.enabled}


def all_scheduled_tasks(conn: Connection) -> list[ScheduledTask]:
    t = scheduled_tasks.c
    rows = conn.execute(select(t.task_id, t.name, t.schedule, t.enabled).order_by(t.task_id))
    return [ScheduledTask(task_id, name, schedule, bool(enabled))
            for task_id, name, schedule, enabled in rows]


def put_scheduled_task(conn: Connection, task: ScheduledTask) -> None:
    t = scheduled_tasks.c
    values = {"name": task.name, "schedule": task.schedule, "enabled": task.enabled}
    updated = conn.execute(scheduled_tasks.update().where(t.task_id == task.task_id)
                           .values(**values))
    if not updated.rowcount:
        conn.execute(scheduled_tasks.insert().values(task_id=task.task_id, **values))


def set_task_enabled(conn: Connection, task_id: str, enabled: bool) -> int:
    """Switch one task on or off; the number of tasks changed (0: no such task)."""
    return conn.execute(scheduled_tasks.update().where(scheduled_tasks.c.task_id == task_id)
                        .values(enabled=enabled)).rowcount

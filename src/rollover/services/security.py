"""Users, rights and the maintenance lock (YE-2) as services; see docs/security.md.

    acting(conn, declared)                                   -> Acting: who is acting
    require(conn, user, right, schools=None, write=True)     -> Acting; the guard of every write
    add_user(engine, name, full_name=None, *, user, password=None) -> UserInfo
    may_add_user(engine, name, *, user)                      -> None, or the refusal add_user gives
    list_users(engine)                                       -> [UserInfo] with their grants
    grant(engine, name, right, school=None, access="write", *, user) -> Grant
    revoke(engine, name, right, school=None, *, user)       -> Grant (the one removed)
    set_lock(engine, on, *, user)                            -> LockStatus
    lock_status(engine)                                      -> LockStatus
    sign_in(engine, user)                                    -> SignIn

The open district: while the `users` table is empty, security is not set up yet and every action
is allowed (a fresh clone, the demo and the tests work without users).  The first user added gets
`system_all` for all schools, so somebody can always manage security; from then on an action by
a missing or unknown user name is refused.

Who is acting is decided in one place, `acting`: on PostgreSQL the connection's role proves it;
on SQLite (and for a PostgreSQL superuser) the name given is a declaration.  `require` returns it,
and a service records `Acting.recorded` ("ROLE for USER" when a role acts for someone else).

Every refusal is a RolloverError (exit status 2) raised before anything is written; a change that
breaks a rule is rolled back whole.  Nothing here prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from ..domain.security import (
    ACCESS, LOCKED_MESSAGE, MAINTENANCE_LOCK, SECURITY, SYSTEM_ALL, WRITE, Grant, LoginName,
    acts_for_others, can_pass_lock, decide, decide_sign_in, is_known_right, known_rights,
    manages_security, user_name_problem,
)
from ..domain.sign_in import hash_password, password_problem
from ..domain.suggestions import did_you_mean
from ..errors import RolloverError
from ..store import security as store
from ..store.district_info import school_ids
from ..store.database import reading

NO_USER = "no user given: use --user or ROLLOVER_USER"


class NotPermitted(RolloverError):
    """The acting user may not do this (a missing right, an unknown or missing user name)."""

    http_status = 403


class SystemLocked(NotPermitted):
    """YE-2: the system is locked for maintenance and the user cannot get past the lock."""

    http_status = 423

    def __init__(self, message: str = LOCKED_MESSAGE):
        super().__init__(message)


class SecurityRefused(RolloverError):
    """A bad value (user, right, school, access) or a change that would leave nobody in charge."""


# -- who is acting ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Acting:
    """Who is acting: `user`, whose rights count (None: no name given), and `role`, the database
    role that proved who connected (PostgreSQL, a role that is no superuser; else None)."""

    user: str | None
    role: str | None = None

    @property
    def recorded(self) -> str | None:
        """The name a record keeps: the user, or "ROLE for USER" when a role acts for another
        user."""
        if self.role is None or self.user == self.role:
            return self.user
        return f"{self.role} for {self.user}"


def acting(conn: Connection, declared: str | None, *, strict: bool = True) -> Acting:
    """Who is acting on this connection, given the name declared (--user, else $ROLLOVER_USER,
    else the login name as a LoginName); the one place that decides it (docs/security.md):

    - SQLite, and a PostgreSQL superuser: whoever can write the file, or is a superuser, can
      change anything, so the name given is a declaration: Acting(declared).
    - Any other PostgreSQL role: the role, proven by the database's own authentication, is its
      own rollover user.  A name given (never the login name) may be another user only when the
      role's own user holds `system_all` with write access for all schools (acting for someone).
      While security is not set up (no users) any name is taken: everything is allowed.

    Raises NotPermitted for a role that is no rollover user, or that names another user without
    `system_all`; with `strict` False (a read's own record) the role alone is returned instead.
    """
    login_only = isinstance(declared, LoginName)
    declared = str(declared) if declared else None
    role = store.connection_role(conn)
    if role is None or role.superuser:
        return Acting(declared)
    if login_only or declared == role.name:
        declared = None
    if not store.has_users(conn):
        return Acting(declared or role.name, role.name)
    if store.get_user(conn, role.name) is None:
        refusal = (f"database role {role.name!r} is not a rollover user: add it (rollover users "
                   f"add {role.name}) or connect as a role that is one")
    elif declared is not None and not acts_for_others(store.user_grants(conn, role.name)):
        refusal = (f"database role {role.name!r} cannot act as user {declared!r}: acting for "
                   f"another user needs the {SYSTEM_ALL!r} right with write access for all "
                   "schools")
    else:
        return Acting(declared or role.name, role.name)
    if strict:
        raise NotPermitted(refusal)
    return Acting(role.name, role.name)


def recorded_name(conn: Connection, declared: str | None) -> str | None:
    """The name a read's own record keeps (the check's run): never refused, and never a claim
    the connection cannot make."""
    return acting(conn, declared, strict=False).recorded


# -- the guard --------------------------------------------------------------------------------

def require(conn: Connection, user: str | None, right: str,
            schools: Iterable[str] | None = None, write: bool = True) -> Acting:
    """Raise NotPermitted or SystemLocked unless the user acting (see `acting`; `user` is the
    name declared) may use `right` (with write access when `write`) at `schools` (None:
    district-wide, which needs the right for all schools).  Who is acting, for the record.

    Call it inside the transaction that writes, before writing: on PostgreSQL a writer holds the
    settings row (FOR SHARE) until it commits, so `lock on` waits for writers that checked before
    it and every writer after it sees the lock.
    """
    if not is_known_right(right):
        raise ValueError(f"unknown right {right!r} (register it with register_right)")
    if isinstance(schools, str):
        schools = {schools}  # one school id, not its letters
    who = acting(conn, user)
    if not store.has_users(conn):
        return who  # the open district: security is not set up yet
    _known_user(conn, who.user)
    locked = store.read_settings(conn, lock="share" if write else None)["lock_out_users"]
    refusal = decide(store.user_grants(conn, who.user), locked, right,
                     None if schools is None else set(schools), write)
    if refusal is None:
        return who
    if refusal.locked:
        raise SystemLocked()
    raise NotPermitted(f"user {who.user!r} {refusal}")


def require_writer(conn: Connection, user: str | None) -> Acting:
    """Raise NotPermitted or SystemLocked unless the user acting is a user who may write at all
    while the system is as it is (YE-2: the maintenance lock); for a write that needs no right
    of its own (a user's own password) or whose right is checked later, at the schools it
    changes (a job queued for an undo).  Called by the unit of work only."""
    who = acting(conn, user)
    if not store.has_users(conn):
        return who
    _known_user(conn, who.user)
    locked = store.read_settings(conn, lock="share")["lock_out_users"]
    if locked and not can_pass_lock(store.user_grants(conn, who.user)):
        raise SystemLocked()
    return who


def _known_user(conn: Connection, user: str | None) -> str:
    if not user:
        raise NotPermitted(NO_USER)
    if store.get_user(conn, user) is None:
        raise NotPermitted(f"unknown user {user!r}")
    return user


# -- users and rights -------------------------------------------------------------------------

@dataclass(frozen=True)
class UserInfo:
    user_name: str
    full_name: str | None
    created_at: dt.datetime
    grants: tuple[Grant, ...] = field(default_factory=tuple)

    def as_json(self) -> dict:
        return {"user": self.user_name, "full_name": self.full_name,
                "created_at": self.created_at.isoformat(),
                "rights": [g.as_json() for g in self.grants]}


def add_user(engine: Engine, name: str, full_name: str | None = None, *,
             user: str | None, password: str | None = None) -> UserInfo:
    """Add a user, with a password (kept as its argon2id hash) or without one (they cannot sign
    in until `services.sign_in.set_password` sets one).  The first user of the district gets
    `system_all` for all schools (and may be added by anyone, but a PostgreSQL role that is no
    superuser may add only itself first: another first user would leave it unable to manage
    users); later ones need `security`."""
    problem = user_name_problem(name)
    if problem:
        raise SecurityRefused(problem)
    full_name = (full_name or "").strip() or None
    hashed = None
    if password is not None:
        check_password(password)
        hashed = hash_password(password)  # slow on purpose: before the transaction
    with _guarded(engine, user) as work:
        conn = work.conn
        first = _may_add(work, name)
        row = store.insert_user(conn, name, full_name, dt.datetime.now(dt.timezone.utc),
                                password_hash=hashed)
        if first:
            store.put_grant(conn, Grant(name, SYSTEM_ALL, None, WRITE))
        return UserInfo(row.user_name, row.full_name, row.created_at,
                        tuple(store.user_grants(conn, name)))


def may_add_user(engine: Engine, name: str, *, user: str | None) -> None:
    """Refuse as `add_user` would, writing nothing: asked before a password is typed in."""
    problem = user_name_problem(name)
    if problem:
        raise SecurityRefused(problem)
    with _guarded(engine, user, write=False) as work:
        _may_add(work, name)


def _may_add(work, name: str) -> bool:
    """Refuse adding `name` unless allowed; whether it is the district's first user."""
    conn = work.conn
    first = not store.has_users(conn)
    if first:
        role = work.acting.role
        if role is not None and name != role:
            raise SecurityRefused(
                f"the first user must be the database role you connect as ({role!r}): add "
                f"{role!r} first, or connect as a role named {name!r}")
    else:
        work.at_schools(None)
        if store.get_user(conn, name) is not None:
            raise SecurityRefused(f"user {name!r} already exists")
    return first


class PasswordRefused(SecurityRefused):
    """A password that is too short or otherwise unusable (the password itself is never said)."""


def check_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise PasswordRefused(problem)


def list_users(engine: Engine) -> list[UserInfo]:
    """Every user, by name, with their grants (all-schools grants first)."""
    with reading(engine) as conn:
        grants: dict[str, list[Grant]] = {}
        for g in store.all_grants(conn):
            grants.setdefault(g.user_name, []).append(g)
        return [UserInfo(u.user_name, u.full_name, u.created_at,
                         tuple(grants.get(u.user_name, ())))
                for u in store.all_users(conn)]


def grant(engine: Engine, name: str, right: str, school: str | None = None,
          access: str = WRITE, *, user: str | None) -> Grant:
    """Give `name` the right at `school` (None: all schools); granting again sets its access.
    Needs `security` at that school (or for all schools)."""
    _check_right(right)
    if access not in ACCESS:
        raise SecurityRefused(f"access must be 'read' or 'write', not {access!r}")
    new = Grant(name, right, school, access)
    with _guarded(engine, user) as work:
        conn = work.conn
        work.at_schools(_scope(school))
        _check_target(conn, name, school)
        before = store.all_grants(conn)
        store.put_grant(conn, new)
        _keep_someone_in_charge(conn, before, f"setting {right!r} of {name!r} to {access}")
    return new


def revoke(engine: Engine, name: str, right: str, school: str | None = None, *,
           user: str | None) -> Grant:
    """Take the right at `school` (None: the all-schools grant) from `name`; the grant removed.
    Needs `security` at that school (or for all schools)."""
    _check_right(right)
    with _guarded(engine, user) as work:
        conn = work.conn
        work.at_schools(_scope(school))
        _check_target(conn, name, school)
        held = store.find_grant(conn, name, right, school)
        if held is None:
            where = "all schools" if school is None else f"school {school!r}"
            raise SecurityRefused(f"user {name!r} has no {right!r} right for {where}")
        before = store.all_grants(conn)
        store.delete_grant(conn, name, right, school)
        _keep_someone_in_charge(conn, before, f"revoking {right!r} from {name!r}")
    return held


def _guarded(engine: Engine, user: str | None, right: str = SECURITY, *, write: bool = True):
    """The unit of work of a change to security itself (no run): who is acting is known at
    once; the right is checked where the change needs it (`at_schools`).  `write` False: the
    same checks, writing nothing."""
    from .unit_of_work import operation, unit_of_work  # it guards with `require`, from here

    return unit_of_work(engine, operation("security", "security change", right,
                                          district_write=False, scope="schools",
                                          records_run=False), user=user, write=write)


def _scope(school: str | None) -> set[str] | None:
    return None if school is None else {school}


def _check_right(right: str) -> None:
    if not is_known_right(right):
        raise SecurityRefused(f"unknown right {right!r}; the rights are: "
                              f"{', '.join(known_rights())}")


def _check_target(conn: Connection, name: str, school: str | None) -> None:
    if store.get_user(conn, name) is None:
        raise SecurityRefused(f"unknown user {name!r}")
    if school is not None and not store.school_exists(conn, school):
        raise SecurityRefused(f"unknown school {school!r}"
                              f"{did_you_mean(school, school_ids(conn))}")


def _keep_someone_in_charge(conn: Connection, before: list[Grant], change: str) -> None:
    """Refuse (rolling the change back) a change that leaves nobody able to unlock a locked
    system, or nobody able to manage users, when somebody could before it."""
    after = store.all_grants(conn)
    if (store.read_settings(conn)["lock_out_users"] and can_pass_lock(before)
            and not can_pass_lock(after)):
        raise SecurityRefused(
            f"{change} refused: the system is locked for maintenance and no user could unlock "
            f"it any more (someone needs {SYSTEM_ALL!r} or {MAINTENANCE_LOCK!r} with write "
            "access for all schools)")
    if manages_security(before) and not manages_security(after):
        raise SecurityRefused(
            f"{change} refused: no user could manage users any more (someone needs "
            f"{SYSTEM_ALL!r} or {SECURITY!r} with write access for all schools)")


# -- the maintenance lock ---------------------------------------------------------------------

@dataclass(frozen=True)
class LockStatus:
    lock_out_users: bool
    disable_scheduled_tasks: bool
    open_district: bool  # no users yet: the lock stops nobody
    passers: tuple[str, ...]  # users who can work while locked
    scheduled_tasks: tuple[store.ScheduledTask, ...]

    @property
    def locked(self) -> bool:
        return self.lock_out_users

    def as_json(self) -> dict:
        return {"locked": self.locked, "lock_out_users": self.lock_out_users,
                "disable_scheduled_tasks": self.disable_scheduled_tasks,
                "open_district": self.open_district, "users_who_can_work": list(self.passers),
                "scheduled_tasks": [t.as_json() for t in self.scheduled_tasks]}


def set_lock(engine: Engine, on: bool, *, user: str | None) -> LockStatus:
    """YE-2: lock the system for maintenance and disable scheduled tasks in one step (`on`), or
    lift both.  Needs `maintenance_lock` with write access for all schools, or `system_all`.
    Locking is refused when nobody could unlock it (and in an open district: add a user first)."""
    with _guarded(engine, user, MAINTENANCE_LOCK) as work:
        conn = work.conn
        # Hold the settings row first: writers hold it shared until they commit (see require).
        store.read_settings(conn, lock="update")
        if store.has_users(conn):
            work.at_schools(None)
            if on and not store.lock_passers(conn):
                raise SecurityRefused(
                    f"lock refused: no user could unlock it (someone needs {SYSTEM_ALL!r} or "
                    f"{MAINTENANCE_LOCK!r} with write access for all schools)")
        elif on:
            raise SecurityRefused("lock refused: security is not set up, so the lock would stop "
                                  "nobody; add a user first (rollover users add NAME)")
        store.write_settings(conn, lock_out_users=on, disable_scheduled_tasks=on)
        return _status(conn)


def lock_status(engine: Engine) -> LockStatus:
    with reading(engine) as conn:
        return _status(conn)


def _status(conn: Connection) -> LockStatus:
    settings = store.read_settings(conn)
    return LockStatus(lock_out_users=settings["lock_out_users"],
                      disable_scheduled_tasks=settings["disable_scheduled_tasks"],
                      open_district=not store.has_users(conn),
                      passers=tuple(store.lock_passers(conn)),
                      scheduled_tasks=tuple(store.all_scheduled_tasks(conn)))


# -- signing in -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SignIn:
    user_name: str | None
    grants: tuple[Grant, ...]
    open_district: bool
    read_only: bool = False  # a reviewer signed in while locked: every write is refused


def sign_in(engine: Engine, user: str | None) -> SignIn:
    """Let `user` in: refused for an unknown or missing user, and while the system is locked for
    a user who cannot get past the lock (YE-2) unless they hold `maintenance_lock` read-only for
    all schools (then `read_only`).  In an open district anyone is let in.  The password is
    checked before, by `services.sign_in`."""
    with reading(engine) as conn:
        if not store.has_users(conn):
            return SignIn(user, (), open_district=True)
        return signed_in_as(conn, user)


def signed_in_as(conn: Connection, user: str | None) -> SignIn:
    """`sign_in`'s decision on the caller's transaction (a sign-in that also writes its token)."""
    _known_user(conn, user)
    grants = tuple(store.user_grants(conn, user))
    locked = store.read_settings(conn)["lock_out_users"]
    if decide_sign_in(grants, locked) is not None:
        raise SystemLocked()
    return SignIn(user, grants, open_district=False,
                  read_only=locked and not can_pass_lock(grants))

"""What `rollover users` and `rollover lock` say (YE-2): users with their rights, a grant, the
lock's state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .table import Table, table

if TYPE_CHECKING:  # types only: the command loads its service when it runs
    from ..domain.security import Grant
    from ..services.security import LockStatus, UserInfo
    from ..services.sign_in import SetPassword


def added_lines(added: UserInfo, *, password_set: bool = False) -> Iterator[str]:
    yield f"added user {added.user_name}"
    for g in added.grants:
        yield f"  the first user: given {g.right} ({g.access}) for {_scope(g.school_id)}"
    if password_set:
        yield "  password set: they can sign in"


def password_lines(done: SetPassword) -> Iterator[str]:
    yield f"password set for {done.user_name}"
    if done.tokens_revoked:
        ended = done.tokens_revoked
        yield f"  {ended} sign-in{'s' if ended > 1 else ''} ended: sign in again"


def users_text(found: list[UserInfo]) -> Iterator[str | Table]:
    """A row per right of each user (a user without any has one row, `no rights`)."""
    if not found:
        yield ("no users: security is not set up, every action is allowed "
               "(rollover users add NAME)")
        return
    yield table(("USER", "FULL NAME", "RIGHT", "SCHOOLS", "ACCESS"),
                ((u.user_name, u.full_name, g.right, _scope(g.school_id), g.access)
                 if g else (u.user_name, u.full_name, "no rights", None, None)
                 for u in found for g in (u.grants or (None,))))


def granted_line(given: Grant) -> str:
    return (f"granted {given.right} ({given.access}) for {_scope(given.school_id)} to "
            f"{given.user_name}")


def revoked_line(taken: Grant) -> str:
    return (f"revoked {taken.right} ({taken.access}) for {_scope(taken.school_id)} from "
            f"{taken.user_name}")


def lock_text(status: LockStatus) -> Iterator[str | Table]:
    """Whether the system is locked, each half of the lock, who can still work, and each
    scheduled task with its state."""
    yield ("the system is locked for maintenance" if status.lock_out_users else
           "the system is not locked")
    workers = ("everyone: no users yet, security is not set up" if status.open_district else
               ", ".join(status.passers) or "none")
    enabled = sum(t.enabled for t in status.scheduled_tasks)
    yield table(("SETTING", "VALUE"), (
        ("lock out users", _on(status.lock_out_users)),
        ("disable scheduled tasks", _on(status.disable_scheduled_tasks)),
        ("users who can work while locked", workers),
        ("scheduled tasks", f"{len(status.scheduled_tasks)} ({enabled} enabled)")))
    if status.scheduled_tasks:
        yield ""
        yield table(("SCHEDULED TASK", "NAME", "SCHEDULE", "STATE"),
                    ((t.task_id, t.name, t.schedule, _task_state(t, status))
                     for t in status.scheduled_tasks))


def _task_state(task, status: LockStatus) -> str:
    """A task keeps its own flag while the lock disables every task (YE-2)."""
    if not task.enabled:
        return "disabled"
    return "enabled, held by the lock" if status.disable_scheduled_tasks else "enabled"


def _on(value: bool) -> str:
    return "on" if value else "off"


def _scope(school: str | None) -> str:
    return "all schools" if school is None else f"school {school}"

"""What `rollover users` and `rollover lock` say (YE-2): users with their rights, a grant, the
lock's state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

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


def users_text(found: list[UserInfo]) -> Iterator[str]:
    if not found:
        yield ("no users: security is not set up, every action is allowed "
               "(rollover users add NAME)")
    for u in found:
        yield u.user_name + (f" ({u.full_name})" if u.full_name else "")
        for g in u.grants:
            yield f"  {g.right:<18} {_scope(g.school_id):<20} {g.access}"
        if not u.grants:
            yield "  no rights"


def granted_line(given: Grant) -> str:
    return (f"granted {given.right} ({given.access}) for {_scope(given.school_id)} to "
            f"{given.user_name}")


def revoked_line(taken: Grant) -> str:
    return (f"revoked {taken.right} ({taken.access}) for {_scope(taken.school_id)} from "
            f"{taken.user_name}")


def lock_text(status: LockStatus) -> Iterator[str]:
    if status.lock_out_users:
        yield "the system is locked for maintenance"
    else:
        yield "the system is not locked"
    yield f"  lock out users:          {'on' if status.lock_out_users else 'off'}"
    yield f"  disable scheduled tasks: {'on' if status.disable_scheduled_tasks else 'off'}"
    if status.open_district:
        yield "  no users yet: security is not set up and the lock stops nobody"
    else:
        yield f"  users who can work while locked: {', '.join(status.passers) or 'none'}"
    enabled = sum(t.enabled for t in status.scheduled_tasks)
    yield f"  scheduled tasks: {len(status.scheduled_tasks)} ({enabled} enabled)"


def _scope(school: str | None) -> str:
    return "all schools" if school is None else f"school {school}"

"""Users' rights and the maintenance lock (YE-2), decided purely: no database, no printing.

A *grant* gives one user one right, for one school or (school None) for every school, with 'read'
or 'write' access.  `decide` answers whether a user holding some grants may do an action; the
store and the services only fetch the grants and the lock and act on the answer.

- `system_all` for all schools with write access allows everything, even while locked.
- `system_all` for one school counts as every right at that school (with its access); it does not
  get past the lock, which needs `system_all` or `maintenance_lock` for ALL schools (the source:
  "SYSTEM - ALL - ALL for all buildings", else "Read/Write access for SYSTEM - MAINT - LOCK").
- A right granted for all schools covers every school; one granted for a school covers that school.
- A district-wide action (`schools=None`) needs the right for all schools.
- Write needs 'write' access; read accepts 'read' or 'write'.
- While the system is locked, every write by a user who cannot get past the lock is refused with
  exactly LOCKED_MESSAGE; reads are not refused.  Signing in while locked is for those who get
  past the lock and for `maintenance_lock` read-only reviewers (who then only read).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

SYSTEM_ALL = "system_all"
MAINTENANCE_LOCK = "maintenance_lock"
SECURITY = "security"
READ, WRITE = "read", "write"
ACCESS = (READ, WRITE)
LOCKED_MESSAGE = "the system is locked for maintenance"

# The built-in rights and what each lets a user do (shown by `rollover users list` and the docs).
BUILT_IN_RIGHTS: dict[str, str] = {
    SYSTEM_ALL: "everything; for all schools it also gets past the maintenance lock",
    MAINTENANCE_LOCK: "lock and unlock the system; with write for all schools, work while locked",
    SECURITY: "manage users and their rights",
    "import": "import bundles, load the demo district, edit bundle data",
    "registration": "roll forward, end batch, clean-up, the registration module",
    "calendar": "roll calendars into the next year",
    "scheduling": "the scheduling module",
    "mark_reporting": "the mark reporting module",
    "success_plan": "the success plan module",
    "attendance_codes": "the attendance codes module",
    "programs": "the programs module",
    "backup": "create, restore over and delete whole-database backups",
}

_rights: dict[str, str] = dict(BUILT_IN_RIGHTS)
_RIGHT_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


def register_right(name: str, description: str = "") -> str:
    """Make a right name known (a rollover module registers its own); registering a known name
    again is harmless.  Names are lower-case letters, digits and '_', starting with a letter."""
    if not isinstance(name, str) or not _RIGHT_NAME.fullmatch(name):
        raise ValueError(f"not a right name {name!r}: use lower-case letters, digits and '_', "
                         "starting with a letter (at most 64)")
    if description or name not in _rights:
        _rights[name] = description
    return name


def known_rights() -> dict[str, str]:
    """Every registered right name with its description, in registration order."""
    return dict(_rights)


def is_known_right(name: str) -> bool:
    return name in _rights


@dataclass(frozen=True)
class Grant:
    user_name: str
    right: str
    school_id: str | None  # None: every school
    access: str  # READ or WRITE

    def as_json(self) -> dict:
        return {"right": self.right, "school": self.school_id, "access": self.access}


@dataclass(frozen=True)
class Refusal:
    """Why an action is refused: the lock (`locked`), or the right missing for `schools`
    (None: for all schools)."""

    reason: str
    locked: bool = False
    right: str | None = None
    schools: tuple[str, ...] | None = None

    def __str__(self) -> str:
        return self.reason


def _grants_access(grant: Grant, write: bool) -> bool:
    return grant.access == WRITE or not write


def can_pass_lock(grants: Iterable[Grant]) -> bool:
    """YE-2: system_all for all schools, or maintenance_lock with write access for all schools."""
    return any(g.school_id is None and g.access == WRITE and g.right in (SYSTEM_ALL,
                                                                        MAINTENANCE_LOCK)
               for g in grants)


def covered_schools(grants: Iterable[Grant], right: str, write: bool) -> set[str | None]:
    """The schools (None: all of them) where the grants allow `right` with the access asked."""
    return {g.school_id for g in grants
            if g.right in (right, SYSTEM_ALL) and _grants_access(g, write)}


def decide(grants: Iterable[Grant], settings_locked: bool, right: str,
           schools: Iterable[str] | None, write: bool) -> Refusal | None:
    """None when the grants allow `right` (write or read) at `schools` (None: district-wide),
    else the Refusal.  `grants` are the acting user's."""
    grants = list(grants)
    if schools is not None:
        schools = set(schools)
        if not schools:
            schools = None  # no school named is no narrower than the whole district
    if settings_locked and write and not can_pass_lock(grants):
        return Refusal(LOCKED_MESSAGE, locked=True)
    covered = covered_schools(grants, right, write)
    if None in covered:
        return None
    access = WRITE if write else READ
    if schools is None:
        return Refusal(f"needs the {right!r} right with {access} access for all schools",
                       right=right)
    missing = tuple(sorted(set(schools) - covered))
    if not missing:
        return None
    return Refusal(f"needs the {right!r} right with {access} access for "
                   f"{school_list(missing)}", right=right, schools=missing)


def reviews_while_locked(grants: Iterable[Grant]) -> bool:
    """`maintenance_lock` with read access for all schools: the key users who verify the
    rollover before the district reopens may sign in while it is locked, and only read."""
    return any(g.right == MAINTENANCE_LOCK and g.school_id is None and g.access == READ
               for g in grants)


def decide_sign_in(grants: Iterable[Grant], settings_locked: bool) -> Refusal | None:
    """YE-2: while locked, only users who can get past the lock sign in, and the reviewers of
    `reviews_while_locked`, who may only read (every write of theirs is refused by `decide`)."""
    grants = list(grants)
    if settings_locked and not can_pass_lock(grants) and not reviews_while_locked(grants):
        return Refusal(LOCKED_MESSAGE, locked=True)
    return None


def acts_for_others(grants: Iterable[Grant]) -> bool:
    """Whether a database role whose own user holds these grants may act for another user:
    `system_all` with write access for all schools."""
    return any(g.right == SYSTEM_ALL and g.school_id is None and g.access == WRITE
               for g in grants)


class LoginName(str):
    """A user name taken from the operating system's login ($USER), not given by the person:
    a declaration on SQLite, ignored where the database proves who connects (PostgreSQL)."""


def manages_security(grants: Iterable[Grant]) -> bool:
    """Whether these grants let their user manage every user's rights (district-wide)."""
    return None in covered_schools(grants, SECURITY, write=True)


def user_name_problem(name) -> str | None:
    """Why `name` cannot be a user name (None when it can): 1 to 64 characters, no spaces or
    control characters, so it reads the same in a command line, a log and a CSV file."""
    if not isinstance(name, str) or not name:
        return "a user name cannot be empty"
    if len(name) > 64:
        return f"user name {name!r} is longer than 64 characters"
    if any(c.isspace() or not c.isprintable() for c in name):
        return f"user name {name!r} contains a space or a control character"
    return None


def school_list(schools: Iterable[str]) -> str:
    """"school 'A'" or "schools 'A', 'B'"."""
    names = sorted(schools)
    quoted = ", ".join(repr(s) for s in names)
    return f"school {quoted}" if len(names) == 1 else f"schools {quoted}"

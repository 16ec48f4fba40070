"""Signing in with a password, and the tokens that say who is signed in (docs/sign-in.md).

    set_password(engine, name, password, *, user)          -> SetPassword
    may_set_password(engine, name, *, user)                -> None, or set_password's refusal
    issue_token(engine, name, password, *, kind="api", lifetime=12 h, now=None)
                                                           -> IssuedToken (token, expires_at)
    signed_in(engine, token, *, now=None)                  -> SignedIn
    user_for_token(engine, token, *, now=None)             -> the user's name
    revoke_token(engine, token, *, now=None)               -> None

A sign-in is refused, each with its own exception (the HTTP status it becomes in brackets):
a wrong name or password, with one message for both (NotSignedIn, 401); too many failed sign-ins
for that name lately (TooManyAttempts, 429); the maintenance lock, for a user who cannot get
past it and is no read-only reviewer (SystemLocked, 423; `services.security.sign_in` decides).
Failed sign-ins are logged (the name given, never the password) on the `rollover.sign_in`
logger.  Every write goes through the unit of work; passwords are hashed before it, outside any
transaction (argon2id is slow on purpose).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Engine

from ..domain.sign_in import (
    FAILURE_WINDOW, TOKEN_KINDS, TOKEN_LIFETIME, WRONG_NAME_OR_PASSWORD, hash_password,
    new_csrf_secret, new_token, password_matches, throttled_until, token_hash, token_state,
)
from ..errors import RolloverError
from ..store import security as users_store, sign_in as store
from ..store.database import reading
from .security import SecurityRefused, check_password, signed_in_as
from .unit_of_work import operation, unit_of_work

log = logging.getLogger("rollover.sign_in")

# Sign-in's own bookkeeping (tokens, failures): no right, no run; the lock is decided by
# `signed_in_as` (a read-only reviewer may sign in while locked).
SIGN_IN = operation("sign_in", "sign-in", None, district_write=False, records_run=False)
# A password: `security` for all schools, or the user's own (then only past the lock).
PASSWORD = operation("password", "password change", "security", district_write=False,
                     scope="schools", records_run=False)


class NotSignedIn(RolloverError):
    """No valid sign-in: a wrong name or password, or a token unknown, expired or revoked."""

    http_status = 401


class TooManyAttempts(RolloverError):
    """Too many failed sign-ins for one name lately: refused for a while."""

    http_status = 429


class IssuedToken(NamedTuple):
    token: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class SignedIn:
    """Who a token signs in, until when, and (a web session) the secret its forms carry."""

    user_name: str
    kind: str
    expires_at: dt.datetime
    csrf_secret: str | None


@dataclass(frozen=True)
class SetPassword:
    user_name: str
    tokens_revoked: int  # the user's sign-ins ended by the change


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.timezone.utc)


# -- passwords --------------------------------------------------------------------------------

def set_password(engine: Engine, name: str, password: str, *, user: str | None,
                 now: dt.datetime | None = None) -> SetPassword:
    """Set `name`'s password (at least 8 characters), ending every sign-in they have.  Needs
    `security` for all schools, or to be `name`; refused while locked as any write is."""
    check_password(password)
    hashed = hash_password(password)  # slow on purpose: before the transaction
    with unit_of_work(engine, PASSWORD, user=user) as work:
        _may_set(work, name)
        users_store.set_password_hash(work.conn, name, hashed)
        ended = store.revoke_user_tokens(work.conn, name, _now(now))
    log.info("password of user %r set by %r", name, work.acting.recorded)
    return SetPassword(name, ended)


def may_set_password(engine: Engine, name: str, *, user: str | None) -> None:
    """Refuse as `set_password` would, writing nothing: asked before a password is typed in."""
    with unit_of_work(engine, PASSWORD, user=user, write=False) as work:
        _may_set(work, name)


def _may_set(work, name: str) -> None:
    conn = work.conn
    if work.acting.user == name and users_store.has_users(conn):
        work.past_the_lock()  # one's own password: no right needed, but not while locked
    else:
        work.at_schools(None)
    if users_store.get_user(conn, name) is None:
        raise SecurityRefused(f"unknown user {name!r}")


# -- signing in -------------------------------------------------------------------------------

def issue_token(engine: Engine, name: str, password: str, *, kind: str = "api",
                lifetime: dt.timedelta = TOKEN_LIFETIME,
                now: dt.datetime | None = None) -> IssuedToken:
    """Sign `name` in with `password`: a new token (only its hash is kept) and when it expires.
    `kind` "session" (the web's) also gets a CSRF secret (`signed_in`)."""
    if kind not in TOKEN_KINDS:
        raise ValueError(f"a token is of kind {' or '.join(TOKEN_KINDS)}, not {kind!r}")
    now = _now(now)
    name = name if isinstance(name, str) else ""
    with reading(engine) as conn:
        if not users_store.has_users(conn):
            raise NotSignedIn("security is not set up: add a user with a password first "
                              "(rollover users add NAME), then sign in as them")
        stored = users_store.password_hash_of(conn, name)
        failures = store.failures_since(conn, name, now - FAILURE_WINDOW)
    until = throttled_until(failures, now)
    if until is not None:
        log.warning("sign-in of %r refused: %d failed sign-ins in %s", name, len(failures),
                    FAILURE_WINDOW)
        raise TooManyAttempts(f"too many failed sign-ins for {name!r}: try again after "
                              f"{until:%Y-%m-%d %H:%M:%S} UTC")
    if not password_matches(password if isinstance(password, str) else "", stored):
        _failed(engine, name, now, "no such user or no password set" if stored is None
                else "wrong password")
        raise NotSignedIn(WRONG_NAME_OR_PASSWORD)
    token = new_token()
    with unit_of_work(engine, SIGN_IN, user=name) as work:
        signed = signed_in_as(work.conn, name)  # YE-2: the lock, as it is now
        store.prune_tokens(work.conn, now - dt.timedelta(days=1))
        store.insert_token(work.conn, token_hash(token), store.TokenRow(
            name, kind, now, now + lifetime, None,
            new_csrf_secret() if kind == "session" else None))
    log.info("user %r signed in (%s token%s)", name, kind,
             ", read only while locked" if signed.read_only else "")
    return IssuedToken(token, now + lifetime)


def _failed(engine: Engine, name: str, now: dt.datetime, why: str) -> None:
    log.warning("failed sign-in for %r: %s", name, why)
    with unit_of_work(engine, SIGN_IN, user=None) as work:
        store.record_failure(work.conn, name, now, forget_before=now - FAILURE_WINDOW)


def signed_in(engine: Engine, token: str, *, now: dt.datetime | None = None) -> SignedIn:
    """Who `token` signs in; NotSignedIn when it is unknown, expired or revoked."""
    if not isinstance(token, str) or not token:
        raise NotSignedIn("not signed in")
    with reading(engine) as conn:
        row = store.find_token(conn, token_hash(token))
    if row is None:
        raise NotSignedIn("not signed in: unknown token")
    why = token_state(row.expires_at, row.revoked_at, _now(now))
    if why is not None:
        raise NotSignedIn(f"not signed in: {why}")
    return SignedIn(row.user_name, row.kind, row.expires_at, row.csrf_secret)


def user_for_token(engine: Engine, token: str, *, now: dt.datetime | None = None) -> str:
    return signed_in(engine, token, now=now).user_name


def revoke_token(engine: Engine, token: str, *, now: dt.datetime | None = None) -> None:
    """Sign out: the token signs nobody in any more.  NotSignedIn when it did not sign anybody in
    (unknown, expired or revoked already).  Never refused by the lock: signing out is no change
    to the district."""
    if not isinstance(token, str) or not token:
        raise NotSignedIn("not signed in")
    with unit_of_work(engine, SIGN_IN, user=None) as work:
        if not store.revoke_token(work.conn, token_hash(token), _now(now)):
            raise NotSignedIn("not signed in: unknown, expired or revoked token")

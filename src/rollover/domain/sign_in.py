"""Signing in (docs/sign-in.md), decided without a database: passwords and their hashes, tokens
and what is kept of them, and when failed sign-ins slow a user down.

- A password is at least MIN_PASSWORD_LENGTH characters; only its argon2id hash is kept.
- A token is 32 random bytes (URL-safe text); only its SHA-256 is kept, so the tokens table
  cannot be used to sign in.
- After MAX_FAILURES failed sign-ins for one name within FAILURE_WINDOW, that name is refused
  until the oldest of them is FAILURE_WINDOW old.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 8
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
TOKEN_LIFETIME = dt.timedelta(hours=12)
TOKEN_KINDS = ("api", "session")
# The one answer to a wrong name or password: which of the two was wrong is not said.
WRONG_NAME_OR_PASSWORD = "wrong user name or password"

# argon2id with the library's parameters (RFC 9106's second choice: 64 MiB, 3 passes, 4 lanes);
# a hash names its own parameters, so stronger ones later still verify the old hashes.
hasher = PasswordHasher()
_no_hash: tuple[PasswordHasher, str] | None = None


def _hash_of_nothing() -> str:
    """Checked against when there is no hash to check (an unknown user), so that the answer
    takes as long as for a known one; made on first use, not by every process that imports."""
    global _no_hash
    if _no_hash is None or _no_hash[0] is not hasher:
        _no_hash = (hasher, hasher.hash(secrets.token_urlsafe(16)))
    return _no_hash[1]


def password_problem(password) -> str | None:
    """Why `password` cannot be a password (None when it can).  Never says the password."""
    if not isinstance(password, str) or not password:
        return "a password cannot be empty"
    if len(password) < MIN_PASSWORD_LENGTH:
        return (f"a password must be at least {MIN_PASSWORD_LENGTH} characters long "
                f"(this one has {len(password)})")
    if any(not c.isprintable() for c in password):
        return "a password cannot contain control characters (a new line, a tab ...)"
    return None


def hash_password(password: str) -> str:
    return hasher.hash(password)


def password_matches(password: str, stored: str | None) -> bool:
    """Whether `password` is the one `stored` was made from; False for no stored hash (after
    the same work, so a missing user answers no faster)."""
    try:
        return hasher.verify(stored or _hash_of_nothing(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_csrf_secret() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the store keeps of a token (hex SHA-256)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def throttled_until(failures: Iterable[dt.datetime], now: dt.datetime) -> dt.datetime | None:
    """When a name with these failed sign-ins may try again (None: now)."""
    recent = sorted(at for at in failures if now - FAILURE_WINDOW < at <= now)
    if len(recent) < MAX_FAILURES:
        return None
    return recent[-MAX_FAILURES] + FAILURE_WINDOW


def token_state(expires_at: dt.datetime, revoked_at: dt.datetime | None,
                now: dt.datetime) -> str | None:
    """Why a stored token no longer signs anybody in (None: it does)."""
    if revoked_at is not None:
        return "the token was revoked (signed out): sign in again"
    if expires_at <= now:
        return "the token has expired: sign in again"
    return None

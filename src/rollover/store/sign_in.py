"""Reads and writes of sign-in tokens and failed sign-ins (docs/sign-in.md), on a connection the
caller holds: the caller owns the transaction.  Tokens are found by their hash only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update

from .schema_server import api_tokens, sign_in_failures


@dataclass(frozen=True)
class TokenRow:
    user_name: str
    kind: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    csrf_secret: str | None


def insert_token(conn: Connection, token_hash: str, row: TokenRow) -> None:
    conn.execute(api_tokens.insert().values(token_hash=token_hash, **row.__dict__))


def find_token(conn: Connection, token_hash: str) -> TokenRow | None:
    t = api_tokens.c
    row = conn.execute(select(t.user_name, t.kind, t.created_at, t.expires_at, t.revoked_at,
                              t.csrf_secret).where(t.token_hash == token_hash)).first()
    return TokenRow(*(_aware(v) for v in row)) if row else None


def revoke_token(conn: Connection, token_hash: str, now: dt.datetime) -> int:
    """Revoke the token if it still signs somebody in; the number revoked (0 or 1)."""
    t = api_tokens.c
    return conn.execute(update(api_tokens).where(
        t.token_hash == token_hash, t.revoked_at.is_(None), t.expires_at > now)
        .values(revoked_at=now)).rowcount


def revoke_user_tokens(conn: Connection, user_name: str, now: dt.datetime) -> int:
    """Revoke every token of the user that still signs them in; how many."""
    t = api_tokens.c
    return conn.execute(update(api_tokens).where(
        t.user_name == user_name, t.revoked_at.is_(None), t.expires_at > now)
        .values(revoked_at=now)).rowcount


def prune_tokens(conn: Connection, before: dt.datetime) -> int:
    """Forget tokens that expired before `before` (they sign nobody in any more)."""
    return conn.execute(delete(api_tokens).where(api_tokens.c.expires_at < before)).rowcount


def failures_since(conn: Connection, user_name: str, since: dt.datetime) -> list[dt.datetime]:
    f = sign_in_failures.c
    return [_aware(at) for at in conn.execute(
        select(f.at).where(f.user_name == user_name, f.at > since).order_by(f.at)).scalars()]


def record_failure(conn: Connection, user_name: str, at: dt.datetime, *,
                   forget_before: dt.datetime) -> None:
    """Record a failed sign-in, forgetting those too old to count for anybody."""
    conn.execute(delete(sign_in_failures).where(sign_in_failures.c.at < forget_before))
    conn.execute(sign_in_failures.insert().values(user_name=user_name, at=at))


def _aware(value):
    """SQLite gives back naive datetimes: they were stored in UTC."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value

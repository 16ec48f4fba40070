"""The key that signs backup manifests (YE-4): one random secret per district database, made on
first use, on the caller's connection and transaction."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .schema_process import backup_key as key_table

KEY_ID = 1
KEY_BYTES = 32


def read_backup_key(conn: Connection) -> bytes | None:
    """The database's backup key, or None before its first backup."""
    secret = conn.execute(select(key_table.c.secret)
                          .where(key_table.c.key_id == KEY_ID)).scalar()
    return bytes.fromhex(secret) if secret else None


def backup_key(conn: Connection) -> bytes:
    """The database's backup key, made now if it has none (call it inside the transaction that
    goes on to use it: two first backups at once end up with the same key)."""
    put_backup_key(conn, secrets.token_bytes(KEY_BYTES), replace=False)
    return read_backup_key(conn)


def put_backup_key(conn: Connection, key: bytes, *, replace: bool = True) -> None:
    """Store `key` as the database's backup key; with `replace=False` a key already there wins."""
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    values = {"key_id": KEY_ID, "secret": key.hex(),
              "created_at": dt.datetime.now(dt.timezone.utc)}
    statement = insert(key_table).values(**values)
    if replace:
        statement = statement.on_conflict_do_update(index_elements=["key_id"], set_=values)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=["key_id"])
    conn.execute(statement)

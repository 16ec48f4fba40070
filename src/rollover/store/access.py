"""Whether this connection may write the store, or only read it (docs/security.md, "A user who
may only read"): read commands then still work, and `check` skips its own run record."""

from __future__ import annotations

from sqlalchemy import Connection, text

# PostgreSQL: a read-only transaction (a standby, default_transaction_read_only), or a role that
# may not add a run record, the one write every command makes.
_POSTGRES_READ_ONLY = text(
    "SELECT current_setting('transaction_read_only') = 'on' OR (to_regclass('runs') IS NOT NULL "
    "AND NOT has_table_privilege('runs', 'INSERT'))")


def read_only(conn: Connection) -> bool:
    """SQLite: the file was opened read-only (this user cannot write it; see store.database).
    PostgreSQL: see _POSTGRES_READ_ONLY."""
    if conn.dialect.name == "sqlite":
        return bool(conn.exec_driver_sql("PRAGMA query_only").scalar())
    return bool(conn.execute(_POSTGRES_READ_ONLY).scalar())

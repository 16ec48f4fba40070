"""The running server's own state (store/schema_server.py: sign-ins, failed sign-ins, jobs), kept
through a backup restored over the server's own database: read, then written back once the
district's rows are replaced, in the same transaction.  A backup holds none of these rows
(store/backup.py), and replacing the district's users takes their sign-ins with them, so without
this a restore would sign everyone out and lose every job, the restore's own included.  On a
connection the caller holds."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from .schema_district import users
from .schema_server import api_tokens, jobs, sign_in_failures

TABLES = (api_tokens, sign_in_failures, jobs)


@dataclass(frozen=True)
class ServerState:
    rows: dict[str, list[dict]]  # table name -> its rows, each a dict of its columns

    def count(self, table: str) -> int:
        return len(self.rows.get(table, ()))


def hold_server_state(conn: Connection) -> None:
    """Nobody else writes the server's rows until the caller's transaction ends; they read on
    (PostgreSQL: the tables locked IN EXCLUSIVE MODE; SQLite: the caller's write transaction
    holds the database's one write lock already).  A sign-in or a job queued meanwhile waits,
    then lands in what the transaction leaves."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE " + ", ".join(
            conn.dialect.identifier_preparer.quote(t.name) for t in TABLES) + " IN EXCLUSIVE MODE")


def read_server_state(conn: Connection) -> ServerState:
    return ServerState({table.name: [dict(row._mapping) for row in conn.execute(
        select(table).order_by(*table.primary_key.columns))] for table in TABLES})


def put_server_state(conn: Connection, state: ServerState) -> dict[str, int]:
    """Replace the server's rows with `state`'s; the rows written per table.  A token of a user
    the district no longer has is dropped (its user was restored away); failed sign-ins get new
    ids from their table's sequence."""
    known = set(conn.execute(select(users.c.user_name)).scalars())
    wanted = {
        api_tokens.name: [r for r in state.rows.get(api_tokens.name, ()) if r["user_name"] in known],
        sign_in_failures.name: [{k: v for k, v in r.items() if k != "failure_id"}
                                for r in state.rows.get(sign_in_failures.name, ())],
        jobs.name: list(state.rows.get(jobs.name, ())),
    }
    for table in TABLES:
        conn.execute(delete(table))
        if wanted[table.name]:
            conn.execute(table.insert(), wanted[table.name])
    return {name: len(rows) for name, rows in wanted.items()}

"""Tables of the server (docs/sign-in.md, docs/jobs.md): sign-in tokens, failed sign-ins, and the
jobs that workers take.  None of these are bundle files, and a backup leaves their rows out: they
are the running server's state, not the district."""

from __future__ import annotations

from sqlalchemy import (
    JSON, CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, Table, Text,
)

from .metadata import metadata
from .types import Key

# A sign-in: an API token or a web session.  Only the token's SHA-256 is kept, so the table
# cannot be used to sign in.
api_tokens = Table(
    "api_tokens", metadata,
    Column("token_hash", Key, primary_key=True),  # hex SHA-256 of the token
    Column("user_name", Key, ForeignKey("users.user_name", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("csrf_secret", Text),  # a session's: every form that writes carries it
    CheckConstraint("kind IN ('api', 'session')", name="kind"),
    Index(None, "user_name"),
)

# Failed sign-ins, by the name given (a user or not), for throttling; old ones are pruned.
sign_in_failures = Table(
    "sign_in_failures", metadata,
    Column("failure_id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index(None, "user_name", "at"),
)

# Long work run outside the request by a worker (docs/jobs.md).
jobs = Table(
    "jobs", metadata,
    Column("job_id", Key, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("user_name", Text),  # who submitted it: the job acts as them
    Column("params", JSON, nullable=False),
    Column("progress_step", Text),
    Column("progress_done", Integer),
    Column("progress_total", Integer),
    Column("run_id", Key),
    Column("error", JSON),  # a problem object: title, status, detail, errors
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("worker_id", Text),
    Column("heartbeat_at", DateTime(timezone=True)),
    CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed')", name="state"),
    Index(None, "state", "created_at"),
)

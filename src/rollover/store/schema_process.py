"""Tables of the year-end process itself (YE-2..YE-9, YE-16..YE-19): rights, the system settings
the process quiets, the side effects those settings produce, the process record, and each module
run's backup rows and log messages.  None of these are bundle files."""

from __future__ import annotations

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, Table, Text,
    false,
)

from .metadata import metadata
from .types import Key

# YE-2: a right per user, for one school or (school_id empty) for all of them.
user_rights = Table(
    "user_rights", metadata,
    Column("right_key", Integer, primary_key=True, autoincrement=True),
    Column("user_name", Key, ForeignKey("users.user_name", ondelete="CASCADE"), nullable=False),
    Column("right_name", Text, nullable=False),
    # A grant at a school that is removed (e.g. a district replaced) goes with it.
    Column("school_id", Key, ForeignKey("schools.school_id", ondelete="CASCADE")),
    Column("access", Text, nullable=False),
    CheckConstraint("access IN ('read', 'write')", name="access"),
    Index(None, "user_name"),
)

# YE-2, YE-3: one row of district-wide switches.
system_settings = Table(
    "system_settings", metadata,
    Column("settings_key", Integer, primary_key=True, autoincrement=False),
    Column("lock_out_users", Boolean, nullable=False, server_default=false()),
    Column("disable_scheduled_tasks", Boolean, nullable=False, server_default=false()),
    Column("change_auditing", Boolean, nullable=False, server_default=false()),
    Column("outbound_publishing", Boolean, nullable=False, server_default=false()),
    Column("notifications", Boolean, nullable=False, server_default=false()),
    Column("partner_sync", Boolean, nullable=False, server_default=false()),
    CheckConstraint("settings_key = 1", name="single_row"),
)

# YE-4: the key that signs backup manifests (one row, made on the first backup).  It stays in
# this database: backups leave it out, so a backup file cannot be used to re-sign an edit.
backup_key = Table(
    "backup_key", metadata,
    Column("key_id", Integer, primary_key=True, autoincrement=False),
    Column("secret", Text, nullable=False),  # hex
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("key_id = 1", name="single_row"),
)

scheduled_tasks = Table(
    "scheduled_tasks", metadata,
    Column("task_id", Key, primary_key=True),
    Column("name", Text, nullable=False),
    Column("schedule", Text),
    Column("enabled", Boolean, nullable=False),
)

# YE-3: what the side-effect settings produce while they are on.
audit_log = Table(
    "audit_log", metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_name", Text),
    Column("table_name", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("row_key", Text, nullable=False),
    Column("before", JSON),
    Column("after", JSON),
)

outbox_events = Table(
    "outbox_events", metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    # "feed" (outbound publishing) or "partner" (the special education partner's sync).
    Column("channel", Text, nullable=False),
    Column("table_name", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("row_key", Text, nullable=False),
    Column("payload", JSON),
)

notifications = Table(
    "notifications", metadata,
    Column("notification_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_name", Text),
    Column("student_id", Key),
    Column("message", Text, nullable=False),
)

# YE-16..YE-18: one year-end process per school year being closed.
year_end_processes = Table(
    "year_end_processes", metadata,
    Column("school_year", Integer, primary_key=True, autoincrement=False),
    Column("state", Text, nullable=False),
    Column("prepared_at", DateTime(timezone=True), nullable=False),
    Column("prepared_by", Text),
    # YE-3: every setting and scheduled task as it was before the process quieted it.
    Column("saved_settings", JSON, nullable=False),
    Column("backup_id", Text),
    Column("finished_at", DateTime(timezone=True)),
    Column("finished_by", Text),
    CheckConstraint("state IN ('prepared', 'finished')", name="state"),
)

# YE-6..YE-9: a module run is a run (`runs`) with its module, year and restore.
module_runs = Table(
    "module_runs", metadata,
    Column("run_id", Key, ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    # The order runs happened in, given under the process lock (YE-9 restores "later" runs: a
    # host's clock cannot say which came later).
    Column("sequence", Integer, nullable=False, unique=True),
    Column("module", Text, nullable=False),
    Column("school_year", Integer, nullable=False),
    Column("restored_by", Key),
    Column("restored_at", DateTime(timezone=True)),
    Index(None, "school_year", "module"),
)

# YE-8: each step of a run's backup: one table, one action, the columns its rows are listed in.
run_backup_steps = Table(
    "run_backup_steps", metadata,
    Column("run_id", Key, ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("step", Integer, primary_key=True, autoincrement=False),
    Column("table_name", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("columns", JSON, nullable=False),
    Column("first_seq", Integer, nullable=False),
    Column("last_seq", Integer, nullable=False),
)

# YE-8: every row a run inserted, updated or deleted, as it was before and after (JSON arrays in
# its step's column order; the key as text for a one-column key, else a JSON array).
run_backup_rows = Table(
    "run_backup_rows", metadata,
    Column("run_id", Key, ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("table_name", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("school_id", Key),
    Column("row_key", Text, nullable=False),
    Column("before", Text),
    Column("after", Text),
    CheckConstraint("action IN ('insert', 'update', 'delete')", name="action"),
)

# YE-8: the rollover log's warnings and errors, each with the record it concerns.
run_messages = Table(
    "run_messages", metadata,
    Column("run_id", Key, ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("level", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("record", Text),
    Column("school_id", Key),
    Column("message", Text, nullable=False),
)

# YE-20: what the running step is doing, written outside its transaction so others can follow it
# (PostgreSQL; on SQLite a file beside the database does this, see store/activity.py).
process_activity = Table(
    "process_activity", metadata,
    Column("activity_key", Integer, primary_key=True, autoincrement=False),
    Column("step", Text, nullable=False),
    Column("label", Text, nullable=False),
    Column("done", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

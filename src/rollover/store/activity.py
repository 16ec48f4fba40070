"""YE-20: a running process step's progress, where other sessions can follow it.

The step's own transaction is not visible to others until it commits, so its progress is written
outside it: on PostgreSQL into `process_activity` through a separate autocommit connection; on
SQLite (one host, and one writer at a time) into a small JSON file beside the database.  Writes
are throttled; a reader trusts the activity only while the process lock is held (a dead step's
last words are not shown as running).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from .schema_process import process_activity

EVERY_SECONDS = 0.5


def _file(engine: Engine) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(f"{database}.process.activity.json")


class ActivityBoard:
    """Publishes one step's progress; use as a context manager around the step."""

    def __init__(self, engine: Engine, step: str):
        self.engine, self.step = engine, step
        self.last = 0.0
        self.conn = None

    def __enter__(self) -> "ActivityBoard":
        if self.engine.dialect.name == "postgresql":
            self.conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        # Entered under the process lock, so what is there is a killed step's last words.
        self._clear()
        return self

    def __exit__(self, *exc) -> None:
        self._clear()
        if self.conn is not None:
            self.conn.close()

    def _clear(self) -> None:
        try:
            if self.conn is not None:
                self.conn.execute(delete(process_activity))
            elif (path := _file(self.engine)) is not None:
                path.unlink(missing_ok=True)
        except Exception:  # progress is a courtesy: never fail a step over it
            pass

    def publish(self, label: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < EVERY_SECONDS and done < total:
            return
        self.last = now
        entry = {"step": self.step, "label": label, "done": done, "total": total,
                 "updated_at": dt.datetime.now(dt.timezone.utc)}
        try:
            if self.conn is not None:
                statement = pg_insert(process_activity).values(activity_key=1, **entry)
                self.conn.execute(statement.on_conflict_do_update(
                    index_elements=["activity_key"], set_=entry))
            elif (path := _file(self.engine)) is not None:
                temporary = path.with_suffix(".tmp")
                temporary.write_text(json.dumps(entry, default=str), encoding="utf-8")
                os.replace(temporary, path)
        except Exception:
            pass


def read_activity(engine: Engine) -> dict | None:
    """The last progress a step published, if any."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            row = conn.execute(select(process_activity)).first()
        if row is None:
            return None
        entry = dict(row._mapping)
        entry.pop("activity_key")
        entry["updated_at"] = entry["updated_at"].isoformat()
        return entry
    path = _file(engine)
    if path is None or not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None

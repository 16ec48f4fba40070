"""The district's side effects of a change (YE-3), written while their settings are on.

- change auditing: an audit row per changed row of student, enrollment and schedule data (who,
  when, table, key, before, after);
- outbound publishing: an event per such change in the outbox an integration feed reads;
- partner sync: an event for the special education partner per change of a special_ed enrollment;
- notifications: a notification per enrollment change.

The unit of work (`services/unit_of_work.py`) calls `record_side_effects` for every change of a run,
on the run's transaction, so the side effects
commit (or vanish) with the change itself.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from ..domain.change_plan import ChangeStep
from .bulk import insert_rows
from .undo_log import key_columns, table_named
from .schema_process import audit_log, notifications, outbox_events
from .security import read_settings

# "Student, enrollment and schedule data" (YE-3).
AUDITED_TABLES = frozenset({
    "students", "household_members", "program_participations", "enrollments", "enrollment_staff",
    "course_requests", "student_schedules", "student_marks", "success_plans", "plan_goals",
})
SWITCHES = ("change_auditing", "outbound_publishing", "notifications", "partner_sync")


@dataclass(frozen=True)
class SideEffectSettings:
    change_auditing: bool = False
    outbound_publishing: bool = False
    notifications: bool = False
    partner_sync: bool = False

    @property
    def any_on(self) -> bool:
        return any(getattr(self, name) for name in SWITCHES)


def side_effect_settings(conn: Connection) -> SideEffectSettings:
    values = read_settings(conn)
    return SideEffectSettings(**{name: values[name] for name in SWITCHES})


def record_side_effects(conn: Connection, user: str | None, steps: Sequence[ChangeStep],
                   settings: SideEffectSettings | None = None) -> None:
    """Write the audit rows, outbox events and notifications the settings ask for."""
    settings = settings or side_effect_settings(conn)
    if not settings.any_on:
        return
    now = dt.datetime.now(dt.timezone.utc)
    for step in steps:
        if step.table not in AUDITED_TABLES or not step.rows:
            continue
        key_positions = _key_positions(step)
        changes = [(json.dumps([_plain(row[p]) for p in key_positions]),
                    _as_dict(step.columns, before), _as_dict(step.columns, after))
                   for _school, before, after in step.rows
                   for row in [after if after is not None else before]]
        if settings.change_auditing:
            insert_rows(conn, audit_log, ["at", "user_name", "table_name", "action", "row_key",
                                          "before", "after"],
                        ((now, user, step.table, step.action, key, _json(b), _json(a))
                         for key, b, a in changes))
        if settings.outbound_publishing:
            _publish(conn, now, "feed", step, changes)
        if settings.partner_sync and step.table == "enrollments":
            _publish(conn, now, "partner", step,
                     [c for c in changes if (c[2] or c[1]).get("service_type") == "special_ed"])
        if settings.notifications and step.table == "enrollments":
            insert_rows(conn, notifications, ["at", "user_name", "student_id", "message"],
                        ((now, user, (a or b)["student_id"],
                          f"enrollment {(a or b)['enrollment_id']} {step.action}d"
                          if step.action != "insert" else
                          f"enrollment {(a or b)['enrollment_id']} added")
                         for _key, b, a in changes))


def _publish(conn, now, channel: str, step: ChangeStep, changes) -> None:
    insert_rows(conn, outbox_events, ["at", "channel", "table_name", "action", "row_key",
                                      "payload"],
                ((now, channel, step.table, step.action, key, _json(a if a is not None else b))
                 for key, b, a in changes))


def _key_positions(step: ChangeStep) -> list[int]:
    return [step.columns.index(k) for k in key_columns(table_named(step.table))]


def _as_dict(columns, row) -> dict | None:
    return None if row is None else {c: _plain(v) for c, v in zip(columns, row)}


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _json(value):
    # JSON columns written through COPY/executemany take text; SQLAlchemy reads it back as JSON.
    return None if value is None else json.dumps(value)

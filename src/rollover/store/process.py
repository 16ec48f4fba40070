"""Reads and writes of the year-end process (YE-3, YE-8, YE-9, YE-16, YE-19): the process record,
the settings it quiets and puts back, module runs, their log messages and backup counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection, func, insert, select, update

from ..domain.change_plan import DONE, LogMessage
from . import security
from .bulk import insert_rows
from .schema import district, runs
from .schema_process import (
    module_runs, run_backup_rows, run_messages, scheduled_tasks, year_end_processes,
)

LOCK_SETTINGS = ("lock_out_users", "disable_scheduled_tasks")  # YE-2: set together
QUIETED_SETTINGS = ("change_auditing", "outbound_publishing", "notifications", "partner_sync")
MESSAGE_COLUMNS = ["run_id", "seq", "level", "code", "record", "school_id", "message"]


# -- settings --------------------------------------------------------------------------------------

def settings_to_save(conn: Connection) -> dict:
    """Every system setting and every scheduled task's enabled flag: what `prepare` saves."""
    return {"settings": security.read_settings(conn),
            "scheduled_tasks": {t.task_id: t.enabled
                                for t in security.all_scheduled_tasks(conn)}}


def put_back(conn: Connection, saved: dict) -> None:
    """YE-16: every setting and task flag as `prepare` found it; a task added meanwhile keeps
    its own flag."""
    security.write_settings(conn, **saved["settings"])
    for task_id, enabled in saved["scheduled_tasks"].items():
        security.set_task_enabled(conn, task_id, enabled)


def unlock(conn: Connection) -> None:
    security.write_settings(conn, **dict.fromkeys(LOCK_SETTINGS, False))


def quiet(conn: Connection) -> None:
    """YE-2 and YE-3: lock out users, disable scheduled tasks, turn every side effect off."""
    security.write_settings(conn, **dict.fromkeys(LOCK_SETTINGS, True),
                            **dict.fromkeys(QUIETED_SETTINGS, False))
    conn.execute(update(scheduled_tasks).values(enabled=False))


# -- the process record ----------------------------------------------------------------------------

def get_process(conn: Connection, year: int):
    return conn.execute(select(year_end_processes)
                        .where(year_end_processes.c.school_year == year)).first()


def open_process_other_than(conn: Connection, year: int):
    """YE-18: the prepared (not yet finished) process of another school year, if any."""
    return conn.execute(select(year_end_processes).where(
        year_end_processes.c.state == "prepared", year_end_processes.c.school_year != year)
        .order_by(year_end_processes.c.school_year)).first()


def create_process(conn: Connection, year: int, user: str | None, saved: dict) -> None:
    conn.execute(insert(year_end_processes).values(
        school_year=year, state="prepared", prepared_at=dt.datetime.now(dt.timezone.utc),
        prepared_by=user, saved_settings=saved))


def delete_process(conn: Connection, year: int) -> None:
    conn.execute(year_end_processes.delete().where(year_end_processes.c.school_year == year))


def set_backup(conn: Connection, year: int, backup_id: str) -> None:
    conn.execute(update(year_end_processes).where(year_end_processes.c.school_year == year)
                 .values(backup_id=backup_id))


def finish_process(conn: Connection, year: int, user: str | None) -> None:
    conn.execute(update(year_end_processes).where(year_end_processes.c.school_year == year)
                 .values(state="finished", finished_at=dt.datetime.now(dt.timezone.utc),
                         finished_by=user))


def current_year(conn: Connection) -> int | None:
    return conn.execute(select(district.c.current_school_year)).scalar()


def set_current_year(conn: Connection, year: int) -> None:
    if conn.execute(select(district.c.district_key)).first() is None:
        conn.execute(insert(district).values(district_key=1, current_school_year=year))
    else:
        conn.execute(update(district).values(current_school_year=year))


# -- module runs -----------------------------------------------------------------------------------

def add_module_run(conn: Connection, run_id: str, module: str, year: int) -> None:
    """Record a module run; its sequence is the next one (the caller holds the process lock)."""
    last = conn.execute(select(func.max(module_runs.c.sequence))).scalar() or 0
    conn.execute(insert(module_runs).values(run_id=run_id, sequence=last + 1, module=module,
                                            school_year=year))


def write_messages(conn: Connection, run_id: str, messages: Iterable[LogMessage]) -> None:
    insert_rows(conn, run_messages, MESSAGE_COLUMNS, (
        (run_id, seq, m.level, m.code, m.record, m.school_id, m.message)
        for seq, m in enumerate(messages, start=1)))


def module_run_rows(conn: Connection, *, year: int | None = None,
                    modules: Iterable[str] | None = None, run_id: str | None = None):
    """Module runs joined with their run records, in the order they ran."""
    m, r = module_runs.c, runs.c
    query = (select(r.run_id, m.sequence, m.module, m.school_year, r.mode, r.user_name,
                    r.started_at, r.finished_at, r.status, r.options, r.counts, r.report,
                    m.restored_by, m.restored_at)
             .join(runs, r.run_id == m.run_id).order_by(m.sequence))
    if year is not None:
        query = query.where(m.school_year == year)
    if modules is not None:
        query = query.where(m.module.in_(list(modules)))
    if run_id is not None:
        query = query.where(m.run_id == run_id)
    return conn.execute(query).all()


def mark_restored(conn: Connection, run_ids: list[str], by: str) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    conn.execute(update(module_runs).where(module_runs.c.run_id.in_(run_ids))
                 .values(restored_by=by, restored_at=now))
    conn.execute(update(runs).where(runs.c.run_id.in_(run_ids)).values(status="restored"))


def run_messages_of(conn: Connection, run_id: str) -> list[dict]:
    c = run_messages.c
    return [dict(row._mapping) for row in conn.execute(
        select(c.level, c.code, c.record, c.school_id, c.message).where(c.run_id == run_id)
        .order_by(c.seq))]


def saved_counts(conn: Connection, run_id: str) -> list[dict]:
    """The backup log of a real run, counted from the rows actually saved (YE-8)."""
    b = run_backup_rows.c
    return [{"table": t, "rows": n} for t, n in conn.execute(
        select(b.table_name, func.count()).where(b.run_id == run_id)
        .group_by(b.table_name).order_by(b.table_name))]


def changed_counts(conn: Connection, run_id: str) -> list[dict]:
    """The rollover log's counts of a real run, per table and school (YE-8)."""
    b = run_backup_rows.c
    counts: dict[tuple, dict] = {}
    for table, school, action, n in conn.execute(
            select(b.table_name, b.school_id, b.action, func.count()).where(b.run_id == run_id)
            .group_by(b.table_name, b.school_id, b.action)):
        entry = counts.setdefault((table, school or ""), {
            "table": table, "school_id": school, "inserted": 0, "updated": 0, "deleted": 0})
        entry[DONE[action]] = n
    return [counts[k] for k in sorted(counts)]

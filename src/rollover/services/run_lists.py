"""The runs a page at a time, filtered by kind, status and user (the tasks and reports page),
newest first; and the values those filters can take.  Filtered and paged by the store: the
runs are never read whole."""

from __future__ import annotations

from sqlalchemy import Engine

from ..domain.runs import RunRecord
from ..store.database import reading
from ..store.run_lists import filter_values, filtered_runs
from .reads import Page, check_paging

TASKS_PER_PAGE = 50


def runs_page(engine: Engine, *, kind: str | None = None, status: str | None = None,
              user: str | None = None, page: int = 1,
              per_page: int = TASKS_PER_PAGE) -> Page:
    """A page of the runs of `kind`, `status` and `user` (empty or None: any), newest first:
    each as `run_summary` has it.  A page or page size out of range is refused, naming it."""
    offset = check_paging(page, per_page)
    with reading(engine) as conn:
        records, total = filtered_runs(conn, kind=kind or None, status=status or None,
                                       user=user or None, offset=offset, limit=per_page)
    return Page([run_summary(r) for r in records], page, per_page, total)


def run_summary(r: RunRecord) -> dict:
    """A run's record with how long it took (None while it runs)."""
    duration = ((r.finished_at - r.started_at).total_seconds()
                if r.finished_at and r.started_at else None)
    return {"run_id": r.run_id, "kind": r.kind, "mode": r.mode, "user": r.user_name,
            "started_at": r.started_at, "finished_at": r.finished_at, "status": r.status,
            "duration_seconds": duration, "options": r.options or {}, "counts": r.counts or {}}


def run_filters(engine: Engine) -> dict[str, list[str]]:
    """{"kind", "status", "user"}: the values the stored runs have, each sorted."""
    with reading(engine) as conn:
        return filter_values(conn)

"""Runs read by what they are: of one kind, and a page of them filtered by kind, status and
user (the tasks page), newest first; the values those filters can take."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, func, select

from ..domain.runs import RunRecord
from .schema import runs

NEWEST_FIRST = (runs.c.started_at.desc(), runs.c.run_id.desc())


def runs_of_kind(conn: Connection, kind: str, *, mode: str | None = None,
                 status: str | None = None) -> Iterator[RunRecord]:
    """The runs of `kind` (of `mode` and `status`, when given), newest first."""
    query = select(runs).where(runs.c.kind == kind).order_by(*NEWEST_FIRST)
    if mode is not None:
        query = query.where(runs.c.mode == mode)
    if status is not None:
        query = query.where(runs.c.status == status)
    for row in conn.execute(query):
        yield RunRecord(**row._mapping)


def filtered_runs(conn: Connection, *, kind: str | None, status: str | None,
                  user: str | None, offset: int, limit: int) -> tuple[list[RunRecord], int]:
    """A page of the runs of `kind`, `status` and `user` (each: any, when None), newest first,
    and how many there are over every page."""
    where = [column == value for column, value in ((runs.c.kind, kind), (runs.c.status, status),
                                                   (runs.c.user_name, user))
             if value is not None]
    total = conn.execute(select(func.count()).select_from(runs).where(*where)).scalar_one()
    rows = conn.execute(select(runs).where(*where).order_by(*NEWEST_FIRST)
                        .offset(offset).limit(limit))
    return [RunRecord(**row._mapping) for row in rows], total


def filter_values(conn: Connection) -> dict[str, list[str]]:
    """The kinds, statuses and users the stored runs have, each sorted."""
    return {name: sorted(v for v in conn.execute(select(column).distinct()).scalars()
                         if v is not None)
            for name, column in (("kind", runs.c.kind), ("status", runs.c.status),
                                 ("user", runs.c.user_name))}

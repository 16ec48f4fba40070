"""The list of stored runs (`rollover runs`): a table row or a JSON object per run, newest
first."""

from __future__ import annotations

from collections.abc import Iterator

from ..domain.runs import RunRecord
from .stored import counts_line
from .table import Table, table


def runs_json(runs: list[RunRecord]) -> list[dict]:
    return [run_json(r) for r in runs]


def run_json(r: RunRecord) -> dict:
    """One run's record, as `runs --json` lists it."""
    return {"run_id": r.run_id, "kind": r.kind, "mode": r.mode, "user": r.user_name,
            "started_at": r.started_at.isoformat(),
            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            "status": r.status, "options": r.options, "counts": r.counts}


def runs_text(runs: list[RunRecord]) -> Iterator[str | Table]:
    """A row per run: id, kind, mode, when, who, status, and its counts in words."""
    if not runs:
        yield "no runs yet"
        return
    yield table(("RUN", "KIND", "MODE", "STARTED", "USER", "STATUS", "COUNTS"),
                ((r.run_id, r.kind, r.mode, f"{r.started_at:%Y-%m-%d %H:%M}", r.user_name,
                  r.status, counts_line(r.counts)) for r in runs))

"""Stored runs of every kind as text again (`rollover report RUN_ID`).

A roll forward has its own report (`reports/forward.py`); the other kinds store their JSON report
with the run, and each kind's own text report renders it back from its `--json` object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..domain.runs import RunRecord
from .check import check_text
from .end_batch import cleanup_text, end_batch_text

TEXT_OF_KIND: dict[str, Callable[[dict], Iterator[str]]] = {
    "check": check_text,
    "end-batch": end_batch_text,
    "cleanup": cleanup_text,
}


def stored_json(record: RunRecord) -> dict:
    """The object the run printed with --json."""
    return {"run_id": record.run_id, **(record.report or {})}


def stored_text(record: RunRecord) -> Iterator[str]:
    render = TEXT_OF_KIND.get(record.kind)
    if render is not None:
        yield from render(stored_json(record))
        return
    # Any other kind: its counts, then each list of its report, one entry a line.
    yield (f"{record.kind} {'Run Test' if record.mode == 'test' else 'Run'} {record.run_id}, "
           f"{record.started_at:%Y-%m-%d %H:%M}")
    yield counts_line(record.counts)
    for key, value in (record.report or {}).items():
        if isinstance(value, list):
            yield ""
            yield f"{key.replace('_', ' ').capitalize()} ({len(value):,}):"
            for entry in value:
                yield "  " + (", ".join(f"{k}: {v}" for k, v in entry.items())
                              if isinstance(entry, dict) else str(entry))


def counts_line(counts: dict | None) -> str:
    """e.g. "rolled 8,789, not rolled 702" from a run's counts."""
    return ", ".join(f"{key.replace('_', ' ')} {value:,}" for key, value in (counts or {}).items()
                     if isinstance(value, int) and not isinstance(value, bool))

"""A stored run of any kind (RF-25, YE-19): who, when, which options, what status and counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    kind: str  # "forward", later the year-end modules
    mode: str  # "test" or "run"
    user_name: str | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str
    options: dict
    counts: dict
    report: dict | None = None

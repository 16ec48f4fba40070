"""The district's attendance areas as the map of the projection draws them (the projection
page, a run's HTML report: `reports.area_map`).  Reads only."""

from __future__ import annotations

from sqlalchemy import Engine

from ..store import area_map as stored
from ..store.database import reading


def attendance_areas(engine: Engine) -> dict:
    """{"areas": [{"school_id", "school_name", "program_id", "program_name", "low_grade",
    "high_grade", "low_sequence", "high_sequence", "geometry"}] in the order they were stored,
    "grade_sequences": {(school id, grade code): sequence}}; no areas, no sequences read."""
    with reading(engine) as conn:
        areas = stored.area_rows(conn)
        sequences = stored.grade_sequences(conn) if areas else {}
    return {"areas": areas, "grade_sequences": sequences}

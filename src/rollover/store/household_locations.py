"""The households a file of locations names, read whole (every column, as the undo log keeps a
row), a chunk of ids at a time."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from ..progress import Progress, Tally, no_progress
from .schema import households

CHUNK = 500  # ids asked at a time: well under every database's limit of parameters
COLUMNS = tuple(c.name for c in households.columns)


def households_named(conn: Connection, ids: Sequence[str],
                     progress: Progress = no_progress) -> dict[str, dict]:
    """household_id -> its whole row, of the ids that name a household; progress: "reading the
    households", in ids asked."""
    found: dict[str, dict] = {}
    asked = Tally(progress, "reading the households", len(ids)).start()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for row in conn.execute(select(households).where(
                households.c.household_id.in_(chunk))).mappings():
            found[row["household_id"]] = dict(row)
        asked.reach(start + len(chunk))
    asked.finish()
    return found

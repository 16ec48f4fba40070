"""What the bundle checks need to know about the store: the `StoreFacts` of `bundle/checks.py`."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, exists, select

from ..bundle.checks import KEY_SEPARATOR
from ..bundle.format import BundleFile
from ..bundle.values import format_cell
from .bulk import read_rows
from .schema import calendars, grade_levels, metadata, structures

LOOKUP_BATCH = 500


class StoreFacts:
    def __init__(self, conn: Connection):
        self.conn = conn

    def tables_with_rows(self, tables: list[str]) -> set[str]:
        if not tables:
            return set()
        # One statement for the whole bundle: a round trip per file was most of a small import.
        held = self.conn.execute(select(*(exists().select_from(metadata.tables[name])
                                          .label(f"t{i}") for i, name in enumerate(tables))))
        return {name for name, has in zip(tables, held.one()) if has}

    def existing_keys(self, spec: BundleFile) -> Iterator[str]:
        table = metadata.tables[spec.table]
        order = [c.name for c in table.primary_key.columns]
        for row in read_rows(self.conn, table, spec.key, order_by=order):
            yield row[0] if len(row) == 1 else KEY_SEPARATOR.join(format_cell(v) for v in row)

    def missing(self, table: str, column: str, values: list[str]) -> set[str]:
        col = metadata.tables[table].c[column]
        found: set[str] = set()
        for start in range(0, len(values), LOOKUP_BATCH):
            batch = values[start:start + LOOKUP_BATCH]
            found.update(self.conn.execute(select(col).where(col.in_(batch))).scalars())
        return set(values) - found

    def describe_missing(self, table: str, column: str, value: str) -> str:
        """The problem of a reference to a value `missing` found nowhere."""
        return f"{value!r} does not exist in {table}.{column}"

    def structure_calendars(self) -> dict[str, str]:
        return {s: c for s, c in self.conn.execute(select(structures.c.structure_id,
                                                             structures.c.calendar_id))}

    def grade_levels(self) -> set[tuple[str, str, str]]:
        g = grade_levels.c
        return {tuple(r) for r in self.conn.execute(select(g.calendar_id, g.structure_id, g.grade))}

    def calendar_dates(self) -> dict[str, tuple]:
        c = calendars.c
        return {r[0]: (r[1], r[2])
                for r in self.conn.execute(select(c.calendar_id, c.start_date, c.end_date))}

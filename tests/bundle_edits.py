"""Editing a test bundle in place, and counting what a store holds: shared by the import tests."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select

from rollover.store.schema import BUNDLE_TABLES

ALREADY = "already exists in the database (import with --replace to replace it)"


def read_csv(bundle: Path, name: str) -> list[list[str]]:
    with (bundle / name).open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def write_csv(bundle: Path, name: str, rows: list[list[str]]) -> None:
    with (bundle / name).open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def set_cell(bundle: Path, name: str, line: int, column: str, value: str) -> None:
    """Set one cell: `line` counts the header as 1, as the problems do."""
    rows = read_csv(bundle, name)
    rows[line - 1][rows[0].index(column)] = value
    write_csv(bundle, name, rows)


def append_row(bundle: Path, name: str, row: list[str]) -> int:
    """Add a row at the end of a file; the line it lands on."""
    rows = read_csv(bundle, name) + [row]
    write_csv(bundle, name, rows)
    return len(rows)


def counts(engine) -> dict[str, int]:
    """Rows per bundle table."""
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in BUNDLE_TABLES}

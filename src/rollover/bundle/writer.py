"""Writing bundle files: one CSV writer per file, cells formatted as the contract says."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from .format import FILES, FILES_BY_TABLE
from .values import format_cell


class BundleWriter:
    """A row sink that writes a bundle folder; `write(table, rows)` may be called many times.

    Files are opened on their first rows; on `close()` every required file that got no rows is
    written with its header alone, so the folder is always a complete bundle.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self._open: dict[str, tuple] = {}
        self.rows: dict[str, int] = {}

    def write(self, table: str, rows: Iterable[tuple]) -> None:
        writer = self._writer(table)
        count = 0
        for row in rows:
            writer.writerow([format_cell(v) for v in row])
            count += 1
        self.rows[table] += count

    def _writer(self, table: str):
        if table not in self._open:
            spec = FILES_BY_TABLE[table]
            handle = (self.folder / spec.name).open("w", encoding="utf-8", newline="")
            writer = csv.writer(handle)
            writer.writerow(spec.column_names)
            self._open[table] = (handle, writer)
            self.rows[table] = 0
        return self._open[table][1]

    def close(self) -> None:
        for spec in FILES:
            if not spec.optional:
                self._writer(spec.table)
        for handle, _ in self._open.values():
            handle.close()
        self._open.clear()

    def __enter__(self) -> "BundleWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

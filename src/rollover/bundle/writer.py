"""Writing bundle files: one CSV writer per file, cells formatted as the contract says."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from .format import BOOL, DATE, FILES, FILES_BY_TABLE, BundleFile
from .values import format_cell


class BundleWriter:
    """A row sink that writes a bundle folder; `write(table, rows)` may be called many times.

    Files are opened on their first rows; on `close()` every required file that got no rows is
    written with its header alone, so the folder is always a complete bundle.  Rows always hold
    every column of their file; `unset` names, per table, the columns no row sets (of those an
    export writes only when set), which are left out of the file.
    """

    def __init__(self, folder: Path, *, unset: dict[str, set[str]] | None = None):
        self.folder = folder
        self._unset = unset or {}
        self._open: dict[str, tuple] = {}
        self.rows: dict[str, int] = {}

    def write(self, table: str, rows: Iterable[tuple]) -> None:
        writer, formatted = self._writer(table)
        write_row = writer.writerow
        count = 0
        for row in rows:
            write_row(formatted(row))
            count += 1
        self.rows[table] += count

    def _writer(self, table: str):
        if table not in self._open:
            spec = FILES_BY_TABLE[table]
            handle = (self.folder / spec.name).open("w", encoding="utf-8", newline="")
            writer = csv.writer(handle)
            kept = [i for i, c in enumerate(spec.columns)
                    if not (c.written_when_set and c.name in self._unset.get(table, ()))]
            writer.writerow([spec.columns[i].name for i in kept])
            formatted = row_formatter(spec)
            if len(kept) < len(spec.columns):
                formatted = _keeping(kept, formatted)
            self._open[table] = (handle, writer, formatted)
            self.rows[table] = 0
        return self._open[table][1:]

    def close(self) -> None:
        for spec in FILES:
            if not spec.optional:
                self._writer(spec.table)
        for handle, *_ in self._open.values():
            handle.close()
        self._open.clear()

    def __enter__(self) -> "BundleWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _keeping(kept: list[int], formatted):
    def kept_cells(row):
        cells = formatted(row)
        return [cells[i] for i in kept]
    return kept_cells


def unset_columns(spec: BundleFile, is_set) -> set[str]:
    """The columns of `spec` written only when set for which `is_set(name)` is false."""
    return {c.name for c in spec.columns if c.written_when_set and not is_set(c.name)}


def row_formatter(spec: BundleFile):
    """A function from a row of values to the cells the csv module writes as the contract says.

    The csv module already writes None as an empty cell and str and int as themselves; only
    booleans (true/false) and dates (ISO) need `format_cell`, so rows of files without them
    pass as they are (this runs for every row of a million-student bundle).  A bundle holds few
    distinct dates, so each is formatted once."""
    positions = [i for i, c in enumerate(spec.columns) if c.kind in (BOOL, DATE)]
    if not positions:
        return lambda row: row
    texts: dict = {}

    def text_of(value) -> str:
        try:
            return texts[value]
        except KeyError:
            text = texts[value] = format_cell(value)
            return text

    def formatted(row):
        cells = list(row)
        for i in positions:
            cells[i] = text_of(cells[i])
        return cells
    return formatted

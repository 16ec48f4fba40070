"""Writing a run's changes as CSV (docs/interop.md, section 4): a file per bundle table the run
changed, named as the bundle file, and `summary.csv`.

A row of a changes file is `action` (insert, update, delete), the bundle's columns as the row is
after the change (for a delete, the deleted row, so its key identifies it), then `before_<column>`
for each column as the row was before (empty for an insert).  Cells are written as in a bundle
(`values.format_cell`: true/false, ISO dates, empty for unset).  Pure: rows in, files out.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from .format import AREAS_FILE, FILES
from .values import format_cell

# The file of each table a run's changes are written for, and its columns: the bundle's CSV
# files, and the attendance areas (a GeoJSON file in a bundle) as `boundary_areas.csv`, their
# geometry a column of GeoJSON text; in bundle file order.
CHANGE_FILES: dict[str, tuple[str, tuple[str, ...]]] = {}
for _spec in FILES:
    CHANGE_FILES[_spec.table] = (_spec.name, _spec.column_names)
    if _spec.table == "boundaries":
        CHANGE_FILES[AREAS_FILE.table] = ("boundary_areas.csv",
                                          (*AREAS_FILE.column_names, "geometry"))
ACTIONS = ("insert", "update", "delete")
SUMMARY = "summary.csv"
SUMMARY_HEADER = ("table", "inserted", "updated", "deleted")
_COUNTED = {"insert": "inserted", "update": "updated", "delete": "deleted"}


def changes_header(table: str) -> list[str]:
    columns = CHANGE_FILES[table][1]
    return ["action", *columns, *(f"before_{c}" for c in columns)]


class ChangesWriter:
    """`change(table, action, before, after)` for each changed row, in the order the run made
    them; a bundle table's file is opened on its first row; `close()` writes `summary.csv`.
    Rows of tables that are no bundle file are not written (and not counted)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._open: dict[str, tuple] = {}
        self.counts: dict[str, dict[str, int]] = {}  # table -> inserted / updated / deleted

    def change(self, table: str, action: str, before: Mapping | None,
               after: Mapping | None) -> None:
        if table not in CHANGE_FILES:
            return
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        writer, columns = self._writer(table)
        shown = after if after is not None else before
        writer.writerow([action, *(format_cell(shown[c]) for c in columns),
                         *(format_cell(None if before is None else before[c])
                           for c in columns)])
        self.counts[table][_COUNTED[action]] += 1

    def _writer(self, table: str):
        if table not in self._open:
            name, columns = CHANGE_FILES[table]
            handle = (self.folder / name).open("w", encoding="utf-8", newline="")
            writer = csv.writer(handle)
            writer.writerow(changes_header(table))
            self._open[table] = (handle, writer, columns)
            self.counts[table] = {counted: 0 for counted in SUMMARY_HEADER[1:]}
        return self._open[table][1:]

    def summary(self) -> list[dict]:
        """A row per file written, in bundle file order: {table, inserted, updated, deleted},
        `table` being the file's name without `.csv`."""
        return [{"table": name.removesuffix(".csv"), **self.counts[table]}
                for table, (name, _) in CHANGE_FILES.items() if table in self.counts]

    def close(self) -> None:
        for handle, *_ in self._open.values():
            handle.close()
        self._open.clear()
        with (self.folder / SUMMARY).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(SUMMARY_HEADER)
            writer.writerows([row[c] for c in SUMMARY_HEADER] for row in self.summary())

    def __enter__(self) -> ChangesWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

"""A table for people: a header row, then a row per item, each column as wide as its widest cell.

Its plain text (`lines()`, or `str(table)`) is what a report prints when standard output is not
a terminal: no colour, no wrapping, the same text for the same rows, so it can be grepped and
compared.  Every cell is one line without runs of spaces, and an empty cell is `-`: columns are
separated by two spaces or more, so `re.split(r"\\s{2,}", line)` gives a row's cells back.  On a
terminal the command line draws the same table with Rich (`entrypoints/cli/tables.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

GAP = "  "
EMPTY = "-"


@dataclass(frozen=True)
class Column:
    header: str
    numeric: bool = False  # right-aligned, thousands separated


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def lines(self) -> Iterator[str]:
        widths = [max(len(cell) for cell in column) for column in zip(self.headers, *self.rows)]
        for row in (self.headers, *self.rows):
            yield GAP.join(cell.rjust(width) if column.numeric else cell.ljust(width)
                           for column, width, cell in zip(self.columns, widths, row)).rstrip()

    def __str__(self) -> str:
        return "\n".join(self.lines())


def table(columns: Iterable[Column | str], rows: Iterable[Iterable]) -> Table:
    """A Table of `columns` (a plain string is a text column) and `rows` of values: None is
    `-`, an int gets thousands separators, text is put on one line."""
    columns = tuple(c if isinstance(c, Column) else Column(c) for c in columns)
    cells = tuple(tuple(_cell(value) for value in row) for row in rows)
    for row in cells:
        if len(row) != len(columns):
            raise ValueError(f"a row of {len(row)} cells under {len(columns)} columns")
    return Table(columns, cells)


def number(header: str) -> Column:
    return Column(header, numeric=True)


def _cell(value) -> str:
    if value is None:
        return EMPTY
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return " ".join(str(value).split()) or EMPTY


def human_size(size: int) -> str:
    """Bytes in decimal units, as people read them: `812 bytes`, `1.2 kB`, `61.2 MB`."""
    if size < 1000:
        return f"{size} byte{'' if size == 1 else 's'}"
    for unit in ("kB", "MB", "GB", "TB"):
        size /= 1000
        if size < 999.95 or unit == "TB":
            return f"{size:,.1f} {unit}"
    raise AssertionError("unreachable")

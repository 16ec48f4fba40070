"""Reading back the plain-text tables the commands print off a terminal (reports/table.py): a
header row, then a row per item, cells separated by two spaces or more, `-` for an empty cell."""

from __future__ import annotations

import re


def cells(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


def table_rows(text: str, first_header: str, *, after: str | None = None
               ) -> list[dict[str, str]]:
    """The rows, as {header: cell}, of the table in `text` whose header row starts with
    `first_header` (the first after the line `after`, when given); the table ends at the first
    line that is not a row of it."""
    lines = text.splitlines()
    if after is not None:
        lines = lines[lines.index(after) + 1:]
    start = next((i for i, line in enumerate(lines) if cells(line)[0] == first_header), None)
    assert start is not None, f"no table with a header {first_header!r} in:\n{text}"
    headers = cells(lines[start])
    rows = []
    for line in lines[start + 1:]:
        found = cells(line)
        if len(found) != len(headers):
            break
        rows.append(dict(zip(headers, found)))
    return rows


def table_headers(text: str, first_header: str) -> list[str]:
    """The header row of the table whose header starts with `first_header`."""
    return next(cells(line) for line in text.splitlines() if cells(line)[0] == first_header)

"""The map file of `rollover boundaries import --map FILE.csv`: which school each name of a
GeoJSON file's naming property stands for.  A CSV file (UTF-8, a byte-order mark accepted) with
the header `name,school_id` (in either order) and one row per name; blank lines are skipped.
Every problem is named with its line (the header is line 1)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from ..bundle.values import shown, text_problem

COLUMNS = ("name", "school_id")


@dataclass
class AreaMap:
    schools: dict[str, str] = field(default_factory=dict)  # name -> school id
    lines: dict[str, int] = field(default_factory=dict)  # name -> its line
    problems: list[tuple[int | None, str]] = field(default_factory=list)  # (line, message)


def read_area_map(data: bytes) -> AreaMap:
    found = AreaMap()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        line = data[:bad.start].count(b"\n") + 1
        found.problems.append((line, f"not UTF-8 text (byte 0x{data[bad.start]:02x})"))
        return found
    records = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(records, None)
        if header is None:
            found.problems.append((None, "the file is empty (the header name,school_id is "
                                         "required)"))
            return found
        names = [cell.strip() for cell in header]
        if sorted(names) != sorted(COLUMNS):
            found.problems.append((1, f"the header must be name,school_id (it is "
                                      f"{','.join(header) or 'empty'})"))
            return found
        name_at, school_at = names.index("name"), names.index("school_id")
        for record in records:
            line = records.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != 2:
                found.problems.append((line, f"expected 2 cells, found {len(record)}"))
                continue
            _row(found, line, record[name_at], record[school_at])
    except csv.Error as bad:
        found.problems.append((records.line_num, f"not valid CSV: {bad}"))
    return found


def _row(found: AreaMap, line: int, name: str, school_id: str) -> None:
    problems = [f"{column} is empty" for column, value in zip(COLUMNS, (name, school_id))
                if not value]
    problems += [f"{column}: {problem}" for column, value, kind in (
        ("name", name, "text"), ("school_id", school_id, "id"))
        if value and (problem := text_problem(value, kind))]
    if not problems and name in found.lines:
        problems.append(f"name {shown(name)} is on line {found.lines[name]} already")
    for problem in problems:
        found.problems.append((line, problem))
    if not problems:
        found.schools[name] = school_id
        found.lines[name] = line

"""The district's schools and calendars as a user reads them (`rollover schools`, `rollover
calendars list`): a table of text cells for the terminal, and the `--json` list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class TextTable:
    """A table as text cells, drawn by the command line: its column headers, its rows, the
    columns aligned right (numbers), and the line to print instead when it has no rows."""

    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    right: frozenset[int] = frozenset()
    empty: str = "(none)"


def school_year_name(year: int) -> str:
    """2027 as a person names it: 2026-27."""
    return f"{year - 1}-{year % 100:02d}"


def schools_table(schools: list[dict]) -> TextTable:
    rows = [(s["school_id"], s["name"], s["next_school_id"] or "", ", ".join(s["calendars"]))
            for s in schools]
    return TextTable(("School", "Name", "Next school", "Calendars"), rows,
                     empty="no schools (import a district first: rollover import BUNDLE_DIR)")


def schools_json(schools: list[dict]) -> list[dict]:
    return [dict(s, calendars=list(s["calendars"])) for s in schools]


def calendars_table(calendars: list[dict], year: int | None = None) -> TextTable:
    rows = [(c["calendar_id"], c["school_id"], school_year_name(c["school_year"]),
             c["start_date"].isoformat(), c["end_date"].isoformat(), f"{c['enrollments']:,}")
            for c in calendars]
    empty = (f"no calendars in school year {school_year_name(year)} ({year})"
             if year is not None else "no calendars")
    return TextTable(("Calendar", "School", "Year", "Start", "End", "Enrollments"), rows,
                     right=frozenset({5}), empty=empty)


def calendars_json(calendars: list[dict]) -> list[dict]:
    return [{key: value.isoformat() if isinstance(value, dt.date) else value
             for key, value in c.items()} for c in calendars]

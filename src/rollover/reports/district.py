"""The district's schools and calendars as a user reads them (`rollover schools`, `rollover
calendars list`): a table (reports/table.py), or the line said instead when there is nothing
to list, and the `--json` list."""

from __future__ import annotations

import datetime as dt

from .table import Table, number, table


def school_year_name(year: int) -> str:
    """2027 as a person names it: 2026-27."""
    return f"{year - 1}-{year % 100:02d}"


def schools_table(schools: list[dict]) -> Table | str:
    if not schools:
        return "no schools (import a district first: rollover import BUNDLE_DIR)"
    return table(("SCHOOL", "NAME", "NEXT SCHOOL", "CALENDARS"),
                 [(s["school_id"], s["name"], s["next_school_id"],
                   ", ".join(s["calendars"]) or None) for s in schools])


def schools_json(schools: list[dict]) -> list[dict]:
    return [dict(s, calendars=list(s["calendars"])) for s in schools]


def calendars_table(calendars: list[dict], year: int | None = None) -> Table | str:
    if not calendars:
        return (f"no calendars in school year {school_year_name(year)} ({year})"
                if year is not None else "no calendars")
    return table(("CALENDAR", "SCHOOL", "YEAR", "START", "END", number("ENROLLMENTS")),
                 [(c["calendar_id"], c["school_id"], school_year_name(c["school_year"]),
                   c["start_date"].isoformat(), c["end_date"].isoformat(), c["enrollments"])
                  for c in calendars])


def calendars_json(calendars: list[dict]) -> list[dict]:
    return [{key: value.isoformat() if isinstance(value, dt.date) else value
             for key, value in c.items()} for c in calendars]

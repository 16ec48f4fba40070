"""What `rollover import`, `export` and `demo` say when they are done."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the generator is only loaded by the command that uses it
    from ..demo import DemoSummary


def imported_line(rows: dict[str, int], bundle_dir: Path) -> str:
    return f"imported {sum(rows.values()):,} rows from {len(rows)} files in {bundle_dir}"


def exported_line(rows: dict[str, int], out_dir: Path) -> str:
    return f"exported {sum(rows.values()):,} rows in {len(rows)} files to {out_dir}"


def demo_line(summary: DemoSummary, where: str) -> str:
    """`where`: the bundle folder or the database."""
    return (f"demo district: {summary.students:,} students, {summary.rows['enrollments']:,} "
            f"enrollments, {summary.elementary_schools} elementary, {summary.middle_schools} "
            f"middle and {summary.high_schools} high schools, school year "
            f"{summary.source_year} with {summary.destination_year} calendars -> {where}")

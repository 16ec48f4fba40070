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


def changes_exported_line(summary: list[dict], run_id: str, out_dir: Path) -> str:
    """e.g. "exported the changes of run forward-…: 2 inserted, 0 updated, 0 deleted in 1
    files to out"."""
    total = {action: sum(row[action] for row in summary)
             for action in ("inserted", "updated", "deleted")}
    return (f"exported the changes of run {run_id}: " + ", ".join(
        f"{count:,} {action}" for action, count in total.items())
        + f" in {len(summary)} files to {out_dir}")


def demo_line(summary: DemoSummary, where: str) -> str:
    """`where`: the bundle folder or the database."""
    return (f"demo district: {summary.students:,} students, {summary.rows['enrollments']:,} "
            f"enrollments, {summary.elementary_schools} elementary, {summary.middle_schools} "
            f"middle and {summary.high_schools} high schools, school year "
            f"{summary.source_year} with {summary.destination_year} calendars -> {where}")

"""What `rollover export --format oneroster` says when it is done."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..services.oneroster_export import OneRosterExport


def oneroster_line(result: OneRosterExport, out_dir: Path) -> str:
    return (f"exported school year {result.year} as OneRoster 1.2: "
            f"{sum(result.files.values()):,} rows in {len(result.files)} files to {out_dir}")


def oneroster_warnings(result: OneRosterExport) -> list[str]:
    """Lines for standard error: the schedules left out."""
    if not result.left_out:
        return []
    count = result.left_out
    return [f"warning: enrollments.csv: {count:,} schedule{'s' if count != 1 else ''} left out: "
            f"{'their students are' if count != 1 else 'its student is'} not in users.csv "
            f"(no enrollment in {result.year})"]

"""What `rollover import`, `export` and `demo` say when they are done."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .counts import count_of

if TYPE_CHECKING:  # the generator is only loaded by the command that uses it
    from ..demo import DemoSummary
    from ..services.bundle_sync import SyncResult


def imported_line(rows: dict[str, int], bundle_dir: Path) -> str:
    return (f"imported {sum(rows.values()):,} rows from {count_of(len(rows), 'file')} in "
            f"{bundle_dir}")


def exported_line(rows: dict[str, int], out_dir: Path) -> str:
    return f"exported {sum(rows.values()):,} rows in {count_of(len(rows), 'file')} to {out_dir}"


def synced_lines(result: SyncResult, bundle_dir: Path):
    """What `import --sync` did (or, with --test, would do): its totals, each file's counts
    and the keys it deleted, and the deleted rows that runs made."""
    t = result.totals
    counts = f"{t['inserted']:,}, {{}} {t['updated']:,}, {{}} {t['deleted']:,} rows"
    if result.mode == "test":
        yield f"the sync of {bundle_dir} would insert " + counts.format("update", "delete")
    else:
        yield (f"synced {bundle_dir}: inserted " + counts.format("updated", "deleted")
               + f"; run {result.run_id}")
    for file, counted in result.changes.items():
        if any(counted.values()):
            yield f"  {file}: " + ", ".join(f"{n:,} {what}" for what, n in counted.items())
        for key in result.deleted.get(file, []):
            yield f"    deleted {_shown(key)}"
    for row in result.run_rows:
        yield (f"  {'needs --confirm: ' if result.mode == 'test' else ''}{row.file} "
               f"{_shown(row.key)}: in the undo log of run {row.run_id} ({row.kind})")
    if result.mode == "test":
        yield "a test: nothing was written"


def _shown(key) -> str:
    return " + ".join(repr(part) for part in key) or "the district's settings"


def changes_exported_line(summary: list[dict], run_id: str, out_dir: Path) -> str:
    """e.g. "exported the changes of run forward-…: 2 inserted, 0 updated, 0 deleted in 1
    files to out"."""
    total = {action: sum(row[action] for row in summary)
             for action in ("inserted", "updated", "deleted")}
    return (f"exported the changes of run {run_id}: " + ", ".join(
        f"{count:,} {action}" for action, count in total.items())
        + f" in {count_of(len(summary), 'file')} to {out_dir}")


def demo_line(summary: DemoSummary, where: str) -> str:
    """`where`: the bundle folder or the database."""
    return (f"demo district: {summary.students:,} students, {summary.rows['enrollments']:,} "
            f"enrollments, {summary.elementary_schools} elementary, {summary.middle_schools} "
            f"middle and {summary.high_schools} high schools, school year "
            f"{summary.source_year} with {summary.destination_year} calendars -> {where}")

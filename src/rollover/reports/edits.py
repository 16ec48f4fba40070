"""What `rollover edit` says: the record before and after, or the fields it changed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the command loads its service when it runs
    from ..services.edits import Edit


def edit_json(edit: Edit) -> dict:
    return {"table": edit.table, "before": edit.before, "after": edit.after,
            "run_id": edit.run_id}


def edit_line(edit: Edit, key: Sequence[str]) -> str:
    """`key`: the record's key as given (COLUMN=VALUE each)."""
    changed = [c for c in edit.after if edit.after[c] != edit.before[c]]
    return f"{edit.table} {' '.join(key)}: " + (", ".join(
        f"{c} {edit.before[c]!r} -> {edit.after[c]!r}" for c in changed) or "no change") + \
        f" (run {edit.run_id}: rollover undo puts it back)"


def exceptions_line(result) -> str:
    """`rollover edit --csv FILE`: how many enrollments changed, and the run that undoes it."""
    return (f"{result.file}: {len(result.updated)} enrollment"
            f"{'' if len(result.updated) == 1 else 's'} changed, {result.unchanged} already so "
            f"(run {result.run_id}: rollover undo puts them back)")

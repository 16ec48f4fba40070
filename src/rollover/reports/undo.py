"""What `rollover undo` says: the rows changed since the run, the runs undone, the rows put
back (the words of a module restore, reports/process.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .process import put_back_text

if TYPE_CHECKING:  # types only: the command loads its service when it runs
    from ..services.process import RestoreResult


def undo_text(result: RestoreResult, test: bool) -> Iterator[str]:
    return put_back_text(result, test, "would undo", "undid")

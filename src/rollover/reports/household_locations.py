"""What `rollover households locate FILE.csv` says: the households by outcome, and the run that
undoes it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .table import Table, number, table

if TYPE_CHECKING:  # types only: the command loads its service when it runs
    from ..services.household_locations import Located

OUTCOMES = (("located", "located"), ("changed", "changed"), ("cleared", "cleared"),
            ("unchanged", "left as they were"))


def located_report(result: Located) -> list[str | Table]:
    """A line naming the file and the run, then a table of how many households had each
    outcome."""
    found = result.as_json()
    return [f"{result.file}: households located (run {result.run_id}: rollover undo "
            f"{result.run_id} puts them back)",
            table(("HOUSEHOLDS", number("COUNT")),
                  [(words, found[key]) for key, words in OUTCOMES])]

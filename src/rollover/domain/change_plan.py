"""A run's change plan, as data (YE-8): steps of whole rows, decided before anything is written,
so the same plan is reported by a Run Test, applied by a Run, saved in the run's undo log and
undone by `rollover undo` (or a module's restore).

A step changes one table with one action.  Every row is the table's whole row (all its columns,
in `columns` order), so the undo log holds exactly what was there before and what was written.
Steps are applied in their order and undone in the reverse order: a module lists parents'
inserts before their children's, and children's deletes before their parents'.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

INSERT, UPDATE, DELETE = "insert", "update", "delete"
ACTIONS = (INSERT, UPDATE, DELETE)
DONE = {INSERT: "inserted", UPDATE: "updated", DELETE: "deleted"}

Row = tuple


class RowsInTheDatabase(Protocol):
    """A step's rows that the database holds and writes itself (a million new enrollments are
    too many to carry through Python: `store/new_enrollments.py`): a sequence of (school_id,
    before, after) that reads them when iterated, and counts them without reading them."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[tuple[str | None, Row | None, Row | None]]: ...

    def count_by_school(self) -> Counter: ...


@dataclass
class ChangeStep:
    table: str
    action: str
    columns: tuple[str, ...]
    # (school_id, before, after): before is None for an insert, after is None for a delete.
    rows: list[tuple[str | None, Row | None, Row | None]] | RowsInTheDatabase = field(
        default_factory=list)

    def count_by_school(self) -> Counter:
        """Rows per school (the rollover log's counts, YE-8)."""
        if isinstance(self.rows, list):
            return Counter(school_id for school_id, _before, _after in self.rows)
        return self.rows.count_by_school()


def inserts(table: str, columns: Iterable[str], rows: Iterable[Row],
            school_of: Callable[[Row], str | None]) -> ChangeStep:
    return ChangeStep(table, INSERT, tuple(columns), [(school_of(r), None, r) for r in rows])


def updates(table: str, columns: Iterable[str], pairs: Iterable[tuple[Row, Row]],
            school_of: Callable[[Row], str | None]) -> ChangeStep:
    return ChangeStep(table, UPDATE, tuple(columns), [(school_of(b), b, a) for b, a in pairs])


def deletes(table: str, columns: Iterable[str], rows: Iterable[Row],
            school_of: Callable[[Row], str | None]) -> ChangeStep:
    return ChangeStep(table, DELETE, tuple(columns), [(school_of(r), r, None) for r in rows])


@dataclass(frozen=True)
class LogMessage:
    """A warning or error of the rollover log (YE-8), with the record it concerns."""

    level: str  # "warning" or "error"
    code: str
    record: str | None
    school_id: str | None
    message: str


@dataclass
class ModulePlan:
    """Everything one module run would do, and what it has to say about it."""

    steps: list[ChangeStep] = field(default_factory=list)
    messages: list[LogMessage] = field(default_factory=list)
    # Module-specific numbers for the report (e.g. {"rolled": 812, "not_rolled": 3}).
    summary: dict = field(default_factory=dict)
    # Called once the steps are applied (or counted, in a Run Test), in the run's transaction:
    # e.g. dropping the temporary tables that held rows in the database.
    after_applying: list[Callable[[], object]] = field(default_factory=list)

    def add(self, step: ChangeStep) -> None:
        if step.rows:
            self.steps.append(step)

    def changes_by_table_and_school(self) -> list[dict]:
        """The rollover log's counts (YE-8): rows inserted, updated and deleted per table and
        per school, in a stable order."""
        counts: Counter = Counter()
        for step in self.steps:
            for school_id, count in step.count_by_school().items():
                counts[(step.table, school_id or "", step.action)] += count
        tables = sorted({(t, s) for t, s, _ in counts})
        return [{"table": t, "school_id": s or None,
                 **{DONE[a]: counts[(t, s, a)] for a in ACTIONS}}
                for t, s in tables]

    def backup_by_table(self) -> list[dict]:
        """The backup log (YE-8): rows saved per table."""
        counts: Counter = Counter()
        for step in self.steps:
            counts[step.table] += len(step.rows)
        return [{"table": t, "rows": n} for t, n in sorted(counts.items())]

    @property
    def totals(self) -> dict[str, int]:
        counts = Counter({f"rows_{DONE[a]}": 0 for a in ACTIONS})
        for step in self.steps:
            counts[f"rows_{DONE[step.action]}"] += len(step.rows)
        return {**dict(counts), "warnings": sum(m.level == "warning" for m in self.messages),
                "errors": sum(m.level == "error" for m in self.messages), **self.summary}

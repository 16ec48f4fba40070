"""Progress reporting (YE-20): service functions call `progress(label, done, total)`; entry points
render it.

The service layer never prints.  The CLI turns these calls into a Rich progress bar on a terminal
and into a plain line on standard error every few seconds otherwise (docs/bundle.md, "Progress");
a web page turns them into a progress indicator.

A label is a phase a user recognises ("reading", "deciding", "writing", "committing"); `done` and
`total` count its work (rows, for the bulk phases), `total` 0 when it is not known.  A long phase
reports often enough that it never looks hung: `Tally` counts rows passing through a bulk read or
write and reports every `EVERY_ROWS` of them (or counts the parts of a phase, e.g. its queries).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TypeVar

Progress = Callable[[str, int, int], None]
Row = TypeVar("Row")
Value = TypeVar("Value")

# Rows between two reports of a bulk phase: a fiftieth of a second to a second of work.
EVERY_ROWS = 10_000

# The phases counted in bytes of files, not in rows: their counts are shown as sizes
# (`importing 1.9 MB of 3.5 MB`).  Each label is used for bytes only.
VALIDATING = "validating"
READING_FILES = "reading the files"
CHECKING_FILES = "checking the files"
IMPORTING = "importing"
COPYING_DATABASE = "copying the database"  # a SQLite backup
HASHING = "hashing the backup"
RESTORING_BACKUP = "restoring the backup"
COUNTED_IN_BYTES = frozenset({VALIDATING, READING_FILES, CHECKING_FILES, IMPORTING,
                              COPYING_DATABASE, HASHING, RESTORING_BACKUP})

# The phases counted in their parts (a few reads or queries), not in rows: shown as
# `loading, part 2 of 5`.  Each label is used for parts only.
READING_TABLES = "reading the tables"
LOADING = "loading"
SUMMING_UP = "summing up"
# The common case of a roll forward (domain/forward/common_case.py): the database's statement,
# then its rows read.
PICKING_COMMON_CASE = "picking those promoted within their school"
# A run's new enrollments numbered in the database (store/new_enrollments.py): one statement.
NUMBERING = "numbering the new enrollments"
COUNTED_IN_PARTS = frozenset({READING_TABLES, LOADING, SUMMING_UP, PICKING_COMMON_CASE,
                              NUMBERING})


def no_progress(label: str, done: int, total: int) -> None:
    """The default: report nothing."""


class Tally:
    """One phase counted in rows, over any number of bulk reads or writes: `rows(...)` passes
    rows through, counting them, and reports every `every` rows.  `total` may be an estimate
    (`expect` corrects it once the phase knows better; it grows if `done` passes it) or 0,
    unknown until `finish`."""

    def __init__(self, progress: Progress, label: str, total: int = 0, *,
                 every: int = EVERY_ROWS):
        self.progress, self.label, self.total, self.every = progress, label, total, every
        self.done = 0
        self._reported = 0

    def start(self) -> Tally:
        """Report the phase begun (0 done)."""
        self.progress(self.label, self.done, self.total)
        return self

    def expect(self, total: int) -> None:
        """The phase's whole, now known better (never less than what is done)."""
        self.total = max(total, self.done)

    def rows(self, rows: Iterable[Row], expected: int | None = None) -> Iterator[Row]:
        """The rows, counted (a few thousand at a time: no cost per row), reported every
        `every` rows.  `expected`: the rows this part was given in the total (0: a part left
        out of it, reported but not counted); the count then stops there, and the part ends
        exactly there however many came."""
        start = self.done
        passed = 0
        iterator = iter(rows)
        while chunk := list(islice(iterator, self.every)):
            yield from chunk
            passed += len(chunk)
            self.done = start + (passed if expected is None else min(passed, expected))
            if len(chunk) == self.every:
                self._report()
        if expected is not None:
            self.done = start + expected
        if self.done != self._reported:
            self._report()

    def part(self, value: Value) -> Value:
        """Count one part done (a phase counted in parts, e.g. the queries of a read) and pass
        its `value` on."""
        self.add(1)
        return value

    def add(self, rows: int) -> None:
        """Count rows done by a statement of their own (no rows passing through here)."""
        self.done += rows
        self._report()

    def reach(self, done: int) -> None:
        """At least `done` rows are done (a part that counted none, or fewer, is over)."""
        self.done = max(self.done, done)
        if self.done != self._reported:
            self._report()

    def finish(self) -> None:
        """The phase is complete: report it whole."""
        self.done = self.total = max(self.done, self.total)
        self._report()

    def _report(self) -> None:
        self._reported = self.done
        if self.total:  # else unknown until `finish`
            self.total = max(self.total, self.done)
        self.progress(self.label, self.done, self.total)

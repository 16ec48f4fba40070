"""Checking a whole bundle before anything is written, collecting every problem.

The checks need a few facts about what the store already holds (a bundle may refer to rows
imported earlier, and may not repeat their ids without --replace); they come through `StoreFacts`,
so the checks themselves never touch a database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Protocol

from ..progress import CHECKING_FILES, IMPORTING, Progress, no_progress
from .format import FILES, FILES_BY_NAME, ID, TEXT, BundleFile, BundleProblem
from .reader import BundleFileReader, RowBlock
from .values import format_cell

KEY_SEPARATOR = "\x1f"
# Files whose keys other files refer to, kept in memory until the whole bundle is checked.
REFERENCED = {ref.split(".")[0] + ".csv" for f in FILES for c in f.columns if (ref := c.references)}


class StoreFacts(Protocol):
    """What the checks need to know about the store the bundle goes into."""

    def tables_with_rows(self, tables: list[str]) -> set[str]: ...  # which of them hold a row
    def existing_keys(self, spec: BundleFile) -> Iterator[str]: ...
    def missing(self, table: str, column: str, values: list[str]) -> set[str]: ...
    def describe_missing(self, table: str, column: str, value: str) -> str: ...
    def structure_calendars(self) -> dict[str, str]: ...
    def grade_levels(self) -> set[tuple[str, str, str]]: ...
    def calendar_dates(self) -> dict[str, tuple]: ...
    def unique_owners(self, spec: BundleFile, columns: tuple[str, ...]
                      ) -> Iterator[tuple[str, str]]: ...


def row_key(spec: BundleFile, row: tuple, positions: tuple[int, ...]) -> str:
    """A row's key as one string (composite keys joined), compact enough for a million rows."""
    if len(positions) == 1:
        return row[positions[0]]
    return KEY_SEPARATOR.join(format_cell(row[i]) for i in positions)


def key_positions(spec: BundleFile) -> tuple[int, ...]:
    return column_positions(spec, spec.key)


def key_reader(spec: BundleFile) -> Callable[[tuple], str | None] | None:
    """A function from a row to its key as `row_key` gives it, or None when a required key cell
    is missing; None for a file without a key."""
    positions = key_positions(spec)
    if not positions:
        return None
    required = [i for i in positions if spec.columns[i].required]
    if len(positions) == 1 and required:
        return itemgetter(positions[0])
    if len(required) == len(positions) and all(spec.columns[i].kind in (ID, TEXT)
                                               for i in positions):
        cells = itemgetter(*positions)  # every cell text and set: joined as they are

        def text_key(row: tuple) -> str | None:
            values = cells(row)
            return None if None in values else KEY_SEPARATOR.join(values)
        return text_key

    def key(row: tuple) -> str | None:
        if None in [row[i] for i in required]:
            return None
        return row_key(spec, row, positions)
    return key


def column_positions(spec: BundleFile, columns: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(spec.column_names.index(name) for name in columns)


def joined(values) -> str:
    """Several cells as one string, the way composite keys are held (see `row_key`)."""
    return KEY_SEPARATOR.join(format_cell(v) for v in values)


@dataclass
class UniqueColumns:
    """One of a file's UNIQUE column sets, and the rows read so far (only small files, such as
    courses and sections, have one)."""

    columns: tuple[str, ...]
    positions: tuple[int, ...]
    holders: dict[str, str] = field(default_factory=dict)  # value -> key of its first row
    rows: dict[str, tuple[int, str]] = field(default_factory=dict)  # key -> (line, value)
    duplicates: list[tuple[int, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return " + ".join(self.columns)

    def add(self, line: int, row: tuple, key: str) -> bool:
        """Remember the row's value; False when an earlier row holds it already."""
        values = [row[i] for i in self.positions]
        if None in values:
            return True  # a missing value is reported as such; it cannot clash
        value = joined(values)
        self.rows[key] = (line, value)
        if value in self.holders:
            self.duplicates.append((line, value))
            return False
        self.holders[value] = key
        return True


@dataclass
class BundleCheck:
    """The outcome of checking a bundle folder: the files found and every problem."""

    folder: Path
    files: list[BundleFile] = field(default_factory=list)
    problems: list[BundleProblem] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


class RowSink(Protocol):
    """Where an import sends each file's rows as they pass the checks, so a file is read once."""

    def load(self, spec: BundleFile, rows: Iterable[tuple], *, empty_table: bool) -> bool:
        """Write the rows (`empty_table`: into a table that held none before); False when the
        store refused them (the import is refused then, by the checks' problems or else by the
        store's own error)."""

    def refuses_repeated_key(self, spec: BundleFile) -> bool:
        """Whether the store refuses a second row with the key of an earlier one by itself."""


class BundleChecker:
    """Checks a bundle file by file; given a `sink`, also hands it the rows as long as no problem
    has been found (the caller writes them in the transaction it rolls back on a refusal)."""

    def __init__(self, folder: Path, store: StoreFacts, *, replace: bool,
                 progress: Progress = no_progress, sink: RowSink | None = None):
        self.folder = folder
        self.store = store
        self.replace = replace
        self.progress = progress
        self.sink = sink
        self.result = BundleCheck(folder)
        self.keys: dict[str, set[str]] = {}  # file name -> keys of the rows read
        self.unresolved: dict[tuple[str, str], dict[str, list]] = defaultdict(dict)
        self.structure_calendar = store.structure_calendars()
        self.offered = store.grade_levels()
        self.calendar_dates = store.calendar_dates()

    # -- the whole bundle -------------------------------------------------------------------
    def run(self, present: list[BundleFile]) -> BundleCheck:
        self.result.files = present
        total = sum((self.folder / f.name).stat().st_size for f in present)
        label = CHECKING_FILES if self.sink is None else IMPORTING
        done = 0
        # Asked once, before any row is written: a file writes its own table only, so what a
        # table held before the import is what it held before its file.
        had_rows = self.store.tables_with_rows([spec.table for spec in present])
        for spec in present:
            reader = BundleFileReader(self.folder / spec.name, spec)
            self._check_file(reader, spec.table in had_rows,
                             lambda n, d=done: self.progress(label, d + n, total))
            done += reader.size
            self.result.problems.extend(reader.problems)
            if spec.name not in REFERENCED:
                self.keys.pop(spec.name, None)
        self._resolve_from_store()
        self.result.problems.sort(key=problem_order)
        return self.result

    def _check_file(self, reader: BundleFileReader, had_rows: bool, progress) -> None:
        spec = reader.spec
        loading = self.sink is not None and not self.result.problems
        one_pass = loading and not had_rows
        # A file's keys take much memory; while the store refuses a repeated key itself, they are
        # only kept when other files need them (then they are needed anyway).
        keep_keys = not one_pass or not self._store_finds_repeats(spec)
        checked = self._checked_blocks(reader, had_rows, progress, keep_keys)
        if one_pass:
            # Into an empty table the rows go as they are read, up to the first problem (the
            # import is refused then, and rolled back, so the rest of the file is only checked).
            loading = self.sink.load(spec, _until_problem(checked, reader), empty_table=True)
        for _row in checked:
            pass
        if not keep_keys and (reader.problems or not loading):
            self._refuse_repeated_keys(reader)  # rows the store did not take: tell every repeat
        if loading and had_rows and not reader.problems:
            # What rows of the file may replace or clash with in a table that holds rows is
            # known only once the whole file is read: such a file is loaded in a second read.
            again = BundleFileReader(reader.path, spec)
            loading = self.sink.load(spec, _reported(
                again, lambda n: self.progress("loading " + spec.name, n, again.size)),
                empty_table=False)
        if not loading:
            self.sink = None

    def _store_finds_repeats(self, spec: BundleFile) -> bool:
        return (spec.name not in REFERENCED and not spec.unique
                and self.sink.refuses_repeated_key(spec))

    def _checked_blocks(self, reader: BundleFileReader, had_rows: bool, progress,
                        keep_keys: bool) -> Iterator[tuple[list[tuple], bool]]:
        """(rows, ok) for every block of the file's rows, checking them; `ok` is False for a block
        with a problem.  The checks that need the whole file are made after its last row.
        Without `keep_keys`, repeated keys are left to the store."""
        spec = reader.spec
        key_of = key_reader(spec) if keep_keys else None
        keys: set[str] = set()
        duplicates: list[tuple[int, str]] = []
        outside_refs, own_refs = self._reference_columns(spec)
        pending_own: list[tuple[int, str, str]] = []  # references to rows further down
        uniques = [UniqueColumns(columns, column_positions(spec, columns))
                   for columns in spec.unique]
        count = 0
        for block in reader.checked_blocks():
            ok = not block.invalid
            if key_of:
                ok = self._add_keys(block, key_of, keys, duplicates, uniques) and ok
            for i, column_name, target_keys, unresolved in outside_refs:
                for line, value in _not_among(block, i, target_keys):
                    unresolved.setdefault(value, []).append((spec.name, line, column_name))
            for i, column_name in own_refs:
                # A file may name a row further down; settled once the whole file is read.
                for line, value in _not_among(block, i, keys):
                    pending_own.append((line, column_name, value))
            self._apply_row_rules(reader, block)
            count += len(block.rows)
            progress(reader.bytes_read)
            yield block.rows, ok and not (spec.single_row and count > 1)
        progress(reader.bytes_read)
        self.result.rows[spec.name] = count
        if spec.single_row and count > 1:
            reader.problem(None, None, f"holds {count} rows; it must hold one")
        key_name = " + ".join(spec.key)
        for line, key in duplicates:
            _refuse_duplicate(reader, line, key_name, key)
        for unique in uniques:
            self._refuse_repeated_unique(reader, unique, keys, had_rows)
        self._check_own_references(spec, keys, pending_own)
        self.keys[spec.name] = keys
        if keys and not self.replace and had_rows:
            self._refuse_existing(reader, keys, key_positions(spec))

    @staticmethod
    def _add_keys(block: RowBlock, key_of, keys: set[str], duplicates: list,
                  uniques: list[UniqueColumns]) -> bool:
        """Add the block's keys to the file's; False when one repeats or a unique value does."""
        block_keys = list(map(key_of, block.rows))
        fresh = set(block_keys)
        if not uniques and None not in fresh and len(fresh) == len(block_keys) and \
                keys.isdisjoint(fresh):
            keys |= fresh  # the usual case, settled for the whole block at once
            return True
        ok = True
        for line, row, key in zip(block.lines, block.rows, block_keys):
            if key is None:
                continue
            if key in keys:
                duplicates.append((line, key))
                ok = False
            else:
                keys.add(key)
            for unique in uniques:
                ok = unique.add(line, row, key) and ok
        return ok

    def _apply_row_rules(self, reader: BundleFileReader, block: RowBlock) -> None:
        spec = reader.spec
        rules = ROW_RULES.get(spec.name, ())
        remember = LAYOUT_FACTS.get(spec.name)
        if not rules and not remember:
            return
        invalid = block.invalid
        for at, (line, row) in enumerate(zip(block.lines, block.rows)):
            if at not in invalid:
                for rule in rules:
                    for column_name, message in rule(self, row):
                        reader.problem(line, column_name, message)
            if remember:
                remember(self, row)

    def _refuse_repeated_keys(self, reader: BundleFileReader) -> None:
        """Read the file again for its keys alone, reporting every one repeated."""
        spec = reader.spec
        key_of = key_reader(spec)
        key_name = " + ".join(spec.key)
        keys: set[str] = set()
        for line, row, _valid in BundleFileReader(reader.path, spec).checked_rows():
            key = key_of(row)
            if key is None:
                continue
            if key in keys:
                _refuse_duplicate(reader, line, key_name, key)
            else:
                keys.add(key)

    # -- references -------------------------------------------------------------------------
    def _reference_columns(self, spec: BundleFile):
        """The file's columns naming rows of other files, each with the keys read from that file
        (files come after those they refer to) and where its values not among them are noted;
        and the columns naming rows of the same file."""
        outside, own = [], []
        for i, column in enumerate(spec.columns):
            if not column.references:
                continue
            target_file, target_column = column.references.split(".")
            target_name = target_file + ".csv"
            if target_name == spec.name:
                own.append((i, column.name))
            else:
                unresolved = self.unresolved[(FILES_BY_NAME[target_name].table, target_column)]
                outside.append((i, column.name, self.keys.get(target_name, frozenset()),
                                unresolved))
        return outside, own

    def _check_own_references(self, spec, keys, pending) -> None:
        column_of = {c.name: c for c in spec.columns}
        for line, column_name, value in pending:
            if value not in keys:
                target_column = column_of[column_name].references.split(".")[1]
                where = self.unresolved[(spec.table, target_column)]
                where.setdefault(value, []).append((spec.name, line, column_name))

    def _resolve_from_store(self) -> None:
        for (table, column), places in self.unresolved.items():
            values = list(places)
            for value in self.store.missing(table, column, values):
                for file_name, line, column_name in places[value]:
                    self.result.problems.append(BundleProblem(
                        file_name, line, column_name,
                        self.store.describe_missing(table, column, value)))

    # -- columns the store keeps unique besides the key -------------------------------------
    def _refuse_repeated_unique(self, reader: BundleFileReader, unique: UniqueColumns,
                                keys: set[str], had_rows: bool) -> None:
        spec = reader.spec
        for line, value in unique.duplicates:
            reader.problem(line, unique.name, f"duplicate {_shown(value)}: the same "
                                              f"{unique.name} appears on an earlier line")
        if not unique.holders or not had_rows:
            return
        key_name = " + ".join(spec.key)
        for value, owner in self.store.unique_owners(spec, unique.columns):
            holder = unique.holders.get(value)
            if holder is None or owner == holder:
                continue
            line = unique.rows[holder][0]
            if owner not in keys:
                reader.problem(line, unique.name, f"{_shown(value)} is already used by "
                                                  f"{key_name} {_shown(owner)} in the database")
                continue
            # The stored holder is in the bundle too: without --replace it is refused as
            # existing; with it, rows are replaced in file order, so it must give the value up
            # on an earlier line than the one taking it (else the store refuses the second one).
            owner_line, owner_value = unique.rows.get(owner, (None, None))
            if self.replace and owner_line is not None and owner_line > line and \
                    owner_value != value:
                reader.problem(line, unique.name, f"{_shown(value)} is still used by {key_name} "
                                                  f"{_shown(owner)} in the database until line "
                                                  f"{owner_line} changes it; put that row first")

    # -- ids already in the store -----------------------------------------------------------
    def _refuse_existing(self, reader: BundleFileReader, keys: set[str], positions) -> None:
        spec = reader.spec
        clashes = {key for key in self.store.existing_keys(spec) if key in keys}
        if not clashes:
            return
        key_name = " + ".join(spec.key)
        again = BundleFileReader(reader.path, spec)
        for line, row, _valid in again.checked_rows():
            if row_key(spec, row, positions) in clashes:
                reader.problem(line, key_name, f"{_shown(row_key(spec, row, positions))} "
                                               "already exists in the database "
                                               "(import with --replace to replace it)")


def _refuse_duplicate(reader: BundleFileReader, line: int, key_name: str, key: str) -> None:
    reader.problem(line, key_name, f"duplicate {_shown(key)}: the same "
                                   f"{key_name} appears on an earlier line")


def _until_problem(checked: Iterator[tuple[list[tuple], bool]], reader: BundleFileReader
                   ) -> Iterator[tuple]:
    """The checked rows up to the first block with a problem of the file."""
    return chain.from_iterable(_blocks_until_problem(checked, reader))


def _blocks_until_problem(checked, reader: BundleFileReader) -> Iterator[list[tuple]]:
    for rows, ok in checked:
        if not ok or reader.problems:
            return
        yield rows


def _not_among(block: RowBlock, at: int, values: set[str]) -> list[tuple[int, str]]:
    """(line, value) of the block's rows whose cell `at` is set and not one of `values`."""
    found = set(map(itemgetter(at), block.rows))
    found.discard(None)
    if found <= values:
        return []  # the usual case, settled for the whole block at once
    return [(line, row[at]) for line, row in zip(block.lines, block.rows)
            if row[at] is not None and row[at] not in values]


def _reported(reader: BundleFileReader, progress) -> Iterator[tuple]:
    """A checked file's rows, read again, reporting the bytes read as it goes."""
    for count, row in enumerate(reader.rows(), start=1):
        if count % 20_000 == 0:
            progress(reader.bytes_read)
        yield row
    progress(reader.bytes_read)


def _shown(key: str) -> str:
    return " + ".join(repr(part) for part in key.split(KEY_SEPARATOR))


def problem_order(problem: BundleProblem):
    order = [f.name for f in FILES]
    file_rank = order.index(problem.file) if problem.file in order else -1
    columns = FILES_BY_NAME[problem.file].column_names if problem.file in FILES_BY_NAME else ()
    column_rank = columns.index(problem.column) if problem.column in columns else -1
    return (file_rank, problem.file, problem.line or 0, column_rank)


# -- rules on one row, beyond the kind of each cell ---------------------------------------------
def _in_order(file_name: str, low: str, high: str, what: str):
    spec = FILES_BY_NAME[file_name]
    lo, hi = spec.column_names.index(low), spec.column_names.index(high)

    def rule(_checker: BundleChecker, row: tuple) -> Iterable[tuple[str, str]]:
        if row[lo] is not None and row[hi] is not None and row[hi] < row[lo]:
            yield high, f"{format_cell(row[hi])} is before {low} {format_cell(row[lo])} ({what})"
    return rule


def _structure_of_calendar(file_name: str):
    spec = FILES_BY_NAME[file_name]
    cal, struct = spec.column_names.index("calendar_id"), spec.column_names.index("structure_id")

    def rule(checker: BundleChecker, row: tuple) -> Iterable[tuple[str, str]]:
        owner = checker.structure_calendar.get(row[struct])
        if owner is not None and owner != row[cal]:
            yield "structure_id", (f"structure {row[struct]!r} belongs to calendar {owner!r}, "
                                   f"not {row[cal]!r}")
    return rule


def _grade_offered(checker: BundleChecker, row: tuple) -> Iterable[tuple[str, str]]:
    calendar, structure, grade = row[2], row[3], row[4]
    owner = checker.structure_calendar.get(structure)
    if owner == calendar and (calendar, structure, grade) not in checker.offered:
        yield "grade", (f"grade {grade!r} is not offered by calendar {calendar!r} "
                        f"structure {structure!r}")


def _dates_in_calendar(file_name: str, *date_columns: str):
    """Dates of a row that must lie inside the calendar it names (when that calendar is known)."""
    spec = FILES_BY_NAME[file_name]
    cal = spec.column_names.index("calendar_id")
    dated = [(name, spec.column_names.index(name)) for name in date_columns]

    def rule(checker: BundleChecker, row: tuple) -> Iterable[tuple[str, str]]:
        dates = checker.calendar_dates.get(row[cal])
        if not dates:
            return
        for name, at in dated:
            if row[at] is not None and not dates[0] <= row[at] <= dates[1]:
                yield name, (f"{row[at].isoformat()} is outside calendar {row[cal]!r} "
                             f"({dates[0].isoformat()} to {dates[1].isoformat()})")
    return rule


def _both_or_neither(file_name: str, first: str, second: str, what: str):
    """Two columns that mean something only together: a row gives both, or neither."""
    spec = FILES_BY_NAME[file_name]
    one, other = spec.column_names.index(first), spec.column_names.index(second)

    def rule(_checker: BundleChecker, row: tuple) -> Iterable[tuple[str, str]]:
        if (row[one] is None) != (row[other] is None):
            (given, at), missing = ((first, one), second) if row[other] is None \
                else ((second, other), first)
            yield missing, (f"{given} {format_cell(row[at])} is given without {missing} "
                            f"({what}: give both, or neither)")
    return rule


ROW_RULES = {
    "calendars.csv": (_in_order("calendars.csv", "start_date", "end_date", "the calendar ends "
                                                                           "before it starts"),),
    "terms.csv": (_in_order("terms.csv", "start_date", "end_date", "the term ends before it "
                                                                   "starts"),),
    "days.csv": (_dates_in_calendar("days.csv", "date"),),
    "grade_levels.csv": (_structure_of_calendar("grade_levels.csv"),),
    "households.csv": (_both_or_neither("households.csv", "latitude", "longitude",
                                        "a household's location"),),
    "boundaries.csv": (_in_order("boundaries.csv", "low_number", "high_number",
                                 "the range is empty"),),
    "program_participations.csv": (_in_order("program_participations.csv", "start_date",
                                             "end_date", "it ends before it starts"),),
    "enrollments.csv": (_structure_of_calendar("enrollments.csv"), _grade_offered,
                        _in_order("enrollments.csv", "start_date", "end_date",
                                  "it ends before it starts")),
    "student_schedules.csv": (_in_order("student_schedules.csv", "start_date", "end_date",
                                        "it ends before it starts"),),
    "grading_periods.csv": (_in_order("grading_periods.csv", "start_date", "end_date",
                                      "the grading period ends before it starts"),
                            _dates_in_calendar("grading_periods.csv", "start_date", "end_date")),
}

# Facts about calendars the later files are checked against (small: a few rows per school).
# Taken from rows with other problems too, so one bad cell does not cast doubt on later files.
def _remember_calendar(checker: BundleChecker, row: tuple) -> None:
    if None not in (row[0], row[4], row[5]):
        checker.calendar_dates[row[0]] = (row[4], row[5])


def _remember_structure(checker: BundleChecker, row: tuple) -> None:
    if None not in (row[0], row[1]):
        checker.structure_calendar[row[0]] = row[1]


def _remember_grade_level(checker: BundleChecker, row: tuple) -> None:
    if None not in row[:3]:
        checker.offered.add(row[:3])


LAYOUT_FACTS = {
    "calendars.csv": _remember_calendar,
    "structures.csv": _remember_structure,
    "grade_levels.csv": _remember_grade_level,
}

"""Checking a whole bundle before anything is written, collecting every problem.

The checks need a few facts about what the store already holds (a bundle may refer to rows
imported earlier, and may not repeat their ids without --replace); they come through `StoreFacts`,
so the checks themselves never touch a database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..progress import Progress, no_progress
from .format import FILES, FILES_BY_NAME, BundleFile, BundleProblem
from .reader import BundleFileReader
from .values import format_cell

KEY_SEPARATOR = "\x1f"
# Files whose keys other files refer to, kept in memory until the whole bundle is checked.
REFERENCED = {ref.split(".")[0] + ".csv" for f in FILES for c in f.columns if (ref := c.references)}


class StoreFacts(Protocol):
    """What the checks need to know about the store the bundle goes into."""

    def has_rows(self, table: str) -> bool: ...
    def existing_keys(self, spec: BundleFile) -> Iterator[str]: ...
    def missing(self, table: str, column: str, values: list[str]) -> set[str]: ...
    def structure_calendars(self) -> dict[str, str]: ...
    def grade_levels(self) -> set[tuple[str, str, str]]: ...
    def calendar_dates(self) -> dict[str, tuple]: ...
    def unique_owners(self, spec: BundleFile, columns: tuple[str, ...]
                      ) -> Iterator[tuple[str, str]]: ...


class EmptyStore:
    """The facts of a store that holds nothing yet."""

    def has_rows(self, table): return False
    def existing_keys(self, spec): return iter(())
    def missing(self, table, column, values): return set(values)
    def structure_calendars(self): return {}
    def grade_levels(self): return set()
    def calendar_dates(self): return {}
    def unique_owners(self, spec, columns): return iter(())


def row_key(spec: BundleFile, row: tuple, positions: tuple[int, ...]) -> str:
    """A row's key as one string (composite keys joined), compact enough for a million rows."""
    if len(positions) == 1:
        return row[positions[0]]
    return KEY_SEPARATOR.join(format_cell(row[i]) for i in positions)


def key_positions(spec: BundleFile) -> tuple[int, ...]:
    return column_positions(spec, spec.key)


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

    def add(self, line: int, row: tuple, key: str) -> None:
        values = [row[i] for i in self.positions]
        if None in values:
            return  # a missing value is reported as such; it cannot clash
        value = joined(values)
        self.rows[key] = (line, value)
        if value in self.holders:
            self.duplicates.append((line, value))
        else:
            self.holders[value] = key


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


class BundleChecker:
    def __init__(self, folder: Path, store: StoreFacts, *, replace: bool,
                 progress: Progress = no_progress):
        self.folder = folder
        self.store = store
        self.replace = replace
        self.progress = progress
        self.result = BundleCheck(folder)
        self.keys: dict[str, set[str]] = {}  # file name -> keys of the rows read
        self.unresolved: dict[tuple[str, str], dict[str, list]] = defaultdict(dict)
        self.pending_self: dict[str, list] = {}  # references to rows further down the same file
        self.structure_calendar = store.structure_calendars()
        self.offered = store.grade_levels()
        self.calendar_dates = store.calendar_dates()

    # -- the whole bundle -------------------------------------------------------------------
    def run(self, present: list[BundleFile]) -> BundleCheck:
        self.result.files = present
        total = sum((self.folder / f.name).stat().st_size for f in present)
        done = 0
        for spec in present:
            reader = BundleFileReader(self.folder / spec.name, spec)
            self._check_file(reader, lambda n, d=done: self.progress("checking", d + n, total))
            done += reader.size
            self.result.problems.extend(reader.problems)
            if spec.name not in REFERENCED:
                self.keys.pop(spec.name, None)
        self._resolve_from_store()
        self.result.problems.sort(key=problem_order)
        return self.result

    def _check_file(self, reader: BundleFileReader, progress) -> None:
        spec = reader.spec
        positions = key_positions(spec)
        required_key = [i for i in positions if spec.columns[i].required]
        keys: set[str] = set()
        duplicates: list[tuple[int, str]] = []
        refs = [(i, c) for i, c in enumerate(spec.columns) if c.references]
        rules = ROW_RULES.get(spec.name, ())
        remember = LAYOUT_FACTS.get(spec.name)
        uniques = [UniqueColumns(columns, column_positions(spec, columns))
                   for columns in spec.unique]
        count = 0
        for line, row, valid in reader.checked_rows():
            count += 1
            if positions and None not in [row[i] for i in required_key]:
                key = row_key(spec, row, positions)
                if key in keys:
                    duplicates.append((line, key))
                else:
                    keys.add(key)
                for unique in uniques:
                    unique.add(line, row, key)
            for i, column in refs:
                value = row[i]
                if value is not None:
                    self._reference(spec, line, column, value, keys)
            if valid:
                for rule in rules:
                    for column_name, message in rule(self, row):
                        reader.problem(line, column_name, message)
            if remember:
                remember(self, row)
            if count % 20_000 == 0:
                progress(reader.bytes_read)
        progress(reader.bytes_read)
        self.result.rows[spec.name] = count
        if spec.single_row and count > 1:
            reader.problem(None, None, f"holds {count} rows; it must hold one")
        key_name = " + ".join(spec.key)
        for line, key in duplicates:
            reader.problem(line, key_name, f"duplicate {_shown(key)}: the same "
                                           f"{key_name} appears on an earlier line")
        for unique in uniques:
            self._refuse_repeated_unique(reader, unique, keys)
        self._check_self_references(spec, keys)
        self.keys[spec.name] = keys
        if keys and not self.replace and self.store.has_rows(spec.table):
            self._refuse_existing(reader, keys, positions)

    # -- references -------------------------------------------------------------------------
    def _reference(self, spec, line, column, value, own_keys) -> None:
        target_file, target_column = column.references.split(".")
        target_name = target_file + ".csv"
        if target_name == spec.name:
            # A file may name a row further down; settled once the whole file is read.
            if value not in own_keys:
                self.pending_self.setdefault(spec.name, []).append((line, column.name, value))
            return
        target_keys = self.keys.get(target_name)
        if target_keys is None or value not in target_keys:
            where = self.unresolved[(FILES_BY_NAME[target_name].table, target_column)]
            where.setdefault(value, []).append((spec.name, line, column.name))

    def _check_self_references(self, spec, keys) -> None:
        column_of = {c.name: c for c in spec.columns}
        for line, column_name, value in self.pending_self.pop(spec.name, []):
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
                        f"{value!r} does not exist in {table}.{column}"))

    # -- columns the store keeps unique besides the key -------------------------------------
    def _refuse_repeated_unique(self, reader: BundleFileReader, unique: UniqueColumns,
                                keys: set[str]) -> None:
        spec = reader.spec
        for line, value in unique.duplicates:
            reader.problem(line, unique.name, f"duplicate {_shown(value)}: the same "
                                              f"{unique.name} appears on an earlier line")
        if not unique.holders or not self.store.has_rows(spec.table):
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


ROW_RULES = {
    "calendars.csv": (_in_order("calendars.csv", "start_date", "end_date", "the calendar ends "
                                                                           "before it starts"),),
    "terms.csv": (_in_order("terms.csv", "start_date", "end_date", "the term ends before it "
                                                                   "starts"),),
    "days.csv": (_dates_in_calendar("days.csv", "date"),),
    "grade_levels.csv": (_structure_of_calendar("grade_levels.csv"),),
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

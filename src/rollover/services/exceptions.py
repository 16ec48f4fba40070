"""Next-year exceptions in bulk: a CSV file of enrollments and the next-year fields to set on
each (retain, demote, next calendar, structure, grade), as `rollover edit --csv FILE` and the
exceptions page's upload give it.

The file is checked whole before anything is written: its header, every cell (as a bundle cell,
`bundle/values.py`), every enrollment named and every calendar or structure a row names (the
checks of `rollover edit`, `edits.py`); every problem is listed with its file and line, and
one problem writes nothing.  The rows then change in one run of kind `edit` (the right of the
enrollments' module, audited and published as an edit, undone by `rollover undo RUN_ID`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from ..bundle.format import FILES_BY_TABLE
from ..bundle.values import CellError, cell_parser, shown
from ..domain.change_plan import UPDATE, ChangeStep
from ..errors import RolloverError
from ..progress import EVERY_ROWS, Progress, Tally, no_progress
from ..store.schema import metadata
from .edits import EDIT, EditRefused, refuse_unknown_references
from .unit_of_work import unit_of_work

TABLE = "enrollments"
KEY = "enrollment_id"
NEXT_YEAR_FIELDS = ("end_action", "next_calendar_id", "next_structure_id", "next_grade")
MAX_ROWS = 20_000  # a district's exceptions are hundreds; a larger file is no exceptions file
MAX_PROBLEMS = 200  # listed; more are counted
CHUNK = 500  # enrollment ids looked up at a time


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class FileRefused(RolloverError):
    """A file with one problem or more: every one listed (file and line), nothing written."""

    def __init__(self, name: str, problems: list[Problem]):
        many = len(problems) != 1
        super().__init__(f"{len(problems)} problem{'s' if many else ''} in {name}; nothing was "
                         "written", [str(p) for p in problems[:MAX_PROBLEMS]]
                         + ([f"... and {len(problems) - MAX_PROBLEMS} more"]
                            if len(problems) > MAX_PROBLEMS else []))
        self.problems = problems

    def problem_entries(self) -> list[dict]:
        return [{"message": p.message, "file": p.file, "line": p.line}
                for p in self.problems[:MAX_PROBLEMS]]


class ExceptionsRefused(FileRefused):
    """A file of exceptions with one problem or more: every one listed, nothing written."""


@dataclass(frozen=True)
class ExceptionRow:
    line: int
    enrollment_id: str
    changes: dict  # column -> typed value (None clears it)
    texts: dict  # column -> the cell as written


@dataclass
class ExceptionsResult:
    run_id: str
    file: str
    updated: list[dict] = field(default_factory=list)  # {"enrollment_id", "before", "after"}
    unchanged: int = 0

    def as_json(self) -> dict:
        return {"run_id": self.run_id, "file": self.file, "rows_updated": len(self.updated),
                "rows_unchanged": self.unchanged, "updated": self.updated}


def read_exceptions(text: str, name: str) -> list[ExceptionRow]:
    """The rows of the file, every cell checked; ExceptionsRefused lists every problem.  The
    header names `enrollment_id` and one or more of the next-year fields; an empty cell clears
    its field."""
    rows, problems = _read(text, name)
    if problems:
        raise ExceptionsRefused(name, problems)
    return rows


def _read(text: str, name: str) -> tuple[list[ExceptionRow], list[Problem]]:
    """The rows whose cells are good, and the problems of the others (a bad header: no rows)."""
    bundle_file = FILES_BY_TABLE[TABLE]
    return read_csv_rows(
        text, name, _header_problems,
        lambda header: {h: cell_parser(bundle_file.column(h)) for h in header}, _row,
        too_many=f"more than {MAX_ROWS:,} rows: give the exceptions in smaller files",
        max_rows=MAX_ROWS, no_rows="no exceptions: the file has a header and no rows")


READING_THE_FILE = "reading the file"


def read_csv_rows(text: str, name: str, header_problems, parsers_for, row_of, *,
                  max_rows: int, too_many: str, no_rows: str,
                  progress: Progress = no_progress) -> tuple[list, list[Problem]]:
    """A checked CSV file's rows (`row_of(name, line, texts, parsers, seen, problems)`, `texts`
    the line's stripped cells by column: a row, or None with its problems added), blank lines
    skipped, a line of another width refused, and the problems of every line (a bad header: no
    rows).  More than `max_rows` rows: `too_many` at the first
    line past them; no row: `no_rows`.  Progress: "reading the file", in lines."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    reading = Tally(progress, READING_THE_FILE, text.count("\n")).start()
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        return [], [Problem(name, 1, f"not a CSV file: {exc}")]
    problems = header_problems(name, header)
    if problems:
        return [], problems
    parsers = parsers_for(header)
    rows: list = []
    seen: dict[str, int] = {}
    count = 0
    try:
        for cells in reader:
            line = reader.line_num
            if line - reading.done >= EVERY_ROWS:
                reading.reach(line)
            if not any(c.strip() for c in cells):
                continue
            count += 1
            if count > max_rows:
                problems.append(Problem(name, line, too_many))
                break
            if len(cells) != len(header):
                problems.append(Problem(name, line, f"{len(cells)} cells; the header has "
                                                    f"{len(header)}"))
                continue
            texts = {h: c.strip() for h, c in zip(header, cells)}
            row = row_of(name, line, texts, parsers, seen, problems)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        problems.append(Problem(name, reader.line_num, f"not a CSV file: {exc}"))
    if not count and not problems:
        problems.append(Problem(name, 2, no_rows))
    reading.finish()
    return rows, problems


def _header_problems(name: str, header: list[str]) -> list[Problem]:
    allowed = (KEY, *NEXT_YEAR_FIELDS)
    problems = [Problem(name, 1, f"unknown column {shown(h)}: the columns are "
                                 f"{', '.join(allowed)}") for h in header if h not in allowed]
    problems += [Problem(name, 1, f"column {h} is given twice")
                 for h in sorted({h for h in header if header.count(h) > 1})]
    if KEY not in header:
        problems.append(Problem(name, 1, f"no column {KEY}: each row names its enrollment"))
    if not set(header) & set(NEXT_YEAR_FIELDS):
        problems.append(Problem(name, 1, "no next-year field to set: give one or more of "
                                         + ", ".join(NEXT_YEAR_FIELDS)))
    return problems


def _row(name, line, texts, parsers, seen, problems) -> ExceptionRow | None:
    key = texts[KEY]
    if not key:
        problems.append(Problem(name, line, f"{KEY}: a value is required"))
        return None
    if key in seen:
        problems.append(Problem(name, line, f"enrollment {shown(key)} is given again (first "
                                            f"on line {seen[key]})"))
        return None
    seen[key] = line
    changes, ok = {}, True
    for column in texts:
        if column == KEY:
            continue
        try:
            changes[column] = parsers[column](texts[column])
        except CellError as exc:
            problems.append(Problem(name, line, f"{column}: {exc}"))
            ok = False
    return ExceptionRow(line, key, changes, texts) if ok else None


def apply_exceptions(engine: Engine, text: str, name: str, *,
                     user: str | None = None) -> ExceptionsResult:
    """Check the whole file against the district, then set every row's next-year fields in one
    run; ExceptionsRefused (every problem of the file and of the district, file:line, in the
    order of the lines) writes nothing."""
    rows, problems = _read(text, name)
    if problems and not rows:
        raise ExceptionsRefused(name, problems)
    stored = metadata.tables[TABLE]
    columns = [c.name for c in stored.columns]
    with unit_of_work(engine, EDIT, user=user, options={
            "table": TABLE, "file": name, "rows": len(rows)}) as work:
        conn = work.conn
        found = _enrollments(conn, stored, [r.enrollment_id for r in rows])
        pairs = []
        known_references: set = set()
        for row in rows:
            before = found.get(row.enrollment_id)
            if before is None:
                problems.append(Problem(name, row.line,
                                        f"no enrollment {shown(row.enrollment_id)}"))
                continue
            after = {**before, **row.changes}
            try:  # the references `rollover edit` checks, with its messages
                refuse_unknown_references(conn, stored, set(row.changes), after,
                                          known_references)
            except EditRefused as exc:
                problems.append(Problem(name, row.line, str(exc)))
                continue
            pairs.append((before, after))
        if problems:
            raise ExceptionsRefused(name, sorted(problems, key=lambda p: p.line))
        changed = [(b, a) for b, a in pairs if b != a]
        if changed:
            work.change(ChangeStep(TABLE, UPDATE, tuple(columns), [
                (None, tuple(b[c] for c in columns), tuple(a[c] for c in columns))
                for b, a in changed]))
        record = work.finish(counts={"rows_updated": len(changed),
                                     "rows_unchanged": len(pairs) - len(changed)})
    return ExceptionsResult(
        record.run_id, name,
        [{"enrollment_id": b[KEY], "before": {c: b[c] for c in NEXT_YEAR_FIELDS},
          "after": {c: a[c] for c in NEXT_YEAR_FIELDS}} for b, a in changed],
        len(pairs) - len(changed))


def _enrollments(conn, stored, ids: list[str]) -> dict[str, dict]:
    found = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for row in conn.execute(select(stored).where(stored.c[KEY].in_(chunk))).mappings():
            found[row[KEY]] = dict(row)
    return found

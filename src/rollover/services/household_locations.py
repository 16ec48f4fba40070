"""Households located: a CSV file of household ids with a latitude and a longitude each (WGS 84
degrees), as `rollover households locate FILE.csv` gives it, so that attendance areas drawn as
polygons can place them (docs/attendance-areas.md, "Locating households").

    household_id,latitude,longitude
    H1,47.6097,-122.3331
    H2,,                                   both empty: H2's location is cleared

The file is read once the run has started (a locked system refuses it before its content is
looked at), then checked whole: its header, every cell (as a bundle cell of households.csv,
`bundle/values.py`: a decimal number within its bounds), both or neither of the pair, each
household named once and known to the district.  Every problem is listed with its file and
line, and one problem writes nothing.  The locations then change in one run of kind `locate`,
which `rollover undo RUN_ID` puts back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from ..bundle.format import FILES_BY_TABLE
from ..bundle.values import CellError, cell_parser, shown
from ..domain.change_plan import updates
from ..errors import RolloverError
from ..progress import Progress, no_progress
from ..store.household_locations import COLUMNS, households_named
from .exceptions import FileRefused, Problem, read_csv_rows
from .unit_of_work import operation, unit_of_work

KEY, PAIR = "household_id", ("latitude", "longitude")
HEADER = (KEY, *PAIR)
MAX_BYTES = 256 * 1024 * 1024  # a million households' locations are some 40 MB
MAX_ROWS = 2_000_000

# Households are district data the import loads (no year-end module owns them): the right of
# `rollover import`, and of `rollover edit households`.  A Run of its own, holding the district's
# write lock: the locations decide where a roll forward places students.
LOCATE = operation("locate", "households locate", "import")


class LocationsRefused(FileRefused):
    """A file of locations with one problem or more: every one listed, nothing written."""


@dataclass(frozen=True)
class LocationRow:
    line: int
    household_id: str
    location: tuple[float, float] | tuple[None, None]  # (None, None): cleared


@dataclass(frozen=True)
class Located:
    """What a file of locations did: households by outcome, and the run that undoes it."""

    run_id: str
    file: str
    located: int  # had no location, now have one
    changed: int  # had another location
    cleared: int  # had a location, now have none
    unchanged: int  # left as they were: the same location, or none given and none held

    def as_json(self) -> dict:
        return {"run_id": self.run_id, "file": self.file, "located": self.located,
                "changed": self.changed, "cleared": self.cleared, "unchanged": self.unchanged}


def locate_households(engine: Engine, file: Path | str, *, text: str | None = None,
                      user: str | None = None, progress: Progress = no_progress) -> Located:
    """Set the location of every household `file` names, in one run.  `text`: the file's
    content when it was read already (an upload; `file` then only names it in messages).
    LocationsRefused (every problem of the file and of the district, file:line, in the order of
    the lines) writes nothing.  Progress: "reading the file", "reading the households",
    "writing", "committing"."""
    name = str(file)
    with unit_of_work(engine, LOCATE, user=user, options={"file": name},
                      progress=progress) as work:
        rows, problems = read_locations(_text(file) if text is None else text, name, progress)
        if problems and not rows:
            raise LocationsRefused(name, problems)
        found = households_named(work.conn, [r.household_id for r in rows], progress)
        pairs, outcomes = [], {"located": 0, "changed": 0, "cleared": 0, "unchanged": 0}
        for row in rows:
            before = found.get(row.household_id)
            if before is None:
                problems.append(Problem(name, row.line, f"no household {shown(row.household_id)}"))
                continue
            held = (before["latitude"], before["longitude"])
            outcome = _outcome(held, row.location)
            outcomes[outcome] += 1
            if outcome != "unchanged":
                after = {**before, "latitude": row.location[0], "longitude": row.location[1]}
                pairs.append((tuple(before[c] for c in COLUMNS), tuple(after[c] for c in COLUMNS)))
        if problems:
            raise LocationsRefused(name, sorted(problems, key=lambda p: p.line))
        if pairs:
            step = updates("households", COLUMNS, pairs, lambda _row: None)
            work.expect([step])
            work.change(step)
        record = work.finish(counts={"rows_updated": len(pairs), **outcomes},
                             options={"file": name, "rows": len(rows)})
    return Located(record.run_id, name, **outcomes)


def _outcome(held: tuple, given: tuple) -> str:
    if given == (None, None):
        # Half a pair held (one value set by `rollover edit`) locates nothing: it is cleared too.
        return "unchanged" if held == given else "cleared"
    if None in held:
        return "located"
    return "unchanged" if held == given else "changed"


def _text(file: Path | str) -> str:
    """The file's text (UTF-8, a byte order mark dropped); refused when it cannot be read."""
    path, name = Path(file), str(file)
    try:
        if not path.is_file():
            raise RolloverError(f"{name}: no such file")
        if path.stat().st_size > MAX_BYTES:
            raise RolloverError(f"{name}: larger than {MAX_BYTES >> 20} MiB")
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RolloverError(f"{name}: not UTF-8 text (byte {exc.start + 1})") from None
    except OSError as exc:
        raise RolloverError(f"{name}: cannot read it: {exc.strerror or exc}") from None


# -- the file, on its own ------------------------------------------------------------------------
def read_locations(text: str, name: str, progress: Progress = no_progress
                   ) -> tuple[list[LocationRow], list[Problem]]:
    """The rows whose cells are good, and the problems of the others (a bad header: no rows)."""
    spec = FILES_BY_TABLE["households"]
    return read_csv_rows(
        text, name, _header_problems, lambda header: {h: cell_parser(spec.column(h))
                                                     for h in header}, _row,
        max_rows=MAX_ROWS, too_many=f"more than {MAX_ROWS:,} rows: give the locations in "
                                    "smaller files",
        no_rows="no households: the file has a header and no rows", progress=progress)


def _header_problems(name: str, header: list[str]) -> list[Problem]:
    columns = ", ".join(HEADER)
    problems = [Problem(name, 1, f"unknown column {shown(h)}: the columns are {columns}")
                for h in header if h not in HEADER]
    problems += [Problem(name, 1, f"column {h} is given twice")
                 for h in HEADER if header.count(h) > 1]
    problems += [Problem(name, 1, f"missing column {h}: the columns are {columns}")
                 for h in HEADER if h not in header]
    return problems


def _row(name, line, texts, parsers, seen, problems) -> LocationRow | None:
    values, ok = {}, True
    for column in HEADER:
        try:
            values[column] = parsers[column](texts[column])
        except CellError as exc:
            problems.append(Problem(name, line, f"{column}: {exc}"))
            ok = False
    key = values.get(KEY)
    if key is not None:
        if key in seen:
            problems.append(Problem(name, line, f"household {shown(key)} is given again (first "
                                                f"on line {seen[key]})"))
            return None
        seen[key] = line
    if not ok:
        return None
    latitude, longitude = (values[c] for c in PAIR)
    if (latitude is None) != (longitude is None):
        given, missing = PAIR if longitude is None else PAIR[::-1]
        problems.append(Problem(name, line, f"{given} {shown(texts[given])} is given without "
                                            f"{missing}: give both, or leave both empty to "
                                            "clear the household's location"))
        return None
    return LocationRow(line, key, (latitude, longitude))

"""No input ends in a traceback (issue 11): mutated bundles, filters and edits, on SQLite and
PostgreSQL, are either taken or refused with the project's own refusal (a RolloverError), and a
refusal leaves every row of the store as it was.  Beside them, the reader's fast path (a block of
rows at a time) finds exactly the problems the cell-by-cell path finds, wherever the blocks of
lines and of rows begin and end.

Hypothesis runs a bounded, derandomized number of examples, so the suite is repeatable; the
longer fuzz is bench/fuzz.py.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rollover.bundle import reader as bundle_reader
from rollover.bundle.format import FILES_BY_NAME
from rollover.bundle.reader import BundleFileReader
from rollover.bundle.values import CellError, cell_parser
from rollover.domain.forward.options import ForwardOptions
from rollover.errors import RolloverError
from rollover.services.bundles import import_bundle
from rollover.services.edits import edit_record
from rollover.services.forward import roll_forward
from rollover.store.schema import metadata

from .conftest import BUNDLES
from .districts import stored_rows

pytestmark = pytest.mark.slow  # hypothesis runs on real stores (`pytest -m slow`)

FUZZ = settings(max_examples=40, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

AWKWARD = ["", " ", "0", "-1", "2147483647", "2147483648", "-2147483648", "-2147483649",
           "99999999999999999999", "9" * 5000, "0" * 5000 + "1", "1e3", "١٢", "\x00", "a\x00b",
           "\x01", "\x7f", "\x1f", "\t", "a\nb", "a\rb", '"', ",", "é" * 65, "x" * 64, "x" * 65,
           "x" * 10_001, "2026-02-30", "9999-12-31", "true", "maybe", "S1", "HSA27", "NOPE"]
awkward = st.one_of(st.sampled_from(AWKWARD), st.text(max_size=12))


def every_row(engine) -> dict[str, list[tuple]]:
    return stored_rows(engine, *(t.name for t in metadata.sorted_tables))


def emptied(engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


def district_bundle(folder: Path) -> Path:
    """The tiny district with its module files, in `folder`."""
    for source in (BUNDLES / "tiny", BUNDLES / "tiny_modules"):
        shutil.copytree(source, folder, dirs_exist_ok=True)
    return folder


def taken_or_refused(engine, action) -> None:
    """Run `action`: it succeeds, or raises a RolloverError having written nothing."""
    before = every_row(engine)
    try:
        action()
    except RolloverError:
        assert every_row(engine) == before, "a refusal wrote to the store"


# -- bundles --------------------------------------------------------------------------------------
def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8", errors="replace") as f:
        return list(csv.reader(f))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8", errors="surrogatepass") as f:
        csv.writer(f).writerows(rows)


@st.composite
def cell_mutations(draw, names: list[str]):
    return ("cell", draw(st.sampled_from(names)), draw(st.integers(1, 10)),
            draw(st.integers(0, 20)), draw(awkward))


@st.composite
def byte_mutations(draw, names: list[str]):
    return ("bytes", draw(st.sampled_from(names)), draw(st.integers(0, 400)),
            draw(st.sampled_from([b"\x00", b"\xff", b'"', b",", b"\r", b"\n", b"9" * 12, b""])))


def mutate(bundle: Path, mutation) -> None:
    """("cell", file, line, column, value): a cell set; ("bytes", file, at, data): the byte at
    `at` replaced by `data` (positions wrap around the file's size)."""
    kind, name, *where = mutation
    path = bundle / name
    if kind == "cell":
        line, column, value = where
        rows = _rows(path)
        row = rows[line % len(rows)]
        if row:
            row[column % len(row)] = value
            _write(path, rows)
    else:
        at, data = where
        content = path.read_bytes()
        at %= len(content) + 1
        path.write_bytes(content[:at] + data + content[at + 1:])


BUNDLE_FILES = sorted(p.name for p in (*(BUNDLES / "tiny").iterdir(),
                                       *(BUNDLES / "tiny_modules").iterdir()))
MUTATIONS = st.lists(st.one_of(cell_mutations(BUNDLE_FILES), cell_mutations(BUNDLE_FILES),
                               byte_mutations(BUNDLE_FILES)), min_size=1, max_size=3)


@FUZZ
@given(mutations=MUTATIONS, replace=st.booleans())
@example(mutations=[("cell", "boundaries.csv", 1, 5, "99999999999999999999")], replace=False)
@example(mutations=[("cell", "students.csv", 2, 2, "Jo\x00nes")], replace=True)
def test_a_mutated_bundle_is_imported_or_refused_cleanly(engine, mutations, replace):
    with tempfile.TemporaryDirectory() as tmp:
        emptied(engine)
        if replace:  # into a store holding the district: rows replaced, or nothing at all
            import_bundle(engine, district_bundle(Path(tmp) / "stored"))
        bundle = district_bundle(Path(tmp) / "bundle")
        for mutation in mutations:
            mutate(bundle, mutation)
        taken_or_refused(engine, lambda: import_bundle(engine, bundle, replace=replace))


# -- filters --------------------------------------------------------------------------------------
EXPRESSIONS = ['grade in ("08", "09") and last_name startswith "S"',
               'end_action == null and birth_date < "2012-09-01"',
               "graduation_cohort >= 2030 or graduation_cohort == null",
               'not (school_id == "HSA") and student_id != "S9"']
PIECES = ['"', "(", ")", ",", "==", "and", "not", "in", "null", "\\", "\x00", "-", "9" * 30,
          "9" * 5000, "0" * 5000 + "1", "2147483648", '"\x00"', '"2026-02-30"', "(" * 101]


@st.composite
def expressions(draw):
    if draw(st.integers(0, 4)) == 0:
        return draw(st.text(max_size=30))
    expression = draw(st.sampled_from(EXPRESSIONS))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(expression)))
        cut = draw(st.integers(0, 3))
        piece = draw(st.sampled_from(PIECES))
        if draw(st.booleans()):
            piece = f" {piece} "  # a token of its own
        expression = expression[:at] + piece + expression[at + cut:]
    return expression


@pytest.fixture
def district(engine, tmp_path):
    import_bundle(engine, district_bundle(tmp_path / "district"))
    return engine


@settings(FUZZ, max_examples=100)
@given(expression=expressions())
@example(expression="graduation_cohort == " + "9" * 5000)  # issue 11
def test_a_mutated_filter_is_run_or_refused_cleanly(district, expression):
    options = ForwardOptions(source_calendars=("HSA27", "MSA27"), filter=expression, test=True)
    taken_or_refused(district, lambda: roll_forward(district, options))


# -- edits ----------------------------------------------------------------------------------------
EDITS = [("households", {"household_id": "H1"}, ["number", "street", "zip"]),
         ("students", {"student_id": "S1"}, ["last_name", "birth_date", "student_number"]),
         ("enrollments", {"enrollment_id": "E1"},
          ["grade", "next_grade", "next_calendar_id", "graduation_cohort", "end_action",
           "structure_id", "rolled_from"]),
         ("courses", {"course_id": "HSA27-C2"}, ["number", "name", "calendar_id"]),
         ("attendance_codes", {"school_year": "2027", "code": "P"}, ["name", "excused"])]


@FUZZ
@given(edit=st.sampled_from(EDITS), column=st.integers(0, 6), value=awkward,
       key_value=st.one_of(st.none(), awkward))
def test_a_mutated_edit_is_written_or_refused_cleanly(district, edit, column, value, key_value):
    table, key, columns = edit
    if key_value is not None:
        key = {**key, next(iter(key)): key_value}
    changes = {columns[column % len(columns)]: value}
    taken_or_refused(district, lambda: edit_record(district, table, key, changes))


# -- the reader's fast path agrees with the cell-by-cell path -------------------------------------
STUDENTS = FILES_BY_NAME["students.csv"]
TEXT_CELLS = st.one_of(st.sampled_from(["S1", "Smith", "x" * 64, "x" * 65, "é" * 64, "é" * 65,
                                        "Jones, Jr.", 'say "hi"', "a\nb", "a\r\nb", "a\tb",
                                        "\x00", "x\x1f", "\x7f", "x" * 10_001, ""]),
                       st.text(max_size=8))
DATES = st.sampled_from(["", "2011-03-02", "2011-03-02", "2026-02-30"])
# Mostly rows of the right width whose dates parse, so that the fast path takes them.
STUDENT_ROWS = st.one_of(
    st.tuples(TEXT_CELLS, TEXT_CELLS, TEXT_CELLS, TEXT_CELLS, DATES).map(list),
    st.tuples(TEXT_CELLS, TEXT_CELLS, TEXT_CELLS, TEXT_CELLS, DATES).map(list),
    st.lists(TEXT_CELLS, min_size=4, max_size=6))
ROWS = st.lists(STUDENT_ROWS, max_size=12)
# Line ends and quoting a spreadsheet may write (a carriage return in a cell is quoted).
LAYOUTS = st.sampled_from([("\r\n", csv.QUOTE_MINIMAL), ("\n", csv.QUOTE_ALL),
                           ("\r\n", csv.QUOTE_ALL)])


def cell_by_cell(rows: list[list[str]]) -> list[str]:
    """The problems `cell_parser` finds, one record at a time (a record's line counts the line
    breaks of the records before it)."""
    parsers = [cell_parser(c) for c in STUDENTS.columns]
    problems, line = [], 2
    for record in rows:
        if len(record) != len(STUDENTS.columns):
            problems.append(f"students.csv:{line}: expected 5 cells, found {len(record)}")
        else:
            for column, parse, cell in zip(STUDENTS.columns, parsers, record):
                try:
                    parse(cell)
                except CellError as exc:
                    problems.append(f"students.csv:{line}: {column.name}: {exc}")
        line += 1 + sum(cell.count("\n") for cell in record)
    return problems


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(rows=ROWS, block_bytes=st.integers(1, 300), block_rows=st.integers(1, 4),
       layout=LAYOUTS)
# An id too long on a line without quotes; a quoted id may hide a line break, or more than 64
# characters between its commas.
@example(rows=[["S1", "1", "L", "F", ""], ["S" * 65, "2", "L", "F", ""]], block_bytes=300,
         block_rows=4, layout=("\r\n", csv.QUOTE_MINIMAL))
@example(rows=[["S\n1", "1", "L", "F", ""]], block_bytes=1, block_rows=1,
         layout=("\r\n", csv.QUOTE_MINIMAL))
@example(rows=[["S" * 40 + "," + "S" * 40, "1", "L", "F", ""]], block_bytes=300, block_rows=4,
         layout=("\r\n", csv.QUOTE_MINIMAL))
def test_the_fast_path_finds_what_the_cell_by_cell_path_finds(rows, block_bytes, block_rows,
                                                              layout):
    line_end, quoting = layout
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator=line_end, quoting=quoting).writerows(
        [list(STUDENTS.column_names), *rows])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "students.csv"
        path.write_bytes(out.getvalue().encode("utf-8", errors="surrogatepass"))
        reader = BundleFileReader(path)
        original = bundle_reader._Lines.BLOCK_BYTES
        bundle_reader._Lines.BLOCK_BYTES = block_bytes  # blocks of lines end anywhere
        try:
            for _block in reader.checked_blocks(block_rows):
                pass
        finally:
            bundle_reader._Lines.BLOCK_BYTES = original
        found = sorted(map(str, reader.problems))
    assert found == sorted(cell_by_cell(rows))

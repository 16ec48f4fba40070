"""docs/bundle-reference.md is generated from `rollover.bundle.format` and `.values`: the committed
page is the generator's output, it names every file and column as format.py declares it, the
value rules it states are the ones the reader applies, and the hand-written docs/bundle.md
agrees with format.py where it names columns outside its per-file tables (those are checked by
tests/test_docs_stand_alone.py).  Pure file reading, no database.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path

import pytest

from rollover.bundle.format import DATE, FILES, FILES_BY_TABLE, ID, INT, BundleFile, Column
from rollover.bundle.reference import REFERENCE_PATH, REGENERATE, reference_markdown
from rollover.bundle.values import (
    INT_MAX, INT_MIN, MAX_ID_LENGTH, MAX_TEXT_LENGTH, CellError, cell_parser, parse_bool,
    parse_date, parse_int, text_problem,
)

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / REFERENCE_PATH
BUNDLE = ROOT / "docs" / "bundle.md"
CODE_SPAN = re.compile(r"`([^`\n]+)`")


@pytest.fixture(scope="module")
def generated() -> str:
    return reference_markdown()


def section(page: str, heading: str) -> str:
    """The text under `heading` (a whole line) up to the next heading of its level or above."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = page.splitlines()
    assert heading in lines, f"no heading {heading!r}"
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines))
                if re.match(rf"#{{1,{level}}} ", lines[i])), len(lines))
    return "\n".join(lines[start:end])


def table_rows(body: str) -> list[list[str]]:
    """The body rows of the Markdown tables in `body`, as lists of cells (header rows and
    separators left out)."""
    rows, previous = [], ""
    for line in body.splitlines():
        if line.startswith("|") and not line.startswith("|---") and previous.startswith("|"):
            rows.append([cell.strip() for cell in line.strip()[1:-1].split("|")])
        previous = line
    return rows


# -- the committed page is the generator's ----------------------------------------------------
def test_the_committed_reference_is_what_the_generator_writes(generated):
    committed = REFERENCE.read_text(encoding="utf-8") if REFERENCE.is_file() else ""
    if committed != generated:
        diff = "".join(list(difflib.unified_diff(
            committed.splitlines(keepends=True), generated.splitlines(keepends=True),
            REFERENCE_PATH, "generated"))[:40])
        pytest.fail(f"{REFERENCE_PATH} is not what format.py and values.py say; write it again "
                    f"with `{REGENERATE}`\n{diff}")


def test_the_page_says_how_to_write_it_again(generated):
    assert REGENERATE in generated.split("\n## ", 1)[0]


def test_the_contract_and_the_readme_link_to_the_reference():
    assert "(bundle-reference.md)" in BUNDLE.read_text(encoding="utf-8")
    assert "(docs/bundle-reference.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


# -- every file and every column, as format.py declares them ------------------------------------
def test_the_files_are_listed_in_loading_order(generated):
    listed = re.findall(r"^### `([\w.]+)`$", generated, re.M)
    assert listed == [f.name for f in FILES]
    index = table_rows(section(generated, "## Files").split("\n### ")[0])
    assert [(row[0], row[1]) for row in index] == \
        [(f"`{f.name}`", "optional" if f.optional else "required") for f in FILES]


@pytest.mark.parametrize("bundle_file", FILES, ids=lambda f: f.name)
def test_every_file_is_described_with_its_key_and_unique_sets(generated, bundle_file: BundleFile):
    body = section(generated, f"### `{bundle_file.name}`")
    assert bundle_file.doc and bundle_file.doc in body, \
        f"{bundle_file.name}: give it a `doc` in format.py: the reference shows it"
    required_line = "Optional file" if bundle_file.optional else "Required file"
    assert f"- {required_line}" in body
    [key_line] = [ln for ln in body.splitlines() if ln.startswith("- Key:")]
    assert re.findall(r"`(\w+)`", key_line) == list(bundle_file.key)
    assert ("at most one row" in key_line) == bundle_file.single_row
    [unique_line] = [ln for ln in body.splitlines() if ln.startswith("- Unique besides the key:")]
    assert [re.findall(r"`(\w+)`", part) for part in unique_line.split(";") if "`" in part] == \
        [list(unique) for unique in bundle_file.unique]


def expected_row(column: Column) -> list[str]:
    yes_no = {True: "yes", False: "no"}
    return [f"`{column.name}`", f"`{column.kind}`", yes_no[column.required],
            ", ".join(f"`{c}`" for c in column.choices)
            or (f"from {column.bounds[0]:g} to {column.bounds[1]:g}" if column.bounds else ""),
            f"`{column.references}`" if column.references else "",
            yes_no[column.optional_column]]


@pytest.mark.parametrize("bundle_file", FILES, ids=lambda f: f.name)
def test_every_column_is_in_its_files_table(generated, bundle_file: BundleFile):
    rows = table_rows(section(generated, f"### `{bundle_file.name}`"))
    assert rows == [expected_row(c) for c in bundle_file.columns]


# -- the value rules it states are the reader's -----------------------------------------------
def kinds(generated: str) -> dict[str, str]:
    return {row[0].strip("`"): row[1] for row in table_rows(section(generated, "## Kinds of value"))}


def test_every_kind_of_format_py_is_explained(generated):
    used = {c.kind for f in FILES for c in f.columns}
    assert used <= set(kinds(generated))


def test_the_booleans_it_lists_are_the_ones_read(generated):
    text = kinds(generated)["bool"]
    true_part, false_part = text.split("; false:")
    for word in CODE_SPAN.findall(true_part):
        assert parse_bool(word) is True and parse_bool(f" {word.upper()} ") is True, word
    for word in CODE_SPAN.findall(false_part.split(";")[0]):
        assert parse_bool(word) is False and parse_bool(word.capitalize()) is False, word
    with pytest.raises(CellError):
        parse_bool("on")  # not listed, so refused


def test_the_whole_number_range_it_states_is_the_one_read(generated):
    low, high = map(int, re.search(r"from (-?\d+) to (-?\d+)", kinds(generated)["int"]).groups())
    assert (low, high) == (INT_MIN, INT_MAX)
    assert parse_int(f" +{high:012d} ") == high and parse_int(str(low)) == low
    for outside in (low - 1, high + 1):
        with pytest.raises(CellError, match="out of range"):
            parse_int(str(outside))


def test_the_dates_it_states_are_the_ones_read(generated):
    first, last = re.search(r"from (\S+) to (\S+)$", kinds(generated)["date"]).groups()
    assert parse_date(first) == dt.date(1, 1, 1) and parse_date(last) == dt.date(9999, 12, 31)
    for not_a_date in ("20260901", "2026-9-01", "2026-02-30"):
        with pytest.raises(CellError, match="YYYY-MM-DD"):
            parse_date(not_a_date)


def stated_points(text: str) -> set[int]:
    points = set()
    for low, high in re.findall(r"U\+([0-9A-F]{4})(?:–U\+([0-9A-F]{4}))?", text):
        points.update(range(int(low, 16), int(high or low, 16) + 1))
    return points


@pytest.mark.parametrize("kind", ["id", "text"])
def test_the_characters_and_lengths_it_states_are_the_ones_read(generated, kind):
    text = kinds(generated)[kind]
    limit = int(re.search(r"at most ([\d,]+) characters", text).group(1).replace(",", ""))
    assert limit == {"id": MAX_ID_LENGTH, "text": MAX_TEXT_LENGTH}[kind]
    assert text_problem("é" * limit, kind) is None
    assert "at most" in text_problem("é" * (limit + 1), kind)
    refused = stated_points(text.split("kept")[-1])  # text: only those after what it keeps
    assert refused, text
    for point in range(0x100):
        problem = text_problem(f"a{chr(point)}b", kind)
        assert (problem is not None) == (point in refused), f"{kind}: U+{point:04X}"


def test_an_enum_takes_only_its_allowed_values_case_included():
    side = FILES_BY_TABLE["boundaries"].column("side")
    parse = cell_parser(side)
    assert [parse(choice) for choice in side.choices] == list(side.choices)
    with pytest.raises(CellError):
        parse(side.choices[0].upper())


# -- docs/bundle.md names no column format.py lacks --------------------------------------------
FILE_SUFFIXES = {"csv", "md", "db", "json", "zip", "xml"}


def test_every_file_column_the_contract_names_exists():
    """Beyond its per-file tables, bundle.md names columns as `table.column` (in the decisions
    and in messages): each must be a column of format.py.  A file name is no column: a bundle
    file (`students.csv`), a page (`calendars.md`), a database file (`district.db`)."""
    page = BUNDLE.read_text(encoding="utf-8")
    named = set(re.findall(r"(?<![\w/.])([a-z_]+)\.([a-z_]+)\b", page))
    missing = sorted(f"{table}.{column}" for table, column in named
                     if table in FILES_BY_TABLE and column not in FILE_SUFFIXES
                     and column not in FILES_BY_TABLE[table].column_names)
    assert not missing, f"docs/bundle.md names columns format.py does not have: {missing}"


VALUE_KINDS = {"id or code": ID, "whole number": INT, "date": DATE}


def columns_of_kind(kind: str) -> set[str]:
    return {c.name for f in FILES for c in f.columns if c.kind == kind}


@pytest.mark.parametrize("row_name", VALUE_KINDS)
def test_the_values_table_of_the_contract_names_columns_of_that_kind(row_name):
    """bundle.md's "Values" table says which columns hold ids, whole numbers and dates: every
    name it gives (`…_id`: every column so named) is a column of that kind, and where the list
    does not end in "…" it names them all (references too, for ids)."""
    page = BUNDLE.read_text(encoding="utf-8")
    body = section(page, "## Values: one range and one length for both databases")
    [row] = [r for r in table_rows(body) if r[0] == row_name]
    kind, named = VALUE_KINDS[row_name], CODE_SPAN.findall(row[1])
    suffixes = [name[1:] for name in named if name.startswith("…")]
    names = [name for name in named if not name.startswith("…")]
    all_columns = [c for f in FILES for c in f.columns]
    for suffix in suffixes:
        wrong = [c.name for c in all_columns if c.name.endswith(suffix) and c.kind != kind]
        assert not wrong, f"{row_name}: {wrong} end in {suffix} but are not {kind}"
    for name in names:
        assert name in columns_of_kind(kind), f"{row_name}: no {kind} column named {name!r}"
    if not row[1].rstrip().endswith("…"):
        covered = {c.name for c in all_columns
                   if c.name in names or c.name.endswith(tuple(suffixes))
                   or (kind == ID and c.references)}
        assert columns_of_kind(kind) <= covered, \
            f"{row_name}: bundle.md leaves out {sorted(columns_of_kind(kind) - covered)}"


def test_the_contract_states_the_limits_values_py_applies():
    page = BUNDLE.read_text(encoding="utf-8")
    values = section(page, "## Values: one range and one length for both databases")
    assert f"**{INT_MIN} to {INT_MAX}**" in values
    assert f"at most **{MAX_ID_LENGTH} characters**" in values
    assert f"at most **{MAX_TEXT_LENGTH:,} characters**" in values

"""The bundle format reference (docs/bundle-reference.md), rendered from `format.py` and
`values.py` so that it says what the reader checks and cannot drift from it.

`python -m rollover.bundle.reference > docs/bundle-reference.md` writes it again; a test fails
while the committed page differs from `reference_markdown()`.
"""

from __future__ import annotations

import datetime as dt
import sys

from .format import (
    AREAS_FILE, BOOL, DATE, DECIMAL, ENUM, FILES, ID, INT, TEXT, BundleFile, Column,
)
from .values import (
    FALSE_WORDS, INT_MAX, INT_MIN, MAX_ID_LENGTH, MAX_TEXT_LENGTH, TRUE_WORDS, format_cell,
    refused_characters,
)

REFERENCE_PATH = "docs/bundle-reference.md"
REGENERATE = f"python -m rollover.bundle.reference > {REFERENCE_PATH}"


def reference_markdown() -> str:
    """The whole reference page, as Markdown text ending in one line break."""
    parts = [_preface(), _kinds(), _index(), *(_file_section(f) for f in FILES),
             _areas_section()]
    return "\n\n".join(parts) + "\n"


def _preface() -> str:
    return "\n".join((
        "# The bundle format, file by file",
        "",
        "Generated from `src/rollover/bundle/format.py` and `src/rollover/bundle/values.py` by",
        "`src/rollover/bundle/reference.py`: do not edit it by hand. After a change to a file, a",
        "column or a value rule, write it again from the project's folder:",
        "",
        "```sh",
        REGENERATE,
        "```",
        "",
        "(`tests/test_bundle_reference.py` fails until it is.) What each column means, the",
        "checks an import makes and the command line are in [bundle.md](bundle.md), the",
        "format's contract.",
    ))


def _kinds() -> str:
    true_words, false_words = _words(TRUE_WORDS), _words(FALSE_WORDS)
    first, last = dt.date.min.isoformat(), dt.date.max.isoformat()
    rows = (
        (ID, f"an id or code, compared exactly (`07` is not `7`): at most {MAX_ID_LENGTH:,} "
             f"characters, none of them a control character "
             f"({_code_points(refused_characters(ID))})"),
        (TEXT, f"any text of at most {MAX_TEXT_LENGTH:,} characters; "
               f"{_kept_controls()} are kept, the other control characters "
               f"({_code_points(refused_characters(TEXT))}) refused"),
        (DATE, f"a day written `YYYY-MM-DD` (ten characters), from {first} to {last}"),
        (BOOL, f"true: {true_words}; false: {false_words}; in any case, spaces around ignored; "
               f"an export writes `{format_cell(True)}` or `{format_cell(False)}`"),
        (INT, f"a whole number: digits `0`–`9` with an optional `+` or `-`, leading zeros "
              f"and spaces around accepted; from {INT_MIN} to {INT_MAX}"),
        (DECIMAL, "a number in decimal notation (`47.6062`, `-122.3321`; an exponent such as "
                  "`1e-3` accepted), spaces around ignored, within the column's range; never "
                  "`nan` or `inf`"),
        (ENUM, "exactly one of the column's allowed values, case included"),
    )
    return "\n".join((
        "## Kinds of value",
        "",
        "Every cell holds a value of its column's kind. Lengths count characters (Unicode code",
        "points). An empty cell is not set, whatever the kind; a column whose *required* says",
        "`yes` refuses it. The limits are the same on SQLite and PostgreSQL.",
        "",
        "| kind | a cell holds |",
        "|---|---|",
        *(f"| `{kind}` | {holds} |" for kind, holds in rows),
        "",
        "The header names a file's columns in any order. A column the file does not have is",
        "refused; every column of the file must be there unless *may be left out of the header*",
        "says `yes`. A reference `file.column` means the value must be one of that column's",
        "values, in the bundle or already in the store.",
    ))


def _index() -> str:
    return "\n".join((
        "## Files",
        "",
        "In loading order, parents before children.",
        "",
        "| file | required or optional | key |",
        "|---|---|---|",
        *(f"| `{f.name}` | {'optional' if f.optional else 'required'} | {_column_set(f.key)} |"
          for f in FILES),
        "",
        f"Beside them, the optional GeoJSON file `{AREAS_FILE.name}` (the last section), loaded",
        "after them.",
    ))


def _file_section(bundle_file: BundleFile) -> str:
    lines = [f"### `{bundle_file.name}`", ""]
    if bundle_file.doc:
        lines += [bundle_file.doc, ""]
    lines += [
        "- " + ("Optional file: the bundle may leave it out." if bundle_file.optional
                else "Required file: the bundle must hold it."),
        f"- Table in the store: `{bundle_file.table}`.",
        f"- Key: {_column_set(bundle_file.key)}"
        + (" (at most one row)." if bundle_file.single_row else "."),
        "- Unique besides the key: "
        + ("; ".join(_column_set(u) for u in bundle_file.unique) or "nothing") + ".",
        "",
        "| column | kind | required | allowed values | references "
        "| may be left out of the header |",
        "|---|---|---|---|---|---|",
        *(_column_row(c) for c in bundle_file.columns),
    ]
    return "\n".join(lines)


def _areas_section() -> str:
    """The GeoJSON file of attendance areas: a FeatureCollection, its properties as a table."""
    spec = AREAS_FILE
    rows = [(f"`{c.name}`", f"`{c.kind}`", _yes_no(c.required),
             f"`{c.references}`" if c.references else "") for c in spec.columns]
    return "\n".join((
        f"## `{spec.name}`: attendance areas drawn as polygons",
        "",
        spec.doc,
        "",
        "- Optional file: the bundle may leave it out; an export writes it when the store holds",
        "  areas, one feature per area in the order of their `area_key`.",
        f"- Table in the store: `{spec.table}`.",
        "- A GeoJSON FeatureCollection (RFC 7946) in UTF-8, coordinates in WGS 84 longitude and",
        "  latitude: a `crs` member naming another system than CRS84 or EPSG:4326 is refused.",
        "- Each feature's geometry: a valid `Polygon` or `MultiPolygon` (holes allowed), within",
        "  longitude -180 to 180 and latitude -90 to 90.",
        f"- Key: {_column_set(spec.key)}; several features may share one.",
        "- Its properties, each a JSON string; one not required may be `null` or left out. A",
        "  property not listed is refused. A grade code must be that of grade levels of one",
        "  sequence, `low_grade`'s not after `high_grade`'s.",
        "",
        "| property | kind | required | references |",
        "|---|---|---|---|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ))


def _column_row(column: Column) -> str:
    cells = (
        f"`{column.name}`",
        f"`{column.kind}`",
        _yes_no(column.required),
        ", ".join(f"`{choice}`" for choice in column.choices)
        or (f"from {column.bounds[0]:g} to {column.bounds[1]:g}" if column.bounds else ""),
        f"`{column.references}`" if column.references else "",
        _yes_no(column.optional_column),
    )
    return "| " + " | ".join(cells) + " |"


def _column_set(names: tuple[str, ...]) -> str:
    return " + ".join(f"`{name}`" for name in names) or "none"


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _words(words: frozenset[str]) -> str:
    # A set has no order of its own; longest first puts the word before its abbreviations.
    return ", ".join(f"`{w}`" for w in sorted(words, key=lambda w: (-len(w), w)))


_CONTROL_NAMES = {0x09: "tab", 0x0A: "line feed", 0x0D: "carriage return"}


def _kept_controls() -> str:
    """The control characters a text cell keeps (those an id refuses and text does not)."""
    kept = sorted(set(refused_characters(ID)) - set(refused_characters(TEXT)))
    named = [f"{_CONTROL_NAMES.get(point, 'the character')} (U+{point:04X})" for point in kept]
    return ", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else "".join(named)


def _code_points(points: list[int]) -> str:
    """`[0, 1, 2, 11, 12, 127]` as "U+0000–U+0002, U+000B, U+000C, U+007F": runs of three or more
    as a range."""
    runs: list[list[int]] = []
    for point in points:
        if runs and point == runs[-1][-1] + 1:
            runs[-1].append(point)
        else:
            runs.append([point])
    shown = []
    for run in runs:
        if len(run) >= 3:
            shown.append(f"U+{run[0]:04X}–U+{run[-1]:04X}")
        else:
            shown += [f"U+{point:04X}" for point in run]
    return ", ".join(shown)


if __name__ == "__main__":
    sys.stdout.write(reference_markdown())

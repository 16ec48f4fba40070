"""Reading and writing one bundle cell: the conventions of bundle.md in one place."""

from __future__ import annotations

import datetime as dt

from .format import BOOL, DATE, ENUM, INT, Column

TRUE_WORDS = frozenset({"true", "1", "yes", "y"})
FALSE_WORDS = frozenset({"false", "0", "no", "n"})


class CellError(ValueError):
    """A cell that does not hold a value of its column's kind; the message names the value."""


def cell_parser(column: Column):
    """A function from a cell's text to its typed value (None for an empty cell, else str, int,
    bool or date), made once per column because it runs for every cell of a bundle."""
    kind = column.kind
    if kind == DATE:
        convert = parse_date
    elif kind == BOOL:
        convert = parse_bool
    elif kind == INT:
        convert = parse_int
    elif kind == ENUM:
        choices = frozenset(column.choices)

        def convert(text: str) -> str:
            if text not in choices:
                raise CellError(f"{text!r} is not one of {', '.join(column.choices)}")
            return text
    else:
        convert = None

    if column.required:
        def parse(text: str):
            if text == "":
                raise CellError("a value is required")
            return convert(text) if convert else text
    elif convert:
        def parse(text: str):
            return convert(text) if text else None
    else:
        def parse(text: str):
            return text or None
    return parse


def parse_date(text: str) -> dt.date:
    # fromisoformat also takes "20260901" and week dates; the contract is YYYY-MM-DD only.
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise CellError(f"{text!r} is not a date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CellError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"{text!r} is not a boolean (true/false, 1/0, yes/no, y/n)")


def parse_int(text: str) -> int:
    stripped = text.strip()
    body = stripped[1:] if stripped[:1] in "+-" else stripped
    if not body.isascii() or not body.isdigit():
        raise CellError(f"{text!r} is not a whole number")
    return int(stripped)


def format_cell(value) -> str:
    """The bundle text of a stored value: booleans true/false, dates ISO, unset empty."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)

"""Reading and writing one bundle cell: the conventions of bundle.md in one place."""

from __future__ import annotations

import datetime as dt

from .format import BOOL, DATE, ENUM, INT, Column

TRUE_WORDS = frozenset({"true", "1", "yes", "y"})
FALSE_WORDS = frozenset({"false", "0", "no", "n"})


class CellError(ValueError):
    """A cell that does not hold a value of its column's kind; the message names the value."""


def parse_cell(column: Column, text: str):
    """The typed value of one cell: None for an empty cell, else str, int, bool or date."""
    if text == "":
        if column.required:
            raise CellError("a value is required")
        return None
    kind = column.kind
    if kind == DATE:
        return parse_date(text)
    if kind == BOOL:
        return parse_bool(text)
    if kind == INT:
        return parse_int(text)
    if kind == ENUM and text not in column.choices:
        raise CellError(f"{text!r} is not one of {', '.join(column.choices)}")
    return text


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

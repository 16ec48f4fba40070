"""Reading and writing one bundle cell: the conventions of bundle.md in one place."""

from __future__ import annotations

import datetime as dt
import re
import sys
from array import array
from functools import lru_cache
from itertools import chain

from .format import BOOL, DATE, DECIMAL, ENUM, ID, INT, TEXT, Column

TRUE_WORDS = frozenset({"true", "1", "yes", "y"})
FALSE_WORDS = frozenset({"false", "0", "no", "n"})

# What a cell may hold, the same on SQLite and PostgreSQL (docs/bundle.md, "Values").
INT_MIN, INT_MAX = -2**31, 2**31 - 1  # the store's INTEGER columns
MAX_ID_LENGTH = 64  # the store's id and code columns (store/types.py `Key`)
MAX_TEXT_LENGTH = 10_000
# Control characters: PostgreSQL cannot store NUL, and none of them belongs in a name, a code or
# a note (U+001F would also blur the checker's composite keys).  A text cell may hold tab and
# line breaks; an id or code is one line of text.
_TEXT_LIMITS = {
    ID: (re.compile("[\x00-\x1f\x7f]"), MAX_ID_LENGTH, "an id or code"),
    TEXT: (re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"), MAX_TEXT_LENGTH, "a text cell"),
}


def refused_characters(kind: str) -> list[int]:
    """The code points an id or code (ID) or a text cell (TEXT) may not hold, in order: what the
    format reference states, read off the same expressions the checks use."""
    control = _TEXT_LIMITS[kind][0]
    return [ord(found) for found in control.findall(_every_character())]


@lru_cache(maxsize=1)
def _every_character() -> str:
    """Every character UTF-8 text can hold: every code point but the surrogates (an array
    decoded at once, as joining a million `chr` calls takes a third of a second)."""
    codes = array("I", chain(range(0xD800), range(0xE000, 0x110000)))
    if sys.byteorder == "big":
        codes.byteswap()
    return codes.tobytes().decode("utf-32-le")


class CellError(ValueError):
    """A cell that does not hold a value of its column's kind; the message names the value."""


def shown(text: str) -> str:
    """A cell's text as a message quotes it, a long one cut short."""
    return repr(text) if len(text) <= 20 else repr(text[:20] + "…")


def text_problem(text: str, kind: str) -> str | None:
    """What is wrong with the text of an id, code or text cell (None: nothing)."""
    control, limit, what = _TEXT_LIMITS[kind]
    if len(text) > limit:
        return f"{shown(text)} has {len(text):,} characters; {what} holds at most {limit:,}"
    found = control.search(text)
    if found:
        return (f"{shown(text)} holds a control character (U+{ord(found.group()):04X} at "
                f"position {found.start() + 1})")
    return None


def texts_fine(texts: set[str], kind: str) -> bool:
    """Whether none of the (non-empty) texts has a problem `text_problem` would name: a few
    C-speed passes, for a block's column at once."""
    control, limit, _what = _TEXT_LIMITS[kind]
    return max(map(len, texts)) <= limit and not control.search("".join(texts))


def text_checker(kind: str):
    """A function returning a text cell's text, or raising CellError naming its problem."""
    control, limit, _what = _TEXT_LIMITS[kind]

    def checked(text: str) -> str:
        if len(text) > limit or control.search(text):
            raise CellError(text_problem(text, kind))
        return text
    return checked


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
    elif kind == DECIMAL:
        convert = decimal_parser(column)
    elif kind == ENUM:
        choices = frozenset(column.choices)

        def convert(text: str) -> str:
            if text not in choices:
                raise CellError(f"{shown(text)} is not one of {', '.join(column.choices)}")
            return text
    else:
        convert = text_checker(kind)

    if column.required:
        def parse(text: str):
            if text == "":
                raise CellError("a value is required")
            return convert(text)
    else:
        def parse(text: str):
            return convert(text) if text else None
    return parse


def parse_date(text: str) -> dt.date:
    # fromisoformat also takes "20260901" and week dates; the contract is YYYY-MM-DD only.
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise CellError(f"{shown(text)} is not a date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CellError(f"{shown(text)} is not a date (YYYY-MM-DD)") from None


def parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"{shown(text)} is not a boolean (true/false, 1/0, yes/no, y/n)")


def parse_int(text: str) -> int:
    stripped = text.strip()
    body = stripped[1:] if stripped[:1] in "+-" else stripped
    if not body.isascii() or not body.isdigit():
        raise CellError(f"{shown(text)} is not a whole number")
    # Past ten digits a number is out of range, and past thousands more than Python converts:
    # tell by the length, leading zeros left out.
    digits = body.lstrip("0") or "0"
    value = int(stripped[:1] + digits if stripped[:1] == "-" else digits) \
        if len(digits) <= 10 else None
    if value is None or not INT_MIN <= value <= INT_MAX:
        raise CellError(f"{shown(text)} is out of range (whole numbers are from {INT_MIN} to "
                        f"{INT_MAX})")
    return value


_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")


def decimal_parser(column: Column):
    """A DECIMAL column's parser: a number written in decimal (`47.6062`, `-122.3321`, an
    exponent allowed), within the column's bounds; never NaN or infinity."""
    low, high = column.bounds or (-1e300, 1e300)

    def parse(text: str) -> float:
        stripped = text.strip()
        if not _DECIMAL.fullmatch(stripped):
            raise CellError(f"{shown(text)} is not a decimal number")
        value = float(stripped)
        if not low <= value <= high:
            raise CellError(f"{shown(text)} is out of range (from {low:g} to {high:g})")
        return value
    return parse


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


# -- a whole row at once ---------------------------------------------------------------------------
# A bundle holds millions of cells, and a Python call per cell is most of the time of reading one.
# So each file gets one compiled expression per row, in which a text cell costs no call at all
# and a typed cell calls a cached converter (a bundle repeats the same dates, words and numbers).
_CACHE_SIZE = 1 << 16


class _Required:
    """Stands for an empty cell of a required column in a compiled row expression."""

    def __call__(self):
        raise CellError("a value is required")


def _cached_converter(column: Column):
    if column.kind == DATE:
        return lru_cache(maxsize=_CACHE_SIZE)(parse_date)
    if column.kind == BOOL:
        return lru_cache(maxsize=256)(parse_bool)
    if column.kind == INT:
        return lru_cache(maxsize=_CACHE_SIZE)(parse_int)
    if column.kind == DECIMAL:
        return decimal_parser(column)
    if column.kind == ENUM:
        return lru_cache(maxsize=256)(cell_parser(Column(column.name, ENUM,
                                                         choices=column.choices)))
    return None


def row_converter(columns: tuple[Column, ...], positions: list[int | None]):
    """A function from a record (its cells' text) to the typed row, in `columns` order, reading
    column i from cell positions[i] (None: the column is absent and reads as None).

    It raises CellError on the first bad cell; `cell_parser` then tells every bad cell apart.
    """
    namespace: dict[str, object] = {"required": _Required()}
    parts = []
    for i, (column, at) in enumerate(zip(columns, positions)):
        if at is None:
            parts.append("None")
            continue
        cell = f"r[{at}]"
        empty = "required()" if column.required else "None"
        convert = _cached_converter(column)
        if convert is None:
            parts.append(f"({cell} or {empty})")
        else:
            namespace[f"convert{i}"] = convert
            parts.append(f"(convert{i}({cell}) if {cell} else {empty})")
    source = f"lambda r: ({', '.join(parts)},)"
    return eval(source, namespace)  # noqa: S307 - the source is built above from column kinds

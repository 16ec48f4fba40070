"""What the mapping of Ed-Fi records to bundle rows shares (docs/interop.md, section 1): the rows
made so far with the element each came from, the problems and warnings, and the rules every part
follows: descriptors (`NAMESPACE#CodeValue`, checked against the Descriptors files), dates,
`YYYY`, `SLUG`, and references resolved by identity or by `ref` in the same file."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from ...bundle.format import FILES_BY_NAME
from .problems import EdfiProblem
from .read import DescriptorDef, Records, Ref, Value, Where

_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?")
_NOT_SLUG = re.compile(r"[^A-Z0-9]+")


@dataclass
class MappedBundle:
    """The bundle rows of an import, each file's rows in its columns' order (format.py), with
    the element each row came from, row for row; and the warnings and problems.

    Here the rows are kept in memory; a subclass may write each away as it comes (`keep`) and
    set rows aside elsewhere than in a list (`spool`)."""

    rows: dict[str, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    sources: dict[str, list[Where]] = field(default_factory=lambda: defaultdict(list))
    warnings: list[EdfiProblem] = field(default_factory=list)
    problems: list[EdfiProblem] = field(default_factory=list)

    def add(self, file: str, where: Where, **cells) -> None:
        columns = FILES_BY_NAME[file].column_names
        self.keep(file, where, tuple(cells.get(column) for column in columns))

    def keep(self, file: str, where: Where, row: tuple) -> None:
        self.rows[file].append(row)
        self.sources[file].append(where)

    def spool(self):
        """Somewhere to set rows aside (`append`) and read them back in order (iterated, as
        often as needed) before they are added."""
        return []


class PackedWheres:
    """`Where`s kept small: the line and the (file, element) it was on packed into one number
    (`pack`, a number a signed 64-bit array holds), a `Where` again when asked (`unpack`).  What
    a million students' references keep."""

    _PLACE_BITS = 20
    _MAX_LINE = (1 << (63 - _PLACE_BITS)) - 1

    def __init__(self):
        self._places: list[tuple[str, str]] = []  # (file, element)
        self._place_numbers: dict[tuple[str, str], int] = {}
        self._others: list[Where] = []  # what does not pack: -1 - its place here

    def pack(self, where: Where) -> int:
        place = (where.file, where.element)
        number = self._place_numbers.get(place)
        if number is None:
            number = self._place_numbers[place] = len(self._places)
            self._places.append(place)
        if number < 1 << self._PLACE_BITS and 0 <= where.line <= self._MAX_LINE:
            return where.line << self._PLACE_BITS | number
        self._others.append(where)
        return -len(self._others)

    def unpack(self, packed: int) -> Where:
        if packed < 0:
            return self._others[-1 - packed]
        file, element = self._places[packed & ((1 << self._PLACE_BITS) - 1)]
        return Where(file, packed >> self._PLACE_BITS, element)


class Seen:
    """Where each key was first seen (`get`, `[key] = where`, `in`), as `Context.duplicate`
    asks, kept small: a million students' keys hold one number each (PackedWheres)."""

    def __init__(self):
        self._first: dict = {}
        self._wheres = PackedWheres()

    def __contains__(self, key) -> bool:
        return key in self._first

    def get(self, key) -> Where | None:
        found = self._first.get(key)
        return None if found is None else self._wheres.unpack(found)

    def __setitem__(self, key, where: Where) -> None:
        self._first[key] = self._wheres.pack(where)


def year_end(school_year: str) -> int:
    """`YYYY`: the year a SchoolYear ends (`2021-2022` -> 2022; the XSD allows only such)."""
    return int(school_year.rpartition("-")[2])


def slug(text: str) -> str:
    """`SLUG(x)`: upper-cased, each run of characters other than A-Z0-9 one `-`, trimmed."""
    return _NOT_SLUG.sub("-", text.upper()).strip("-")


def first_seen(first: Where, where: Where) -> str:
    """Where the first of two was: `line 12`, or `line 12 of Other.xml`."""
    return f"line {first.line}" + ("" if first.file == where.file else f" of {first.file}")


class Context:
    """The mapping's shared state; each part (places.py, people.py) adds to `out`."""

    def __init__(self, records: Records, out: MappedBundle | None = None):
        self.records = records
        self.out = out if out is not None else MappedBundle()
        self._told: set[tuple] = set()
        self.defined: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.by_xml_id: dict[tuple[str, str], object] = {}  # (file, id) -> its record
        self._define_descriptors(records.descriptors)

    # -- problems and warnings ------------------------------------------------------------------
    def problem(self, where: Where, message: str) -> None:
        if (where, message) not in self._told:  # a shared element is told once
            self._told.add((where, message))
            self.out.problems.append(EdfiProblem(where.file, where.line, where.element, message))

    def warning(self, where: Where, code: str, message: str) -> None:
        if (where, code, message) not in self._told:
            self._told.add((where, code, message))
            self.out.warnings.append(EdfiProblem(where.file, where.line, where.element, message,
                                                 code))

    def duplicate(self, seen: dict | Seen, key, where: Where, what: str) -> bool:
        """Whether `key` was seen before (a problem at this, the second, naming the first)."""
        first = seen.get(key)
        if first is None:
            seen[key] = where
            return False
        self.problem(where, f"duplicate {what}: the first is on {first_seen(first, where)}")
        return True

    # -- values ---------------------------------------------------------------------------------
    def date(self, text: str | None, where: Where) -> dt.date | None:
        if text is None:
            return None
        match = _DATE.fullmatch(text)
        try:
            return dt.date.fromisoformat(match.group(1)) if match else _not_a_date(text)
        except ValueError:
            self.problem(where, f"{text!r} is not a date the district can keep (YYYY-MM-DD, "
                                "years 1 to 9999)")
            return None

    def descriptor(self, value: Value | None, kind: str) -> str | None:
        """The code of a descriptor value (`NAMESPACE#CodeValue` split at the first `#`),
        refused without `#` or, when a Descriptors file defines `kind`, not among its values."""
        code, refusal = self.checked_descriptor(value, kind)
        if refusal is not None:
            self.problem(value.where, refusal)
        return code

    def checked_descriptor(self, value: Value | None, kind: str) -> tuple[str | None,
                                                                           str | None]:
        """`descriptor`'s code, or the problem it would tell, without telling it."""
        if value is None:
            return None, None
        namespace, hashed, code = value.text.partition("#")
        if not hashed:
            return None, (f"{value.text!r} is not a descriptor value: a {kind} is written "
                          "NAMESPACE#CodeValue, and it has no '#'")
        defined = self.defined.get(kind)
        if defined is not None and (namespace, code) not in defined:
            return None, f"{value.text!r} is not a {kind} the Descriptors files define"
        return code, None

    def _define_descriptors(self, descriptors: list[DescriptorDef]) -> None:
        seen: dict = {}
        for d in descriptors:
            if not self.duplicate(seen, (d.kind, d.namespace, d.code), d.where,
                                  f"{d.kind} {d.namespace}#{d.code}"):
                self.defined[d.kind].add((d.namespace, d.code))

    # -- references -----------------------------------------------------------------------------
    def index_ids(self, items) -> None:
        """Make the elements' ids known, for a `ref` in their file."""
        for item in items:
            if item.xml_id:
                self.by_xml_id[(item.where.file, item.xml_id)] = item

    def resolve(self, ref: Ref | None, by_key: dict, record_type, shown_key: str = ""):
        """The record a reference names (by identity in `by_key`, else by `ref` in its file);
        None, with a problem, when it names none."""
        if ref is None:
            return None
        if ref.problem:
            self.problem(ref.where, ref.problem)
            return None
        if ref.key is not None:
            found = by_key.get(ref.key)
            if found is None:
                self.problem(ref.where, f"no {ref.kind} with {shown_key or ref.key} in the "
                                        "import")
            return found
        found = self.by_xml_id.get((ref.where.file, ref.ref))
        if not isinstance(found, record_type):
            self.problem(ref.where, f"ref {ref.ref!r}: no {ref.kind} has that id in "
                                    f"{ref.where.file}")
            return None
        return found


def _not_a_date(text: str):
    raise ValueError(text)

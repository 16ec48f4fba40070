"""Streaming a bundle file: bytes to UTF-8 lines to CSV records to typed rows.

A file is read a block of lines at a time, so a bundle of any size is read in bounded memory.  Bytes that
are not UTF-8 are reported with their line instead of stopping the whole read.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from pathlib import Path

from .format import FILES_BY_NAME, ID, TEXT, BundleFile, BundleProblem
from .values import (
    MAX_ID_LENGTH, CellError, cell_parser, row_converter, text_problem, texts_fine,
)

csv.field_size_limit(1 << 24)

# For the text checks: the bytes that are neither a control byte (line ends aside) nor a quote;
# and a block of lines as separators ("," and line ends as "\n") and "x" for any other byte.
_ORDINARY = bytes(b for b in range(256) if b in b"\r\n" or (32 <= b != 127 and b != 34))
_SEPARATED = bytes(b if b == 44 else 10 if b in b"\r\n" else 120 for b in range(256))
_LONGER_THAN_AN_ID = b"x" * (MAX_ID_LENGTH + 1)


def _plain(data: bytes, lines: list[bytes]) -> bool:
    """Whether no cell of these lines can hold a control character or be longer than an id may
    be: no control byte but line ends, no quote (so a cell is what lies between two commas, on
    one line: a carriage return outside quotes is not valid CSV) and no more than MAX_ID_LENGTH
    bytes between two commas.  A few C-speed passes over the block, instead of a look at each
    cell."""
    if data.translate(None, _ORDINARY):
        return False  # a control byte or a quote
    return max(map(len, lines), default=0) <= MAX_ID_LENGTH or \
        _LONGER_THAN_AN_ID not in data.translate(_SEPARATED)


@dataclass
class Header:
    """What a file's header row says, and how its cells map onto the file's columns."""

    names: list[str]
    problems: list[BundleProblem] = field(default_factory=list)
    # For each column of the BundleFile, the cell position in a record, or None when absent.
    positions: list[int | None] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return not self.problems


class _Lines:
    """A file's lines decoded as UTF-8, remembering undecodable ones and the bytes read.

    Read a block of lines at a time: a Python step per line is a large part of reading a big file.
    """

    BLOCK_BYTES = 1 << 20

    def __init__(self, path: Path, on_bad_line: Callable[[int, str], None]):
        self._path = path
        self._on_bad_line = on_bad_line
        self.bytes_read = 0
        self.line_number = 0
        self._not_plain: deque[tuple[int, int]] = deque()  # (first, last) lines of such blocks

    def __iter__(self) -> Iterator[str]:
        return chain.from_iterable(self._blocks())

    def _blocks(self) -> Iterator[list[str]]:
        with self._path.open("rb") as raw:
            while chunk := raw.read(self.BLOCK_BYTES):
                if not chunk.endswith(b"\n"):
                    chunk += raw.readline()  # whole lines only
                if self.line_number == 0 and chunk.startswith(b"\xef\xbb\xbf"):
                    chunk = chunk[3:]  # a spreadsheet's byte-order mark is not the header's
                    self.bytes_read += 3
                block = io.BytesIO(chunk).readlines()
                first_line = self.line_number + 1
                self.line_number += len(block)
                self.bytes_read += len(chunk)
                if not _plain(chunk, block):
                    self._not_plain.append((first_line, self.line_number))
                try:
                    yield [data.decode("utf-8") for data in block]
                except UnicodeDecodeError:
                    yield [self._decoded(first_line + i, data) for i, data in enumerate(block)]

    def plain(self, first: int, last: int) -> bool:
        """Whether the lines first..last, already read, are all plain (`_plain`); asked for lines
        further and further down the file."""
        spans = self._not_plain
        while spans and spans[0][1] < first:
            spans.popleft()
        return not spans or spans[0][0] > last

    def _decoded(self, line_number: int, data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = data[exc.start:exc.start + 1].hex()
            self._on_bad_line(line_number,
                              f"not UTF-8 text (byte 0x{bad} at position {exc.start + 1})")
            return data.decode("utf-8", errors="replace")


BLOCK_ROWS = 5_000


@dataclass
class RowBlock:
    """Consecutive rows of a file, each with the line it starts on; `invalid` holds the positions
    of rows with a problem of their own."""

    lines: list[int] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    invalid: set[int] = field(default_factory=set)

    def add(self, line: int, record: list[str], reading: _RowReading) -> None:
        row, valid = reading.row(line, record)
        if row is None:
            return
        if not valid:
            self.invalid.add(len(self.rows))
        self.lines.append(line)
        self.rows.append(row)


class _RowReading:
    """Records of a file to typed rows, as its header lays them out."""

    def __init__(self, reader: BundleFileReader, header: Header):
        columns = reader.spec.columns
        self.reader = reader
        self.header = header
        self.width = len(header.names)
        self.cells = [(c.name, cell_parser(c), at) for c, at in zip(columns, header.positions)]
        # The usual case, a usable header: one compiled expression per row.
        self.converted = row_converter(columns, header.positions) if header.usable else None
        # The id and text cells the compiled expression takes as they are (their place in a row).
        self.texts = [(c.name, i, c.kind) for i, (c, at) in enumerate(zip(columns,
                                                                          header.positions))
                      if c.kind in (ID, TEXT) and at is not None]

    def check_texts(self, block: RowBlock, first: int, last: int) -> None:
        """Report the id and text cells of the block's rows (on lines first..last) that hold a
        control character or are too long; such a cell reads as None, as a cell that does not
        parse does (so it never reaches the store), and its row is invalid.  Rows from plain lines
        are known to be right; the others are checked a column at a time, each distinct value
        once, and only a column with a bad value is looked at row by row."""
        if not self.texts or self.reader.plain_lines(first, last):
            return
        read_cell_by_cell = block.invalid.copy()  # `row` checked their cells already
        for name, at, kind in self.texts:
            values = set(map(itemgetter(at), block.rows))
            values.discard(None)
            if not values or texts_fine(values, kind):
                continue
            for index, (line, row) in enumerate(zip(block.lines, block.rows)):
                problem = None if row[at] is None or index in read_cell_by_cell \
                    else text_problem(row[at], kind)
                if problem:
                    self.reader.problem(line, name, problem)
                    block.invalid.add(index)
                    block.rows[index] = (*row[:at], None, *row[at + 1:])

    def row(self, line: int, record: list[str]) -> tuple[tuple | None, bool]:
        """(row, valid), reading the record cell by cell; no row for a blank line or a record of
        the wrong width."""
        if not record:
            return None, False  # a blank line
        if len(record) != self.width:
            self.reader.problem(line, None, f"expected {self.width} cells, found {len(record)}")
            return None, False
        values = []
        valid = self.header.usable
        for name, parse, position in self.cells:
            if position is None:
                values.append(None)
                continue
            try:
                values.append(parse(record[position]))
            except CellError as exc:
                values.append(None)
                valid = False
                self.reader.problem(line, name, str(exc))
        return tuple(values), valid


class BundleFileReader:
    """Reads one file of a bundle; `problems` collects what is wrong with its text and header."""

    def __init__(self, path: Path, spec: BundleFile | None = None):
        self.path = path
        self.spec = spec or FILES_BY_NAME[path.name]
        self.problems: list[BundleProblem] = []
        self._lines = _Lines(path, self._bad_line)
        self.size = path.stat().st_size

    @property
    def bytes_read(self) -> int:
        return self._lines.bytes_read

    def plain_lines(self, first: int, last: int) -> bool:
        """Whether no cell on the lines first..last (already read) needs a text check."""
        return self._lines.plain(first, last)

    def _bad_line(self, line: int, message: str) -> None:
        self.problems.append(BundleProblem(self.spec.name, line, None, message))

    def problem(self, line: int | None, column: str | None, message: str) -> None:
        self.problems.append(BundleProblem(self.spec.name, line, column, message))

    def read_header(self, names: list[str]) -> Header:
        header = Header(names=names)
        spec = self.spec
        seen: set[str] = set()
        for name in names:
            if name in seen:
                header.problems.append(BundleProblem(spec.name, 1, name, "column appears twice"))
            seen.add(name)
        unknown = [n for n in names if n not in spec.column_names]
        if unknown:
            header.problems.append(BundleProblem(
                spec.name, 1, None,
                f"unknown column{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(repr(n) for n in unknown)} (expected: {', '.join(spec.column_names)})"))
        missing = [n for n in spec.required_columns if n not in seen]
        if missing:
            header.problems.append(BundleProblem(
                spec.name, 1, None,
                f"missing column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(n) for n in missing)}"))
        header.positions = [names.index(c) if c in seen else None for c in spec.column_names]
        return header

    def checked_blocks(self, block_rows: int = BLOCK_ROWS) -> Iterator[RowBlock]:
        """The file's records as typed rows, in the file's column order, a block at a time.

        Every problem is reported.  A cell that does not parse, or a column the header lacks,
        reads as None and makes the row invalid; its other cells (its id above all) are still
        given, so that other files' references to it are not reported as missing too.
        """
        records = csv.reader(self._lines, strict=True)
        try:
            reading = self._header(next(records, None))
            if reading is None:
                return
            convert, width = reading.converted, reading.width
            block = RowBlock()
            line = records.line_num + 1  # where the next record starts
            first = line  # where the block starts
            for record in records:
                # The usual case inline, a row costing as few Python steps as it can.
                if len(record) == width and convert is not None:
                    try:
                        block.rows.append(convert(record))
                        block.lines.append(line)
                    except CellError:
                        block.add(line, record, reading)  # to report every bad cell
                else:
                    block.add(line, record, reading)
                line = records.line_num + 1
                if len(block.rows) == block_rows:
                    reading.check_texts(block, first, line - 1)
                    yield block
                    block = RowBlock()
                    first = line
            if block.rows:
                reading.check_texts(block, first, records.line_num)
                yield block
        except csv.Error as exc:
            self.problem(records.line_num, None, f"not valid CSV: {exc}")

    def _header(self, names: list[str] | None) -> _RowReading | None:
        if names is None:
            self.problem(1, None, "the file is empty (a header row is required)")
            return None
        header = self.read_header(names)
        self.problems.extend(header.problems)
        return _RowReading(self, header)

    def checked_rows(self) -> Iterator[tuple[int, tuple, bool]]:
        """(line, row, valid) for each record: `checked_blocks` a row at a time."""
        for block in self.checked_blocks():
            invalid = block.invalid
            for at, (line, row) in enumerate(zip(block.lines, block.rows)):
                yield line, row, at not in invalid

    def rows(self) -> Iterator[tuple]:
        """The typed rows of a file already checked without problems."""
        for _line, row, _valid in self.checked_rows():
            yield row

"""Validating an Ed-Fi file against the shipped Ed-Fi 5.2 bulk XSD of its interchange, with
libxml2 (lxml), streamed: every error of the file, each `FILE:LINE: ELEMENT: MESSAGE` with the
validator's own message.

The file is read a top-level element at a time; BATCH of them at once are moved under a fresh
`Interchange<X>` root and validated together (an element keeps its line, so the errors name the
file's lines), then dropped.  What one batch cannot see is checked across them: an `id` used
twice in the file.  Each interchange's schema is parsed once per process.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from lxml import etree

from .. import XSD_FOLDER
from .problems import EdfiProblem
from .stream import NotReadable, TopLevel, local_name

BATCH = 2_000
_ELEMENT_IN_MESSAGE = re.compile(r"Element '(?:\{[^}]*\})?([^']+)'")
_validating = threading.Lock()  # a schema's error_log is its last validation's


@lru_cache(maxsize=None)
def schema(kind: str) -> etree.XMLSchema:
    """The schema of `Interchange<kind>` (Ed-Fi-Core.xsd included), from the package's copy."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    document = etree.parse(str(XSD_FOLDER / f"Interchange-{kind}.xsd"), parser)
    return etree.XMLSchema(document)


def has_schema(kind: str) -> bool:
    return (XSD_FOLDER / f"Interchange-{kind}.xsd").is_file()


def validate(path: Path, kind: str, on_read: Callable[[int], None] = lambda done: None
             ) -> list[EdfiProblem]:
    """Every error of the file against its interchange's XSD; a file that stops being
    well-formed: the errors before that point, then where it stops."""
    checker = _Batches(path.name, schema(kind))
    elements = TopLevel(path, on_read)
    try:
        for element in elements:
            checker.add(elements.root, element)
    except NotReadable as exc:
        checker.finish(None)
        return checker.problems + [exc.problem]
    checker.finish(elements.root)
    return checker.problems


class _Batches:
    def __init__(self, name: str, xsd: etree.XMLSchema):
        self.name = name
        self.xsd = xsd
        self.batch = None
        self.batches = 0
        self.problems: list[EdfiProblem] = []
        self.ids: dict[str, tuple[int, int]] = {}  # id -> (its line, its batch)

    def add(self, root, element) -> None:
        if self.batch is None:
            self.batch = self._new_root(root)
        self._note_ids(element)
        self.batch.append(element)  # moved out of the file's tree
        if len(self.batch) >= BATCH:
            self._check()

    def finish(self, root) -> None:
        if self.batch is None and self.batches == 0 and root is not None:
            self.batch = self._new_root(root)  # a root with no element: the XSD says so
        if self.batch is not None:
            self._check()

    def _new_root(self, root):
        first = self.batches == 0  # the root's own attributes and text are checked once
        batch = etree.Element(root.tag, attrib=dict(root.attrib) if first else None,
                              nsmap=root.nsmap)
        batch.sourceline = root.sourceline
        if first:
            batch.text = root.text
        return batch

    def _note_ids(self, element) -> None:
        if element.get("id") is not None:
            self._note_id(element)
        for found in element.iterfind(".//*[@id]"):
            self._note_id(found)

    def _note_id(self, element) -> None:
        value = element.get("id")
        line = element.sourceline or 1
        first = self.ids.get(value)
        if first is None:
            self.ids[value] = (line, self.batches)
        elif first[1] != self.batches:  # in its own batch, the XSD finds the repeat itself
            self.problems.append(EdfiProblem(
                self.name, line, local_name(element.tag),
                f"id {value!r} is already used on line {first[0]} (an id is unique in a file)"))

    def _check(self) -> None:
        batch, self.batch = self.batch, None
        self.batches += 1
        with _validating:
            valid = self.xsd.validate(batch)
            errors = [] if valid else list(self.xsd.error_log)
        tree = batch.getroottree()
        for error in errors:
            self.problems.append(self._problem(tree, batch, error))

    def _problem(self, tree, batch, error) -> EdfiProblem:
        found = None
        if error.path:
            try:
                matches = tree.xpath(error.path)
            except etree.XPathError:
                matches = []
            found = matches[0] if matches and isinstance(matches[0], etree._Element) else None
        if found is not None:
            return EdfiProblem(self.name, found.sourceline or error.line or 1,
                               local_name(found.tag), error.message)
        named = _ELEMENT_IN_MESSAGE.search(error.message)
        return EdfiProblem(self.name, error.line or batch.sourceline or 1,
                           named.group(1) if named else local_name(batch.tag), error.message)

"""Reading an Ed-Fi interchange file as a stream of its top-level elements, so that a state's
file never has to fit in memory; a file that is not well-formed, or has a DOCTYPE or an entity,
is refused (`NotReadable`) with the parser's line.

    for element in TopLevel(path):   # each top-level element once parsed whole; freed after
        ...

The parser never loads a DTD, resolves no entity and reaches no network.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from lxml import etree

from . import NAMESPACE
from .problems import NO_ELEMENT, EdfiProblem

INTERCHANGE = re.compile(r"Interchange([A-Za-z]+)")


class NotReadable(Exception):
    """The file cannot be read as XML; `problem` says where and why."""

    def __init__(self, problem: EdfiProblem):
        super().__init__(str(problem))
        self.problem = problem


def local_name(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else str(tag)


def namespace_of(tag: str) -> str | None:
    return etree.QName(tag).namespace


class _Counted:
    """A binary file that counts the bytes read, for the progress of a long read."""

    def __init__(self, handle, on_read: Callable[[int], None]):
        self._handle = handle
        self._on_read = on_read
        self.done = 0

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.done += len(data)
        self._on_read(self.done)
        return data


class TopLevel:
    """The top-level elements of one file, in order; `root` once the first is read.

    An element is handed out when its end tag has been read; once the caller asks for the next
    one it is removed from the tree (unless the caller moved it elsewhere), so the tree holds at
    most the elements the parser has read ahead (comments and processing instructions are never
    kept)."""

    def __init__(self, path: Path, on_read: Callable[[int], None] = lambda done: None):
        self.path = path
        self.on_read = on_read
        self.root = None

    def __iter__(self) -> Iterator:
        name = self.path.name
        self.root = None
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise NotReadable(EdfiProblem(name, 1, NO_ELEMENT,
                                          f"cannot be read: {exc.strerror}")) from None
        with handle:
            events = etree.iterparse(_Counted(handle, self.on_read), events=("end",),
                                     resolve_entities=False, no_network=True, load_dtd=False,
                                     remove_comments=True, remove_pis=True)
            try:
                for _event, element in events:
                    if self.root is None:
                        self.root = element.getroottree().getroot()
                        _refuse_doctype(self.path, self.root)
                    if element.getparent() is not self.root:
                        continue  # an element inside a top-level one, or the root itself
                    yield element
                    _drop_read(self.root, element)
            except etree.XMLSyntaxError as exc:
                raise NotReadable(_syntax_problem(name, exc, events.error_log)) from None

    def read_root(self):
        """The root element, the file read only up to the end of its first element (a look at
        what the file is); a file that holds no element is NotReadable."""
        for _element in self:
            break
        if self.root is None:
            raise NotReadable(EdfiProblem(self.path.name, 1, NO_ELEMENT,
                                          "not XML: the file holds no element"))
        return self.root


def _drop_read(root, element) -> None:
    """Free an element handed out, unless the caller moved it elsewhere.  Only finished elements
    are ever removed: the parser may still be adding to the ones after it."""
    if element.getparent() is root:
        element.clear()
        root.remove(element)


def _refuse_doctype(path: Path, root) -> None:
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise NotReadable(EdfiProblem(path.name, _doctype_line(path, root.sourceline or 1),
                                      NO_ELEMENT, "a DOCTYPE is refused (Ed-Fi files have no "
                                                  "DTD and no entity)"))


def _doctype_line(path: Path, last: int) -> int:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if b"<!DOCTYPE" in line or number >= last:
                return number
    return 1


def _syntax_problem(name: str, exc: etree.XMLSyntaxError, log) -> EdfiProblem:
    for entry in log:
        if entry.level_name in ("FATAL", "ERROR"):
            message = entry.message
            if "Entity" in message and "not defined" in message:
                message += " (entities are refused)"
            return EdfiProblem(name, entry.line or 1, NO_ELEMENT,
                               f"not well-formed XML: {message}")
    return EdfiProblem(name, exc.lineno or 1, NO_ELEMENT, f"not well-formed XML: {exc.msg}")


def interchange_of(name: str, root) -> tuple[str | None, EdfiProblem | None]:
    """What a file is, by its root: ("X", None) for `Interchange<X>` in the Ed-Fi 5.2 namespace;
    (None, None) for another root of that namespace, a file to skip; (None, the problem) for a
    root in another namespace or none."""
    namespace, local = namespace_of(root.tag), local_name(root.tag)
    if namespace != NAMESPACE:
        shown = f"namespace {namespace!r}" if namespace else "no namespace"
        return None, EdfiProblem(name, root.sourceline or 1, local,
                                 f"{shown} is not Ed-Fi 5.2 ({NAMESPACE!r}): only Ed-Fi 5.2 "
                                 "bulk XML is read")
    match = INTERCHANGE.fullmatch(local)
    return (match.group(1) if match else None), None

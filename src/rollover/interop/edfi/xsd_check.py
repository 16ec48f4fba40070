"""An Ed-Fi file checked against the shipped XSD of its interchange, streaming (a file of any size
is validated in bounded memory); each interchange's schema is parsed once per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

from .. import XSD_FOLDER
from . import NAMESPACE

_ROOT_PREFIX = f"{{{NAMESPACE}}}Interchange"


@lru_cache
def interchange_schema(interchange: str) -> etree.XMLSchema:
    """The parsed `Interchange-<interchange>.xsd` ("Student", "StudentEnrollment" ...)."""
    return etree.XMLSchema(etree.parse(str(XSD_FOLDER / f"Interchange-{interchange}.xsd")))


def xsd_errors(path: Path, interchange: str) -> list[str]:
    """Every message of the validator for the file (empty: it is valid), each
    `FILE: MESSAGE`."""
    schema = interchange_schema(interchange)
    etree.clear_error_log()  # the error log a failure carries gathers every earlier parse's too
    try:
        for _event, element in etree.iterparse(str(path), events=("end",), schema=schema,
                                               resolve_entities=False, no_network=True):
            parent = element.getparent()
            if parent is not None and parent.tag.startswith(_ROOT_PREFIX):
                element.clear()  # a record is checked: let it go
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as error:
        messages = [entry.message for entry in error.error_log] or [str(error)]
        return [f"{path.name}: {message}" for message in messages]
    return []

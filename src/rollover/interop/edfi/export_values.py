"""The values an Ed-Fi export writes (docs/interop.md, section 2): a school's SchoolId, a school
year, descriptor URIs and Ed-Fi's default codes, and the limits of the XSD a value must keep.

Pure: strings and numbers in, strings and numbers out; the shipped descriptor sets are read once.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import NamedTuple

from lxml import etree

from .. import XSD_FOLDER
from . import DESCRIPTOR_PREFIX, NAMESPACE

# The XSD's SchoolYearType: 1990-1991 ... 2049-2050, named here by the year each ends.
FIRST_YEAR, LAST_YEAR = 1991, 2050
UNIQUE_ID_LENGTH = 32  # UniqueId: StudentUniqueId
CODE_LENGTH = 60  # IdentificationCode: IdentificationCode, CalendarCode, SessionName
NAME_LENGTH = 75  # NameOfInstitution, FirstName, LastSurname
DESCRIPTOR_LENGTH = 255  # DescriptorReferenceType

_NUMERIC_SCHOOL_ID = re.compile(r"[1-9][0-9]{0,17}")
# Characters outside XML 1.0's Char production (no document may hold them).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Problem(NamedTuple):
    """One refusal: `field` names the store's column (or the option), `message` the value."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def school_number(school_id: str) -> int:
    """The Ed-Fi SchoolId of a school: its id when it is a number Ed-Fi can hold (no leading
    zero, at most 18 digits), else (a Decision) the number of the first 12 hex digits of the
    id's UTF-8 SHA-256, the same on every export."""
    if _NUMERIC_SCHOOL_ID.fullmatch(school_id):
        return int(school_id)
    return int(hashlib.sha256(school_id.encode("utf-8")).hexdigest()[:12], 16)


def school_year(year: int) -> str:
    """The school year ending in `year`, as Ed-Fi writes it: 2027 -> "2026-2027"."""
    return f"{year - 1}-{year}"


def in_xsd_years(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def descriptor(kind: str, code: str) -> str:
    """`uri://ed-fi.org/GradeLevelDescriptor#Ninth grade` for ("GradeLevelDescriptor", ...)."""
    return f"{DESCRIPTOR_PREFIX}{kind}#{code}"


@lru_cache
def default_codes(kind: str) -> frozenset[str]:
    """The code values of Ed-Fi's default set of a descriptor kind shipped beside the XSDs
    (`xsd/TermDescriptor.xml`, `EntryTypeDescriptor.xml`, `ExitWithdrawTypeDescriptor.xml` ...)."""
    root = etree.parse(str(XSD_FOLDER / f"{kind}.xml")).getroot()
    return frozenset(code.text for code in
                     root.iterfind(f"{{{NAMESPACE}}}{kind}/{{{NAMESPACE}}}CodeValue"))


def term_code(name: str) -> str:
    """A session's Term: its name if that is a code of Ed-Fi's default TermDescriptor set."""
    return name if name in default_codes("TermDescriptor") else "Other"


def entry_type_code(local_start_status: str | None, rolled: bool) -> str | None:
    """The SSA's EntryType: the local start status if it is an Ed-Fi EntryTypeDescriptor code,
    else (a Decision) `Next year school` for an enrollment the roll forward made."""
    if local_start_status in default_codes("EntryTypeDescriptor"):
        return local_start_status
    return "Next year school" if rolled else None


def exit_type_code(end_status: str | None) -> str | None:
    """The SSA's ExitWithdrawType: the end status if it is an Ed-Fi ExitWithdrawTypeDescriptor
    code, else none."""
    return end_status if end_status in default_codes("ExitWithdrawTypeDescriptor") else None


def shown(text: str) -> str:
    """A value as a message quotes it, a long one cut short (as bundle messages do)."""
    return repr(text) if len(text) <= 20 else repr(text[:20] + "…")


def text_problem(text: str, limit: int, element: str) -> str | None:
    """What keeps `text` out of an element of at most `limit` characters (None: nothing)."""
    if len(text) > limit:
        return (f"{shown(text)} has {len(text):,} characters; Ed-Fi's {element} holds at "
                f"most {limit}")
    found = _NOT_XML.search(text)
    if found:
        return (f"{shown(text)} holds U+{ord(found.group()):04X} (position {found.start() + 1}), "
                f"a character XML cannot hold")
    return None


def writable_code(code: str, kind: str) -> bool:
    """Whether a code (of the grade map) makes a descriptor XML and the XSD take."""
    return (len(descriptor(kind, code)) <= DESCRIPTOR_LENGTH
            and _NOT_XML.search(code) is None)

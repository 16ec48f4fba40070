"""The roll forward's warning codes (roll-forward.md, "Warning codes")."""

from __future__ import annotations

from dataclasses import dataclass

ZERO_SEQUENCE = "ZERO_SEQUENCE"
GRADUATING = "GRADUATING"
NEXT_CALENDAR_SET = "NEXT_CALENDAR_SET"
AMBIGUOUS_CALENDAR = "AMBIGUOUS_CALENDAR"
AMBIGUOUS_STRUCTURE = "AMBIGUOUS_STRUCTURE"
MULTIPLE_DESTINATIONS = "MULTIPLE_DESTINATIONS"
OUT_OF_BOUNDARY = "OUT_OF_BOUNDARY"
NO_DESTINATION = "NO_DESTINATION"
ALREADY_ENROLLED = "ALREADY_ENROLLED"
DUPLICATE_PRIMARY = "DUPLICATE_PRIMARY"
NO_GRADE = "NO_GRADE"


@dataclass(frozen=True, slots=True)
class Notice:
    """A warning about one destination or one whole enrollment, before it is tied to a run."""

    code: str
    message: str

"""Values typed into the administration pages' forms, read as the services take them: a blank
field is none given, a year a whole number (the service checks its range)."""

from __future__ import annotations

from ....errors import RolloverError


class FieldRefused(RolloverError):
    """A form field whose value is of the wrong kind; `field` names it (its error is shown
    beside it)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def optional_text(given: str | None) -> str | None:
    return given.strip() or None if given is not None else None


def optional_year(given: str | None, field: str = "year") -> int | None:
    text = optional_text(given)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise FieldRefused(field, f"year {given!r} is no school year: give a year such as "
                                  "2028") from None

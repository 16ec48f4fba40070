"""A household's location from the Ed-Fi Address it comes from (docs/attendance-areas.md,
"Locating households"): the Address's optional Latitude and Longitude (Ed-Fi's `Coordinate`, a
text of up to 20 characters) become households.latitude and households.longitude when both are
there and each is a decimal number within its bounds, as households.csv reads them.  Anything
else locates no household and is told as a warning (LOCATION_IGNORED) at the element; the
import goes on, as for a household without an address."""

from __future__ import annotations

from ...bundle.format import FILES_BY_NAME
from ...bundle.values import CellError, decimal_parser, format_cell, shown
from .context import Context
from .read import Address

IGNORED = "LOCATION_IGNORED"
_PARSERS = {name: decimal_parser(FILES_BY_NAME["households.csv"].column(name))
            for name in ("latitude", "longitude")}


def address_location(context: Context, address: Address) -> tuple[float, float] | None:
    """(latitude, longitude) of the address, or None (with a warning, by `context.warning`,
    when something was given that does not locate it)."""
    given = {"latitude": address.latitude, "longitude": address.longitude}
    if not any(given.values()):
        return None
    if None in given.values():
        present, missing = ("Latitude", "Longitude") if address.longitude is None \
            else ("Longitude", "Latitude")
        value = address.latitude or address.longitude
        context.warning(value.where, IGNORED,
                        f"{present} {shown(value.text)} is given without {missing}: the "
                        "household is not located")
        return None
    location = []
    for name, value in given.items():
        try:
            location.append(_PARSERS[name](value.text))
        except CellError as exc:
            context.warning(value.where, IGNORED, f"{exc}: the household is not located")
            return None
    return location[0], location[1]


def shown_location(location: tuple[float, float]) -> str:
    """`28.6105, -99.2203`: a location as a warning names it."""
    return ", ".join(format_cell(value) for value in location)

"""School and program boundaries: which schools a household's address belongs to (RF-14).

Two kinds of boundary: street ranges (`BoundaryRow`) and attendance areas drawn as polygons
(`areas.py`).  `Boundaries.schools_holding` is the one answer every rule asks (RF-9, RF-10,
RF-15, RF-16): where the household is located and the district has areas for the grade (the
schools', or the program's), the areas decide; otherwise the street ranges do.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .areas import Areas
from .people import Address, normalise


@dataclass(frozen=True, slots=True)
class BoundaryRow:
    school_id: str
    program_id: str | None
    street: str
    city: str
    zip: str
    low_number: int
    high_number: int
    side: str  # "odd", "even" or "both"
    resides: bool = False

    def contains(self, address: Address) -> bool:
        """RF-14: same street, city and zip (normalised), number in range on this side."""
        number = address.number
        if number is None or not self.low_number <= number <= self.high_number:
            return False
        if self.side == "odd":
            return number % 2 == 1
        if self.side == "even":
            return number % 2 == 0
        return True


class Boundaries:
    """Boundary rows indexed by normalised (street, city, zip), and the attendance areas."""

    def __init__(self, rows=(), areas: Areas | None = None):
        self._by_street: dict[tuple[str, str, str], list[BoundaryRow]] = defaultdict(list)
        self.areas = areas if areas is not None else Areas()
        for row in rows:
            self.add(row)

    def add(self, row: BoundaryRow) -> None:
        key = (normalise(row.street), normalise(row.city), normalise(row.zip))
        self._by_street[key].append(row)

    def rows_containing(self, address: Address, program_id: str | None = None) -> list[BoundaryRow]:
        """School boundary rows (program_id None) or one program's rows holding the address."""
        candidates = self._by_street.get((address.street, address.city, address.zip), ())
        return [r for r in candidates if r.program_id == program_id and r.contains(address)]

    def decided_by_areas(self, address: Address, sequence: int,
                         program_id: str | None = None) -> bool:
        """RF-14 (areas): the areas decide for a located household where the district has
        areas for the grade (the schools', or the program's); else the street ranges do."""
        return address.located and self.areas.cover(sequence, program_id)

    def schools_holding(self, address: Address, sequence: int,
                        program_id: str | None = None) -> list[tuple[str, bool]]:
        """(school_id, resides) of every boundary (the schools', or one program's) holding the
        address for the grade of `sequence`, in their order; an area is never *resides*."""
        if self.decided_by_areas(address, sequence, program_id):
            return [(area.school_id, False) for area in self.areas.holding(
                address.latitude, address.longitude, sequence, program_id)]
        return [(r.school_id, r.resides) for r in self.rows_containing(address, program_id)]

    def school_holds(self, school_id: str, addresses, sequence: int,
                     program_id: str | None = None) -> bool:
        return any(school == school_id for a in addresses
                   for school, _ in self.schools_holding(a, sequence, program_id))

"""School and program boundaries: which schools a household's address belongs to (RF-14)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

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
    """Boundary rows indexed by normalised (street, city, zip)."""

    def __init__(self, rows=()):
        self._by_street: dict[tuple[str, str, str], list[BoundaryRow]] = defaultdict(list)
        for row in rows:
            self.add(row)

    def add(self, row: BoundaryRow) -> None:
        key = (normalise(row.street), normalise(row.city), normalise(row.zip))
        self._by_street[key].append(row)

    def rows_containing(self, address: Address, program_id: str | None = None) -> list[BoundaryRow]:
        """School boundary rows (program_id None) or one program's rows holding the address."""
        candidates = self._by_street.get((address.street, address.city, address.zip), ())
        return [r for r in candidates if r.program_id == program_id and r.contains(address)]

    def school_holds(self, school_id: str, addresses, program_id: str | None = None) -> bool:
        return any(r.school_id == school_id
                   for a in addresses for r in self.rows_containing(a, program_id))

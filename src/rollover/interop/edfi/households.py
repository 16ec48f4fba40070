"""Households from Ed-Fi contacts (docs/interop.md, section 1, `households`): per
StudentContactAssociation with LivesWith true, the contact's home address (else its first) is a
household, and the student one of its members.

A state has millions of contacts and associations, so neither is held (docs/interop.md,
"Memory"): the contacts are read first, each kept as a few numbers in arrays (where it was, its
household's number, its location); then the associations are read, in their files' order, and
each lived-with one adds its household and member as it comes.  What a contact says of itself
(no address, no house number, a location that cannot be used, an unknown AddressType) is told
when an association first needs its household, at the contact's element.  A household's
location is the first one an association reaches; another at the same address is a warning.
"""

from __future__ import annotations

import math
import re
import sys
from array import array

from .context import Context, PackedWheres, first_seen
from .locations import IGNORED, address_location, shown_location
from .read import Address, Contact, Ref, Where

_HOUSE_NUMBER = re.compile(r"(\d+)\s+(\S.*)")
_NONE = -1  # no household (a contact), not yet reached (a household's first contact)


class _Told:
    """Collects what a contact says of itself (`address_location` warns through it), to be told
    when its household is first needed: (where, code, message), a problem when code is None."""

    def __init__(self):
        self.said: list[tuple[Where, str | None, str]] = []

    def warning(self, where: Where, code: str | None, message: str) -> None:
        self.said.append((where, code, message))


class Households:
    def __init__(self, context: Context, is_imported_student, student_of):
        self.c = context
        self.is_imported_student = is_imported_student  # StudentUniqueId -> bool
        self.student_of = student_of  # a StudentReference -> its StudentUniqueId, or None
        self.wheres = PackedWheres()
        # Each contact by its number (its place in the arrays), the first of each ContactUniqueId.
        self.contacts: dict[str, int] = {}
        self.contact_ids: list[str] = []  # each contact's ContactUniqueId, by its number
        self.ids: dict[tuple[str, str], str] = {}  # (file, id) -> ContactUniqueId
        self.contact_where = array("q")
        self.contact_household = array("q")  # the household's number, or _NONE
        self.latitude, self.longitude = array("d"), array("d")  # NaN: not located
        self.latitude_where = array("q")
        self.told: dict[int, tuple] = {}  # contact number -> what it says of itself
        # Each household (number, street, city, zip) by its number.
        self.households: list[tuple] = []
        self.household_numbers: dict[tuple, int] = {}

    def map(self) -> None:
        for contact in self.c.records.contacts:
            self._read_contact(contact)
        n = len(self.households)
        first_where = array("q", [_NONE]) * n  # the contact that made it a household (packed)
        reached = bytearray(n)
        located_by = array("q", [_NONE]) * n  # the contact whose location it has
        # What a million associations keep: a key each for the two duplicate checks (one
        # string: no tuple, no number object), and each member row set aside in the spool.
        pairs: set[str] = set()  # "contact number, student"
        repeated: dict[str, list[Where]] = {}  # such a key seen again -> where, each time
        members: set[str] = set()  # "household number, student"
        member_rows = self.c.out.spool()  # (household number, student, where packed)
        for link in self.c.records.links:
            contact = self._contact(link.contact)
            student = self._linked_student(link)
            if contact is None or student is None:
                continue
            number = self.contacts[contact]
            pair = f"{number} {student}"
            if pair in pairs:
                repeated.setdefault(pair, []).append(link.where)
                continue
            pairs.add(pair)
            if link.lives_with not in ("true", "1"):
                continue
            for where, code, message in self.told.pop(number, ()):
                if code is None:
                    self.c.problem(where, message)
                else:
                    self.c.warning(where, code, message)
            household = self.contact_household[number]
            if household == _NONE:
                continue
            if not reached[household]:
                reached[household] = 1
                first_where[household] = self.contact_where[number]
            self._locate(household, number, located_by)
            member = f"{household} {student}"
            if member not in members:
                members.add(member)
                member_rows.append((household, student, self.wheres.pack(link.where)))
        del pairs, members
        if repeated:
            self._tell_duplicate_links(repeated)
        self._write(reached, first_where, located_by, member_rows)

    def _tell_duplicate_links(self, repeated: dict[str, list[Where]]) -> None:
        """A problem at each association that repeats an earlier one (the same student and
        contact), naming the earlier: found by reading the associations again, which only an
        import that is refused does."""
        firsts: dict[str, Where] = {}
        for link in self.c.records.links:
            contact = self._contact(link.contact)  # told already: told once
            student = self._linked_student(link)
            if contact is None or student is None:
                continue
            pair = f"{self.contacts[contact]} {student}"
            if pair in repeated and pair not in firsts:
                firsts[pair] = link.where
                if len(firsts) == len(repeated):
                    break
        for pair, wheres in repeated.items():
            number, student = pair.split(" ", 1)
            contact = self.contact_ids[int(number)]
            for where in wheres:
                self.c.problem(where, "duplicate StudentContactAssociation of student "
                                      f"{student!r} and contact {contact!r}: the first is on "
                                      f"{first_seen(firsts[pair], where)}")

    def _locate(self, household: int, number: int, located_by: array) -> None:
        """The household's location from the contact's, the first an association reaches;
        another contact's other location at the same address is a warning."""
        if math.isnan(self.latitude[number]):
            return
        first = located_by[household]
        if first == _NONE:
            located_by[household] = number
            return
        location, held = self._location(number), self._location(first)
        if location != held:
            key, where = self.households[household], self.wheres.unpack(
                self.latitude_where[first])
            self.c.warning(self.wheres.unpack(self.latitude_where[number]), IGNORED,
                           f"the household at {key[0]} {key[1]} is located at "
                           f"{shown_location(held)} by {where.file}:{where.line}; this "
                           f"address's {shown_location(location)} is not used")

    def _location(self, number: int) -> tuple[float, float]:
        return self.latitude[number], self.longitude[number]

    def _write(self, reached: bytearray, first_where: array, located_by: array,
               member_rows) -> None:
        made = sorted((number for number in range(len(self.households)) if reached[number]),
                      key=lambda n: _order(self.households[n]))
        ids = {number: f"H{n:04d}" for n, number in enumerate(made, start=1)}
        for number in made:
            house, street, city, zip_code = self.households[number]
            by = located_by[number]
            latitude, longitude = (None, None) if by == _NONE else self._location(by)
            self.c.out.add("households.csv", self.wheres.unpack(first_where[number]),
                           household_id=ids[number], number=house, street=street, city=city,
                           zip=zip_code, latitude=latitude, longitude=longitude)
        for number, unique_id, where in member_rows:
            self.c.out.add("household_members.csv", self.wheres.unpack(where),
                           household_id=ids[number], student_id=f"S{unique_id}", primary=True)

    # -- contacts -------------------------------------------------------------------------------
    def _read_contact(self, contact: Contact) -> None:
        unique_id = sys.intern(contact.unique_id)
        if contact.xml_id:
            self.ids[(contact.where.file, contact.xml_id)] = unique_id
        first = self.contacts.get(unique_id)
        if first is not None:
            where = self.wheres.unpack(self.contact_where[first])
            self.c.problem(contact.where, f"duplicate Contact with ContactUniqueId "
                                          f"{unique_id!r}: the first is on "
                                          f"{first_seen(where, contact.where)}")
            return
        number = self.contacts[unique_id] = len(self.contact_where)
        self.contact_ids.append(unique_id)
        self.contact_where.append(self.wheres.pack(contact.where))
        told = _Told()
        household, location, latitude = self._home(contact, told)
        self.contact_household.append(household)
        self.latitude.append(location[0] if location else math.nan)
        self.longitude.append(location[1] if location else math.nan)
        self.latitude_where.append(self.wheres.pack(latitude) if latitude else _NONE)
        if told.said:
            self.told[number] = tuple(told.said)

    def _home(self, contact: Contact, told: _Told
              ) -> tuple[int, tuple[float, float] | None, Where | None]:
        """The contact's household number (of its `Home` address, else of its first), its
        location and the Latitude element that gave it."""
        homes = []
        for a in contact.addresses:
            code, refusal = self.c.checked_descriptor(a.type, "AddressTypeDescriptor")
            if refusal is not None:
                told.warning(a.type.where, None, refusal)
            if code == "Home":
                homes.append(a)
        address: Address | None = (homes or contact.addresses or [None])[0]
        if address is None:
            told.warning(contact.where, "NO_HOUSEHOLD",
                         f"contact {contact.unique_id!r} has no Address: no household")
            return _NONE, None, None
        match = _HOUSE_NUMBER.fullmatch(address.street)
        if match is None:
            told.warning(address.where, "NO_HOUSEHOLD",
                         f"{address.street!r} starts with no house number: no household")
            return _NONE, None, None
        # The street, city and zip of a state's households repeat: one string each, shared.
        key = (int(match.group(1)), sys.intern(match.group(2).strip()),
               sys.intern(address.city), sys.intern(address.zip))
        number = self.household_numbers.get(key)
        if number is None:
            number = self.household_numbers[key] = len(self.households)
            self.households.append(key)
        location = address_location(told, address)
        return number, location, address.latitude.where if location is not None else None

    def _contact(self, ref: Ref) -> str | None:
        """The ContactUniqueId of the contact a reference names (by identity, else by `ref` in
        its file); None, with a problem, when it names none of the imported contacts."""
        if ref.problem:
            self.c.problem(ref.where, ref.problem)
            return None
        if ref.key is not None:
            unique_id = ref.key[0]
            if unique_id not in self.contacts:
                self.c.problem(ref.where, f"no Contact with ContactUniqueId {unique_id!r} in "
                                          "the import")
                return None
            return sys.intern(unique_id)
        unique_id = self.ids.get((ref.where.file, ref.ref))
        if unique_id is None:
            self.c.problem(ref.where, f"ref {ref.ref!r}: no Contact has that id in "
                                      f"{ref.where.file}")
        return unique_id

    def _linked_student(self, link) -> str | None:
        """The association's student; one not imported is skipped with a warning."""
        ref = link.student
        if ref.key is not None and not ref.problem and not self.is_imported_student(ref.key[0]):
            self.c.warning(link.where, "CONTACT_STUDENT_NOT_IMPORTED",
                           f"student {ref.key[0]!r} is not among the imported students: the "
                           "association is skipped")
            return None
        return self.student_of(ref)


def _order(key: tuple) -> tuple:
    """Households are numbered H0001 … in (street case-folded, number, city, zip) order."""
    return key[1].casefold(), key[0], key[2], key[3]

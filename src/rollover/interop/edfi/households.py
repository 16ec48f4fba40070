"""Households from Ed-Fi contacts (docs/interop.md, section 1, `households`): per
StudentContactAssociation with LivesWith true, the contact's home address (else its first) is a
household, and the student one of its members.

A state has millions of contacts and associations, so neither is held (docs/interop.md,
"Memory"): the contacts are read first, each kept as its `Home` (its household's key, its
location, where it was: a few numbers and shared strings); then the associations are read, in
their files' order, and each lived-with one adds its household and member as it comes.  What a
contact says of itself (no address, no house number, a location that cannot be used) is told
when an association first needs its household, as a warning at the contact's element.
"""

from __future__ import annotations

import re
import sys
from typing import NamedTuple

from .context import Context, PackedWheres, first_seen
from .locations import Locations, address_location
from .read import Address, Contact, Ref, Where

_HOUSE_NUMBER = re.compile(r"(\d+)\s+(\S.*)")


class Home(NamedTuple):
    """What the mapping keeps of one contact."""

    where: int | Where  # the Contact element (packed)
    household: tuple | None  # (number, street, city, zip), shared by the contacts of one home
    location: tuple[float, float] | None
    latitude: int | Where | None  # the Latitude element that gave `location` (packed)
    told: tuple = ()  # (where, code, message), told when the household is first needed: a
    # warning, or a problem when the code is None (an AddressType no Descriptors file defines)


class _Told:
    """Collects what a contact says of itself (`address_location` warns through it), to be
    told later."""

    def __init__(self):
        self.warnings: list[tuple[Where, str | None, str]] = []

    def warning(self, where: Where, code: str, message: str) -> None:
        self.warnings.append((where, code, message))


class Households:
    def __init__(self, context: Context, is_imported_student, student_of):
        self.c = context
        self.is_imported_student = is_imported_student  # StudentUniqueId -> bool
        self.student_of = student_of  # a StudentReference -> its StudentUniqueId, or None
        self.wheres = PackedWheres()
        self.homes: dict[str, Home] = {}  # ContactUniqueId -> its Home
        self.ids: dict[tuple[str, str], str] = {}  # (file, id) -> ContactUniqueId
        self._keys: dict[tuple, tuple] = {}  # one tuple per household key

    def map(self) -> None:
        for contact in self.c.records.contacts:
            self._read_contact(contact)
        households: dict[tuple, int | Where] = {}
        members: dict[tuple, int | Where] = {}
        pairs: dict[tuple[str, str], int | Where] = {}
        located = Locations(self.c)
        for link in self.c.records.links:
            contact = self._contact(link.contact)
            student = self._linked_student(link)
            if contact is None or student is None:
                continue
            first = pairs.get((student, contact))
            if first is not None:
                first = self.wheres.unpack(first)
                self.c.problem(link.where, "duplicate StudentContactAssociation of student "
                                           f"{student!r} and contact {contact!r}: the first is on "
                                           f"{first_seen(first, link.where)}")
                continue
            pairs[(student, contact)] = self.wheres.pack(link.where)
            if link.lives_with not in ("true", "1"):
                continue
            home = self.homes[contact]
            for where, code, message in home.told:
                if code is None:
                    self.c.problem(where, message)
                else:
                    self.c.warning(where, code, message)
            if home.household is None:
                continue
            households.setdefault(home.household, home.where)
            if home.location is not None:
                located.add(home.household, home.location, self.wheres.unpack(home.latitude))
            members.setdefault((home.household, student), self.wheres.pack(link.where))
        del pairs
        self._write(households, members, located)

    def _write(self, households: dict, members: dict, located: Locations) -> None:
        ids = {key: f"H{n:04d}" for n, key in enumerate(
            sorted(households, key=lambda k: (k[1].casefold(), k[0], k[2], k[3])), start=1)}
        for key, where in sorted(households.items(), key=lambda item: ids[item[0]]):
            number, street, city, zip_code = key
            latitude, longitude = located.of.get(key, (None, None))
            self.c.out.add("households.csv", self.wheres.unpack(where), household_id=ids[key],
                           number=number, street=street, city=city, zip=zip_code,
                           latitude=latitude, longitude=longitude)
        for (key, unique_id), where in members.items():
            self.c.out.add("household_members.csv", self.wheres.unpack(where),
                           household_id=ids[key], student_id=f"S{unique_id}", primary=True)

    # -- contacts -------------------------------------------------------------------------------
    def _read_contact(self, contact: Contact) -> None:
        unique_id = sys.intern(contact.unique_id)
        if contact.xml_id:
            self.ids[(contact.where.file, contact.xml_id)] = unique_id
        first = self.homes.get(unique_id)
        if first is not None:
            self.c.problem(contact.where, f"duplicate Contact with ContactUniqueId "
                                          f"{unique_id!r}: the first is on "
                                          f"{first_seen(self.wheres.unpack(first.where), contact.where)}")
            return
        self.homes[unique_id] = self._home(contact)

    def _home(self, contact: Contact) -> Home:
        """The contact's household: of its `Home` address, else of its first."""
        where = self.wheres.pack(contact.where)
        told = _Told()
        homes = []
        for a in contact.addresses:
            code, refusal = self.c.checked_descriptor(a.type, "AddressTypeDescriptor")
            if refusal is not None:
                told.warnings.append((a.type.where, None, refusal))
            if code == "Home":
                homes.append(a)
        address: Address | None = (homes or contact.addresses or [None])[0]
        if address is None:
            told.warning(contact.where, "NO_HOUSEHOLD",
                         f"contact {contact.unique_id!r} has no Address: no household")
            return Home(where, None, None, None, tuple(told.warnings))
        match = _HOUSE_NUMBER.fullmatch(address.street)
        if match is None:
            told.warning(address.where, "NO_HOUSEHOLD",
                         f"{address.street!r} starts with no house number: no household")
            return Home(where, None, None, None, tuple(told.warnings))
        key = (int(match.group(1)), match.group(2).strip(), address.city, address.zip)
        key = self._keys.setdefault(key, key)
        location = address_location(told, address)
        latitude = self.wheres.pack(address.latitude.where) if location is not None else None
        return Home(where, key, location, latitude, tuple(told.warnings))

    def _contact(self, ref: Ref) -> str | None:
        """The ContactUniqueId of the contact a reference names (by identity, else by `ref` in
        its file); None, with a problem, when it names none of the imported contacts."""
        if ref.problem:
            self.c.problem(ref.where, ref.problem)
            return None
        if ref.key is not None:
            unique_id = ref.key[0]
            if unique_id not in self.homes:
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
        student = self.student_of(ref)
        return None if student is None else sys.intern(student)

"""The elements of valid Ed-Fi files that the mapping reads, as small records (docs/interop.md,
section 1); every other element is passed over.  Each file is streamed (stream.TopLevel): a
record keeps the few values it needs and where it was (`Where`), never the XML.

    records = Records()
    read_file(path, "Student", records)      # once per file, the files of a kind together

A kind whose records are too many to hold (a state's students) can be read as a `Streamed`
instead, in place of its list: the mapping iterates it as it would the list.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import NAMESPACE
from .stream import TopLevel, local_name

_NS = "{" + NAMESPACE + "}"


@dataclass(frozen=True, slots=True)
class Where:
    """An element of a file: what a problem, a warning or a bundle row is traced back to."""

    file: str
    line: int
    element: str


@dataclass(frozen=True, slots=True)
class Value:
    """A descriptor (or other) value as written, and where."""

    text: str
    where: Where


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference: by identity (`key`, the identity's fields as written), else by `ref` to the
    element with that id in the same file.  `problem` says why it cannot be followed."""

    kind: str  # School, Student, Contact, Calendar, GraduationPlan
    where: Where
    key: tuple | None = None
    ref: str | None = None
    problem: str | None = None
    school: Ref | None = None  # a calendar identity's school
    year: str | None = None  # a graduation plan identity's GraduationSchoolYear


@dataclass(slots=True)
class DescriptorDef:
    where: Where
    kind: str
    namespace: str
    code: str
    short: str


@dataclass(slots=True)
class Lea:
    where: Where
    name: str


@dataclass(slots=True)
class School:
    where: Where
    xml_id: str | None
    school_id: str  # SchoolId as written
    codes: list[tuple[str, Value]]  # (IdentificationCode, its system descriptor)
    name: str
    grades: list[Value]


@dataclass(slots=True)
class Feeder:
    where: Where
    feeder: Ref
    school: Ref
    end: str | None


@dataclass(slots=True)
class Calendar:
    where: Where
    xml_id: str | None
    code: str
    school: Ref
    year: str
    grades: list[Value]


@dataclass(slots=True)
class Session:
    where: Where
    name: str
    year: str
    begin: str
    end: str
    term: Value
    school: Ref


@dataclass(slots=True)
class CalendarDate:
    where: Where
    date: str
    events: list[Value]
    calendar: Ref


@dataclass(slots=True)
class GradingPeriod:
    where: Where
    school: Ref
    descriptor: str
    name: str
    sequence: str | None
    year: str
    begin: str
    end: str


@dataclass(slots=True)
class Student:
    where: Where
    xml_id: str | None
    unique_id: str
    last_name: str
    first_name: str
    birth_date: str


@dataclass(slots=True)
class Enrollment:
    """A StudentSchoolAssociation."""

    where: Where
    student: Ref
    school: Ref
    primary: str | None
    year: Value | None
    entry_date: str
    grade: Value
    entry_type: Value | None
    class_of: str | None
    exit_date: str | None
    exit_type: Value | None
    graduation_plan: Ref | None
    calendar: Ref | None
    next_school: Ref | None
    next_grade: Value | None


@dataclass(slots=True)
class GraduationPlan:
    where: Where
    xml_id: str | None
    year: str


@dataclass(slots=True)
class Address:
    where: Where  # its StreetNumberName
    street: str
    city: str
    zip: str
    type: Value
    latitude: Value | None = None  # Ed-Fi's Coordinate: text, up to 20 characters
    longitude: Value | None = None


@dataclass(slots=True)
class Contact:
    where: Where
    xml_id: str | None
    unique_id: str
    addresses: list[Address]


@dataclass(slots=True)
class ContactLink:
    """A StudentContactAssociation."""

    where: Where
    student: Ref
    contact: Ref
    lives_with: str | None


@dataclass
class Records:
    """Everything the mapping reads, the files of a kind as one, in file and document order
    (a list, or a `Streamed` read again from the files each time it is iterated)."""

    descriptors: list[DescriptorDef] = field(default_factory=list)
    leas: list[Lea] = field(default_factory=list)
    schools: list[School] = field(default_factory=list)
    feeders: list[Feeder] = field(default_factory=list)
    calendars: list[Calendar] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    dates: list[CalendarDate] = field(default_factory=list)
    grading_periods: list[GradingPeriod] = field(default_factory=list)
    students: list[Student] = field(default_factory=list)
    enrollments: list[Enrollment] = field(default_factory=list)
    graduation_plans: list[GraduationPlan] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    links: list[ContactLink] = field(default_factory=list)
    first_file: dict[str, str] = field(default_factory=dict)  # kind -> its first file's name


def read_file(path: Path, kind: str, records: Records,
              on_read: Callable[[int], None] = lambda done: None,
              skip: Collection[str] = ()) -> None:
    """Add the records of one valid file of interchange `kind` (its root `Interchange<kind>`);
    the elements named in `skip` are passed over (they are read by a `Streamed`)."""
    name = path.name
    records.first_file.setdefault(kind, name)
    readers = READERS.get(kind, {})
    for element in TopLevel(path, on_read):
        tag = local_name(element.tag)
        found = readers.get(tag)
        if found is not None:
            attribute, reader = found
            if tag not in skip:
                getattr(records, attribute).append(reader(_Element(element, name)))
        elif kind == "Descriptors":
            records.descriptors.append(_descriptor(_Element(element, name)))


class Streamed:
    """The records of one element of a kind's files, read from the files each time they are
    iterated, never all held: what stands in a Records list for a state's students, their
    associations or its calendar dates.

        records.students = Streamed(paths, "Student", "Student")
    """

    def __init__(self, paths: Iterable[Path], kind: str, element: str,
                 on_read: Iterable[Callable[[int], None]] = ()):
        self.paths = list(paths)
        self.reader = READERS[kind][element][1]
        self.element = element
        self.on_read = list(on_read)  # a callback per path, or none

    def __iter__(self) -> Iterator:
        for n, path in enumerate(self.paths):
            on_read = self.on_read[n] if self.on_read else lambda done: None
            name = path.name
            for element in TopLevel(path, on_read):
                if local_name(element.tag) == self.element:
                    yield self.reader(_Element(element, name))


# -- reading one element ----------------------------------------------------------------------

class _Element:
    """An element of a file, with the small helpers the readers need."""

    __slots__ = ("element", "file")

    def __init__(self, element, file: str):
        self.element = element
        self.file = file

    @property
    def where(self) -> Where:
        return Where(self.file, self.element.sourceline or 1, local_name(self.element.tag))

    @property
    def xml_id(self) -> str | None:
        return self.element.get("id")

    def child(self, name: str) -> _Element | None:
        found = self.element.find(_NS + name)
        return None if found is None else _Element(found, self.file)

    def children(self, name: str) -> list[_Element]:
        return [_Element(e, self.file) for e in self.element.findall(_NS + name)]

    def text(self, *path: str) -> str | None:
        found = self.element.find("/".join(_NS + p for p in path))
        return None if found is None else (found.text or "").strip()

    def value(self, name: str) -> Value | None:
        found = self.child(name)
        return None if found is None else Value((found.element.text or "").strip(), found.where)

    def values(self, name: str) -> list[Value]:
        return [Value((c.element.text or "").strip(), c.where) for c in self.children(name)]

    def ref(self, name: str, kind: str) -> Ref | None:
        found = self.child(name)
        return None if found is None else found.as_ref(kind)

    def as_ref(self, kind: str) -> Ref:
        where = self.where
        identity = self.child(f"{kind}Identity")
        if identity is not None:
            return _identity_ref(kind, identity, where)
        lookup = self.child(f"{kind}Lookup")
        if lookup is not None:
            field_name = IDENTITY_FIELDS.get(kind)
            value = lookup.text(field_name) if field_name else None
            if value:
                return Ref(kind, where, key=(identity_key(kind, value),))
        ref = self.element.get("ref")
        if ref:
            return Ref(kind, where, ref=ref)
        if lookup is not None:
            field_name = IDENTITY_FIELDS.get(kind, "its identity")
            return Ref(kind, where, problem=f"a {kind}Lookup is followed only when it holds "
                                            f"{field_name}; this one does not, and there is "
                                            "no ref")
        return Ref(kind, where, problem=f"names no {kind}: it has neither a {kind}Identity "
                                        f"nor a ref")


IDENTITY_FIELDS = {"School": "SchoolId", "Student": "StudentUniqueId",
                   "Contact": "ContactUniqueId"}


def _identity_ref(kind: str, identity: _Element, where: Where) -> Ref:
    if kind == "Calendar":
        school = identity.ref("SchoolReference", "School")
        return Ref(kind, where, key=(identity.text("CalendarCode"), identity.text("SchoolYear")),
                   school=school)
    if kind == "GraduationPlan":
        return Ref(kind, where, key=(), year=identity.text("GraduationSchoolYear"))
    return Ref(kind, where, key=(identity_key(kind, identity.text(IDENTITY_FIELDS[kind])),))


def identity_key(kind: str, value: str) -> str:
    """An identity field compared as Ed-Fi means it: a SchoolId is a number (`0255` is `255`)."""
    if kind == "School":
        try:
            return str(int(value))
        except ValueError:
            return value
    return value


def _descriptor(e: _Element) -> DescriptorDef:
    return DescriptorDef(
        e.where, local_name(e.element.tag), e.text("Namespace") or "", e.text("CodeValue") or "",
        e.text("ShortDescription") or "")


def _lea(e: _Element) -> Lea:
    return Lea(e.where, e.text("NameOfInstitution") or "")


def _school(e: _Element) -> School:
    codes = [(c.text("IdentificationCode") or "", c.value("EducationOrganizationIdentificationSystem"))
             for c in e.children("EducationOrganizationIdentificationCode")]
    return School(e.where, e.xml_id, e.text("SchoolId") or "", codes,
                  e.text("NameOfInstitution") or "", e.values("GradeLevel"))


def _feeder(e: _Element) -> Feeder:
    return Feeder(e.where, e.ref("FeederSchoolReference", "School"),
                  e.ref("SchoolReference", "School"), e.text("EndDate"))


def _calendar(e: _Element) -> Calendar:
    return Calendar(e.where, e.xml_id, e.text("CalendarCode") or "",
                    e.ref("SchoolReference", "School"),
                    e.text("SchoolYear") or "", e.values("GradeLevel"))


def _session(e: _Element) -> Session:
    return Session(e.where, e.text("SessionName") or "", e.text("SchoolYear"),
                   e.text("BeginDate"), e.text("EndDate"), e.value("Term"),
                   e.ref("SchoolReference", "School"))


def _calendar_date(e: _Element) -> CalendarDate:
    return CalendarDate(e.where, e.text("Date"), e.values("CalendarEvent"),
                        e.ref("CalendarReference", "Calendar"))


def _grading_period(e: _Element) -> GradingPeriod:
    return GradingPeriod(
        e.where, e.ref("SchoolReference", "School"), e.text("GradingPeriod") or "",
        e.text("GradingPeriodName") or "", e.text("PeriodSequence"), e.text("SchoolYear"),
        e.text("BeginDate"), e.text("EndDate"))


def _student(e: _Element) -> Student:
    return Student(e.where, e.xml_id, e.text("StudentUniqueId") or "",
                   e.text("Name", "LastSurname") or "",
                   e.text("Name", "FirstName") or "",
                   e.text("BirthData", "BirthDate"))


def _enrollment(e: _Element) -> Enrollment:
    return Enrollment(
        e.where, e.ref("StudentReference", "Student"), e.ref("SchoolReference", "School"),
        e.text("PrimarySchool"), e.value("SchoolYear"), e.text("EntryDate"),
        e.value("EntryGradeLevel"), e.value("EntryType"), e.text("ClassOfSchoolYear"),
        e.text("ExitWithdrawDate"), e.value("ExitWithdrawType"),
        e.ref("GraduationPlanReference", "GraduationPlan"),
        e.ref("CalendarReference", "Calendar"), e.ref("NextYearSchoolReference", "School"),
        e.value("NextYearGradeLevel"))


def _graduation_plan(e: _Element) -> GraduationPlan:
    return GraduationPlan(e.where, e.xml_id,
                          e.text("GraduationSchoolYear") or "")


def _contact(e: _Element) -> Contact:
    addresses = []
    for address in e.children("Address"):
        street = address.child("StreetNumberName")
        addresses.append(Address(street.where, (street.element.text or "").strip(),
                                 address.text("City") or "", address.text("PostalCode") or "",
                                 address.value("AddressType"), address.value("Latitude"),
                                 address.value("Longitude")))
    return Contact(e.where, e.xml_id, e.text("ContactUniqueId") or "",
                   addresses)


def _link(e: _Element) -> ContactLink:
    return ContactLink(e.where, e.ref("StudentReference", "Student"),
                       e.ref("ContactReference", "Contact"),
                       e.text("LivesWith"))


# interchange -> element -> (the list of Records it goes to, its reader)
READERS: dict[str, dict[str, tuple[str, Callable[[_Element], object]]]] = {
    "EducationOrganization": {"LocalEducationAgency": ("leas", _lea),
                              "School": ("schools", _school),
                              "FeederSchoolAssociation": ("feeders", _feeder)},
    "EducationOrgCalendar": {"Calendar": ("calendars", _calendar),
                             "Session": ("sessions", _session),
                             "CalendarDate": ("dates", _calendar_date),
                             "GradingPeriod": ("grading_periods", _grading_period)},
    "Student": {"Student": ("students", _student)},
    "StudentEnrollment": {"StudentSchoolAssociation": ("enrollments", _enrollment),
                          "GraduationPlan": ("graduation_plans", _graduation_plan)},
    "Contact": {"Contact": ("contacts", _contact),
                "StudentContactAssociation": ("links", _link)},
}

"""A Contact interchange for the Ed-Fi benchmark (bench/edfi.py): the export writes no contacts,
so the households of the demo district are written as contacts beside the exported files, for
the import to read them back (docs/interop.md, section 1, `households`).

Each household with a member enrolled in the year is one Contact (`ContactUniqueId` `P` + its
household id) with its home address, located when the household is; each such member's primary
membership is one StudentContactAssociation with `LivesWith` true.  Written as the rows come,
by household and then by member, in the XSD's element order.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import create_engine, exists, select

from rollover.store.schema import calendars, enrollments, household_members, households, students

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<InterchangeContact xmlns="http://ed-fi.org/5.2.0">\n')
STATE = "uri://ed-fi.org/StateAbbreviationDescriptor#WA"
HOME = "uri://ed-fi.org/AddressTypeDescriptor#Home"


def _enrolled_members(year: int):
    """(household_id, student_number) of the primary members enrolled in a calendar of the year."""
    m, s, e, c = household_members.c, students.c, enrollments.c, calendars.c
    enrolled = exists().where(e.student_id == s.student_id, c.calendar_id == e.calendar_id,
                              c.school_year == year)
    return (select(m.household_id, s.student_number)
            .join_from(household_members, students, m.student_id == s.student_id)
            .where(m.primary.is_(True), enrolled))


def write_contacts(url: str, year: int, path: Path) -> tuple[int, int]:
    """Write `path`; (contacts, associations) written."""
    members = _enrolled_members(year).subquery()
    h = households.c
    homes = (select(h.household_id, h.number, h.street, h.city, h.zip, h.latitude, h.longitude)
             .where(h.household_id.in_(select(members.c.household_id)))
             .order_by(h.household_id))
    contacts = links = 0
    engine = create_engine(url)
    try:
        with engine.connect() as conn, path.open("w", encoding="utf-8") as out:
            out.write(HEAD)
            for row in conn.execution_options(stream_results=True, yield_per=10_000).execute(
                    homes):
                out.write(_contact(*row))
                contacts += 1
            for household_id, number in conn.execution_options(
                    stream_results=True, yield_per=10_000).execute(
                    _enrolled_members(year).order_by(household_members.c.household_id,
                                                     students.c.student_number)):
                out.write(
                    "<StudentContactAssociation><StudentReference><StudentIdentity>"
                    f"<StudentUniqueId>{escape(number)}</StudentUniqueId></StudentIdentity>"
                    "</StudentReference><ContactReference><ContactIdentity><ContactUniqueId>"
                    f"P{escape(household_id)}</ContactUniqueId></ContactIdentity>"
                    "</ContactReference><LivesWith>true</LivesWith>"
                    "</StudentContactAssociation>\n")
                links += 1
            out.write("</InterchangeContact>\n")
    finally:
        engine.dispose()
    return contacts, links


def _contact(household_id, number, street, city, zip_code, latitude, longitude) -> str:
    location = "" if latitude is None or longitude is None else (
        f"<Latitude>{latitude!r}</Latitude><Longitude>{longitude!r}</Longitude>")
    return (f"<Contact><ContactUniqueId>P{escape(household_id)}</ContactUniqueId>"
            "<Name><FirstName>Parent</FirstName><LastSurname>Of "
            f"{escape(household_id)}</LastSurname></Name><Address>"
            f"<StreetNumberName>{number} {escape(street)}</StreetNumberName>"
            f"<City>{escape(city)}</City><StateAbbreviation>{STATE}</StateAbbreviation>"
            f"<PostalCode>{escape(zip_code)}</PostalCode>{location}"
            f"<AddressType>{HOME}</AddressType></Address></Contact>\n")

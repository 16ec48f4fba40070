"""Households from Ed-Fi contacts (docs/interop.md, section 1, `households`), through the import
service: the Contact files are read as the mapping goes (contacts first, then the associations),
so the order of the elements in a file does not matter; what a contact's address lacks is told
only when a student lives with it; every reference and duplicate is checked, and a refused import
writes nothing.  Both databases."""

from __future__ import annotations

import pytest

from rollover.interop.edfi.problems import EdfiRefused
from rollover.services.edfi_import import import_edfi

from .districts import stored_rows
from .edfi_setup import HEAD, NS, contact, grand_bend, lives_with
from .test_progress import Recorded


def contact_file(*elements: str) -> str:
    """A Contact interchange of the elements from line 3 (a `contact` takes four lines)."""
    return HEAD + f"<InterchangeContact {NS}>\n" + "\n".join(elements) + "\n</InterchangeContact>\n"


def with_id(xml_id: str, element: str) -> str:
    return element.replace("<Contact>", f'<Contact id="{xml_id}">', 1)


def lives_with_ref(student: str, ref: str, lives: str = "true") -> str:
    return ("<StudentContactAssociation><StudentReference><StudentIdentity><StudentUniqueId>"
            f"{student}</StudentUniqueId></StudentIdentity></StudentReference>"
            f'<ContactReference ref="{ref}"/><LivesWith>{lives}</LivesWith>'
            "</StudentContactAssociation>")


def without_address(unique_id: str) -> str:
    return (f"<Contact><ContactUniqueId>{unique_id}</ContactUniqueId><Name><FirstName>A"
            "</FirstName><LastSurname>B</LastSurname></Name></Contact>")


def households_of(engine) -> tuple[list, list]:
    rows = stored_rows(engine, "households", "household_members")
    return ([row[:5] for row in rows["households"]],
            sorted((row[0], row[1]) for row in rows["household_members"]))


def test_an_association_before_its_contact_makes_the_household(engine, tmp_path):
    folder = grand_bend(tmp_path, extra={"Contact.xml": contact_file(
        lives_with("604821", "C1"),                      # line 3, before C1
        lives_with_ref("604822", "X2"),                  # by ref, before X2
        contact("C1", "12 Elm Street"),
        with_id("X2", contact("C2", "12 Elm Street")),   # the same home as C1
        lives_with("604823", "C2"))})
    result = import_edfi(engine, folder)
    assert result.warnings == []
    assert households_of(engine) == (
        [("H0001", 12, "Elm Street", "Grand Bend", "78834")],
        [("H0001", "S604821"), ("H0001", "S604822"), ("H0001", "S604823")])


def test_a_contacts_missing_home_is_told_only_when_a_student_lives_with_it(engine, tmp_path):
    folder = grand_bend(tmp_path, extra={"Contact.xml": contact_file(
        without_address("C1"),                           # line 3
        contact("C2", "Main Street"),                    # line 4: no house number (line 5)
        without_address("C3"),                           # line 8: nobody lives with it
        contact("C4", "Side Street"),                    # line 9: only LivesWith false
        lives_with("604821", "C1"),
        lives_with("604822", "C2"),
        lives_with("999999", "C2"),                      # line 15: a student not imported
        lives_with("604824", "C1"),                      # C1 again: told once
        lives_with("604825", "C4").replace("true", "false"))})
    result = import_edfi(engine, folder)
    assert [str(w) for w in result.warnings] == [
        "Contact.xml:3: Contact: NO_HOUSEHOLD: contact 'C1' has no Address: no household",
        "Contact.xml:5: StreetNumberName: NO_HOUSEHOLD: 'Main Street' starts with no house "
        "number: no household",
        "Contact.xml:15: StudentContactAssociation: CONTACT_STUDENT_NOT_IMPORTED: student "
        "'999999' is not among the imported students: the association is skipped"]
    assert households_of(engine) == ([], [])


@pytest.mark.parametrize("elements, problems", [
    ([contact("C1", "1 First Street"), lives_with("604821", "C404")],
     ["Contact.xml:7: ContactReference: no Contact with ContactUniqueId 'C404' in the import"]),
    ([contact("C1", "1 First Street"), lives_with_ref("604821", "X404")],
     ["Contact.xml:7: ContactReference: ref 'X404': no Contact has that id in Contact.xml"]),
    ([contact("C1", "1 First Street"), contact("C1", "2 Second Street")],
     ["Contact.xml:7: Contact: duplicate Contact with ContactUniqueId 'C1': the first is on "
      "line 3"]),
    ([lives_with("604821", "C1"), contact("C1", "1 First Street"), lives_with("604821", "C1"),
      lives_with("604821", "C1")],
     ["Contact.xml:8: StudentContactAssociation: duplicate StudentContactAssociation of "
      "student '604821' and contact 'C1': the first is on line 3",
      "Contact.xml:9: StudentContactAssociation: duplicate StudentContactAssociation of "
      "student '604821' and contact 'C1': the first is on line 3"]),
], ids=["unknown-contact", "unknown-ref", "duplicate-contact", "duplicate-association"])
def test_a_bad_contact_reference_or_a_duplicate_is_refused_and_nothing_written(
        engine, tmp_path, elements, problems):
    folder = grand_bend(tmp_path, extra={"Contact.xml": contact_file(*elements)})
    with pytest.raises(EdfiRefused) as refused:
        import_edfi(engine, folder)
    assert [str(p) for p in refused.value.problems] == problems
    assert stored_rows(engine, "students", "households") == {"students": [], "households": []}


def test_reading_counts_the_contact_file_twice_and_never_goes_back(engine, tmp_path):
    folder = grand_bend(tmp_path)
    progress = Recorded()
    import_edfi(engine, folder, progress=progress)
    reading = [(done, total) for label, done, total in progress.calls
               if label == "reading the files"]
    xml = sum(path.stat().st_size for path in folder.glob("*.xml"))
    contacts = (folder / "Contact.xml").stat().st_size
    assert {total for _done, total in reading} == {xml + contacts}
    assert reading[-1] == (xml + contacts, xml + contacts)
    dones = [done for done, _total in reading]
    assert dones == sorted(dones)

"""Households located (docs/attendance-areas.md, "Locating households"): a CSV file of household
ids with a latitude and a longitude, checked whole (every problem at its file and line, nothing
written when one is wrong), then written in one run of kind `locate` that `rollover undo` puts
back; the bundle's households.csv carries the pair (both or neither) and the Ed-Fi import reads
it from a contact's Address.  SQLite and PostgreSQL."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pytest

from rollover.bundle.folder import BundleRefused
from rollover.services.bundles import export_bundle, import_bundle
from rollover.services.edfi_import import import_edfi
from rollover.services.household_locations import LocationsRefused, locate_households
from rollover.services.runs import get_run
from rollover.services.undo import undo

from . import cli
from .districts import District, stored_rows
from .edfi_setup import HEAD, NS, contact, grand_bend, lives_with
from .test_progress import Recorded

SEATTLE, TACOMA = (47.6097, -122.3331), (47.2529, -122.4443)


def district() -> District:
    """Four households: H1 and H4 located, H2 and H3 not."""
    d = District()
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    for n in range(1, 5):
        d.student(f"S{n}")
        d.enroll(f"E{n}", f"S{n}", "HSA27", "10")
    d.household("H1", 1, "Pike St", "S1", location=SEATTLE)
    d.household("H2", 2, "Pine St", "S2")
    d.household("H3", 3, "Union St", "S3")
    d.household("H4", 4, "Spring St", "S4", location=TACOMA)
    return d


@pytest.fixture
def located(engine, tmp_path):
    district().load(engine, tmp_path / "bundle")
    return engine


def locations(engine) -> dict[str, tuple]:
    return {row[0]: row[5:] for row in stored_rows(engine, "households")["households"]}


def write(tmp_path: Path, text: str, name: str = "locations.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the service -------------------------------------------------------------------------------
def test_each_outcome_is_counted_and_undo_gives_the_rows_back_exactly(located, tmp_path):
    before = stored_rows(located)
    path = write(tmp_path, "longitude,household_id,latitude\n"  # any column order
                           "-122.3493,H1,47.6205\n"  # changed
                           "-122.3321,H2,47.6062\n"  # located
                           ",H3,\n"  # nothing held, nothing given: left as it was
                           ",H4,\n")  # cleared
    result = locate_households(located, path)
    assert (result.located, result.changed, result.cleared, result.unchanged) == (1, 1, 1, 1)
    assert locations(located) == {"H1": (47.6205, -122.3493), "H2": (47.6062, -122.3321),
                                  "H3": (None, None), "H4": (None, None)}
    run = get_run(located, result.run_id)
    assert (run.kind, run.mode, run.counts, run.options) == (
        "locate", "run", {"rows_updated": 3, "located": 1, "changed": 1, "cleared": 1,
                          "unchanged": 1}, {"file": str(path), "rows": 4})
    undo(located, result.run_id)
    assert stored_rows(located) == before


def test_locating_reports_reading_the_file_the_households_writing_and_committing(located,
                                                                                 tmp_path):
    path = write(tmp_path, "household_id,latitude,longitude\nH1,47.6205,-122.3493\nH2,,\n")
    progress = Recorded()
    locate_households(located, path, progress=progress)
    assert progress.phases() == ["reading the file", "reading the households", "writing",
                                 "committing"]
    progress.assert_each_phase_counts_up_to_its_whole()
    assert ("reading the households", 2, 2) in progress.calls


def test_a_location_given_as_held_changes_no_row(located, tmp_path):
    before = stored_rows(located)
    result = locate_households(located, write(tmp_path, "household_id,latitude,longitude\n"
                                                        "H1,47.60970,-122.3331\n"
                                                        "H2,,\n"))
    assert (result.located, result.changed, result.cleared, result.unchanged) == (0, 0, 0, 2)
    assert stored_rows(located) == before
    assert get_run(located, result.run_id).counts["rows_updated"] == 0


def test_an_empty_row_clears_half_a_location_too(located):
    from rollover.services.edits import edit_record

    edit_record(located, "households", {"household_id": "H2"}, {"latitude": "47.6"})
    result = locate_households(located, "f.csv", text="household_id,latitude,longitude\nH2,,\n")
    assert (result.cleared, result.unchanged) == (1, 0)
    assert locations(located)["H2"] == (None, None)


def test_an_uploaded_text_is_named_by_its_file(located):
    result = locate_households(located, "upload.csv", text="\ufeffhousehold_id,latitude,"
                                                           "longitude\r\nH3,-33.8688,151.2093\r\n")
    assert (result.file, result.located) == ("upload.csv", 1)
    assert locations(located)["H3"] == (-33.8688, 151.2093)


HEADER = "household_id,latitude,longitude\n"
COLUMNS = "the columns are household_id, latitude, longitude"


@pytest.mark.parametrize("text, problems", [
    (HEADER + "H1,47.6,-122.3\nH9,1,1\nH2,2,2\nH1,3,3\n", [
        "f.csv:3: no household 'H9'",
        "f.csv:5: household 'H1' is given again (first on line 2)"]),
    (HEADER + "H1,north,-122.3\nH2,47.6,1e400\nH3,90.5,180.01\n", [
        "f.csv:2: latitude: 'north' is not a decimal number",
        "f.csv:3: longitude: '1e400' is out of range (from -180 to 180)",
        "f.csv:4: latitude: '90.5' is out of range (from -90 to 90)",
        "f.csv:4: longitude: '180.01' is out of range (from -180 to 180)"]),
    (HEADER + "H1,47.6,\nH2,,-122.3\n", [
        "f.csv:2: latitude '47.6' is given without longitude: give both, or leave both empty "
        "to clear the household's location",
        "f.csv:3: longitude '-122.3' is given without latitude: give both, or leave both "
        "empty to clear the household's location"]),
    (HEADER + ",1,1\nH1,1\n", [
        "f.csv:2: household_id: a value is required",
        "f.csv:3: 2 cells; the header has 3"]),
    ("household_id,lat,longitude,longitude\nH1,1,1,1\n", [
        f"f.csv:1: unknown column 'lat': {COLUMNS}",
        "f.csv:1: column longitude is given twice",
        f"f.csv:1: missing column latitude: {COLUMNS}"]),
    ("", [f"f.csv:1: missing column {c}: {COLUMNS}" for c in ("household_id", "latitude",
                                                               "longitude")]),
    (HEADER + "\n", ["f.csv:2: no households: the file has a header and no rows"]),
    (HEADER + 'H1,"1,1\n', ["f.csv:2: 2 cells; the header has 3"]),
], ids=["unknown-and-repeated", "not-numbers-and-out-of-range", "one-of-the-pair",
        "no-id-and-short-row", "bad-header", "empty-file", "no-rows", "unclosed-quote"])
def test_every_problem_is_named_at_its_line_and_nothing_is_written(located, tmp_path, text,
                                                                   problems):
    before = stored_rows(located, "households", "runs")
    with pytest.raises(LocationsRefused) as info:
        locate_households(located, "f.csv", text=text)
    assert info.value.details() == problems
    assert str(info.value) == (f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in "
                               "f.csv; nothing was written")
    assert info.value.problem_entries()[0]["file"] == "f.csv"
    assert stored_rows(located, "households", "runs") == before


# -- the command -------------------------------------------------------------------------------
def test_the_command_prints_the_outcomes_and_the_run_that_undoes_them(located, db_url,
                                                                       tmp_path):
    path = write(tmp_path, HEADER + "H2,47.6062,-122.3321\nH4,,\nH3,,\n")
    ran = cli.rollover("--db", db_url, "households", "locate", str(path))
    assert ran.exit_code == 0, ran.stderr
    first, *table = ran.stdout.splitlines()
    run_id = first.split("(run ")[1].split(":")[0]
    assert first == (f"{path}: households located (run {run_id}: rollover undo {run_id} puts "
                     "them back)")
    assert table == ["HOUSEHOLDS         COUNT", "located                1",
                     "changed                0", "cleared                1",
                     "left as they were      1"]
    undone = cli.rollover("--db", db_url, "undo", run_id)
    assert undone.exit_code == 0, undone.stderr
    assert locations(located)["H2"] == (None, None)
    assert locations(located)["H4"] == TACOMA


def test_the_command_prints_json(located, db_url, tmp_path):
    ran = cli.rollover("--db", db_url, "households", "locate", "--json",
                       str(write(tmp_path, HEADER + "H1,1,2\n")))
    assert ran.exit_code == 0, ran.stderr
    found = json.loads(ran.stdout)
    assert {k: v for k, v in found.items() if k != "run_id"} == {
        "file": str(tmp_path / "locations.csv"), "located": 0, "changed": 1, "cleared": 0,
        "unchanged": 0}


def test_the_command_refuses_with_every_line_and_no_traceback(located, db_url, tmp_path):
    before = stored_rows(located, "households", "runs")
    path = write(tmp_path, HEADER + "H9,1,1\nH1,100,1\n")
    ran = cli.rollover("--db", db_url, "households", "locate", str(path))
    assert ran.exit_code == 2
    assert ran.stderr.splitlines() == [
        f"{path}:2: no household 'H9'",
        f"{path}:3: latitude: '100' is out of range (from -90 to 90)",
        f"rollover: 2 problems in {path}; nothing was written"]
    for missing in (tmp_path / "nope.csv", tmp_path):
        ran = cli.rollover("--db", db_url, "households", "locate", str(missing))
        assert (ran.exit_code, ran.stderr) == (2, f"rollover: {missing}: no such file\n")
    (tmp_path / "latin1.csv").write_bytes(HEADER.encode() + "H1,1,1 \xb0\n".encode("latin-1"))
    ran = cli.rollover("--db", db_url, "households", "locate", str(tmp_path / "latin1.csv"))
    assert (ran.exit_code, ran.stderr) == (
        2, f"rollover: {tmp_path / 'latin1.csv'}: not UTF-8 text (byte 40)\n")
    assert stored_rows(located, "households", "runs") == before


# -- the bundle --------------------------------------------------------------------------------
def same_folders(left: Path, right: Path) -> list[str]:
    names = {p.name for p in left.iterdir()} | {p.name for p in right.iterdir()}
    return sorted(n for n in names if not ((left / n).exists() and (right / n).exists()
                                           and filecmp.cmp(left / n, right / n, shallow=False)))


def test_a_bundle_with_locations_exports_them_and_imports_back_equal(engine, tmp_path):
    bundle = district().write_bundle(tmp_path / "bundle")
    assert (bundle / "households.csv").read_text().splitlines()[:2] == [
        "household_id,number,street,city,zip,latitude,longitude",
        "H1,1,Pike St,Town,11111,47.6097,-122.3331"]
    import_bundle(engine, bundle)
    stored = stored_rows(engine)
    export_bundle(engine, tmp_path / "out")
    assert same_folders(bundle, tmp_path / "out") == []
    import_bundle(engine, tmp_path / "out", replace=True)
    assert stored_rows(engine) == stored


def test_a_bundle_without_the_two_columns_imports_and_exports_as_before(engine, tiny_bundle,
                                                                        tmp_path):
    assert (tiny_bundle / "households.csv").read_text().startswith(
        "household_id,number,street,city,zip\n")
    import_bundle(engine, tiny_bundle)
    assert set(locations(engine).values()) == {(None, None)}
    export_bundle(engine, tmp_path / "out")
    assert same_folders(tiny_bundle, tmp_path / "out") == []


@pytest.mark.parametrize("header, rows, problems", [
    ("latitude,longitude", ("47.5,", ",-122"), [
        "households.csv:2: longitude: latitude 47.5 is given without longitude (a household's "
        "location: give both, or neither)",
        "households.csv:3: latitude: longitude -122.0 is given without latitude (a household's "
        "location: give both, or neither)"]),
    ("latitude", ("47.5", ""), [
        "households.csv:2: longitude: latitude 47.5 is given without longitude (a household's "
        "location: give both, or neither)"]),
    ("latitude,longitude", ("-90.5,0", "0,180.5"), [
        "households.csv:2: latitude: '-90.5' is out of range (from -90 to 90)",
        "households.csv:3: longitude: '180.5' is out of range (from -180 to 180)"]),
], ids=["one-of-the-pair", "one-column-only", "out-of-range"])
def test_a_bundle_row_with_half_a_location_or_one_out_of_range_is_refused(
        engine, tiny_bundle, header, rows, problems):
    (tiny_bundle / "households.csv").write_text(
        f"household_id,number,street,city,zip,{header}\n"
        f"H1,12,Elm St,Tinytown,12345,{rows[0]}\nH2,7,Oak Ave,Tinytown,12345,{rows[1]}\n")
    with pytest.raises(BundleRefused) as info:
        import_bundle(engine, tiny_bundle)
    assert [str(p) for p in info.value.problems] == problems
    assert stored_rows(engine, "households", "students") == {"households": [], "students": []}


# -- Ed-Fi -------------------------------------------------------------------------------------
CONTACTS = [  # (contact, its address, latitude, longitude); Latitude on line 5 + 4n
    ("C1", "1 First Street", "28.6105", "-99.2203"),  # located
    ("C2", "2 Second Street", "28.61", None),  # half: not located
    ("C3", "3 Third Street", "north", "-99.2"),  # not a number
    ("C4", "4 Fourth Street", "91", "-99.2"),  # out of range
    ("C5", "1 First Street", "28.7", "-99.3"),  # C1's household, another location
    ("C6", "6 Sixth Street", None, None),  # none given: not located, nothing to say
]
STUDENTS = ["604821", "604822", "604823", "604824", "604825", "604826"]


def contact_file() -> str:
    return (HEAD + f"<InterchangeContact {NS}>\n"
            + "\n".join(contact(c, street, lat, lon) for c, street, lat, lon in CONTACTS) + "\n"
            + "\n".join(lives_with(s, c[0]) for s, c in zip(STUDENTS, CONTACTS))
            + "\n</InterchangeContact>\n")


def test_the_edfi_import_locates_a_household_from_its_contacts_address(engine, tmp_path):
    folder = grand_bend(tmp_path, extra={"Contact.xml": contact_file()})
    result = import_edfi(engine, folder)
    by_street = {row[2]: row[5:] for row in stored_rows(engine, "households")["households"]}
    assert by_street == {"First Street": (28.6105, -99.2203), "Second Street": (None, None),
                         "Third Street": (None, None), "Fourth Street": (None, None),
                         "Sixth Street": (None, None)}
    assert [str(w) for w in result.warnings] == [
        "Contact.xml:9: Latitude: LOCATION_IGNORED: Latitude '28.61' is given without "
        "Longitude: the household is not located",
        "Contact.xml:13: Latitude: LOCATION_IGNORED: 'north' is not a decimal number: the "
        "household is not located",
        "Contact.xml:17: Latitude: LOCATION_IGNORED: '91' is out of range (from -90 to 90): "
        "the household is not located",
        "Contact.xml:21: Latitude: LOCATION_IGNORED: the household at 1 First Street is "
        "located at 28.6105, -99.2203 by Contact.xml:5; this address's 28.7, -99.3 is not "
        "used"]

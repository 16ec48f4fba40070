"""`rollover schools` and `rollover calendars list [--year YEAR]`: what the district holds, as a
table with a header or as JSON, on SQLite and PostgreSQL (the tiny bundle: schools HSA and MSA,
calendars HSA27, MSA27 and HSA28)."""

from __future__ import annotations

import json
import re

import pytest

from rollover.services.bundles import import_bundle

from . import cli


@pytest.fixture
def tiny(engine, db_url, tiny_bundle) -> str:
    import_bundle(engine, tiny_bundle)
    return db_url


def cells(stdout: str) -> list[list[str]]:
    """The table's lines split into cells (two or more spaces apart)."""
    return [re.split(r"\s{2,}", line.strip()) for line in stdout.splitlines() if line.strip()]


def test_schools_is_a_table_with_a_header(tiny):
    ran = cli.rollover("--db", tiny, "schools")
    assert ran.exit_code == 0, ran.stderr
    assert cells(ran.stdout) == [
        ["SCHOOL", "NAME", "NEXT SCHOOL", "CALENDARS"],
        ["HSA", "High School A", "-", "HSA27, HSA28"],  # no next school: an empty cell
        ["MSA", "Middle School A", "HSA", "MSA27"],
    ]


def test_schools_json(tiny):
    ran = cli.rollover("schools", "--json", "--db", tiny)
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout) == [
        {"school_id": "HSA", "name": "High School A", "next_school_id": None,
         "calendars": ["HSA27", "HSA28"]},
        {"school_id": "MSA", "name": "Middle School A", "next_school_id": "HSA",
         "calendars": ["MSA27"]},
    ]


def test_calendars_list_every_year_by_year_then_id(tiny):
    ran = cli.rollover("--db", tiny, "calendars", "list")
    assert ran.exit_code == 0, ran.stderr
    assert cells(ran.stdout) == [
        ["CALENDAR", "SCHOOL", "YEAR", "START", "END", "ENROLLMENTS"],
        ["HSA27", "HSA", "2026-27", "2026-08-24", "2027-06-04", "2"],
        ["MSA27", "MSA", "2026-27", "2026-08-24", "2027-06-04", "1"],
        ["HSA28", "HSA", "2027-28", "2027-08-23", "2028-06-02", "1"],
    ]


@pytest.mark.parametrize("year", ["2028", "2027-28", "2027-2028"])
def test_calendars_list_of_one_year_as_json(tiny, year):
    ran = cli.rollover("--db", tiny, "calendars", "list", "--year", year, "--json")
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout) == [
        {"calendar_id": "HSA28", "school_id": "HSA", "school_year": 2028, "name": "HSA 2027-28",
         "start_date": "2027-08-23", "end_date": "2028-06-02", "enrollments": 1}]


def test_a_year_without_calendars_says_so(tiny):
    ran = cli.rollover("--db", tiny, "calendars", "list", "--year", "2031")
    assert (ran.exit_code, ran.stdout) == (0, "no calendars in school year 2030-31 (2031)\n")
    ran = cli.rollover("--db", tiny, "calendars", "list", "--year", "2031", "--json")
    assert (ran.exit_code, json.loads(ran.stdout)) == (0, [])


def test_an_empty_store_has_no_schools(db_url):
    ran = cli.rollover("--db", db_url, "schools")
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout == "no schools (import a district first: rollover import BUNDLE_DIR)\n"
    assert json.loads(cli.rollover("--db", db_url, "schools", "--json").stdout) == []

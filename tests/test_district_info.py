"""What the district is (services/district_info.py; the HTTP API's `/district`, `/schools` and
`/calendars`), on SQLite and PostgreSQL: its name, year, lock and settings; its schools; its
calendars with their structures and grades, paged."""

from __future__ import annotations

import pytest

from rollover.services.district_info import calendars, district_info, schools
from rollover.services.reads import ReadRefused
from rollover.services.security import add_user, set_lock

from .districts import District, first_day, last_day


def district() -> District:
    d = District(restrict_to_boundaries=True)
    d.school("HS", name="Hill High")
    d.school("MS", next_school="HS", name="Mill Middle")
    d.school("ES", next_school="MS", name="Elm Elementary")
    d.calendar("HS27", "HS", 2027, ["09", "10"])
    d.calendar("HS28", "HS", 2028, {"KG": 0, "10": 10, "09": 9})
    d.structure("HS28", "Evening", ["11"], structure_id="HS28-E")
    d.calendar("MS28", "MS", 2028, ["08"], requires_assignment=True)
    d.calendar("ES28", "ES", 2028, ["05"])
    return d


@pytest.fixture
def stored(engine, tmp_path):
    district().load(engine, tmp_path / "bundle")
    return engine


def test_an_empty_store_has_no_name_nor_year_and_every_setting_off(engine):
    info = district_info(engine)
    assert (info["name"], info["current_school_year"], info["locked"]) == (None, None, False)
    assert set(info["settings"].values()) == {False}


def test_district_name_year_lock_and_settings(stored):
    assert district_info(stored) == {
        "name": "Test ISD", "current_school_year": 2027, "locked": False,
        "settings": {"restrict_to_boundaries": True, "student_assignment_validation": False,
                     "local_start_status_required": False, "disable_scheduled_tasks": False,
                     "change_auditing": False, "outbound_publishing": False,
                     "notifications": False, "partner_sync": False}}
    add_user(stored, "ann", user=None)
    set_lock(stored, True, user="ann")
    info = district_info(stored)
    assert info["locked"] is True and info["settings"]["disable_scheduled_tasks"] is True


def test_schools_by_id_paged(stored):
    page = schools(stored)
    assert (page.page, page.per_page, page.total) == (1, 100, 3)
    assert page.items == [
        {"school_id": "ES", "name": "Elm Elementary", "next_school_id": "MS"},
        {"school_id": "HS", "name": "Hill High", "next_school_id": None},
        {"school_id": "MS", "name": "Mill Middle", "next_school_id": "HS"}]
    second = schools(stored, page=2, per_page=2)
    assert ([s["school_id"] for s in second.items], second.total) == (["MS"], 3)
    assert schools(stored, page=3, per_page=2).items == []


def test_calendars_of_a_year_with_structures_and_grades_by_sequence(stored):
    page = calendars(stored, 2028)
    assert page.total == 3
    assert [c["calendar_id"] for c in page.items] == ["ES28", "HS28", "MS28"]
    hill = page.items[1]
    assert hill == {
        "calendar_id": "HS28", "school_id": "HS", "school_name": "Hill High",
        "school_year": 2028, "name": "HS28 calendar", "start_date": first_day(2028),
        "end_date": last_day(2028), "requires_student_assignment": False,
        "structures": [
            {"structure_id": "HS28-E", "name": "Evening", "grades": [
                {"grade": "11", "sequence": 11, "state_grade": "11",
                 "requires_student_assignment": False}]},
            {"structure_id": "HS28-Main", "name": "Main", "grades": [
                {"grade": "KG", "sequence": 0, "state_grade": "KG",
                 "requires_student_assignment": False},
                {"grade": "09", "sequence": 9, "state_grade": "09",
                 "requires_student_assignment": False},
                {"grade": "10", "sequence": 10, "state_grade": "10",
                 "requires_student_assignment": False}]}]}
    assert page.items[2]["requires_student_assignment"] is True
    assert page.as_json()["items"][1]["start_date"] == first_day(2028).isoformat()


def test_calendars_of_every_year_by_year_then_id_paged(stored):
    every = calendars(stored)
    assert [c["calendar_id"] for c in every.items] == ["HS27", "ES28", "HS28", "MS28"]
    second = calendars(stored, page=2, per_page=3)
    assert ([c["calendar_id"] for c in second.items], second.total) == (["MS28"], 4)
    assert second.items[0]["structures"][0]["grades"][0]["grade"] == "08"
    assert calendars(stored, 2031).items == [] and calendars(stored, 2031).total == 0


@pytest.mark.parametrize(("call", "named"), [
    (lambda e: calendars(e, 0), "year 0"), (lambda e: calendars(e, "2028"), "year '2028'"),
    (lambda e: calendars(e, per_page=1001), "per_page 1001"),
    (lambda e: schools(e, page=0), "page 0"),
])
def test_bad_values_are_refused_naming_them(stored, call, named):
    with pytest.raises(ReadRefused, match=named):
        call(stored)

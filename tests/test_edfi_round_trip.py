"""A school year exported as Ed-Fi (`rollover export --format edfi`) and imported into a new,
empty store (`rollover import --format edfi`) is the year again, in every field Ed-Fi carries
(docs/interop.md, sections 1 and 2).  SQLite and PostgreSQL.

The district is the demo district (250 students, current year 2026-27, its 2027-28 calendars
already made), with three rows changed so that every field below has a value to carry: a fourth
grader demoted, an ended enrollment given an Ed-Fi exit code (`Transferred`), an enrollment given
an Ed-Fi entry type (`Transfer`).  Three imports, each into a store of its own:

- *current*: 2026-27 exported as it stands, imported alone;
- *rolled*: 2026-27 exported after a roll forward of the whole year, imported with the
  2027-28 export's `EducationOrgCalendar.xml` beside it, so that next year's calendars are
  there to place the students who change school;
- *next*: 2027-28 after that roll forward (the rolled enrollments), imported alone.

Each side is read as sets of tuples, the original's renamed and reduced by the contract's rules,
and the sets must be equal:

- **district**: `current_school_year` (the import's is the exported year; the district's name
  and flags are not carried: the export writes no `LocalEducationAgency`).
- **schools** with a calendar in the year: `school_id`, `name` (`next_school_id` is not
  carried: the export writes no `FeederSchoolAssociation`).
- **calendars** of the year(s): `calendar_id` (the `CalendarCode`), `school_id`,
  `school_year`, `start_date`, `end_date` (Ed-Fi's `Calendar` has no dates: they are the
  span of its sessions and days).  Not `name` (Ed-Fi's `Calendar` has none; the import makes
  `{NameOfInstitution} {SchoolYear}`) nor `requires_student_assignment`.
- **terms**: per calendar, `name`, `start_date`, `end_date`; a name with other dates elsewhere
  in the school's year is renamed to the first `term_id` of its dates (the export's rule).
  Not `term_id` nor structure (Ed-Fi's sessions belong to a school; the import makes one `Main`
  structure per calendar) nor `term_schedule` (the demo's names are no `TermDescriptor`
  codes, written as `Other`).
- **days**: `calendar_id`, `date`, `instructional`.
- **grade levels** offered: `calendar_id`, `grade`, `sequence`, `state_grade` (not the
  structure, as for terms; not `requires_student_assignment`).
- **students** enrolled in the year: `student_id` as `S{student_number}`, `student_number`,
  `last_name`, `first_name`, `birth_date`.
- **enrollments** of the year, one per Ed-Fi key (student, school, `start_date`: the primary
  one, else the smallest id, is written): `enrollment_id` as `E{YYYY}-{student_number}` (`-2`,
  `-3` … in (`start_date`, `SchoolId`) order), `student_id`, `calendar_id`, `grade`,
  `service_type`, `start_date`, `end_date`, `end_status` where an Ed-Fi `ExitWithdrawType`
  code, `local_start_status` where an Ed-Fi `EntryType` code (else `Next year school` for a
  rolled enrollment), `graduation_cohort`; next year as `NextYearGradeLevel` and
  `NextYearSchoolReference` carry it and the import reads it: `end_action` `retain` / `demote`
  when next year's grade is the same / the one below (other end actions are not carried), and
  `next_calendar_id`, `next_structure_id`, `next_grade` only where the rules cannot infer them
  (another school, or a grade other than one below, the same or one above): the next school's
  one calendar of next year in the import (none there: empty, and a `NEXT_YEAR_UNPLACED`
  warning names the student).  Not `structure_id` (one `Main` per calendar) nor
  `rolled_from` (Ed-Fi has no link between two associations).
"""

from __future__ import annotations

import hashlib
import shutil
from collections import defaultdict
from dataclasses import dataclass

import pytest
from lxml import etree
from sqlalchemy import select, update

from rollover.domain.forward.options import ForwardOptions
from rollover.interop import XSD_FOLDER
from rollover.interop.edfi.problems import EdfiRefused
from rollover.services.demo import load_demo
from rollover.services.edfi_export import export_edfi
from rollover.services.edfi_import import import_edfi
from rollover.services.forward import roll_forward, source_calendars_of_year
from rollover.store.database import open_engine, writing
from rollover.store.schema import (
    calendars, days, district, enrollments, grade_levels, local_start_statuses, schools,
    structures, students, terms,
)

from .conftest import emptied_postgres, migrated_sqlite

YEAR, NEXT = 2027, 2028
TABLES = (district, schools, calendars, structures, terms, days, grade_levels, students,
          enrollments)


def ed_fi_codes(kind: str) -> set[str]:
    """The codes of one of Ed-Fi's default descriptor sets, shipped with the XSDs."""
    root = etree.parse(str(XSD_FOLDER / f"{kind}.xml")).getroot()
    return {e.text for e in root.iter("{*}CodeValue")}


EXIT_CODES = ed_fi_codes("ExitWithdrawTypeDescriptor")
ENTRY_CODES = ed_fi_codes("EntryTypeDescriptor")


def school_number(school_id: str) -> int:
    """The Ed-Fi SchoolId the contract gives a school: its id if a number, else the SHA-256's."""
    if school_id.isdigit() and not school_id.startswith("0"):
        return int(school_id)
    return int(hashlib.sha256(school_id.encode("utf-8")).hexdigest()[:12], 16)


# -- a store's rows, and the facts Ed-Fi carries ------------------------------------------------

class Store:
    """Every row of the tables compared, read once: table name -> list of dicts."""

    def __init__(self, engine):
        with engine.connect() as conn:
            self.rows = {t.name: [dict(r._mapping) for r in conn.execute(select(t))]
                         for t in TABLES}
        self.calendar = {c["calendar_id"]: c for c in self.rows["calendars"]}
        self.structure_calendar = {s["structure_id"]: s["calendar_id"]
                                   for s in self.rows["structures"]}
        self.student = {s["student_id"]: s for s in self.rows["students"]}
        self.level = {(g["calendar_id"], g["structure_id"], g["grade"]): g
                      for g in self.rows["grade_levels"]}

    def calendars_of(self, years) -> set[str]:
        return {c["calendar_id"] for c in self.rows["calendars"] if c["school_year"] in years}

    def enrollments_of(self, year: int) -> list[dict]:
        return [e for e in self.rows["enrollments"]
                if self.calendar[e["calendar_id"]]["school_year"] == year]

    def school_of(self, calendar_id: str | None) -> str | None:
        return self.calendar[calendar_id]["school_id"] if calendar_id else None

    def places(self, years) -> dict[str, set]:
        """Schools, calendars, terms, days and grade levels of `years`, as the store has them."""
        ids = self.calendars_of(years)
        return {
            "schools": {(s["school_id"], s["name"]) for s in self.rows["schools"]
                        if s["school_id"] in {self.school_of(c) for c in ids}},
            "calendars": {(c["calendar_id"], c["school_id"], c["school_year"], c["start_date"],
                           c["end_date"]) for c in self.rows["calendars"]
                          if c["calendar_id"] in ids},
            "terms": {(self.structure_calendar[t["structure_id"]], t["name"], t["start_date"],
                       t["end_date"]) for t in self.rows["terms"]
                      if self.structure_calendar[t["structure_id"]] in ids},
            "days": {(d["calendar_id"], d["date"], d["instructional"])
                     for d in self.rows["days"] if d["calendar_id"] in ids},
            "grade_levels": {(g["calendar_id"], g["grade"], g["sequence"], g["state_grade"])
                             for g in self.rows["grade_levels"] if g["calendar_id"] in ids},
        }

    def people(self, year: int) -> dict[str, set]:
        enrolled = {e["student_id"] for e in self.enrollments_of(year)}
        return {"students": {_student(self.student[s]) for s in enrolled}}


def _student(s: dict) -> tuple:
    return (s["student_id"], s["student_number"], s["last_name"], s["first_name"],
            s["birth_date"])


def _enrollment(e: dict) -> tuple:
    return (e["enrollment_id"], e["student_id"], e["calendar_id"], e["grade"], e["service_type"],
            e["start_date"], e["end_date"], e["end_status"], e["local_start_status"],
            e["graduation_cohort"], e["end_action"], e["next_calendar_id"],
            e["next_structure_id"], e["next_grade"])


def imported_facts(store: Store, year: int, calendar_years) -> dict[str, set]:
    """The imported store, as it is."""
    return {"district": {(d["current_school_year"],) for d in store.rows["district"]},
            **store.places(calendar_years), **store.people(year),
            "enrollments": {_enrollment(e) for e in store.enrollments_of(year)}}


def expected_facts(store: Store, year: int, calendar_years) -> tuple[dict[str, set], set[str]]:
    """The original store, renamed and reduced as the contract says; and the student numbers
    the import is to warn about (NEXT_YEAR_UNPLACED)."""
    places = store.places(calendar_years)
    places["terms"] = _sessions(store, calendar_years)
    people = {"students": {("S" + s[1], *s[1:]) for s in store.people(year)["students"]}}
    rows, unplaced = _expected_enrollments(store, year, calendar_years)
    return {"district": {(year,)}, **places, **people, "enrollments": rows}, unplaced


def _sessions(store: Store, years) -> set:
    """Terms as Ed-Fi sessions bring them back: per school, name and dates; a name with other
    dates in the school's year named by the first term_id of its dates."""
    groups: dict[tuple, list[str]] = defaultdict(list)
    for t in store.rows["terms"]:
        calendar_id = store.structure_calendar[t["structure_id"]]
        if calendar_id in store.calendars_of(years):
            groups[(calendar_id, t["name"], t["start_date"], t["end_date"])].append(t["term_id"])
    dates_of_name = defaultdict(set)
    for calendar_id, name, start, end in groups:
        dates_of_name[(calendar_id, name)].add((start, end))
    return {(calendar_id, min(ids) if len(dates_of_name[(calendar_id, name)]) > 1 else name,
             start, end) for (calendar_id, name, start, end), ids in groups.items()}


def _expected_enrollments(store: Store, year: int, calendar_years) -> tuple[set, set[str]]:
    by_key: dict[tuple, list[dict]] = defaultdict(list)
    for e in store.enrollments_of(year):
        number = store.student[e["student_id"]]["student_number"]
        by_key[(number, store.school_of(e["calendar_id"]), e["start_date"])].append(e)
    written = {key: min(group, key=lambda e: (e["service_type"] != "primary",
                                              e["enrollment_id"]))
               for key, group in by_key.items()}
    of_student: dict[str, list[tuple]] = defaultdict(list)
    for number, school_id, start in written:
        of_student[number].append((start, school_number(school_id), school_id))
    ids = {}
    for number, keys in of_student.items():
        for n, (start, _number, school_id) in enumerate(sorted(keys), start=1):
            ids[(number, school_id, start)] = f"E{year}-{number}" + (f"-{n}" if n > 1 else "")
    next_calendars = defaultdict(list)
    for c in store.rows["calendars"]:
        if c["school_year"] == year + 1 and c["school_year"] in calendar_years:
            next_calendars[c["school_id"]].append(c["calendar_id"])
    rows, unplaced = set(), set()
    for key, e in written.items():
        number, school_id, _start = key
        next_year = _next_year(store, e, school_id, next_calendars)
        if next_year == "unplaced":
            unplaced.add(number)
            next_year = (None, None, None)
        rows.add((ids[key], "S" + number, e["calendar_id"], e["grade"], e["service_type"],
                  e["start_date"], e["end_date"],
                  e["end_status"] if e["end_status"] in EXIT_CODES else None,
                  e["local_start_status"] if e["local_start_status"] in ENTRY_CODES
                  else "Next year school" if e["rolled_from"] else None,
                  e["graduation_cohort"], _end_action(store, e), *next_year))
    return rows, unplaced


def _next_grade_level(store: Store, e: dict) -> dict | None:
    """The grade level Ed-Fi writes as NextYearGradeLevel (the export's rule)."""
    level = store.level[(e["calendar_id"], e["structure_id"], e["grade"])]
    if e["next_grade"]:
        calendar_id = e["next_calendar_id"] or e["calendar_id"]
        structure_id = e["next_structure_id"] or e["structure_id"]
        return store.level.get((calendar_id, structure_id, e["next_grade"]))
    if e["end_action"] == "retain":
        return level
    if e["end_action"] == "demote":
        return next((g for g in store.rows["grade_levels"]
                     if (g["calendar_id"], g["structure_id"]) == (level["calendar_id"],
                                                                  level["structure_id"])
                     and g["sequence"] == level["sequence"] - 1 >= 1), None)
    return None


def _end_action(store: Store, e: dict) -> str | None:
    s = store.level[(e["calendar_id"], e["structure_id"], e["grade"])]["sequence"]
    after = _next_grade_level(store, e)
    n = after["sequence"] if after else None
    return "retain" if n == s else "demote" if n == s - 1 else None


def _next_year(store: Store, e: dict, school_id: str, next_calendars) -> tuple | str:
    """(next_calendar_id, next_structure_id, next_grade) as the import sets them; "unplaced"
    where Ed-Fi names a placement the import has no calendar for."""
    s = store.level[(e["calendar_id"], e["structure_id"], e["grade"])]["sequence"]
    after = _next_grade_level(store, e)
    next_school = store.school_of(e["next_calendar_id"])
    moves = next_school is not None and next_school != school_id
    if not moves and (after is None or after["sequence"] in (s - 1, s, s + 1)):
        return (None, None, None)
    found = next_calendars.get(next_school or school_id, [])
    if len(found) != 1:
        return "unplaced"
    return (found[0], f"{found[0]}-MAIN", after["state_grade"] if after else None)


# -- the district, exported and imported --------------------------------------------------------

@dataclass
class Trip:
    expected: dict[str, set]
    imported: dict[str, set]
    unplaced: set[str]  # student numbers the import was to warn about
    warned: set[str]  # student numbers of its NEXT_YEAR_UNPLACED warnings


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def trips(request, tmp_path_factory, postgres_url, sqlite_template) -> dict[str, Trip]:
    folder = tmp_path_factory.mktemp(f"edfi-round-trip-{request.param}")

    def empty_store(name: str):
        return open_engine(migrated_sqlite(sqlite_template, folder / f"{name}.db")
                           if request.param == "sqlite" else emptied_postgres(postgres_url))

    engine = empty_store("district")
    try:
        load_demo(engine, students=250)
        give_every_field_a_value(engine)
        export_edfi(engine, folder / "current")
        originals = {"current": (Store(engine), YEAR, {YEAR})}
        roll_forward(engine, ForwardOptions(
            source_calendars=tuple(source_calendars_of_year(engine, YEAR))), user="tester")
        export_edfi(engine, folder / "rolled", year=YEAR)
        export_edfi(engine, folder / "next", year=NEXT)
        shutil.copyfile(folder / "next" / "EducationOrgCalendar.xml",
                        folder / "rolled" / "EducationOrgCalendar-2027-2028.xml")
        rolled = Store(engine)
        originals |= {"rolled": (rolled, YEAR, {YEAR, NEXT}), "next": (rolled, NEXT, {NEXT})}
    finally:
        engine.dispose()
    found = {}
    for name, (original, year, calendar_years) in originals.items():
        expected, unplaced = expected_facts(original, year, calendar_years)
        target = empty_store(name)
        try:
            try:
                result = import_edfi(target, folder / name)
            except EdfiRefused as refused:
                pytest.fail(f"{name}: the import refused the export:\n"
                            + "\n".join(map(str, refused.problems)))
            imported = imported_facts(Store(target), year, calendar_years)
        finally:
            target.dispose()
        warned = {w.message.split("'")[1] for w in result.warnings
                  if w.code == "NEXT_YEAR_UNPLACED"}
        found[name] = Trip(expected, imported, unplaced, warned)
    return found


def give_every_field_a_value(engine) -> None:
    """A fourth grader demoted; a fifth grader placed in the middle school next year, a sixth
    grader in the eighth grade; an ended enrollment leaving with an Ed-Fi exit code; a student
    starting with an Ed-Fi entry type (the demo's own codes are local ones)."""
    e = enrollments.c
    open_primary = (e.end_date.is_(None), e.end_action.is_(None), e.service_type == "primary",
                    e.next_calendar_id.is_(None))
    with writing(engine) as conn:
        def first(*where):
            return conn.execute(select(e.enrollment_id).where(*where)
                                .order_by(e.enrollment_id)).scalars().first()

        demoted = first(e.calendar_id == "2027-ELM0001", e.grade == "04", *open_primary)
        left = first(e.calendar_id == "2027-HIG0001", e.end_date.is_not(None))
        transfer = first(e.calendar_id == "2027-MID0001", *open_primary)
        moving_up = first(e.calendar_id == "2027-ELM0001", e.grade == "05", *open_primary)
        skipping = first(e.calendar_id == "2027-MID0001", e.grade == "06", *open_primary)
        conn.execute(update(enrollments).where(e.enrollment_id == moving_up).values(
            next_calendar_id="2028-MID0001", next_structure_id="2028-MID0001-1", next_grade="06"))
        conn.execute(update(enrollments).where(e.enrollment_id == skipping).values(
            next_calendar_id="2028-MID0001", next_structure_id="2028-MID0001-1", next_grade="08"))
        conn.execute(update(enrollments).where(e.enrollment_id == demoted)
                     .values(end_action="demote"))
        conn.execute(update(enrollments).where(e.enrollment_id == left)
                     .values(end_status="Transferred"))
        conn.execute(local_start_statuses.insert().values(code="Transfer", name="Transfer",
                                                          is_default=False, active=True))
        conn.execute(update(enrollments).where(e.enrollment_id == transfer)
                     .values(local_start_status="Transfer"))


# -- the tests ----------------------------------------------------------------------------------

TRIPS = ("current", "rolled", "next")
FACTS = ("district", "schools", "calendars", "terms", "days", "grade_levels", "students",
         "enrollments")


@pytest.mark.parametrize("name", TRIPS)
@pytest.mark.parametrize("facts", FACTS)
def test_the_year_comes_back_in_every_field_ed_fi_carries(trips, name, facts):
    trip = trips[name]
    expected, imported = trip.expected[facts], trip.imported[facts]
    assert expected, f"{name}: no {facts} to compare"
    missing, extra = sorted(expected - imported, key=str), sorted(imported - expected, key=str)
    assert not missing and not extra, (f"{name} {facts}: {len(missing)} not imported, e.g. "
                                       f"{missing[:3]}; {len(extra)} not expected, e.g. "
                                       f"{extra[:3]}")


@pytest.mark.parametrize("name", TRIPS)
def test_only_students_whose_next_school_has_no_calendar_in_the_import_are_unplaced(trips, name):
    assert trips[name].warned == trips[name].unplaced


def test_every_kind_of_value_is_carried(trips):
    """The comparison is not of empty columns: each field has values the contract carries."""
    current, rolled, following = (trips[n].expected["enrollments"] for n in TRIPS)
    columns = list(zip(*current))
    assert {"retain", "demote"} <= set(columns[10])  # end_action
    assert "Transferred" in columns[7] and "Transfer" in columns[8]
    assert {"partial", "primary"} <= set(columns[4])
    assert any(columns[6]) and any(c is not None for c in columns[9])  # end dates, cohorts
    placed = {(r[-3], r[-1]) for r in rolled if r[-3]}
    assert placed == {("2028-MID0001", "06"), ("2028-MID0001", "08")}  # another school; 6 -> 8
    assert len(trips["current"].unplaced) == 2  # ... which the current year alone cannot place
    assert any(r[0].endswith("-2") for r in current)  # a student's second enrollment
    assert "Next year school" in {r[8] for r in following}

"""Building the snapshot from plain rows (tuples in the bundle's column order).

The store's loader feeds it query results; tests feed it rows they write by hand: one way to
turn rows into what the rules read.
"""

from __future__ import annotations

from collections.abc import Iterable

from .areas import Area, Areas, area_geometry
from .boundaries import Boundaries, BoundaryRow
from .calendars import Calendar, GradeLevel, School, Structure
from .people import Address, Enrollment, Participation, Student, normalise
from .snapshot import Catalog, DistrictSettings, People, StartStatus


def build_catalog(*, district: tuple | None, schools: Iterable[tuple],
                  calendars: Iterable[tuple], structures: Iterable[tuple],
                  grade_levels: Iterable[tuple], terms: Iterable[tuple],
                  first_instructional_days: Iterable[tuple], start_statuses: Iterable[tuple],
                  continuous_programs: Iterable[str]) -> Catalog:
    """Rows of district.csv (or None), schools, calendars, structures, grade_levels, terms and
    local_start_statuses, plus (calendar_id, first instructional day) pairs."""
    catalog = Catalog()
    if district is not None:
        name, restrict, validation, status_required, current_year = district
        catalog.district = DistrictSettings(name, bool(restrict), bool(validation),
                                            bool(status_required), current_year)
    for school_id, name, next_school_id in schools:
        catalog.schools[school_id] = School(school_id, name, next_school_id)
    for calendar_id, school_id, year, name, start, end, requires in calendars:
        catalog.calendars[calendar_id] = Calendar(calendar_id, school_id, year, name, start, end,
                                                  bool(requires))
    by_id: dict[str, Structure] = {}
    for structure_id, calendar_id, name in structures:
        structure = by_id[structure_id] = Structure(structure_id, calendar_id, name)
        catalog.calendars[calendar_id].structures[structure_id] = structure
    for _calendar_id, structure_id, grade, sequence, state_grade, requires in grade_levels:
        by_id[structure_id].add_grade(GradeLevel(grade, sequence, state_grade, bool(requires)))
    for _term_id, structure_id, schedule, _name, start, end in terms:
        structure = by_id[structure_id]
        if end > structure.term_schedule_ends.get(schedule, end):
            structure.term_schedule_ends[schedule] = end
        structure.term_schedule_ends.setdefault(schedule, end)
        if structure.first_term_start is None or start < structure.first_term_start:
            structure.first_term_start = start
    for calendar_id, first_day in first_instructional_days:
        catalog.calendars[calendar_id].first_instructional_day = first_day
    for code, name, is_default, active, first_year, last_year in start_statuses:
        catalog.start_statuses[code] = StartStatus(code, name, bool(is_default),
                                                   active is not False, first_year, last_year)
    catalog.continuous_programs = frozenset(continuous_programs)
    return catalog


class SharedValues(dict):
    """One object for each distinct value (calendar ids, grades, dates, a student's id across
    tables): a million enrollments hold a few thousand distinct values, and sharing them keeps
    the snapshot a fraction of its size."""

    def one(self, value):
        return self.setdefault(value, value)

    def each(self, values):
        return map(self.setdefault, values, values)


def build_people(*, students: Iterable[tuple], primary_addresses: Iterable[tuple],
                 participations: Iterable[tuple], overrides: Iterable[tuple],
                 destination_enrollments: Iterable[tuple],
                 shared: SharedValues | None = None) -> People:
    """Rows of students.csv; (student_id, number, street, city, zip, latitude, longitude) of
    primary households, in
    student and household order; (student_id, program_id, start, end) of continuous-program
    participations; (student_id, school_id, program_id) of destination-year overrides;
    (student_id, calendar_id, service_type) of enrollments already in the destination year."""
    shared = SharedValues() if shared is None else shared
    one = shared.one
    people = People()
    for student_id, number, last_name, first_name, birth_date in students:
        people.students[one(student_id)] = Student(
            one(student_id), number, one(last_name), one(first_name), one(birth_date))
    normal: dict[str | None, str] = {}  # RF-14's normal form of each distinct street, city, zip

    def normal_form(text: str | None) -> str:
        found = normal.get(text)
        if found is None:
            found = normal[text] = normalise(text)
        return found

    by_student = people.primary_addresses
    for student_id, number, street, city, zip_code, latitude, longitude in primary_addresses:
        address = Address(number, normal_form(street), normal_form(city), normal_form(zip_code),
                          latitude, longitude)
        by_student[one(student_id)] = (*by_student.get(student_id, ()), address)
    for student_id, program_id, start, end in participations:
        people.participations.setdefault(student_id, []).append(
            Participation(program_id, start, end))
    for student_id, school_id, program_id in overrides:
        people.overrides.setdefault((student_id, school_id), set()).add(program_id)
    for student_id, calendar_id, service_type in destination_enrollments:
        people.destination_enrollments.setdefault(one(student_id), []).append(
            (one(calendar_id), service_type))
    return people


def build_boundaries(rows: Iterable[tuple], area_rows: Iterable[tuple] = (),
                     people: People | None = None) -> Boundaries:
    """Rows of boundaries.csv; (school_id, program_id, name, low_sequence, high_sequence,
    geometry GeoJSON text) of the attendance areas; with `people`, their located households
    are looked up in the areas at once."""
    areas = Areas(Area(school_id, program_id, name, low, high, area_geometry(geometry))
                  for school_id, program_id, name, low, high, geometry in area_rows)
    if areas and people is not None:
        areas.locate((a.latitude, a.longitude) for addresses in people.primary_addresses.values()
                     for a in addresses if a.located)
    return Boundaries(
        (BoundaryRow(school_id, program_id, street, city or "", zip_code or "", low, high, side,
                     bool(resides))
         for school_id, program_id, street, city, zip_code, low, high, side, resides in rows),
        areas)


def build_enrollments(rows: Iterable[tuple],
                      shared: SharedValues | None = None) -> list[Enrollment]:
    """Rows of enrollments.csv; every value but the (unique) enrollment id shared."""
    each = (SharedValues() if shared is None else shared).each
    return [Enrollment(row[0], *each(row[1:])) for row in rows]

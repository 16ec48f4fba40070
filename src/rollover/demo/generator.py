"""`generate`: write the whole demo district to a sink, table by table, in foreign-key order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..bundle.format import FILES
from .calendars import Calendars, build_calendars
from .modules import MODULE_CHUNK_TABLES, MasterSchedule, ModuleRows
from .people import CHUNK_TABLES, People
from .places import Places, build_places
from .shape import (
    ELEMENTARY, HIGH, LOCAL_START_STATUSES, MIDDLE, PROGRAMS, check_students, school_counts,
)

Progress = Callable[[str, int, int], None]

# Where the district lies: made-up streets sized by the number of students, or the real
# attendance areas of Seattle Public Schools (docs/attendance-areas.md, "The Seattle demo").
SYNTHETIC, SEATTLE = "synthetic", "seattle"
GEOGRAPHIES = (SYNTHETIC, SEATTLE)


@dataclass(frozen=True)
class DemoSummary:
    """What `generate` wrote: rows per table (every table of bundle/format.py, zero included)."""

    students: int
    seed: int
    source_year: int
    destination_year: int
    elementary_schools: int
    middle_schools: int
    high_schools: int
    rows: dict[str, int] = field(default_factory=dict)
    geography: str = SYNTHETIC

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class _CountingWriter:
    def __init__(self, sink):
        self.sink = sink
        self.rows = {f.table: 0 for f in FILES}

    def write(self, table: str, rows: list[tuple]) -> None:
        if rows:
            # boundary_areas (the Seattle geography) is counted too, though no bundle file yet
            self.rows[table] = self.rows.get(table, 0) + len(rows)
            self.sink.write(table, rows)


def generate(sink, *, students: int, seed: int = 1, source_year: int = 2027,
             progress: Progress | None = None, geography: str = SYNTHETIC) -> DemoSummary:
    """Write a demo district of `students` students whose enrollments are in `source_year`.

    `sink.write(table, rows)` receives lists of tuples in the column order of bundle/format.py;
    a row is written only after every row it references, and each table's rows come in key order
    (boundaries and assignment overrides in their own order).  Same arguments, same rows.
    See docs/demo-district.md for the shape.  `geography` "seattle" lays the district on
    Seattle's attendance areas instead, and writes `boundary_areas` rows too (school_id,
    program_id, name, low_grade, high_grade, low_sequence, high_sequence, geometry), after
    `boundaries`.
    """
    check_students(students)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"seed must be a whole number, not {seed!r}")
    if not isinstance(source_year, int) or isinstance(source_year, bool) or not (
            1901 <= source_year <= 9000):
        raise ValueError(f"source_year must be a year from 1901 to 9000, not {source_year!r}")
    if geography not in GEOGRAPHIES:
        raise ValueError(f"geography must be one of {', '.join(GEOGRAPHIES)}, not {geography!r}")
    report: Progress = progress or (lambda stage, done, total: None)

    places = _places(geography, students)
    calendars = build_calendars(places, source_year)
    out = _CountingWriter(sink)

    out.write("district", [(places.district_name, False, False, True, source_year)])
    out.write("schools", places.school_rows())
    _write_calendars(out, calendars, report)
    out.write("programs", [(program_id, name, continuous)
                           for program_id, name, continuous in PROGRAMS])
    out.write("boundaries", places.boundary_rows())
    out.write("boundary_areas", places.boundary_area_rows())
    out.write("local_start_statuses", [
        (code, name, is_default, active,
         None if first_back is None else source_year - first_back,
         None if last_back is None else source_year - last_back)
        for code, name, is_default, active, first_back, last_back in LOCAL_START_STATUSES])
    master = MasterSchedule(calendars)
    _write_master_schedule(out, master)

    people = People(places, calendars, students, seed)
    modules = ModuleRows(calendars, master, seed)
    done = 0
    report("students", done, students)
    for area in places.areas:
        chunk = people.area_rows(area)
        for table in CHUNK_TABLES:
            out.write(table, chunk[table])
        module_chunk = modules.area_rows(area, chunk["students"], chunk["enrollments"],
                                         people.schools_of)
        for table in MODULE_CHUNK_TABLES:
            out.write(table, module_chunk[table])
        done += people.sizes[area.index]
        report("students", done, students)

    levels = places.by_level
    return DemoSummary(students, seed, source_year, source_year + 1, len(levels[ELEMENTARY]),
                       len(levels[MIDDLE]), len(levels[HIGH]), dict(out.rows), geography)


def _places(geography: str, students: int) -> Places:
    if geography == SEATTLE:
        from .seattle_areas import SeattleMap  # shapely and the data: only when asked for

        return SeattleMap().places()
    return build_places(school_counts(students))


def _write_master_schedule(out: _CountingWriter, master: MasterSchedule) -> None:
    """The source year's module data that does not depend on the people."""
    out.write("courses", master.course_rows())
    out.write("sections", master.section_rows())
    out.write("grading_periods", master.grading_period_rows())
    out.write("mark_types", master.mark_type_rows())
    out.write("attendance_codes", master.attendance_code_rows())


def _write_calendars(out: _CountingWriter, calendars: Calendars, report: Progress) -> None:
    out.write("calendars", calendars.calendar_rows())
    out.write("structures", calendars.structure_rows())
    out.write("terms", calendars.term_rows())
    total = len(calendars.all)
    for done, calendar in enumerate(calendars.all, start=1):
        out.write("days", calendars.day_rows(calendar))
        report("days", done, total)
    out.write("grade_levels", [row for calendar in calendars.all
                               for row in calendars.grade_level_rows(calendar)])

"""Small districts written by hand, for the rule tests: the smallest district that shows a rule.

A `District` holds bundle rows.  `plan(...)` decides a roll forward purely in memory (no
database, the same `domain/assemble.py` the store's loader uses); `write_bundle(folder)` writes
the same district as a bundle, to import into SQLite or PostgreSQL.

    d = District()
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    d.calendar("HSA28", "HSA", 2028, ["11"])
    d.student("S1")
    d.enroll("E1", "S1", "HSA27", "10")
    plan = d.plan()
    assert [(r.calendar_id, r.grade) for r in plan.rolled] == [("HSA28", "11")]
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from rollover.bundle.format import FILES
from rollover.bundle.writer import BundleWriter, unset_columns
from rollover.domain.assemble import (
    build_boundaries, build_catalog, build_enrollments, build_people,
)
from rollover.domain.filter import parse_filter
from rollover.domain.forward.options import ForwardOptions, resolve
from rollover.domain.forward.plan import ForwardPlan, plan_forward
from rollover.domain.snapshot import Snapshot

TOWN, ZIP = "Town", "11111"
# Rows kept in their table's column order (not a bundle file's): `load` inserts them directly,
# `write_bundle` leaves them out.
TABLE_ROWS = ("boundary_areas",)


def first_day(year: int) -> dt.date:
    """Calendars of school year Y run from 24 August of Y-1 to 4 June of Y."""
    return dt.date(year - 1, 8, 24)


def last_day(year: int) -> dt.date:
    return dt.date(year, 6, 4)


class District:
    def __init__(self, *, source_year: int = 2027, restrict_to_boundaries: bool = False,
                 student_assignment_validation: bool = False,
                 local_start_status_required: bool = False):
        self.source_year = source_year
        self.rows: dict[str, list[tuple]] = {f.table: [] for f in FILES}
        self.rows["district"].append(("Test ISD", restrict_to_boundaries,
                                      student_assignment_validation,
                                      local_start_status_required, source_year))
        self._terms = 0

    # -- places and calendars ---------------------------------------------------------------
    def school(self, school_id: str, next_school: str | None = None, name: str | None = None):
        self.rows["schools"].append((school_id, name or f"School {school_id}", next_school))
        return school_id

    def calendar(self, calendar_id: str, school_id: str, year: int, grades,
                 *, structure: str = "Main", structure_id: str | None = None,
                 requires_assignment: bool = False, days: bool = True, terms: bool = True,
                 first_instructional: dt.date | None = None,
                 term_schedules: dict[str, dt.date] | None = None) -> str:
        """A calendar with one structure offering `grades`; instructional days from its first
        day unless `days=False`, one "Semesters" term schedule unless `terms=False` (or the
        given {schedule name: last day} term schedules)."""
        self.rows["calendars"].append((calendar_id, school_id, year, f"{calendar_id} calendar",
                                       first_day(year), last_day(year), requires_assignment))
        if days:
            start = first_instructional or first_day(year)
            self.rows["days"].append((calendar_id, start, True))
        self.structure(calendar_id, structure, grades, structure_id=structure_id, terms=terms,
                       term_schedules=term_schedules)
        return calendar_id

    def structure(self, calendar_id: str, name: str, grades, *, structure_id: str | None = None,
                  terms: bool = True, term_schedules: dict[str, dt.date] | None = None) -> str:
        """Another structure of a calendar; `grades` is a list of codes (sequence = the code's
        number) or {code: sequence} or {code: (sequence, state_grade, requires_assignment)}."""
        year = next(c[2] for c in self.rows["calendars"] if c[0] == calendar_id)
        structure_id = structure_id or f"{calendar_id}-{name}"
        self.rows["structures"].append((structure_id, calendar_id, name))
        if terms:
            for schedule, end in (term_schedules or {"Semesters": last_day(year)}).items():
                self._terms += 1
                self.rows["terms"].append((f"T{self._terms}", structure_id, schedule, "Term",
                                           first_day(year), end))
        if not isinstance(grades, dict):
            grades = {code: int(code) for code in grades}
        for code, spec in grades.items():
            sequence, state_grade, requires = spec if isinstance(spec, tuple) else (spec, code,
                                                                                   False)
            self.rows["grade_levels"].append((calendar_id, structure_id, code, sequence,
                                              state_grade, requires))
        return structure_id

    def boundary(self, school_id: str, street: str, low: int = 1, high: int = 999,
                 side: str = "both", *, program: str | None = None, resides: bool = False,
                 city: str = TOWN, zip_code: str = ZIP) -> None:
        self.rows["boundaries"].append((school_id, program, street, city, zip_code, low, high,
                                        side, resides))

    def area(self, school_id: str, geometry: dict, low_sequence: int, high_sequence: int, *,
             low_grade: str | None = None, high_grade: str | None = None,
             program_id: str | None = None, name: str | None = None) -> int:
        """An attendance area drawn as a polygon (`geometry`: a GeoJSON Polygon or MultiPolygon
        dict, WGS 84), for the grades of sequences low..high; a boundary_areas row (area_key
        first, in the table's column order).  Grade codes default to the sequences' numbers.
        Returns the area's key."""
        rows = self.rows.setdefault("boundary_areas", [])
        key = len(rows) + 1
        rows.append((key, school_id, program_id, name or f"Area {key} of {school_id}",
                     low_grade or f"{low_sequence:02d}", high_grade or f"{high_sequence:02d}",
                     low_sequence, high_sequence, json.dumps(geometry)))
        return key

    def program(self, program_id: str, continuous: bool = True) -> str:
        self.rows["programs"].append((program_id, f"Program {program_id}", continuous))
        return program_id

    def status(self, code: str, *, is_default: bool = False, active: bool = True) -> str:
        self.rows["local_start_statuses"].append((code, f"Status {code}", is_default, active,
                                                  None, None))
        return code

    # -- people -----------------------------------------------------------------------------
    def student(self, student_id: str, last_name: str = "Doe", first_name: str | None = None,
                number: str | None = None) -> str:
        self.rows["students"].append((student_id, number or student_id, last_name,
                                      first_name or student_id, None))
        return student_id

    def household(self, household_id: str, number: int, street: str, *members: str,
                  primary: bool = True, city: str = TOWN, zip_code: str = ZIP,
                  location: tuple[float, float] | None = None) -> str:
        """`location`: (latitude, longitude)."""
        latitude, longitude = location or (None, None)
        self.rows["households"].append((household_id, number, street, city, zip_code, latitude,
                                        longitude))
        for student_id in members:
            self.rows["household_members"].append((household_id, student_id, primary))
        return household_id

    def participation(self, student_id: str, program_id: str, start: dt.date | None = None,
                      end: dt.date | None = None) -> None:
        self.rows["program_participations"].append(
            (student_id, program_id, start or first_day(self.source_year), end))

    def override(self, student_id: str, school_id: str, *, year: int | None = None,
                 program: str | None = None) -> None:
        self.rows["assignment_overrides"].append(
            (student_id, school_id, year or self.source_year + 1, program))

    def enroll(self, enrollment_id: str, student_id: str, calendar_id: str, grade: str, *,
               structure: str | None = None, service_type: str = "primary",
               start: dt.date | None = None, end: dt.date | None = None,
               end_status: str | None = None, end_action: str | None = None,
               next_calendar: str | None = None, next_structure: str | None = None,
               next_grade: str | None = None, local_start_status: str | None = None,
               graduation_cohort: int | None = None, rolled_from: str | None = None) -> str:
        """An enrollment; `structure` is the structure *id* (default: the calendar's first)."""
        if structure is None:
            structure = next(s[0] for s in self.rows["structures"] if s[1] == calendar_id)
        year = next(c[2] for c in self.rows["calendars"] if c[0] == calendar_id)
        if end is not None and end_status is None:
            end_status = "W01"
        self.rows["enrollments"].append((
            enrollment_id, student_id, calendar_id, structure, grade, service_type,
            start or first_day(year), end, end_status, end_action, next_calendar,
            next_structure, next_grade, local_start_status, graduation_cohort, rolled_from))
        return enrollment_id

    # -- year-end module rows (store/schema_modules.py), each in its table's column order -----
    def rename_calendar(self, calendar_id: str, name: str) -> None:
        """Give a calendar a name of its own (the default is "<id> calendar")."""
        rows = self.rows["calendars"]
        index = next(i for i, c in enumerate(rows) if c[0] == calendar_id)
        rows[index] = (*rows[index][:3], name, *rows[index][4:])

    def _module_row(self, table: str, row: tuple) -> None:
        self.rows.setdefault(table, []).append(row)

    def course(self, course_id: str, calendar_id: str, number: str | None = None,
               name: str | None = None) -> str:
        number = number or course_id
        self._module_row("courses", (course_id, calendar_id, number, name or f"Course {number}"))
        return course_id

    def section(self, section_id: str, course_id: str, number: str = "1", *,
                teacher: str | None = None, room: str | None = None,
                capacity: int | None = None) -> str:
        self._module_row("sections", (section_id, course_id, number, teacher, room, capacity))
        return section_id

    def request(self, student_id: str, course_id: str) -> None:
        self._module_row("course_requests", (student_id, course_id))

    def schedule(self, student_id: str, section_id: str, start: dt.date | None = None,
                 end: dt.date | None = None) -> None:
        self._module_row("student_schedules", (student_id, section_id, start, end))

    def grading_period(self, period_id: str, calendar_id: str, name: str, sequence: int,
                       start: dt.date, end: dt.date) -> str:
        self._module_row("grading_periods", (period_id, calendar_id, name, sequence, start, end))
        return period_id

    def mark_type(self, mark_type_id: str, calendar_id: str, code: str,
                  name: str | None = None) -> str:
        self._module_row("mark_types", (mark_type_id, calendar_id, code, name or f"Mark {code}"))
        return mark_type_id

    def mark(self, student_id: str, section_id: str, period_id: str, mark_type_id: str,
             mark: str) -> None:
        self._module_row("student_marks", (student_id, section_id, period_id, mark_type_id, mark))

    def success_plan(self, plan_id: str, student_id: str, *, year: int | None = None,
                     status: str = "open", title: str | None = None,
                     carried_from: str | None = None) -> str:
        self._module_row("success_plans", (plan_id, student_id, year or self.source_year,
                                           status, title or f"Plan {plan_id}", carried_from))
        return plan_id

    def goal(self, goal_id: str, plan_id: str, description: str | None = None,
             progress: str | None = None) -> str:
        self._module_row("plan_goals", (goal_id, plan_id, description or f"Goal {goal_id}",
                                        progress))
        return goal_id

    def attendance_code(self, code: str, *, year: int | None = None, name: str | None = None,
                        excused: bool | None = None) -> str:
        self._module_row("attendance_codes", (year or self.source_year, code,
                                              name or f"Code {code}", excused))
        return code

    def load(self, engine, folder: Path) -> None:
        """Store the district: the bundle's CSV tables by importing a bundle, then the
        attendance areas' and the module tables' rows inserted directly."""
        from rollover.bundle.format import FILES_BY_TABLE
        from rollover.services.bundles import import_bundle
        from rollover.store.bulk import insert_rows
        from rollover.store.schema import BUNDLE_TABLES, metadata
        from rollover.store.schema_modules import MODULE_TABLES

        direct = (*(metadata.tables[name] for name in TABLE_ROWS), *MODULE_TABLES)
        folder.mkdir(parents=True, exist_ok=True)
        with BundleWriter(folder, unset=self._unset()) as writer:
            for table in BUNDLE_TABLES:
                if self.rows.get(table.name) and table.name in FILES_BY_TABLE \
                        and table.name not in TABLE_ROWS:
                    writer.write(table.name, self.rows[table.name])
        import_bundle(engine, folder)
        with engine.begin() as conn:
            for table in direct:
                if self.rows.get(table.name):
                    insert_rows(conn, table, *_without_generated_key(table, self.rows[table.name]))

    # -- outputs ----------------------------------------------------------------------------
    def options(self, **given) -> ForwardOptions:
        """ForwardOptions; source calendars default to every calendar of the source year."""
        given.setdefault("source_calendars", tuple(
            c[0] for c in self.rows["calendars"] if c[2] == self.source_year))
        for name in ("source_calendars", "source_grades", "service_types"):
            if name in given:
                given[name] = tuple(given[name])
        return ForwardOptions(**given)

    def catalog(self):
        """The district's catalog (settings, schools, calendars ...) built in memory."""
        rows = self.rows
        return build_catalog(
            district=rows["district"][0], schools=rows["schools"], calendars=rows["calendars"],
            structures=rows["structures"], grade_levels=rows["grade_levels"],
            terms=rows["terms"],
            first_instructional_days=first_instructional_days(rows["days"]),
            start_statuses=rows["local_start_statuses"],
            continuous_programs=[p[0] for p in rows["programs"] if p[2]])

    def snapshot(self, options: ForwardOptions):
        """The snapshot and settings a run with these options reads, built in memory."""
        rows = self.rows
        continuous = [p[0] for p in rows["programs"] if p[2]]
        catalog = self.catalog()
        student_filter = parse_filter(options.filter) if options.filter else None
        settings = resolve(options, catalog, student_filter)
        sources = {c.calendar_id for c in settings.source_calendars}
        year = settings.destination_year
        candidates = [e for e in rows["enrollments"]
                      if e[2] in sources and e[5] in settings.service_types]
        involved = {e[1] for e in candidates}
        addresses = {h[0]: h[1:] for h in rows["households"]}
        destination_calendars = {c[0] for c in rows["calendars"] if c[2] == year}
        people = build_people(
            students=[s for s in rows["students"] if s[0] in involved],
            primary_addresses=[(m[1], *addresses[m[0]]) for m in sorted(
                rows["household_members"], key=lambda m: (m[1], m[0]))
                if m[2] and m[1] in involved],
            participations=[p for p in rows["program_participations"]
                            if p[1] in continuous and p[0] in involved],
            overrides=[(o[0], o[1], o[3]) for o in rows["assignment_overrides"]
                       if o[2] == year and o[0] in involved],
            destination_enrollments=[(e[1], e[2], e[5]) for e in rows["enrollments"]
                                     if e[2] in destination_calendars and e[1] in involved])
        snapshot = Snapshot(catalog, people, build_boundaries(
            rows["boundaries"], [area[1:3] + area[3:4] + area[6:9]
                                 for area in rows.get("boundary_areas", ())], people),
                            build_enrollments(candidates))
        return snapshot, settings

    def plan(self, **options) -> ForwardPlan:
        """A roll forward decided in memory, as a test run would decide it."""
        return plan_forward(*self.snapshot(self.options(**options)))

    def _unset(self) -> dict[str, set[str]]:
        """The optional columns no row sets, left out of the files (as an export leaves them)."""
        return {spec.table: unset_columns(spec, lambda name, spec=spec: any(
            row[spec.column_names.index(name)] is not None for row in self.rows[spec.table]))
            for spec in FILES if spec.table not in TABLE_ROWS}

    def write_bundle(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        with BundleWriter(folder, unset=self._unset()) as writer:
            for spec in FILES:
                rows = self.rows[spec.table]
                if rows and spec.table not in TABLE_ROWS:
                    writer.write(spec.table, rows)
        return folder


def _without_generated_key(table, rows: list[tuple]) -> tuple[list[str], list[tuple]]:
    """The columns and rows to insert, leaving out a key the database generates (the area key:
    the store's sequence then stays ahead of the rows, for rows added later)."""
    columns = [c.name for c in table.columns]
    generated = [i for i, c in enumerate(table.columns) if c.primary_key
                 and c.autoincrement is True]
    if not generated:
        return columns, rows
    keep = [i for i in range(len(columns)) if i not in generated]
    return [columns[i] for i in keep], [tuple(row[i] for i in keep) for row in rows]


def first_instructional_days(days):
    first: dict[str, dt.date] = {}
    for calendar_id, date, instructional in days:
        if instructional and (calendar_id not in first or date < first[calendar_id]):
            first[calendar_id] = date
    return first.items()


def rolled(plan: ForwardPlan) -> list[tuple[str, str, str]]:
    """(student, destination calendar, grade) of every new enrollment, in plan order."""
    return [(r.student_id, r.calendar_id, r.grade) for r in plan.rolled]


def warned(plan: ForwardPlan) -> list[tuple[str, str]]:
    """(student, warning code) of every warning, in plan order."""
    return [(w.student_id, w.code) for w in plan.warnings]


def placed(result) -> list[tuple[str, str, str, str]]:
    """(student, calendar, structure id, grade) of every new enrollment, in decision order."""
    return [(r.student_id, r.calendar_id, r.structure_id, r.grade) for r in result.rolled]


def nothing_else(result, rolled_count: int, not_rolled: int = 0) -> None:
    """The run created exactly `rolled_count` enrollments and left `not_rolled` unrolled."""
    assert result.totals["rolled"] == rolled_count
    assert result.totals["not_rolled"] == not_rolled


# -- year-end module runs ----------------------------------------------------------------------
def loaded_fixture(district: Callable[[], District]):
    """A fixture `loaded`: the engine with `district()` stored (`District.load`).  In a test
    module: `loaded = loaded_fixture(district)`."""

    @pytest.fixture
    def loaded(engine, tmp_path):
        district().load(engine, tmp_path / "bundle")
        return engine

    return loaded


def run_module(engine, module, school_year: int = 2027, options: dict | None = None,
               run_id: str = "t-1"):
    """Plan a module on a stored district and apply its changes as run `run_id`, in one
    transaction, as the year-end process does; returns the plan."""
    from rollover.services.modules import ModuleContext
    from rollover.store.run_changes import apply_changes
    from rollover.store.schema import runs

    with engine.begin() as conn:
        conn.execute(runs.insert().values(
            run_id=run_id, kind=f"module:{module.name}", mode="run", user_name=None,
            started_at=dt.datetime.now(dt.timezone.utc), status="completed",
            options=options or {}, counts={}))
        plan = module.plan(ModuleContext(conn, school_year, options or {}, run_id=run_id))
        apply_changes(conn, run_id, plan.steps)
        for done in plan.after_applying:
            done()
    return plan


def restore_module_runs(engine, *run_ids: str) -> dict[str, int]:
    """Undo the runs from their backups, newest first (the order given)."""
    from rollover.store.run_changes import restore_runs

    with engine.begin() as conn:
        return restore_runs(conn, list(run_ids))


def stored_rows(engine, *tables: str) -> dict[str, list[tuple]]:
    """Every row of the tables (default: every bundle and module table), sorted, for comparing
    the district before and after."""
    from sqlalchemy import select

    from rollover.store.schema import BUNDLE_TABLES, metadata
    from rollover.store.schema_modules import MODULE_TABLES

    names = tables or [t.name for t in (*BUNDLE_TABLES, *MODULE_TABLES)]
    with engine.connect() as conn:
        # Sorted by their text: any order that equal rows share will do, and this is the cheap one.
        return {name: sorted(map(tuple, conn.execute(select(metadata.tables[name]))), key=repr)
                for name in names}

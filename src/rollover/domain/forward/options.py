"""The options of one roll forward (roll-forward.md §1), checked and resolved before any work.

RF-26: every option error is refused here, before anything is read or written, with a message
that names the bad value.  RF-16c and RF-18 are decided here too, since they depend only on the
options and the district's catalog.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ...errors import RolloverError
from ..calendars import Calendar, GradeLevel, Structure
from ..snapshot import Catalog

SERVICE_TYPES = ("primary", "partial", "special_ed")


class OptionError(RolloverError):
    """A refused roll forward option (RF-26): exit status 2, nothing written."""


@dataclass(frozen=True)
class ForwardOptions:
    """The options as a user gives them (roll-forward.md §1; bundle.md's `forward` command)."""

    source_calendars: tuple[str, ...]
    source_grades: tuple[str, ...] = ()
    filter: str | None = None  # an expression, or "@FILE" with student ids
    service_types: tuple[str, ...] = ("primary",)
    source_structure: str | None = None  # a structure *name*
    local_start_status: str | None = None
    dest_calendar: str | None = None
    dest_structure: str | None = None  # a structure *id*
    dest_grade: str | None = None
    start_date: dt.date | None = None
    allow_duplicate_primary: bool = False
    include_last_day_enders: bool = False
    totals_only: bool = False
    show_warnings: bool = False
    test: bool = False

    def as_dict(self) -> dict:
        """The options as stored with the run (JSON-ready)."""
        return {
            "source_calendars": list(self.source_calendars),
            "source_grades": list(self.source_grades),
            "filter": self.filter,
            "service_types": list(self.service_types),
            "source_structure": self.source_structure,
            "local_start_status": self.local_start_status,
            "dest_calendar": self.dest_calendar,
            "dest_structure": self.dest_structure,
            "dest_grade": self.dest_grade,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "allow_duplicate_primary": self.allow_duplicate_primary,
            "include_last_day_enders": self.include_last_day_enders,
            "totals_only": self.totals_only,
            "show_warnings": self.show_warnings,
            "test": self.test,
        }


@dataclass(frozen=True)
class RunSettings:
    """Options resolved against the catalog: what the rules read."""

    options: ForwardOptions
    source_calendars: tuple[Calendar, ...]
    source_year: int
    destination_year: int
    destination_calendar: Calendar | None = None
    destination_structure: Structure | None = None
    destination_grade: GradeLevel | None = None
    start_status: str | None = None  # RF-18, already resolved
    student_filter: object | None = None  # a compiled filter with .matches(record)
    source_grades: frozenset[str] = field(default_factory=frozenset)
    service_types: frozenset[str] = field(default_factory=frozenset)


def resolve(options: ForwardOptions, catalog: Catalog, student_filter=None) -> RunSettings:
    """RF-26: check every option against the catalog and resolve it, or raise OptionError."""
    if not options.source_calendars:
        raise OptionError("at least one source calendar is required (--source-calendar)")
    sources = tuple(_calendar(catalog, calendar_id, "source calendar")
                    for calendar_id in dict.fromkeys(options.source_calendars))
    years = sorted({c.school_year for c in sources})
    if len(years) > 1:
        listed = ", ".join(f"{c.calendar_id!r} ({c.school_year})" for c in sources)
        raise OptionError(f"source calendars of different school years: {listed}")
    source_year = years[0]
    destination_year = source_year + 1

    if not options.service_types:
        raise OptionError("at least one service type is required (--service-type)")
    for service_type in options.service_types:
        if service_type not in SERVICE_TYPES:
            raise OptionError(f"unknown service type {service_type!r} "
                              f"(one of {', '.join(SERVICE_TYPES)})")

    structure_names = {s.name for c in sources for s in c.structures.values()}
    if options.source_structure is not None and options.source_structure not in structure_names:
        raise OptionError(f"unknown source structure {options.source_structure!r}: no structure "
                          f"of that name in the source calendars "
                          f"(names: {', '.join(sorted(structure_names)) or 'none'})")
    offered = {g for c in sources for s in c.structures.values() for g in s.grades}
    for grade in options.source_grades:
        if grade not in offered:
            raise OptionError(f"unknown source grade {grade!r}: not a grade of the source "
                              f"calendars (grades: {', '.join(sorted(offered)) or 'none'})")

    if options.local_start_status is not None \
            and options.local_start_status not in catalog.start_statuses:
        raise OptionError(f"unknown local start status {options.local_start_status!r}")

    calendar, structure, grade = _destination(options, catalog, destination_year)
    _refuse_assignment_required(catalog, calendar, grade)  # RF-16c

    return RunSettings(
        options=options, source_calendars=sources, source_year=source_year,
        destination_year=destination_year, destination_calendar=calendar,
        destination_structure=structure, destination_grade=grade,
        start_status=_start_status(options, catalog), student_filter=student_filter,
        source_grades=frozenset(options.source_grades),
        service_types=frozenset(options.service_types),
    )


def _calendar(catalog: Catalog, calendar_id: str, what: str) -> Calendar:
    calendar = catalog.calendars.get(calendar_id)
    if calendar is None:
        raise OptionError(f"unknown {what} {calendar_id!r}")
    return calendar


def _destination(options: ForwardOptions, catalog: Catalog, year: int):
    if options.dest_calendar is None:
        for name, value in (("--dest-structure", options.dest_structure),
                            ("--dest-grade", options.dest_grade)):
            if value is not None:
                raise OptionError(f"{name} {value!r} needs a destination calendar "
                                  "(--dest-calendar)")
        return None, None, None
    calendar = _calendar(catalog, options.dest_calendar, "destination calendar")
    if calendar.school_year != year:
        raise OptionError(f"destination calendar {calendar.calendar_id!r} is in school year "
                          f"{calendar.school_year}, not the destination year {year}")
    if options.dest_structure is None:
        raise OptionError(f"a destination structure is required with destination calendar "
                          f"{calendar.calendar_id!r} (--dest-structure)")
    structure = calendar.structures.get(options.dest_structure)
    if structure is None:
        raise OptionError(f"destination structure {options.dest_structure!r} is not a structure "
                          f"of destination calendar {calendar.calendar_id!r}")
    grade = None
    if options.dest_grade is not None:
        grade = structure.grades.get(options.dest_grade)
        if grade is None:
            raise OptionError(f"destination grade {options.dest_grade!r} is not a grade of "
                              f"calendar {calendar.calendar_id!r} structure "
                              f"{structure.structure_id!r}")
    return calendar, structure, grade


def _refuse_assignment_required(catalog: Catalog, calendar, grade) -> None:
    """RF-16c: with student assignment validation on, a destination calendar or grade that
    requires student assignment may not be chosen as an option."""
    if not catalog.district.student_assignment_validation or calendar is None:
        return
    if calendar.requires_student_assignment:
        raise OptionError(f"destination calendar {calendar.calendar_id!r} requires student "
                          "assignment and cannot be chosen while student assignment "
                          "validation is on")
    if grade is not None and grade.requires_student_assignment:
        raise OptionError(f"destination grade {grade.grade!r} requires student assignment and "
                          "cannot be chosen while student assignment validation is on")


def _start_status(options: ForwardOptions, catalog: Catalog) -> str | None:
    """RF-18: the given code; when required and not given, the default, else the first code in
    code order (over all statuses, active or not); when not required, none."""
    if options.local_start_status is not None:
        return options.local_start_status
    if not catalog.district.local_start_status_required:
        return None
    statuses = sorted(catalog.start_statuses.values(), key=lambda s: s.code)
    if not statuses:
        raise OptionError("the district requires a local start status but has none "
                          "(local_start_statuses.csv)")
    defaults = [s for s in statuses if s.is_default]
    return (defaults or statuses)[0].code

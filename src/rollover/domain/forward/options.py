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
from ..suggestions import did_you_mean

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
    """RF-26: check every option against the catalog and resolve it, or raise OptionError
    naming every refused option.  A check runs when what it depends on was accepted (the
    grades of unknown source calendars are not checked; a destination structure is, against
    its destination calendar)."""
    problems: list[str] = []
    sources, source_year = _sources(options, catalog, problems)

    if not options.service_types:
        problems.append("at least one service type is required (--service-type)")
    for service_type in options.service_types:
        if service_type not in SERVICE_TYPES:
            problems.append(f"unknown service type {service_type!r} "
                            f"(one of {', '.join(SERVICE_TYPES)})")

    if source_year is not None:
        _check_source_structure_and_grades(options, sources, problems)

    if options.local_start_status is not None \
            and options.local_start_status not in catalog.start_statuses:
        problems.append(f"unknown local start status {options.local_start_status!r}")

    calendar = structure = grade = start_status = None
    try:
        calendar, structure, grade = _destination(
            options, catalog, None if source_year is None else source_year + 1)
        _refuse_assignment_required(catalog, calendar, grade)  # RF-16c
    except OptionError as refused:
        problems.append(str(refused))
    try:
        start_status = _start_status(options, catalog)
    except OptionError as refused:
        problems.append(str(refused))

    if len(problems) == 1:
        raise OptionError(problems[0])
    if problems:
        raise OptionError(f"{len(problems)} options refused; nothing was run", details=problems)
    return RunSettings(
        options=options, source_calendars=sources, source_year=source_year,
        destination_year=source_year + 1, destination_calendar=calendar,
        destination_structure=structure, destination_grade=grade,
        start_status=start_status, student_filter=student_filter,
        source_grades=frozenset(options.source_grades),
        service_types=frozenset(options.service_types),
    )


def _sources(options: ForwardOptions, catalog: Catalog, problems: list[str]
             ) -> tuple[tuple[Calendar, ...], int | None]:
    """The source calendars and their one school year (None when any is refused)."""
    if not options.source_calendars:
        problems.append("at least one source calendar is required (--source-calendar)")
        return (), None
    found = {calendar_id: catalog.calendars.get(calendar_id)
             for calendar_id in dict.fromkeys(options.source_calendars)}
    unknown = [calendar_id for calendar_id, calendar in found.items() if calendar is None]
    problems.extend(f"unknown source calendar {calendar_id!r}"
                    f"{did_you_mean(calendar_id, catalog.calendars)}" for calendar_id in unknown)
    if unknown:
        return (), None
    sources = tuple(found.values())
    years = sorted({c.school_year for c in sources})
    if len(years) > 1:
        listed = ", ".join(f"{c.calendar_id!r} ({c.school_year})" for c in sources)
        problems.append(f"source calendars of different school years: {listed}")
        return sources, None
    return sources, years[0]


def _check_source_structure_and_grades(options: ForwardOptions, sources: tuple[Calendar, ...],
                                       problems: list[str]) -> None:
    structure_names = {s.name for c in sources for s in c.structures.values()}
    if options.source_structure is not None and options.source_structure not in structure_names:
        problems.append(f"unknown source structure {options.source_structure!r}: no structure "
                        f"of that name in the source calendars "
                        f"(names: {', '.join(sorted(structure_names)) or 'none'})"
                        f"{did_you_mean(options.source_structure, structure_names)}")
    offered = {g for c in sources for s in c.structures.values() for g in s.grades}
    for grade in options.source_grades:
        if grade not in offered:
            problems.append(f"unknown source grade {grade!r}: not a grade of the source "
                            f"calendars (grades: {', '.join(sorted(offered)) or 'none'})"
                            f"{did_you_mean(grade, offered)}")


def _calendar(catalog: Catalog, calendar_id: str, what: str) -> Calendar:
    calendar = catalog.calendars.get(calendar_id)
    if calendar is None:
        raise OptionError(f"unknown {what} {calendar_id!r}"
                          f"{did_you_mean(calendar_id, catalog.calendars)}")
    return calendar


def _destination(options: ForwardOptions, catalog: Catalog, year: int | None):
    if options.dest_calendar is None:
        for name, value in (("--dest-structure", options.dest_structure),
                            ("--dest-grade", options.dest_grade)):
            if value is not None:
                raise OptionError(f"{name} {value!r} needs a destination calendar "
                                  "(--dest-calendar)")
        return None, None, None
    calendar = _calendar(catalog, options.dest_calendar, "destination calendar")
    if year is not None and calendar.school_year != year:  # None: the source year is unknown
        raise OptionError(f"destination calendar {calendar.calendar_id!r} is in school year "
                          f"{calendar.school_year}, not the destination year {year}")
    if options.dest_structure is None:
        raise OptionError(f"a destination structure is required with destination calendar "
                          f"{calendar.calendar_id!r} (--dest-structure)")
    structure = calendar.structures.get(options.dest_structure)
    if structure is None:
        raise OptionError(f"destination structure {options.dest_structure!r} is not a structure "
                          f"of destination calendar {calendar.calendar_id!r}"
                          f"{did_you_mean(options.dest_structure, calendar.structures)}")
    grade = None
    if options.dest_grade is not None:
        grade = structure.grades.get(options.dest_grade)
        if grade is None:
            raise OptionError(f"destination grade {options.dest_grade!r} is not a grade of "
                              f"calendar {calendar.calendar_id!r} structure "
                              f"{structure.structure_id!r}"
                              f"{did_you_mean(options.dest_grade, structure.grades)}")
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

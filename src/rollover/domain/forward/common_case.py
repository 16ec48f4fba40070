"""The common case of a roll forward, chosen where the data lie (docs/performance.md, "The
second path").

Four new enrollments in five are decided by RF-8 alone: the same school, a structure of the same
name, the next grade.  When nothing about the student can change that decision, the database can
pick those enrollments out, and the run need not read their students' households, programs,
overrides and next-year enrollments, nor put each through every rule.  This module says when
that holds and what such an enrollment gets; `store/common_case.py` picks the rows; every other
candidate goes through `plan.plan_forward`'s pure rules, as before.

The rules this path covers, and why each gives the same answer as the pure rules:

- RF-1: the run selects by source calendar and service type only (`applies`: no source grades,
  source structure or ad hoc filter), so every enrollment of those is a candidate;
- RF-2: the enrollment has no end date, so it rolls and is not a last-day ender;
- RF-3, RF-4, RF-5: the level is graded, the end action is none or promote (target sequence + 1),
  and the route below is RF-8's, which `place` gives neither to an ungraded level nor to a
  graduate;
- RF-6, RF-7: the enrollment names no next calendar and the run no destination calendar;
- RF-8: the route of the enrollment's calendar, structure and grade is `place`'s own answer for
  them (`routes`), which depends on nothing else when the district neither restricts attendance
  to boundaries (RF-15) nor validates student assignment (RF-16): then no household, program or
  override is read before RF-8 places the student;
- RF-17..RF-20: `enroll.new_enrollment` itself, with a start date (a route without one is left
  to the pure rules, so RF-17's refusal still names every calendar);
- RF-21, RF-22: the student has no other candidate in the run and no enrollment in the
  destination year, so the ledger admits the one new enrollment and MULTIPLE_DESTINATIONS cannot
  arise.

`tests/test_forward_common_case.py` proves, over random districts on both databases, that the
plan made this way is the plan of the pure rules alone.
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from dataclasses import dataclass

from ..assemble import SharedValues
from ..boundaries import Boundaries
from ..people import Enrollment
from ..snapshot import Catalog, People, Snapshot
from .enroll import NewEnrollment, new_enrollment, start_date
from .options import RunSettings
from .place import Placement, PlacementContext, place


def applies(settings: RunSettings, catalog: Catalog) -> bool:
    """Whether the run has a common case: see the module's docstring (RF-1, RF-7, RF-15,
    RF-16)."""
    options = settings.options
    district = catalog.district
    return (settings.destination_calendar is None
            and settings.student_filter is None
            and not settings.source_grades
            and options.source_structure is None
            and not district.restrict_to_boundaries
            and not district.student_assignment_validation)


@dataclass(frozen=True, slots=True)
class Route:
    """Where RF-8 sends every promoted enrollment of one source calendar, structure and grade."""

    calendar_id: str
    structure_id: str
    grade: str
    placement: Placement


def routes(catalog: Catalog, settings: RunSettings) -> list[Route]:
    """RF-8's answer for each graded level of the source calendars, asked of `place` itself for
    an enrollment with no end action and no next-year fields; a level whose answer is anything
    else (another rule, a warning, no start date) has no route."""
    ctx = PlacementContext(Snapshot(catalog, People(), Boundaries(), []), settings)
    found = []
    for calendar in settings.source_calendars:
        for structure in calendar.structures.values():
            for level in structure.grades.values():
                if level.sequence == 0:
                    continue  # RF-3
                probe = Enrollment("", "", calendar.calendar_id, structure.structure_id,
                                   level.grade, "primary", dt.date.min)
                decision = place(probe, ctx)
                if decision.notices or len(decision.placements) != 1:
                    continue
                placement = decision.placements[0]
                if placement.rule != "RF-8":
                    continue
                if start_date(placement, settings) is None:
                    continue  # RF-17: the pure rules refuse the run, naming every calendar
                found.append(Route(calendar.calendar_id, structure.structure_id, level.grade,
                                   placement))
    return found


# What RF-17..RF-20 read of a source enrollment the database picked: these of Enrollment's fields.
CommonEnrollment = namedtuple("CommonEnrollment", (
    "enrollment_id", "student_id", "calendar_id", "structure_id", "grade", "service_type",
    "graduation_cohort"))
assert set(CommonEnrollment._fields) <= set(Enrollment.__slots__)


def template(route: Route, settings: RunSettings) -> NewEnrollment:
    """The new enrollment of the route's picked enrollments, made by `new_enrollment` itself
    (RF-17..RF-20) for one with no graduation cohort of its own.  The database puts in each
    picked enrollment's own student, enrollment, calendar, grade and service type (RF-19), and
    its own cohort where it has one (RF-20) (`store/new_enrollments.py`)."""
    probe = CommonEnrollment("", "", route.calendar_id, route.structure_id, route.grade,
                             "primary", None)
    return new_enrollment(probe, route.placement, settings, False)


def new_enrollments(rows, found: list[Route], settings: RunSettings,
                    shared: SharedValues) -> list[NewEnrollment]:
    """The new enrollment of each picked source enrollment (RF-17..RF-20), in the pure rules'
    order: by student (each picked student has this one candidate).  Every value but the
    enrollment id is `shared` (with the snapshot's: a student's id is one object)."""
    by_level = {(r.calendar_id, r.structure_id, r.grade): r.placement for r in found}
    each = shared.each
    made = [new_enrollment(row, by_level[row.calendar_id, row.structure_id, row.grade],
                           settings, False)
            for row in (CommonEnrollment(row[0], *each(row[1:])) for row in rows)]
    made.sort(key=lambda n: n.student_id)
    return made

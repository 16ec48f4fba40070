"""Where each student goes (roll-forward.md §2 RF-3..RF-5, §3 RF-6..RF-13, §4 RF-14..RF-16).

`place(enrollment, context)` is pure: the enrollment and the snapshot in, the destinations and
warnings out.  Exactly one branch of RF-6..RF-12 decides, the first that applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..calendars import Calendar, GradeLevel, Structure
from ..people import Address, Enrollment
from ..snapshot import Snapshot
from .options import RunSettings
from .warnings import (
    AMBIGUOUS_CALENDAR, AMBIGUOUS_STRUCTURE, GRADUATING, NEXT_CALENDAR_SET, NO_DESTINATION,
    NO_GRADE, OUT_OF_BOUNDARY, ZERO_SEQUENCE, Notice,
)

PROMOTE, RETAIN, DEMOTE = "promote", "retain", "demote"


@dataclass(frozen=True, slots=True)
class Placement:
    calendar: Calendar
    structure: Structure
    grade: GradeLevel
    rule: str  # the rule that chose it, e.g. "RF-10"


@dataclass(slots=True)
class Decision:
    placements: list[Placement] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


class PlacementContext:
    """The snapshot and the run's settings, with the indexes the rules look things up by."""

    def __init__(self, snapshot: Snapshot, settings: RunSettings):
        self.snapshot = snapshot
        self.settings = settings
        self.catalog = snapshot.catalog
        self.people = snapshot.people
        self.boundaries = snapshot.boundaries
        self.district = snapshot.catalog.district
        year = settings.destination_year
        self.destination_calendars = {c.calendar_id: c for c in self.catalog.calendars_of_year(year)}
        self.destinations_by_school = self.catalog.calendars_by_school(year)
        self.highest_sequence = self.catalog.highest_sequence(year)

        # Answers that depend on the catalog alone, remembered: a million students ask a few
        # hundred distinct questions.
        self._same_school: dict[tuple[str, str, int], list[tuple[Calendar, Structure]]] = {}
        self._school_offers: dict[tuple[str, int], bool] = {}
        self._offering: dict[tuple[tuple[str, ...], int], list[Calendar]] = {}
        self._structure_for: dict[tuple[str, str, int], Structure | None] = {}

    def addresses(self, student_id: str) -> tuple[Address, ...]:
        return self.people.primary_addresses.get(student_id, ())

    def same_school(self, school_id: str, structure_name: str,
                    target: int) -> list[tuple[Calendar, Structure]]:
        """RF-8: the school's destination calendars' structures of this name offering the
        target sequence."""
        key = (school_id, structure_name, target)
        found = self._same_school.get(key)
        if found is None:
            found = self._same_school[key] = [
                (c, s) for c in self.destinations_by_school.get(school_id, [])
                for s in c.structures_named(structure_name) if s.offers(target)]
        return found

    def school_offers(self, school_id: str, target: int) -> bool:
        """A destination-year calendar of the school offers the target sequence."""
        key = (school_id, target)
        offers = self._school_offers.get(key)
        if offers is None:
            offers = self._school_offers[key] = any(
                c.offers(target) for c in self.destinations_by_school.get(school_id, []))
        return offers

    def offering(self, schools, target: int) -> list[Calendar]:
        """Each destination-year calendar of these schools that offers the target sequence."""
        key = (tuple(schools), target)
        found = self._offering.get(key)
        if found is None:
            seen: dict[str, Calendar] = {}
            for school in key[0]:
                for calendar in self.destinations_by_school.get(school, []):
                    if calendar.offers(target):
                        seen.setdefault(calendar.calendar_id, calendar)
            found = self._offering[key] = list(seen.values())
        return found

    def structure_for(self, calendar: Calendar, name: str, target: int) -> Structure | None:
        key = (calendar.calendar_id, name, target)
        if key not in self._structure_for:
            self._structure_for[key] = _structure_for(calendar, name, target)
        return self._structure_for[key]


def target_sequence(level: GradeLevel, end_action: str | None) -> int:
    """RF-4: sequence + 1 to promote (or no end action), the same to retain, − 1 to demote.
    Decision: an ungraded level (sequence 0) targets 0 whatever its end action; it is only
    placed by hand (RF-3), into an ungraded level or the grade chosen."""
    if level.sequence == 0:
        return 0
    return level.sequence + {RETAIN: 0, DEMOTE: -1}.get(end_action or PROMOTE, 1)


def place(enrollment: Enrollment, ctx: PlacementContext) -> Decision:
    source = ctx.catalog.calendars[enrollment.calendar_id]
    structure = source.structures[enrollment.structure_id]
    level = structure.grades[enrollment.grade]
    action = enrollment.end_action or PROMOTE
    target = target_sequence(level, action)
    settings = ctx.settings
    by_next_fields = settings.destination_calendar is None and enrollment.next_calendar_id
    explicit_grade = (enrollment.next_grade if by_next_fields else
                      settings.destination_grade if action == PROMOTE else None)

    # RF-3: an ungraded level never rolls by itself, unless the enrollment names its next
    # calendar (RF-6; with a destination calendar, RF-7 then says NEXT_CALENDAR_SET) or a
    # destination calendar and grade are given.
    if level.sequence == 0 and not enrollment.next_calendar_id and not (
            settings.destination_calendar and settings.destination_grade):
        return _only(ZERO_SEQUENCE, f"grade {level.grade!r} has sequence 0 and is not rolled "
                                    "automatically")
    # RF-5: promoted from the highest sequence offered next year: a graduate.  Decision: a grade
    # chosen by hand (next grade, destination grade) still places the student.
    if (action == PROMOTE and level.sequence != 0 and not explicit_grade
            and level.sequence == ctx.highest_sequence):
        return _only(GRADUATING, f"promoted from grade {level.grade!r}, the highest grade "
                                 f"offered in {settings.destination_year}")
    if by_next_fields:
        return _by_next_fields(enrollment, structure, target, ctx)  # RF-6
    if settings.destination_calendar is not None:
        return _by_destination_option(enrollment, action, target, ctx)  # RF-7
    return _by_school_and_boundaries(enrollment, source, structure, target, ctx)  # RF-8..RF-12


def _only(code: str, message: str) -> Decision:
    return Decision(notices=[Notice(code, message)])


# -- RF-6 -----------------------------------------------------------------------------------------
def _by_next_fields(enrollment: Enrollment, source_structure: Structure, target: int,
                    ctx: PlacementContext) -> Decision:
    """RF-6: the enrollment's next calendar, next structure (else the same name, else the only
    one) and next grade (else the target sequence).  Explicit: no boundary check."""
    calendar = ctx.destination_calendars.get(enrollment.next_calendar_id)
    if calendar is None:
        # Decision: a next calendar outside the destination year places nobody (YE-1 flags it).
        return _only(NO_DESTINATION, f"next calendar {enrollment.next_calendar_id!r} is not a "
                                     f"calendar of {ctx.settings.destination_year}")
    if enrollment.next_structure_id:
        structure = calendar.structures.get(enrollment.next_structure_id)
        if structure is None:
            return _only(AMBIGUOUS_STRUCTURE, f"next structure {enrollment.next_structure_id!r} "
                                              f"is not a structure of {calendar.calendar_id!r}")
    else:
        same_name = calendar.structures_named(source_structure.name)
        candidates = same_name or list(calendar.structures.values())
        if len(candidates) != 1:
            return _only(AMBIGUOUS_STRUCTURE, f"calendar {calendar.calendar_id!r} has several "
                                              "structures and none is chosen")
        structure = candidates[0]
    if enrollment.next_grade:
        grade = structure.grades.get(enrollment.next_grade)
        wanted = f"next grade {enrollment.next_grade!r}"
    else:
        grade = structure.grade_with_sequence(target)
        wanted = f"a grade with sequence {target}"
    if grade is None:
        return _only(NO_GRADE, f"calendar {calendar.calendar_id!r} structure "
                               f"{structure.structure_id!r} has no {wanted}")
    return Decision([Placement(calendar, structure, grade, "RF-6")])


# -- RF-7 -----------------------------------------------------------------------------------------
def _by_destination_option(enrollment: Enrollment, action: str, target: int,
                           ctx: PlacementContext) -> Decision:
    """RF-7: only enrollments without a next calendar, into the destination calendar and
    structure; promoted ones into the destination grade if given, the others by sequence."""
    settings = ctx.settings
    if enrollment.next_calendar_id:
        return _only(NEXT_CALENDAR_SET, f"the enrollment names next calendar "
                                        f"{enrollment.next_calendar_id!r}")
    calendar, structure = settings.destination_calendar, settings.destination_structure
    grade = settings.destination_grade if action == PROMOTE else None
    grade = grade or structure.grade_with_sequence(target)
    if grade is None:
        return _only(NO_GRADE, f"calendar {calendar.calendar_id!r} structure "
                               f"{structure.structure_id!r} has no grade with sequence {target}")
    return Decision([Placement(calendar, structure, grade, "RF-7")])


# -- RF-8 .. RF-12 --------------------------------------------------------------------------------
def _by_school_and_boundaries(enrollment: Enrollment, source: Calendar, structure: Structure,
                              target: int, ctx: PlacementContext) -> Decision:
    decision = Decision()
    student_id = enrollment.student_id
    addresses = ctx.addresses(student_id)
    dropped_same_school = False

    # RF-8: the same school, a structure of the same name offering the target sequence.
    same_school = ctx.same_school(source.school_id, structure.name, target)
    calendars = {c.calendar_id for c, _ in same_school} if len(same_school) > 1 else ()
    if len(calendars) > 1:
        return _only(AMBIGUOUS_CALENDAR, f"school {source.school_id!r} has "
                                         f"{len(calendars)} calendars offering sequence {target}: "
                                         f"{', '.join(sorted(calendars))}")
    if same_school:
        calendar, destination = same_school[0]
        if len(same_school) > 1:
            return _only(AMBIGUOUS_STRUCTURE, f"calendar {calendar.calendar_id!r} has several "
                                              f"structures named {structure.name!r}")
        if _same_school_admitted(student_id, source.school_id, addresses, target, ctx):
            grade = destination.grade_with_sequence(target)
            return Decision([Placement(calendar, destination, grade, "RF-8")])
        # RF-15 / RF-16a: outside the boundary with no override: try RF-9 and RF-10.
        dropped_same_school = True
        decision.notices.append(Notice(OUT_OF_BOUNDARY, f"lives outside the boundary of school "
                                                        f"{source.school_id!r} and has no "
                                                        "override for it"))

    # RF-9: a continuous program places by its own boundaries, when the school does not offer
    # the target sequence next year (or its own destination was just dropped, RF-15/RF-16a).
    school_offers = ctx.school_offers(source.school_id, target)
    programs = [] if school_offers and not dropped_same_school else _continuous_programs(
        student_id, source, ctx)
    if programs:
        schools = [school for program in programs
                   for school in _boundary_schools(addresses, target, ctx, program)]
        if schools:
            return _place_each(decision, ctx.offering(schools, target), structure, target,
                               "RF-9", ctx)

    # RF-10: the school boundaries of the student's primary households.
    schools = _boundary_schools(addresses, target, ctx, None)
    if schools:
        return _place_each(decision, ctx.offering(schools, target), structure, target,
                           "RF-10", ctx)

    # RF-11 (Decision): the school's feeder school stands for the one boundary school.
    next_school = ctx.catalog.schools[source.school_id].next_school_id
    calendars = ctx.offering([next_school], target) if next_school else []
    if calendars:
        if ctx.district.restrict_to_boundaries and not _admitted(student_id, next_school,
                                                                  addresses, target, ctx):
            decision.notices.append(Notice(OUT_OF_BOUNDARY, f"lives outside the boundary of "
                                                            f"feeder school {next_school!r} and "
                                                            "has no override for it"))
            return decision
        return _place_each(decision, calendars, structure, target, "RF-11", ctx)

    # RF-12: nowhere to go.
    decision.notices.append(Notice(NO_DESTINATION, f"no school offers sequence {target} in "
                                                   f"{ctx.settings.destination_year} for this "
                                                   "student (no same-school calendar, boundary "
                                                   "or feeder school)"))
    return decision


def _place_each(decision: Decision, calendars: list[Calendar], source_structure: Structure,
                target: int, rule: str, ctx: PlacementContext) -> Decision:
    """RF-10: one enrollment in each calendar; RF-13 chooses the structure of each."""
    for calendar in calendars:
        structure = ctx.structure_for(calendar, source_structure.name, target)
        if structure is None:
            decision.notices.append(Notice(AMBIGUOUS_STRUCTURE, f"calendar "
                                                                f"{calendar.calendar_id!r} has "
                                                                "several structures offering "
                                                                f"sequence {target}"))
            continue
        decision.placements.append(
            Placement(calendar, structure, structure.grade_with_sequence(target), rule))
    return decision


def _structure_for(calendar: Calendar, name: str, target: int) -> Structure | None:
    """RF-13: the structure of the same name if it offers the target sequence; else the one
    structure that does; None when several do and none has the same name."""
    offering = [s for s in calendar.structures.values() if s.offers(target)]
    same_name = [s for s in offering if s.name == name]
    if len(same_name) == 1:
        return same_name[0]
    return offering[0] if len(offering) == 1 else None


def _continuous_programs(student_id: str, source: Calendar, ctx: PlacementContext) -> list[str]:
    """RF-9: continuous programs the student takes part in on the source calendar's last day."""
    return sorted({p.program_id for p in ctx.people.participations.get(student_id, ())
                   if p.program_id in ctx.catalog.continuous_programs
                   and p.active_on(source.end_date)})


def _boundary_schools(addresses: tuple[Address, ...], target: int, ctx: PlacementContext,
                      program_id: str | None) -> list[str]:
    """Schools whose boundary (a program's, or the schools') holds one of the addresses and
    which offer the target sequence next year.  RF-16b: with validation on, where one
    household's boundary holds several such schools, the one marked *resides* decides."""
    schools: list[str] = []
    for address in addresses:
        holding = ctx.boundaries.schools_holding(address, target, program_id)  # RF-14
        offering = [school for school in dict.fromkeys(school for school, _ in holding)
                    if ctx.school_offers(school, target)]
        if ctx.district.student_assignment_validation and len(offering) > 1:
            resides = [s for s in offering if (s, True) in holding]
            offering = resides or offering
        schools.extend(s for s in offering if s not in schools)
    return schools


def _same_school_admitted(student_id: str, school_id: str, addresses, target: int,
                          ctx) -> bool:
    """RF-15 (restricted to boundaries) and RF-16a (student assignment validation) on the
    same-school destination; without either setting every student is admitted."""
    district = ctx.district
    if not (district.restrict_to_boundaries or district.student_assignment_validation):
        return True
    return _admitted(student_id, school_id, addresses, target, ctx)


def _admitted(student_id: str, school_id: str, addresses, target: int,
              ctx: PlacementContext) -> bool:
    """In the school's boundary, or an override for the school in the destination year.  With
    validation on (RF-16a), an override for a program admits only where that program's
    boundary holds one of the student's primary households."""
    if ctx.boundaries.school_holds(school_id, addresses, target):
        return True
    overrides = ctx.people.overrides.get((student_id, school_id))
    if not overrides:
        return False
    if not ctx.district.student_assignment_validation or None in overrides:
        return True
    return any(ctx.boundaries.school_holds(school_id, addresses, target, program)
               for program in overrides if program is not None)

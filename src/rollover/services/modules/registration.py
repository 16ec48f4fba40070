"""The `registration` module (YE-11): the enrollment roll forward of roll-forward.md, district-wide,
with next year's homeroom and counselor set on the new enrollments.

It refuses to run while `rollover check` finds errors for the year (YE-1).  The new enrollments
carry no end action, so a student retained or demoted this year is not retained again next year.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ...bundle.format import FILES_BY_TABLE
from ...domain.changes import INSERT, ChangeStep, LogMessage, ModulePlan
from ...domain.forward.enroll import NewEnrollment
from ...domain.forward.options import SERVICE_TYPES, ForwardOptions, OptionError, resolve
from ...domain.forward.plan import plan_forward
from ...domain.readiness import ERROR
from ..forward import compile_filter
from ..readiness import find_problems
from ...store.plain_rows import plain_rows
from ...store.schema import calendars, enrollments
from ...store.schema_modules import enrollment_staff
from ...store.snapshot import load_catalog, load_snapshot
from . import ModuleContext, ModuleRefused, RolloverModule, parse_flag, register

OPTION_HELP = {
    "source_grades": "comma-separated grade codes to roll (default: every grade)",
    "filter": "an ad hoc filter expression, or @FILE of student ids",
    "service_types": "comma-separated: primary, partial, special_ed (default: primary)",
    "local_start_status": "start status code for the new enrollments",
    "start_date": "YYYY-MM-DD start date of the new enrollments",
    "allow_duplicate_primary": "true/false",
    "include_last_day_enders": "true/false",
}
ENROLLMENT_COLUMNS = FILES_BY_TABLE["enrollments"].column_names
STAFF_COLUMNS = tuple(c.name for c in enrollment_staff.columns)


def parse_options(given: dict[str, str]) -> dict:
    unknown = sorted(set(given) - set(OPTION_HELP))
    if unknown:
        raise ModuleRefused(f"unknown option {unknown[0]!r}; the registration module takes: "
                            + ", ".join(OPTION_HELP))
    options: dict = {}
    for name in ("source_grades", "service_types"):
        if name in given:
            options[name] = [v.strip() for v in given[name].split(",") if v.strip()]
    for name in ("filter", "local_start_status"):
        if name in given:
            options[name] = given[name]
    if "service_types" in options:
        for value in options["service_types"]:
            if value not in SERVICE_TYPES:
                raise ModuleRefused(f"option service_types: unknown service type {value!r}")
    if "start_date" in given:
        try:
            options["start_date"] = dt.date.fromisoformat(given["start_date"]).isoformat()
        except ValueError:
            raise ModuleRefused(f"option start_date: not a date: {given['start_date']!r}") \
                from None
    for name in ("allow_duplicate_primary", "include_last_day_enders"):
        if name in given:
            options[name] = parse_flag(name, given[name])
    return options


def forward_options(ctx: ModuleContext, source_calendars: list[str]) -> ForwardOptions:
    o = ctx.options
    return ForwardOptions(
        source_calendars=tuple(source_calendars),
        source_grades=tuple(o.get("source_grades", ())),
        filter=o.get("filter"),
        service_types=tuple(o.get("service_types") or ("primary",)),
        local_start_status=o.get("local_start_status"),
        start_date=dt.date.fromisoformat(o["start_date"]) if o.get("start_date") else None,
        allow_duplicate_primary=bool(o.get("allow_duplicate_primary")),
        include_last_day_enders=bool(o.get("include_last_day_enders")),
        test=ctx.test)


def refuse_on_check_errors(ctx: ModuleContext) -> None:
    """YE-11: not while the readiness check (YE-1) finds errors."""
    errors = [f for f in find_problems(ctx.conn, ctx.school_year) if f.severity == ERROR]
    if errors:
        raise ModuleRefused(
            f"rollover check finds {len(errors)} error{'s' if len(errors) > 1 else ''} in "
            f"school year {ctx.school_year}; fix them first (rollover check --year "
            f"{ctx.school_year}); nothing was written",
            [f"error {f.code}: {f.message}" for f in errors])


def plan(ctx: ModuleContext) -> ModulePlan:
    refuse_on_check_errors(ctx)
    catalog = load_catalog(ctx.conn)
    sources = sorted(c.calendar_id for c in catalog.calendars_of_year(ctx.school_year))
    if not sources:
        raise ModuleRefused(f"no calendar in school year {ctx.school_year}")
    options = forward_options(ctx, sources)
    try:
        settings = resolve(options, catalog, compile_filter(options.filter))
    except OptionError as exc:
        raise ModuleRefused(str(exc)) from None
    # The log names students by id, so their own rows are read only for an ad hoc filter.
    snapshot = load_snapshot(ctx.conn, catalog, sources, settings.destination_year,
                             settings.service_types, ctx.progress,
                             with_students=settings.student_filter is not None)
    forward = plan_forward(snapshot, settings, ctx.progress)
    result = ModulePlan(summary={"rolled": forward.totals["rolled"],
                                 "not_rolled": forward.totals["not_rolled"]})
    result.messages.extend(_warnings(forward, snapshot))
    del snapshot  # the district's enrollments and households: not needed for the rows below
    for seq, entry in enumerate(forward.rolled, start=1):
        entry.enrollment_id = f"{ctx.run_id}-{seq:07d}"
    staff = _next_staff(ctx)
    new_enrollments, new_staff = [], []
    # Each planned enrollment becomes its rows and is let go at once, so that a million of
    # them are never held twice.
    rolled = forward.rolled
    rolled.reverse()
    while rolled:
        r = rolled.pop()
        new_enrollments.append((r.school_id, None, _enrollment_row(r)))
        if r.source_enrollment_id in staff:
            new_staff.append((r.school_id, None, _staff_row(r, staff[r.source_enrollment_id])))
    result.add(ChangeStep("enrollments", INSERT, ENROLLMENT_COLUMNS, new_enrollments))
    result.add(ChangeStep("enrollment_staff", INSERT, STAFF_COLUMNS, new_staff))
    return result


def _warnings(forward, snapshot) -> list[LogMessage]:
    """The roll forward's warnings for the rollover log, each with its source's school."""
    warned = {w.source_enrollment_id for w in forward.warnings}
    calendars = snapshot.catalog.calendars
    school_of_source = {e.enrollment_id: calendars[e.calendar_id].school_id
                        for e in snapshot.candidates if e.enrollment_id in warned}
    return [LogMessage("warning", w.code, w.student_id,
                       school_of_source.get(w.source_enrollment_id),
                       f"enrollment {w.source_enrollment_id}: {w.message}")
            for w in forward.warnings]


def _enrollment_row(r: NewEnrollment) -> tuple:
    """A whole enrollments row (ENROLLMENT_COLUMNS' order).  YE-11: no end date, status or
    action (retain/demote are not carried), no next-year fields yet."""
    return (r.enrollment_id, r.student_id, r.calendar_id, r.structure_id, r.grade,
            r.service_type, r.start_date, None, None, None, None, None, None,
            r.local_start_status, r.graduation_cohort, r.source_enrollment_id)


# The row above lists the columns in this order; a new column must be placed there too.
assert ENROLLMENT_COLUMNS == (
    "enrollment_id", "student_id", "calendar_id", "structure_id", "grade", "service_type",
    "start_date", "end_date", "end_status", "end_action", "next_calendar_id", "next_structure_id",
    "next_grade", "local_start_status", "graduation_cohort", "rolled_from")


def _next_staff(ctx: ModuleContext) -> dict[str, tuple[str | None, str | None]]:
    """Next year's homeroom and counselor named on this year's enrollments."""
    s, e, c = enrollment_staff.c, enrollments.c, calendars.c
    query = (select(s.enrollment_id, s.next_homeroom, s.next_counselor)
             .join(enrollments, e.enrollment_id == s.enrollment_id)
             .join(calendars, c.calendar_id == e.calendar_id)
             .where(c.school_year == ctx.school_year)
             .where((s.next_homeroom.is_not(None)) | (s.next_counselor.is_not(None))))
    staff: dict[tuple, tuple] = {}  # a district has a few hundred homerooms and counselors
    return {enrollment_id: staff.setdefault((homeroom, counselor), (homeroom, counselor))
            for enrollment_id, homeroom, counselor in plain_rows(ctx.conn, query)}


def _staff_row(r: NewEnrollment, next_staff: tuple[str | None, str | None]) -> tuple:
    homeroom, counselor = next_staff
    return (r.enrollment_id, homeroom, counselor, None, None)


MODULE = register(RolloverModule(
    name="registration", title="Registration rollover (the enrollment roll forward)",
    tables=("enrollments", "enrollment_staff"), requires=("calendar",),
    plan=plan, parse_options=parse_options, locks=("forward",), option_help=OPTION_HELP))

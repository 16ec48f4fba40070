"""The `registration` module (YE-11): the enrollment roll forward of roll-forward.md, district-wide,
with next year's homeroom and counselor set on the new enrollments.

It refuses to run while `rollover check` finds errors for the year (YE-1).  The new enrollments
carry no end action, so a student retained or demoted this year is not retained again next year.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ...domain.change_plan import INSERT, ChangeStep, LogMessage, ModulePlan
from ...domain.forward.enroll import NewEnrollment
from ...domain.forward.options import SERVICE_TYPES, ForwardOptions, OptionError
from ...domain.readiness import ERROR
from ...progress import Tally
from ...store.plain_rows import plain_rows
from ...store.schema import calendars, enrollments
from ...store.schema_modules import enrollment_staff
from ...store.snapshot import load_catalog
from ..forward import calendars_of_year, decide, enrollment_step, keep_report
from ..readiness import find_problems
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
    errors = [f for f in find_problems(ctx.conn, ctx.school_year, ctx.progress)
              if f.severity == ERROR]
    if errors:
        raise ModuleRefused(
            f"rollover check finds {len(errors)} error{'s' if len(errors) > 1 else ''} in "
            f"school year {ctx.school_year}; fix them first (rollover check --year "
            f"{ctx.school_year}); nothing was written",
            [f"error {f.code}: {f.message}" for f in errors])


def plan(ctx: ModuleContext) -> ModulePlan:
    """The roll forward's own decision (services/forward.py), plus next year's homeroom and
    counselor; its per-student report is kept like `forward`'s (`rollover report RUN_ID`)."""
    refuse_on_check_errors(ctx)
    catalog = load_catalog(ctx.conn)
    try:
        sources = calendars_of_year(catalog, ctx.school_year)
        options = forward_options(ctx, sources)
        # The log names students by id, so their own rows are read only for an ad hoc filter.
        decision = decide(ctx.conn, options, ctx.progress, catalog=catalog, with_students=False)
    except OptionError as exc:
        raise ModuleRefused(str(exc)) from None
    forward = decision.plan
    result = ModulePlan(summary=forward.totals)  # RF-25's counts, as `forward` keeps them
    result.messages.extend(_warnings(forward, decision.snapshot))
    del decision  # the district's enrollments and households: not needed for the rows below
    new_enrollments = enrollment_step(ctx.run_id, forward.rolled, test=ctx.test)
    keep_report(ctx.conn, ctx.run_id, forward, ctx.progress)
    staff = _next_staff(ctx)
    result.add(new_enrollments)
    result.add(ChangeStep("enrollment_staff", INSERT, STAFF_COLUMNS, [
        (r.school_id, None, _staff_row(r, staff[r.source_enrollment_id]))
        for r in forward.rolled if r.source_enrollment_id in staff]))
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


def _next_staff(ctx: ModuleContext) -> dict[str, tuple[str | None, str | None]]:
    """Next year's homeroom and counselor named on this year's enrollments."""
    s, e, c = enrollment_staff.c, enrollments.c, calendars.c
    query = (select(s.enrollment_id, s.next_homeroom, s.next_counselor)
             .join(enrollments, e.enrollment_id == s.enrollment_id)
             .join(calendars, c.calendar_id == e.calendar_id)
             .where(c.school_year == ctx.school_year)
             .where((s.next_homeroom.is_not(None)) | (s.next_counselor.is_not(None))))
    staff: dict[tuple, tuple] = {}  # a district has a few hundred homerooms and counselors
    reading = Tally(ctx.progress, "reading next year's staff").start()  # rows: not counted first
    next_staff = {enrollment_id: staff.setdefault((homeroom, counselor), (homeroom, counselor))
                  for enrollment_id, homeroom, counselor
                  in reading.rows(plain_rows(ctx.conn, query))}
    reading.finish()
    return next_staff


def _staff_row(r: NewEnrollment, next_staff: tuple[str | None, str | None]) -> tuple:
    homeroom, counselor = next_staff
    return (r.enrollment_id, homeroom, counselor, None, None)


MODULE = register(RolloverModule(
    name="registration", title="Registration rollover (the enrollment roll forward)",
    tables=("enrollments", "enrollment_staff"), requires=("calendar",),
    plan=plan, parse_options=parse_options, locks=("forward",), option_help=OPTION_HELP))

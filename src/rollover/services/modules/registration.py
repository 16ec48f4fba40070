"""The `registration` module (YE-11): the enrollment roll forward of roll-forward.md, district-wide,
with next year's homeroom and counselor set on the new enrollments.

It refuses to run while `rollover check` finds errors for the year (YE-1).  The new enrollments
carry no end action, so a student retained or demoted this year is not retained again next year.
"""

from __future__ import annotations

import datetime as dt

from ...domain.change_plan import LogMessage, ModulePlan
from ...domain.forward.options import SERVICE_TYPES, ForwardOptions, OptionError
from ...domain.forward.plan import forward_totals
from ...domain.readiness import ERROR
from ...progress import NUMBERING
from ...store.new_enrollments import number_new_enrollments
from ...store.snapshot import load_catalog
from ..forward import calendars_of_year, decide, keep_report
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
    counselor; its per-student report is kept like `forward`'s (`rollover report RUN_ID`).
    The new enrollments are numbered, reported and written by the database
    (`store/new_enrollments.py`): the common case's are never read into Python."""
    refuse_on_check_errors(ctx)
    catalog = load_catalog(ctx.conn)
    try:
        sources = calendars_of_year(catalog, ctx.school_year)
        options = forward_options(ctx, sources)
        # The log names students by id, so their own rows are read only for an ad hoc filter.
        decision = decide(ctx.conn, options, ctx.progress, catalog=catalog, with_students=False,
                          common_in_database=True)
    except OptionError as exc:
        raise ModuleRefused(str(exc)) from None
    forward, picked = decision.plan, decision.picked
    messages = _warnings(forward, decision.snapshot)
    del decision  # the district's enrollments and households: not needed for the rows below
    ctx.progress(NUMBERING, 0, 1)
    numbered = number_new_enrollments(ctx.conn, ctx.run_id, forward.rolled, picked,
                                      test=ctx.test)
    ctx.progress(NUMBERING, 1, 1)
    # RF-25's counts, as `forward` keeps them
    result = ModulePlan(summary=forward_totals(numbered.by_destination(), forward.not_rolled))
    result.messages.extend(messages)
    keep_report(ctx.conn, ctx.run_id, forward, ctx.progress, numbered)
    result.add(numbered.enrollment_step())
    result.add(numbered.staff_step())  # next year's homeroom and counselor, as this year's
    result.after_applying.append(numbered.drop)
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


MODULE = register(RolloverModule(
    name="registration", title="Registration rollover (the enrollment roll forward)",
    tables=("enrollments", "enrollment_staff"), requires=("calendar",),
    plan=plan, parse_options=parse_options, locks=("forward",), option_help=OPTION_HELP))

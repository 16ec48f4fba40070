"""The `calendar` module (YE-6, YE-10): the calendar wizard as a module of the year-end process,
rolling every school's calendars of the year (or the chosen schools') into the next year."""

from __future__ import annotations

from ...bundle.format import FILES_BY_TABLE
from ...domain.calendar_roll import CalendarRollOptions, choose_calendars, plan_calendar_roll
from ...domain.change_plan import LogMessage, ModulePlan, inserts
from ...progress import READING_TABLES, Tally
from ...store.calendar_roll import load_calendar_rows, load_schools_and_calendars, load_taken_ids
from . import ModuleContext, ModuleRefused, RolloverModule, register


def parse_options(given: dict[str, str]) -> dict:
    unknown = sorted(set(given) - {"schools"})
    if unknown:
        raise ModuleRefused(f"unknown option {unknown[0]!r}; the calendar module takes: schools")
    schools = [s.strip() for s in given.get("schools", "").split(",") if s.strip()]
    return {"schools": schools}


def plan(ctx: ModuleContext) -> ModulePlan:
    options = CalendarRollOptions(from_year=ctx.school_year,
                                  schools=tuple(ctx.options.get("schools", ())))
    read = Tally(ctx.progress, READING_TABLES, 3).start().part  # in queries
    school_ids, calendar_rows = read(load_schools_and_calendars(ctx.conn))
    sources = choose_calendars(options, school_ids, calendar_rows)
    rows = read(load_calendar_rows(ctx.conn, [row[0] for row in sources]))
    roll = plan_calendar_roll(options, sources, rows, calendar_rows,
                              read(load_taken_ids(ctx.conn)))
    result = ModulePlan(summary=roll.totals)
    school_of_calendar = {c.calendar_id: c.school_id for c in roll.created}
    school_of_structure = {s[0]: c.school_id for c in roll.created for s in c.structures}

    def columns(table: str) -> tuple[str, ...]:
        return FILES_BY_TABLE[table].column_names

    created = roll.created
    result.add(inserts("calendars", columns("calendars"), [c.calendar for c in created],
                       lambda r: r[1]))
    result.add(inserts("structures", columns("structures"),
                       [s for c in created for s in c.structures],
                       lambda r: school_of_calendar[r[1]]))
    result.add(inserts("terms", columns("terms"), [t for c in created for t in c.terms],
                       lambda r: school_of_structure[r[1]]))
    result.add(inserts("grade_levels", columns("grade_levels"),
                       [g for c in created for g in c.grade_levels],
                       lambda r: school_of_calendar[r[0]]))
    result.add(inserts("days", columns("days"), [d for c in created for d in c.day_rows()],
                       lambda r: school_of_calendar[r[0]]))
    for skipped in roll.skipped:
        result.messages.append(LogMessage("warning", "CALENDAR_EXISTS",
                                          skipped.source_calendar_id, skipped.school_id,
                                          skipped.reason))
    return result


MODULE = register(RolloverModule(
    name="calendar", title="Calendar rollover (the calendar wizard)",
    tables=("calendars", "structures", "terms", "grade_levels", "days"), requires=(),
    plan=plan, parse_options=parse_options,
    option_help={"schools": "comma-separated school ids (default: every school)"}))

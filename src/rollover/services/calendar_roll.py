"""The calendar wizard (YE-10) as a service: check the options, read, plan, write (or not), record.

`roll_calendars` is what `rollover calendars roll` calls, and later the web page and the year-end
process.  A test run and a real run go through the same code; the test run skips only the
writing of the new calendars (YE-17), and stores its run record.  A real run writes every new
calendar, structure, term, grade level and day, their backup (for `rollover undo`) and its run
record, in one transaction (the unit of work): all or nothing.  Refused options write nothing at all, not even a run record.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from ..domain.calendar_roll import (
    CalendarRollOptions, CalendarRollPlan, choose_calendars, plan_calendar_roll,
)
from ..domain.runs import RunRecord
from ..progress import Progress, no_progress
from ..store.calendar_roll import (
    copy_steps, insert_copies, load_calendar_rows, load_schools_and_calendars, load_taken_ids,
)
from .unit_of_work import operation, unit_of_work

KIND = "calendars"
BUSY = "A calendar roll is already in process"
# One calendar roll at a time, a Run Test included; the right at the chosen schools (YE-2).
CALENDAR_ROLL = operation(KIND, "calendar roll", "calendar", locks=((KIND, BUSY),),
                          scope="schools")


@dataclass(frozen=True)
class CalendarRollResult:
    run: RunRecord
    plan: CalendarRollPlan

    @property
    def mode(self) -> str:
        return self.run.mode

    @property
    def totals(self) -> dict[str, int]:
        return self.plan.totals

    def as_json(self) -> dict:
        """The `--json` object: the stored report with the run id first."""
        return {"run_id": self.run.run_id, **self.plan.report(self.mode)}


def roll_calendars(engine: Engine, options: CalendarRollOptions, *, user: str | None = None,
                   progress: Progress = no_progress) -> CalendarRollResult:
    """Copy the chosen schools' calendars of `options.from_year` into the next school year (or,
    with `options.test`, work out and report the copies and write only the run record)."""
    mode = "test" if options.test else "run"
    with unit_of_work(engine, CALENDAR_ROLL, user=user, test=options.test,
                      options=options.as_dict()) as work:
        conn = work.conn
        progress("loading", 0, 3)
        school_ids, calendar_rows = load_schools_and_calendars(conn)
        sources = choose_calendars(options, school_ids, calendar_rows)  # refusals: before work
        # YE-2: the chosen schools, or the whole district when none is chosen.
        work.at_schools(set(options.schools) or None)
        progress("loading", 1, 3)
        rows = load_calendar_rows(conn, [row[0] for row in sources])
        progress("loading", 2, 3)
        taken = load_taken_ids(conn)
        progress("loading", 3, 3)
        plan = plan_calendar_roll(options, sources, rows, calendar_rows, taken)
        steps = copy_steps(plan)
        for number, step in enumerate(steps):
            if not options.test:
                progress("writing", number, len(steps))
            work.change(step, write=lambda step=step: insert_copies(conn, step))
        if not options.test:
            progress("writing", len(steps), len(steps))
        record = work.finish(counts=plan.totals, report=plan.report(mode))
    return CalendarRollResult(record, plan)

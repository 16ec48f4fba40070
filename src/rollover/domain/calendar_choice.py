"""Which calendars a run over several covers (`end-batch` and `cleanup` with `--year`,
`--school` or repeated `--calendar`): the calendars named by id, and every calendar of a school
year, at the chosen schools only when any are given.  Pure: the catalog is handed in."""

from __future__ import annotations

from dataclasses import dataclass

from .calendars import Calendar
from .snapshot import Catalog
from .suggestions import did_you_mean


@dataclass(frozen=True)
class CalendarChoice:
    calendar_ids: tuple[str, ...] = ()
    year: int | None = None  # every calendar of this school year ...
    schools: tuple[str, ...] = ()  # ... at these schools only, when given (needs `year`)

    def as_dict(self) -> dict:
        return {"calendar_ids": list(self.calendar_ids), "year": self.year,
                "schools": list(self.schools)}


def choice_problems(choice: CalendarChoice, catalog: Catalog) -> list[str]:
    """Every reason the choice cannot be made, each naming the bad value; [] when it can."""
    problems = []
    if not choice.calendar_ids and choice.year is None and not choice.schools:
        problems.append("no calendar chosen: give --calendar ID (repeat for several) or "
                        "--year YEAR")
    for calendar_id in dict.fromkeys(choice.calendar_ids):
        if calendar_id not in catalog.calendars:
            problems.append(f"unknown calendar {calendar_id!r}"
                            f"{did_you_mean(calendar_id, catalog.calendars)}")
    if choice.schools and choice.year is None:
        problems.append(f"--school {choice.schools[0]!r} goes with --year (the school year "
                        "whose calendars to take)")
        return problems
    if choice.year is None:
        return problems
    of_year = catalog.calendars_of_year(choice.year)
    if not of_year:
        problems.append(f"--year: no calendar in school year {choice.year}")
        return problems
    with_calendar = {c.school_id for c in of_year}
    for school_id in dict.fromkeys(choice.schools):
        if school_id not in catalog.schools:
            problems.append(f"--school: unknown school {school_id!r}"
                            f"{did_you_mean(school_id, catalog.schools)}")
        elif school_id not in with_calendar:
            problems.append(f"--school: no calendar in school year {choice.year} at school "
                            f"{school_id!r}")
    return problems


def chosen_calendars(choice: CalendarChoice, catalog: Catalog) -> list[Calendar]:
    """The chosen calendars (of a choice without problems), each once, by school year, then
    school, then id."""
    ids = set(choice.calendar_ids)
    if choice.year is not None:
        schools = set(choice.schools)
        ids.update(c.calendar_id for c in catalog.calendars_of_year(choice.year)
                   if not schools or c.school_id in schools)
    return sorted((catalog.calendars[i] for i in ids),
                  key=lambda c: (c.school_year, c.school_id, c.calendar_id))

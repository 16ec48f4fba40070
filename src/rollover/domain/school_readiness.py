"""Where each school stands in the year end (the dashboard): not checked, not ready, ready or
done; and the readiness check's findings (YE-1) grouped by school and code, errors first.

Pure: the schools, the calendars of the year being closed, the findings of the latest stored
check of that year (the check's report objects: code, severity, message, records) and the
calendars a completed Run has rolled.  No database.

A finding concerns the schools its records name (`school_id`) and the schools of the calendars
they name (`calendar_id`); a finding about a student's next calendar thus concerns the school
they leave and the school they would go to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .readiness import ERROR

NOT_CHECKED, NOT_READY, READY, DONE = "not checked", "not ready", "ready", "done"
DISTRICT = None  # the "school" of a finding that names none


@dataclass(frozen=True)
class SchoolState:
    school_id: str
    name: str
    state: str  # NOT_CHECKED, NOT_READY, READY or DONE
    errors: int  # findings of the latest check at this school
    warnings: int
    calendars: tuple[str, ...]  # the school's calendars in the year being closed
    rolled: tuple[str, ...]  # those a completed Run has rolled

    def as_json(self) -> dict:
        return {"school_id": self.school_id, "name": self.name, "state": self.state,
                "errors": self.errors, "warnings": self.warnings,
                "calendars": list(self.calendars), "rolled": list(self.rolled)}


@dataclass(frozen=True)
class CodeGroup:
    code: str
    severity: str
    findings: list[dict]  # the check's findings of this code at the school, as stored


@dataclass(frozen=True)
class SchoolFindings:
    school_id: str | None  # DISTRICT: findings that name no school
    name: str
    errors: int
    warnings: int
    codes: list[CodeGroup]  # errors first, then by code


def schools_of(finding: dict, school_of_calendar: Mapping[str, str]) -> set[str]:
    """The schools a finding concerns: those its records name, and those of its calendars."""
    records = finding.get("records", {})
    schools = set(records.get("school_id", ()))
    schools.update(school_of_calendar[c] for c in records.get("calendar_id", ())
                   if c in school_of_calendar)
    return schools


def school_states(schools: Mapping[str, str], calendars: Mapping[str, Iterable[str]],
                  findings: list[dict] | None, rolled: Iterable[str]) -> list[SchoolState]:
    """Each school (id -> name) by id: done when it has calendars in the year (`calendars`:
    school id -> its calendar ids) and a completed Run rolled every one of them; else not checked
    when no check of the year is stored (`findings` None), not ready when the check found an
    error at the school, ready when it found none."""
    school_of_calendar = {c: school for school, ids in calendars.items() for c in ids}
    errors: dict[str, int] = defaultdict(int)
    warnings: dict[str, int] = defaultdict(int)
    for finding in findings or ():
        counted = errors if finding["severity"] == ERROR else warnings
        for school in schools_of(finding, school_of_calendar):
            counted[school] += 1
    rolled = set(rolled)
    result = []
    for school_id in sorted(schools):
        own = tuple(sorted(calendars.get(school_id, ())))
        done = tuple(c for c in own if c in rolled)
        if own and len(done) == len(own):
            state = DONE
        elif findings is None:
            state = NOT_CHECKED
        else:
            state = NOT_READY if errors[school_id] else READY
        result.append(SchoolState(school_id, schools[school_id], state, errors[school_id],
                                  warnings[school_id], own, done))
    return result


def findings_by_school(findings: list[dict], schools: Mapping[str, str],
                       school_of_calendar: Mapping[str, str]) -> list[SchoolFindings]:
    """The findings under each school they concern (a finding of two schools under both), each
    school's grouped by code, errors first; the schools with errors first, then by id; the
    findings that name no school last, as the district's."""
    grouped: dict[str | None, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for finding in findings:
        for school in sorted(schools_of(finding, school_of_calendar)) or [DISTRICT]:
            grouped[school][finding["code"]].append(finding)
    result = []
    for school, by_code in grouped.items():
        codes = sorted((CodeGroup(code, found[0]["severity"], found)
                        for code, found in by_code.items()),
                       key=lambda g: (g.severity != ERROR, g.code))
        errors = sum(len(g.findings) for g in codes if g.severity == ERROR)
        total = sum(len(g.findings) for g in codes)
        name = "The whole district" if school is DISTRICT else schools.get(school, school)
        result.append(SchoolFindings(school, name, errors, total - errors, codes))
    result.sort(key=lambda s: (s.school_id is DISTRICT, s.errors == 0, s.school_id or ""))
    return result

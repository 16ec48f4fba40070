"""The roll forward's report (RF-25): the contract's JSON object, a text report, and CSV."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the command loads the roll forward when it runs
    from ..domain.forward.report import ForwardReport
    from ..domain.runs import RunRecord

SHOWN_CALENDARS = 8
CSV_HEADER = ["kind", "student_id", "student_number", "last_name", "first_name",
              "source_enrollment_id", "enrollment_id", "source_calendar_id", "source_grade",
              "calendar_id", "structure_id", "grade", "start_date", "service_type",
              "local_start_status", "graduation_cohort", "last_day_ender", "code", "message"]


def as_json(report: ForwardReport) -> dict:
    """The object of bundle.md's `forward --json`, keys in the contract's order."""
    return {
        "run_id": report.run.run_id,
        "mode": report.run.mode,
        "rolled": [{
            "student_id": r.student_id,
            "source_enrollment_id": r.source_enrollment_id,
            "enrollment_id": r.enrollment_id,
            "calendar_id": r.calendar_id,
            "structure_id": r.structure_id,
            "grade": r.grade,
            "start_date": r.start_date.isoformat(),
            "service_type": r.service_type,
            "local_start_status": r.local_start_status,
            "graduation_cohort": r.graduation_cohort,
            "last_day_ender": r.last_day_ender,
            "warnings": list(r.warnings),
        } for r in report.rolled],
        "warnings": [{"student_id": w.student_id, "source_enrollment_id": w.source_enrollment_id,
                      "code": w.code, "message": w.message} for w in report.warnings],
        "totals": report.totals,
    }


def summary_json(run: RunRecord) -> dict:
    """`as_json` without `rolled` and `warnings`: read from the run's record alone (its counts
    are the report's totals), so a large run's summary costs no more than a small one's."""
    return {"run_id": run.run_id, "mode": run.mode, "totals": run.counts}


def as_text(report: ForwardReport, *, totals_only: bool, show_warnings: bool) -> Iterator[str]:
    """RF-25: who rolled where (or only counts), totals per destination, and with
    `show_warnings` the students not rolled with the reason.  `*` marks last-day enders."""
    run = report.run
    title = "Run Test" if run.mode == "test" else "Run"
    who = f" by {run.user_name}" if run.user_name else ""
    yield f"Enrollment roll forward {title} {run.run_id}{who}, {run.started_at:%Y-%m-%d %H:%M}"
    sources = run.options.get("source_calendars", [])
    shown = ", ".join(sources[:SHOWN_CALENDARS])
    more = f" and {len(sources) - SHOWN_CALENDARS:,} more" if len(sources) > SHOWN_CALENDARS else ""
    yield f"Source calendars ({len(sources):,}): {shown}{more}"
    if not totals_only:
        yield ""
        yield "Rolled:"
        for r in report.rolled:
            source = report.catalog.calendars.get(r.source_calendar_id)
            destination = report.catalog.calendars.get(r.calendar_id)
            mark = " *" if r.last_day_ender else ""
            flags = f"  [{' '.join(r.warnings)}]" if r.warnings else ""
            yield (f"  {_name(report, r.student_id)}{mark}: "
                   f"{_school(report, source)}/{r.source_calendar_id}/{r.source_grade} -> "
                   f"{_school(report, destination)}/{r.calendar_id}/{r.structure_id}/{r.grade} "
                   f"from {r.start_date.isoformat()}{flags}")
        if not report.rolled:
            yield "  (none)"
    totals = report.totals
    yield ""
    yield "Totals by destination:"
    for row in totals["by_destination"]:
        yield f"  {row['calendar_id']:<24} grade {row['grade']:<6} {row['count']:>9,}"
    yield (f"Rolled: {totals['rolled']:,} new enrollments; not rolled: {totals['not_rolled']:,}; "
           f"warnings: {len(report.warnings):,}")
    if show_warnings:
        yield ""
        yield "Warnings:"
        for w in report.warnings:
            yield f"  {_name(report, w.student_id)}: {w.code}: {w.message}"
        if not report.warnings:
            yield "  (none)"
    if any(r.last_day_ender for r in report.rolled) and not totals_only:
        yield "* enrollment ends on the last day of the last term"


def as_csv_rows(report: ForwardReport) -> Iterator[list]:
    """One row per new enrollment and per warning, under CSV_HEADER."""
    yield CSV_HEADER
    for r in report.rolled:
        yield ["rolled", *_student_cells(report, r.student_id), r.source_enrollment_id,
               r.enrollment_id or "", r.source_calendar_id, r.source_grade, r.calendar_id,
               r.structure_id, r.grade, r.start_date.isoformat(), r.service_type,
               r.local_start_status or "", "" if r.graduation_cohort is None else
               r.graduation_cohort, "true" if r.last_day_ender else "false",
               " ".join(r.warnings), ""]
    for w in report.warnings:
        yield ["warning", *_student_cells(report, w.student_id), w.source_enrollment_id,
               *[""] * 11, w.code, w.message]


def _student_cells(report: ForwardReport, student_id: str) -> list[str]:
    s = report.students.get(student_id)
    if s is None:
        return [student_id, "", "", ""]
    return [student_id, s.student_number or "", s.last_name, s.first_name]


def _name(report: ForwardReport, student_id: str) -> str:
    s = report.students.get(student_id)
    if s is None:
        return student_id
    number = f" #{s.student_number}" if s.student_number else ""
    return f"{s.last_name}, {s.first_name}{number}"


def _school(report: ForwardReport, calendar) -> str:
    if calendar is None:
        return "?"
    school = report.catalog.schools.get(calendar.school_id)
    return school.name if school else calendar.school_id

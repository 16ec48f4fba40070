"""The roll forward's report (RF-25): the contract's JSON object, a text report that opens with
its summary, and CSV."""

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


def as_text(report: ForwardReport, summary: dict, *, totals_only: bool,
            show_warnings: bool) -> Iterator[str]:
    """RF-25: the summary first (`summary_text`), then who rolled where (unless `totals_only`)
    and with `show_warnings` the students not rolled with the reason.  `*` marks last-day
    enders.  `summary` is `services.run_summary.run_summary` of the report's run."""
    run = report.run
    title = "Run Test" if run.mode == "test" else "Run"
    who = f" by {run.user_name}" if run.user_name else ""
    yield f"Enrollment roll forward {title} {run.run_id}{who}, {run.started_at:%Y-%m-%d %H:%M}"
    sources = run.options.get("source_calendars", [])
    shown = ", ".join(sources[:SHOWN_CALENDARS])
    more = f" and {len(sources) - SHOWN_CALENDARS:,} more" if len(sources) > SHOWN_CALENDARS else ""
    yield f"Source calendars ({len(sources):,}): {shown}{more}"
    yield ""
    yield from summary_text(summary)
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
    if show_warnings:
        yield ""
        yield "Warnings:"
        for w in report.warnings:
            yield f"  {_name(report, w.student_id)}: {w.code}: {w.message}"
        if not report.warnings:
            yield "  (none)"
    if any(r.last_day_ender for r in report.rolled) and not totals_only:
        yield "* enrollment ends on the last day of the last term"


def summary_text(summary: dict) -> Iterator[str]:
    """The totals; the warnings per code, most frequent first; and per school (by name) and
    grade, this year beside next, each school's grades then all of them, with next year's
    destination calendars (and their counts where a grade goes to more than one)."""
    totals = summary["totals"]
    yield (f"Rolled: {totals['rolled']:,} new enrollments; not rolled: {totals['not_rolled']:,}; "
           f"warnings: {totals['warnings']:,}")
    yield ""
    by_code = summary["warnings_by_code"]
    if not by_code:
        yield "Warnings by code: none"
    else:
        yield "Warnings by code:"
        width = max(len(row["code"]) for row in by_code)
        for row in by_code:
            yield f"  {row['code']:<{width}}  {row['count']:>9,}"
    yield ""
    yield "Per school and grade, this year beside next:"
    rows = summary["schools"]
    if not rows:
        yield "  (none)"
        return
    schools: dict[str, list[dict]] = {}
    for row in rows:
        schools.setdefault(row["school_name"] or row["school_id"] or "?", []).append(row)
    width = max(len("School"), *(len(name) for name in schools))
    yield (f"  {'School':<{width}}  {'Grade':<5}  {'This year':>9}  {'Next year':>9}  "
           "Next year's calendars")
    for name, grades in schools.items():
        for row in grades:
            yield _school_line(name, width, row["grade"], row["this_year"], row["next_year"],
                               _calendars(row["calendars"]))
        if len(grades) > 1:
            every = [c for row in grades for c in row["calendars"]]
            yield _school_line(name, width, "all", sum(row["this_year"] for row in grades),
                               sum(row["next_year"] for row in grades),
                               ", ".join(dict.fromkeys(c["calendar_id"] for c in every)))


def _school_line(name: str, width: int, grade: str, this_year: int, next_year: int,
                 calendars: str) -> str:
    return (f"  {name:<{width}}  {grade:<5}  {this_year:>9,}  {next_year:>9,}  "
            f"{calendars}").rstrip()


def _calendars(calendars: list[dict]) -> str:
    """"HS28", or "HS28 12, HS28B 3" for a grade placed in more than one calendar."""
    if len(calendars) == 1:
        return calendars[0]["calendar_id"]
    return ", ".join(f"{c['calendar_id']} {c['count']:,}" for c in calendars)


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

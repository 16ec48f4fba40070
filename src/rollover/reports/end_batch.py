"""The text reports of the end batch and the clean-up (YE-15), from the object each prints with
`--json` (the stored report with its run id): the same text for a run just made and a stored
one."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only
    from ..domain.people import Student


def end_batch_text(report: dict, students: dict[str, Student] | None = None) -> Iterator[str]:
    """The totals first (a run over several calendars: then each calendar's), then the ended
    (graduates marked) and skipped enrollments, calendar by calendar."""
    students = students or {}
    test = report["mode"] == "test"
    title = f"End batch {'Run Test' if test else 'Run'} {report['run_id']}"
    suffix = "; test run, no enrollment was changed" if test else ""
    if "calendars" in report:
        calendars = report["calendars"]
        yield (f"{title}: {len(calendars):,} calendar{'s' if len(calendars) != 1 else ''}, "
               f"end date {report['end_date']}")
        yield (f"Total: {report['totals']['calendars']:,} calendars, "
               f"{_ended_total(report['totals'])}{suffix}")
        yield from _per_calendar(calendars, _ended_total, with_end_date=True)
        yield from _ended_counts([e for one in calendars for e in one["ended"]],
                                 [s for one in calendars for s in one["skipped"]])
        for one in calendars:
            yield ""
            yield f"Calendar {one['calendar_id']}, end date {one['end_date']}:"
            yield from _ended_and_skipped(one, students)
        return
    yield f"{title}: calendar {report['calendar_id']}, end date {report['end_date']}"
    yield f"Total: {_ended_total(report['totals'])}{suffix}"
    if report.get("school_id"):
        yield f"School: {_school(report)}"
    yield from _ended_counts(report["ended"], report["skipped"])
    yield from _ended_and_skipped(report, students)


def _per_calendar(calendars: list[dict], total, *, with_end_date: bool = False
                  ) -> Iterator[str]:
    """A line per calendar: its school, its totals."""
    yield ""
    yield "Per calendar:"
    width = max(len(one["calendar_id"]) for one in calendars)
    schools = [_school(one) for one in calendars]
    school_width = max(map(len, schools))
    for one, school in zip(calendars, schools):
        end = f"  end date {one['end_date']}" if with_end_date else ""
        yield (f"  {one['calendar_id']:<{width}}  {school:<{school_width}}{end}  "
               f"{total(one['totals'])}")


def _school(report: dict) -> str:
    """`Lincoln High (HSA)`; a report stored before it named schools: `-`."""
    if not report.get("school_id"):
        return "-"
    name = report.get("school_name")
    return f"{name} ({report['school_id']})" if name else report["school_id"]


def _ended_counts(ended: list[dict], skipped: list[dict]) -> Iterator[str]:
    """The ended enrollments per grade, and the skipped ones per reason (most first)."""
    per_grade = Counter(e["grade"] for e in ended)
    graduates = Counter(e["grade"] for e in ended if e["graduate"])
    if per_grade:
        yield "Ended per grade: " + ", ".join(
            f"{grade} {n:,}" + (f" ({graduates[grade]:,} graduates)" if graduates[grade] else "")
            for grade, n in sorted(per_grade.items()))
    # A reason's kind is what it says before its details: "already ended (2027-05-14, W01)".
    reasons = Counter(s["reason"].split(" (")[0] for s in skipped)
    if reasons:
        yield "Skipped per reason: " + ", ".join(
            f"{reason} {n:,}" for reason, n in sorted(reasons.items(),
                                                        key=lambda item: (-item[1], item[0])))


def _ended_and_skipped(report: dict, students: dict[str, Student]) -> Iterator[str]:
    from ..domain.end_batch import EarlyEnd  # loaded by the commands that show the report

    if "early" in report:
        early = report["early"]
        yield ""
        yield "Early end (--early): " + EarlyEnd(
            dt.date.fromisoformat(report["end_date"]), report["calendar_id"],
            dt.date.fromisoformat(early["last_instructional_day"]),
            early["cleanup_would_remove"]).describe()
    yield ""
    yield "Ended:"
    for e in report["ended"]:
        mark = "  graduate" if e["graduate"] else ""
        yield (f"  {e['enrollment_id']}  {who(students, e['student_id'])}  grade {e['grade']}  "
               f"-> {e['end_status']}{mark}")
    if not report["ended"]:
        yield "  (none)"
    if report["skipped"]:
        yield ""
        yield "Skipped:"
        for s in report["skipped"]:
            yield f"  {s['enrollment_id']}  {who(students, s['student_id'])}: {s['reason']}"


def _ended_total(totals: dict) -> str:
    return (f"{totals['ended']:,} ended ({totals['graduates']:,} graduates), "
            f"{totals['skipped']:,} skipped")


def cleanup_text(report: dict, students: dict[str, Student] | None = None) -> Iterator[str]:
    """The totals first (a run over several calendars: then each calendar's), then the removed
    and kept next-year enrollments with the reason, calendar by calendar."""
    students = students or {}
    test = report["mode"] == "test"
    title = f"Clean-up {'Run Test' if test else 'Run'} {report['run_id']}"
    suffix = "; test run, no enrollment was removed" if test else ""
    if "calendars" in report:
        calendars = report["calendars"]
        yield f"{title}: {len(calendars):,} calendar{'s' if len(calendars) != 1 else ''}"
        yield (f"Total: {report['totals']['calendars']:,} calendars, "
               f"{_cleanup_total(report['totals'])}{suffix}")
        yield from _per_calendar(calendars, _cleanup_total)
        for one in calendars:
            yield ""
            yield f"Calendar {one['calendar_id']}:"
            yield from _removed_and_kept(one, students)
        return
    yield f"{title}: calendar {report['calendar_id']}"
    yield f"Total: {_cleanup_total(report['totals'])}{suffix}"
    if report.get("school_id"):
        yield f"School: {_school(report)}"
    yield from _removed_and_kept(report, students)


def _removed_and_kept(report: dict, students: dict[str, Student]) -> Iterator[str]:
    for title, rows in (("Removed", report["removed"]), ("Kept", report["kept"])):
        yield ""
        yield f"{title}:"
        for r in rows:
            yield (f"  {r['enrollment_id']}  {who(students, r['student_id'])}  rolled from "
                   f"{r['rolled_from']}: {r['reason']}")
        if not rows:
            yield "  (none)"


def _cleanup_total(totals: dict) -> str:
    return (f"{totals['removed']:,} removed, {totals['kept']:,} kept, "
            f"{totals['not_rolled']:,} not rolled (untouched)")


def who(students: dict[str, Student], student_id: str) -> str:
    """A student as these reports name them: id, last name, first name (the id alone if
    unknown, e.g. in a stored report)."""
    student = students.get(student_id)
    if student is None:
        return student_id
    return f"{student_id} {student.last_name}, {student.first_name}"

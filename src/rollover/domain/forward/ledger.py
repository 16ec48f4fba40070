"""Duplicates and re-runs (roll-forward.md §6): RF-21 and RF-22."""

from __future__ import annotations

from .warnings import ALREADY_ENROLLED, DUPLICATE_PRIMARY, Notice


class DestinationLedger:
    """The destination-year enrollments each student has: those stored before the run, then
    those this run creates, so that no student gets two enrollments in one calendar.

    A run decides its candidates student by student (`plan_forward` groups them), so of this
    run's enrollments only the current student's are remembered: a million students' would
    take more memory than the rest of the run."""

    def __init__(self, before_run: dict[str, list[tuple[str, str]]], allow_duplicate_primary: bool):
        self._before = before_run
        self._allow_duplicate_primary = allow_duplicate_primary
        self._student: str | None = None
        # (calendar_id, service_type, source_enrollment_id) created in this run for _student
        self._this_run: list[tuple[str, str, str]] = []

    def admit(self, student_id: str, calendar_id: str, service_type: str,
              source_enrollment_id: str) -> Notice | None:
        """None when the new enrollment may be created (and records it), else the warning."""
        if student_id != self._student:
            self._student, self._this_run = student_id, []
        before = self._before.get(student_id, ())
        this_run = self._this_run
        # RF-21: never a second enrollment in one calendar, whoever made the first; this wins
        # over DUPLICATE_PRIMARY.
        if any(c == calendar_id for c, _ in before) or any(c == calendar_id for c, *_ in this_run):
            return Notice(ALREADY_ENROLLED, f"already enrolled in calendar {calendar_id!r}")
        # RF-22: no second primary enrollment in the destination year, unless allowed.
        # "Already" is before this run; the several destinations one source enrollment gets
        # (RF-10, RF-11) are all created, but another source enrollment of the same student
        # rolled earlier in this run counts as already there.
        if service_type == "primary" and not self._allow_duplicate_primary:
            # The lowest calendar id is named, so the message does not depend on row order.
            primary = min((c for c, s in before if s == "primary"), default=None) or next(
                (c for c, s, source in this_run
                 if s == "primary" and source != source_enrollment_id), None)
            if primary is not None:
                return Notice(DUPLICATE_PRIMARY, f"already has a primary enrollment in "
                                                 f"{primary!r} in the destination year")
        this_run.append((calendar_id, service_type, source_enrollment_id))
        return None

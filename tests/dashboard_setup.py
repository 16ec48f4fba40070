"""What the dashboard's tests share: the demo district broken at one school, so the readiness
check finds an error there that names its records; and a roll forward Run of one school."""

from __future__ import annotations

from sqlalchemy import select

from rollover.domain.forward.options import ForwardOptions
from rollover.services.edits import edit_record
from rollover.services.forward import roll_forward
from rollover.store.database import reading
from rollover.store.schema import enrollments

from .security_setup import ADMIN

BROKEN_SCHOOL, BROKEN_CALENDAR, NEXT_CALENDAR = "ELM0001", "2027-ELM0001", "2028-ELM0001"
NOT_OFFERED = "12"  # a grade the elementary school's next-year calendar does not offer
ROLLED_SCHOOL, ROLLED_CALENDAR = "MID0001", "2027-MID0001"


def break_the_demo(engine) -> str:
    """Send a student of the elementary school into grade 12 of its next-year calendar: YE-1's
    NEXT_GRADE_NOT_OFFERED, an error naming the enrollment.  The enrollment's id."""
    with reading(engine) as conn:
        enrollment_id = conn.execute(
            select(enrollments.c.enrollment_id)
            .where(enrollments.c.calendar_id == BROKEN_CALENDAR,
                   enrollments.c.end_date.is_(None))
            .order_by(enrollments.c.enrollment_id).limit(1)).scalar_one()
    edit_record(engine, "enrollments", {"enrollment_id": enrollment_id},
                {"next_calendar_id": NEXT_CALENDAR, "next_grade": NOT_OFFERED}, user=ADMIN)
    return enrollment_id


def roll_one_school(engine, *, test: bool = False):
    """A roll forward of the middle school's calendar (a Run, or a Run Test)."""
    return roll_forward(engine, ForwardOptions(source_calendars=(ROLLED_CALENDAR,), test=test),
                        user=ADMIN)

"""Students as the next-year exceptions page reads them: found by name or number a page at a
time, one student with every enrollment and the calendars of the next year, and the options of
a Run Test of that student alone (the roll forward's own decision, `forward` job)."""

from __future__ import annotations

from sqlalchemy import Engine

from ..domain.filter import one_student_expression
from ..store import students as stored
from ..store.database import reading
from ..store.process import current_year
from .reads import DEFAULT_PER_PAGE, NotFound, Page, ReadRefused, check_paging
from .run_pages import search_words


def find_students(engine: Engine, q: str | None = None, *, page: int = 1,
                  per_page: int = DEFAULT_PER_PAGE) -> Page:
    """The students each word of `q` begins the first name, last name or number of (every
    student without `q`), by name, a page at a time."""
    offset = check_paging(page, per_page)
    words = search_words(q)
    with reading(engine) as conn:
        total, items = stored.students_total_and_page(conn, words, offset, per_page)
    return Page(items, page, per_page, total)


def student_with_enrollments(engine: Engine, student_id: str) -> dict:
    """The student, the district's current school year, every enrollment of the student (newest
    year first) and the calendars of the next year (where an exception may send them)."""
    with reading(engine) as conn:
        student = stored.student_row(conn, student_id)
        if student is None:
            raise NotFound(f"unknown student {student_id!r}")
        year = current_year(conn)
        next_calendars = stored.calendars_of_year(conn, year + 1) if year is not None else []
        enrollments = stored.enrollments_of(conn, student_id)
    return {"student": student, "school_year": year, "enrollments": enrollments,
            "next_calendars": next_calendars}


def one_student_run_test(engine: Engine, student_id: str) -> dict:
    """The options of a roll forward Run Test (a `forward` job) of this student alone: their
    enrollments of the current school year, decided by the same rules as every other."""
    found = student_with_enrollments(engine, student_id)
    year = found["school_year"]
    calendars = sorted({e["calendar_id"] for e in found["enrollments"]
                        if e["school_year"] == year})
    if not calendars:
        raise ReadRefused(f"student {student_id!r} has no enrollment in the current school "
                          f"year {year}: there is nothing to roll forward")
    return {"source_calendars": calendars, "filter": one_student_expression(student_id),
            "test": True}

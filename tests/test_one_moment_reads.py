"""Every read that spans tables sees one moment of the district (issue: trust, item 1): a write
that commits while an export, a report or the task list is half read is either wholly in what it
shows or wholly out of it, on SQLite and PostgreSQL.

The write is made at a named pause point of the reader (rollover.pause_points), so the moment is
exact and nothing depends on timing.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from rollover.pause_points import hold_at
from rollover.services.bundles import export_bundle, import_bundle
from rollover.services.runs import list_runs
from rollover.store.database import reading, writing
from rollover.store.schema import enrollments, students


def a_new_student_and_enrollment(engine) -> None:
    """One committed write across two tables: a student, and the enrollment that names them."""
    with writing(engine) as conn:
        student = dict(conn.execute(select(students).where(
            students.c.student_id == "S1")).one()._mapping)
        enrollment = dict(conn.execute(select(enrollments).where(
            enrollments.c.enrollment_id == "E1")).one()._mapping)
        conn.execute(students.insert().values({**student, "student_id": "S-NEW",
                                               "student_number": "9999"}))
        conn.execute(enrollments.insert().values({**enrollment, "enrollment_id": "E-NEW",
                                                  "student_id": "S-NEW"}))


def files_of(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}


def test_an_export_equals_the_district_before_a_write_committed_between_two_of_its_tables(
        engine, tiny_bundle, tmp_path):
    import_bundle(engine, tiny_bundle)
    export_bundle(engine, tmp_path / "before")
    written = []

    def commit_now():
        if not written:  # once, after students.csv and before enrollments.csv
            a_new_student_and_enrollment(engine)
            written.append(True)

    with hold_at("export:wrote students.csv", commit_now):
        export_bundle(engine, tmp_path / "during")
    export_bundle(engine, tmp_path / "after")
    assert written
    during, before, after = (files_of(tmp_path / n) for n in ("during", "before", "after"))
    assert before != after  # the write changed two files
    assert during == before
    # And what was exported is a district that imports again.
    import_bundle(engine, tmp_path / "during", replace=True)


def test_a_reading_transaction_does_not_see_what_commits_while_it_reads(engine, tiny_bundle):
    import_bundle(engine, tiny_bundle)
    with reading(engine) as conn:
        first = conn.execute(select(students.c.student_id)).scalars().all()
        a_new_student_and_enrollment(engine)
        again = conn.execute(select(students.c.student_id)).scalars().all()
        named = conn.execute(select(enrollments.c.enrollment_id).where(
            enrollments.c.student_id == "S-NEW")).scalars().all()
    assert again == first and named == []
    assert list_runs(engine) == []

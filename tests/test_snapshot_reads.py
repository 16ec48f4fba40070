"""How the roll forward reads its snapshot at scale: plain driver rows, whole tables for a
district-wide run and a subquery for a small one, a table of the students the common case left
to the rules, students' own rows only when asked for.  Each way must read exactly what the
rules would read otherwise, on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from sqlalchemy import func, inspect, select

from rollover.domain.forward.options import ForwardOptions
from rollover.services.calendar_roll import CalendarRollOptions, roll_calendars
from rollover.services.demo import load_demo
from rollover.services.forward import decide
from rollover.store import snapshot as snapshot_reads
from rollover.store.plain_rows import plain_rows
from rollover.store.schema import (
    assignment_overrides, calendars, enrollments, grade_levels, students,
)
from rollover.store.snapshot import load_catalog, load_snapshot

YEAR = 2027


@pytest.fixture
def demo(engine):
    load_demo(engine, students=600, seed=5)
    return engine


def snapshot(conn, calendar_ids, **options):
    return load_snapshot(conn, load_catalog(conn), calendar_ids, YEAR + 1, ["primary"],
                         **options)


def year_calendars(conn) -> list[str]:
    return sorted(conn.execute(select(calendars.c.calendar_id)
                               .where(calendars.c.school_year == YEAR)).scalars())


def test_plain_rows_are_the_rows_sqlalchemy_reads_with_typed_dates(demo):
    e = enrollments.c
    with demo.connect() as conn:
        query = (select(e.enrollment_id, e.student_id, e.start_date, e.end_date,
                        e.graduation_cohort)
                 .where(e.calendar_id.in_(year_calendars(conn)[:5]))
                 .order_by(e.enrollment_id))
        expected = [tuple(row) for row in conn.execute(query)]
        found = list(plain_rows(conn, query, batch=7))  # several fetches
    assert found == expected
    assert len(found) > 7
    assert all(isinstance(row[2], dt.date) for row in found)


def test_a_small_run_and_a_district_wide_run_read_the_same_about_each_student(demo):
    with demo.connect() as conn:
        every = year_calendars(conn)
        whole = snapshot(conn, every)
        busiest = max(every, key=lambda c: sum(e.calendar_id == c for e in whole.candidates))
        small = snapshot(conn, [busiest])
        stored = conn.execute(select(func.count()).select_from(students)).scalar_one()
    mine = {e.student_id for e in small.candidates}
    assert mine and len(mine) * 2 < stored  # the small run reads by subquery
    assert len({e.student_id for e in whole.candidates}) * 2 >= stored  # the whole run does not
    people, everyone = small.people, whole.people
    theirs_all = {e.student_id for e in whole.candidates}
    assert set(everyone.students) == theirs_all  # read whole, kept only for the candidates
    assert set(everyone.primary_addresses) <= theirs_all
    assert set(people.students) == mine
    assert {s: everyone.students[s] for s in mine} == people.students
    for part in ("primary_addresses", "participations", "destination_enrollments"):
        theirs = {s: v for s, v in getattr(everyone, part).items() if s in mine}
        assert getattr(people, part) == theirs, part
    assert people.overrides == {k: v for k, v in everyone.overrides.items() if k[0] in mine}
    assert any(people.primary_addresses.values())


def test_without_students_only_their_own_rows_are_left_out(demo):
    with demo.connect() as conn:
        every = year_calendars(conn)
        full = snapshot(conn, every)
        lean = snapshot(conn, every, with_students=False)
    assert lean.people.students == {}
    assert len(full.people.students) > 0
    assert lean.candidates == full.candidates
    assert lean.people.primary_addresses == full.people.primary_addresses
    assert lean.people.participations == full.people.participations


def test_the_students_the_common_case_left_to_the_rules_are_read_through_a_table_of_them(
        demo, monkeypatch):
    roll_calendars(demo, CalendarRollOptions(from_year=YEAR), user="tester")
    with demo.begin() as conn:
        every = year_calendars(conn)
        _enrolled_next_year_with_an_override(conn, 3)  # the rules', not the common case's
        whole = snapshot(conn, every)
        statements = []

        def reading(conn, query, *args, **kwargs):
            statements.append(str(query))
            return plain_rows(conn, query, *args, **kwargs)
        monkeypatch.setattr(snapshot_reads, "plain_rows", reading)
        decision = decide(conn, ForwardOptions(source_calendars=tuple(every)),
                          common_in_database=True)
        stored = conn.execute(select(func.count()).select_from(students)).scalar_one()
        left = inspect(conn).get_temp_table_names() if conn.dialect.name == "sqlite" else [
            name for (name,) in conn.exec_driver_sql(
                "SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema()")]
        decision.picked.drop()
    rest = decision.snapshot
    mine = {e.student_id for e in rest.candidates}
    # The common case took most students: the rest are read by their table, not a subquery.
    assert decision.plan.by_common_case > len(rest.candidates)
    assert mine and len(mine) * 2 < stored
    def by_id(candidates):
        return sorted(candidates, key=lambda e: e.enrollment_id)
    assert by_id(e for e in whole.candidates if e.student_id in mine) == by_id(rest.candidates)
    everyone, people = whole.people, rest.people
    assert set(people.students) == {e.student_id for e in whole.candidates}  # every candidate's
    for part in ("primary_addresses", "participations", "destination_enrollments"):
        theirs = {s: v for s, v in getattr(everyone, part).items() if s in mine}
        assert getattr(people, part) == theirs, part
    assert people.overrides == {k: v for k, v in everyone.overrides.items() if k[0] in mine}
    assert any(people.primary_addresses.values())
    assert len(people.destination_enrollments) == 3 and len(people.overrides) == 3
    # Households, programs, overrides and next-year enrollments: each read by the table.
    assert sum("IN (SELECT rollover_candidate_students.student_id" in statement
               for statement in statements) == 4
    assert "rollover_candidate_students" not in left  # dropped once read


def _enrolled_next_year_with_an_override(conn, how_many: int) -> None:
    """The first students enroll next year already, each with an override for a school."""
    c, g = calendars.c, grade_levels.c
    calendar_id, school_id, structure_id, grade = conn.execute(
        select(c.calendar_id, c.school_id, g.structure_id, g.grade)
        .join_from(calendars, grade_levels, g.calendar_id == c.calendar_id)
        .where(c.school_year == YEAR + 1).order_by(c.calendar_id, g.structure_id, g.grade)
    ).first()
    first = conn.execute(select(students.c.student_id).order_by(students.c.student_id)
                         .limit(how_many)).scalars().all()
    conn.execute(enrollments.insert(), [
        {"enrollment_id": f"NEXT-{student}", "student_id": student, "calendar_id": calendar_id,
         "structure_id": structure_id, "grade": grade, "service_type": "primary",
         "start_date": dt.date(YEAR, 8, 20)} for student in first])
    conn.execute(assignment_overrides.insert(), [
        {"student_id": student, "school_id": school_id, "school_year": YEAR + 1}
        for student in first])

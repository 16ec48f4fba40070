"""How the roll forward reads its snapshot at scale: plain driver rows, whole tables for a
district-wide run and a subquery for a small one, students' own rows only when asked for.
Each way must read exactly what the rules would read otherwise, on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from rollover.services.demo import load_demo
from rollover.store.plain_rows import plain_rows
from rollover.store.schema import calendars, enrollments, students
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

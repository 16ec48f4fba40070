"""Loading the roll forward's snapshot in bulk: a few whole-table or whole-year queries, only the
columns the rules read, no per-student round trips.  `domain/assemble.py` builds the objects."""

from __future__ import annotations

from sqlalchemy import Column, ColumnElement, Connection, MetaData, Table, and_, func, select

from ..bundle.format import FILES_BY_TABLE
from ..domain.assemble import (
    SharedValues, build_boundaries, build_catalog, build_enrollments, build_people,
)
from ..domain.snapshot import Catalog, Snapshot
from ..progress import Progress, Tally, no_progress
from .bulk import insert_rows, refresh_statistics
from .plain_rows import plain_rows
from .schema import (
    assignment_overrides, boundaries, boundary_areas, calendars, days, district, enrollments,
    grade_levels, household_members, households, local_start_statuses, program_participations,
    programs, schools, structures, students, terms,
)
from .types import Key

_temporary = MetaData()  # never the district's schema: this lives for one read

# The students of the candidates left to the pure rules, when the common case took the others
# (`load_snapshot`'s `only_where`): each read of their households, programs, overrides and
# next-year enrollments looks them up here, rather than asking again which enrollments the
# common case did not pick.
candidate_students = Table(
    "rollover_candidate_students", _temporary, Column("student_id", Key, primary_key=True),
    prefixes=["TEMPORARY"])


def _bundle_columns(table):
    """The table's columns in its bundle file's order."""
    return [table.c[name] for name in FILES_BY_TABLE[table.name].column_names]


def load_catalog(conn: Connection) -> Catalog:
    """Settings, schools, every calendar with its structures, grades, terms and first
    instructional day, start statuses and continuous programs (small: whole tables)."""
    def rows(table):
        return conn.execute(select(*_bundle_columns(table)))

    d = days.c
    return build_catalog(
        district=conn.execute(select(*_bundle_columns(district))).first(),
        schools=rows(schools), calendars=rows(calendars), structures=rows(structures),
        grade_levels=rows(grade_levels), terms=rows(terms),
        first_instructional_days=conn.execute(
            select(d.calendar_id, func.min(d.date)).where(d.instructional.is_(True))
            .group_by(d.calendar_id)),
        start_statuses=rows(local_start_statuses),
        continuous_programs=conn.execute(
            select(programs.c.program_id).where(programs.c.continuous.is_(True))).scalars())


def load_snapshot(conn: Connection, catalog: Catalog, source_calendar_ids, destination_year: int,
                  service_types, progress: Progress = no_progress, *,
                  with_students: bool = True, only_where: ColumnElement[bool] | None = None,
                  left_out: int = 0, left_out_students: frozenset[str] = frozenset(),
                  shared: SharedValues | None = None) -> Snapshot:
    """The source calendars' enrollments of the chosen service types, and everything about
    their students that the rules read.  Without `with_students` the students' own rows (names,
    numbers, birth dates) are left out: only the ad hoc filter and reports read them.

    Progress: "reading", counted in rows read: the enrollments of the source calendars (a count
    on their index, of every service type) and one row a student for each read of the students'
    rows (their addresses too: one primary household each, mostly), corrected once the
    candidates are known; the small reads after them (programs, overrides, boundaries) are
    reported but not counted.

    `only_where`: a condition on the enrollments rows to read, false of candidates decided
    elsewhere (the common case, `store/common_case.py`; `left_out` of them): neither those nor
    anything of their students is read, but the students' own rows, of `left_out_students`,
    are."""
    e = enrollments.c
    source_calendar_ids = list(source_calendar_ids)
    every_candidate = and_(e.calendar_id.in_(source_calendar_ids),
                           e.service_type.in_(list(service_types)))
    in_sources = every_candidate if only_where is None else and_(
        every_candidate, only_where)
    listed = conn.execute(select(func.count()).select_from(enrollments)
                          .where(e.calendar_id.in_(source_calendar_ids))).scalar_one()
    listed = max(0, listed - left_out)
    stored = conn.execute(select(func.count()).select_from(students)).scalar_one()
    student_reads = 2 if with_students else 1
    reading = Tally(progress, "reading", listed + student_reads * min(listed, stored)).start()
    shared = SharedValues() if shared is None else shared
    candidates = build_enrollments(reading.rows(
        plain_rows(conn, select(*_bundle_columns(enrollments)).where(in_sources)),
        expected=listed), shared)
    wanted = {enrollment.student_id for enrollment in candidates}
    of_candidates, per_read = _students_filter(conn, wanted, in_sources, stored, reading,
                                               kept=only_where is not None)
    of_all, all_read = (of_candidates, per_read)
    if only_where is not None and with_students:  # the students' rows of every candidate
        of_all, all_read = _students_filter(conn, wanted | left_out_students, every_candidate,
                                            stored, reading)
    reading.expect(reading.done + (all_read if with_students else 0) + per_read)
    s, m, h = students.c, household_members.c, households.c
    p, o, c = program_participations.c, assignment_overrides.c, calendars.c
    people = build_people(
        students=(of_all(select(*_bundle_columns(students)), s.student_id, all_read)
                  if with_students else ()),
        primary_addresses=of_candidates(
            select(m.student_id, h.number, h.street, h.city, h.zip, h.latitude, h.longitude)
            .join_from(household_members, households, m.household_id == h.household_id)
            .where(m.primary.is_(True))
            .order_by(m.student_id, m.household_id), m.student_id, per_read),
        participations=of_candidates(
            select(p.student_id, p.program_id, p.start_date, p.end_date)
            .where(p.program_id.in_(list(catalog.continuous_programs))), p.student_id),
        overrides=of_candidates(
            select(o.student_id, o.school_id, o.program_id)
            .where(o.school_year == destination_year), o.student_id),
        destination_enrollments=of_candidates(
            select(e.student_id, e.calendar_id, e.service_type)
            .join_from(enrollments, calendars, e.calendar_id == c.calendar_id)
            .where(c.school_year == destination_year), e.student_id),
        shared=shared)
    a = boundary_areas.c
    rows = build_boundaries(
        reading.rows(conn.execute(select(*_bundle_columns(boundaries))
                                  .order_by(boundaries.c.boundary_key)), 0),
        conn.execute(select(a.school_id, a.program_id, a.name, a.low_sequence, a.high_sequence,
                            a.geometry).order_by(a.area_key)).all(),
        people)
    reading.finish()
    if only_where is not None:
        candidate_students.drop(conn, checkfirst=True)
    return Snapshot(catalog, people, rows, candidates)


def _students_filter(conn: Connection, wanted: set[str], in_sources, stored: int,
                     reading: Tally, *, kept: bool = False):
    """How to read only the candidates' students' rows: when they are most of the district (a
    district-wide run), the whole table, kept by a set lookup; else the database picks them
    with a subquery, or, `kept`, from a temporary table of them (where the subquery would ask
    the common case's anti-join again for every read; `kept` needs a connection that may write,
    as the common case's does).  Either way the rows and their order are the same.  Also the
    rows a read of one row a student streams: every student's, or the candidates' students'."""
    whole_table = len(wanted) * 2 >= stored
    if kept and not whole_table:
        their_students = _kept(conn, wanted)
    else:
        their_students = select(enrollments.c.student_id).where(in_sources).scalar_subquery()

    def of_candidates(query, student_column, expected: int = 0):
        if whole_table:
            streamed = reading.rows(plain_rows(conn, query), expected)
            return (row for row in streamed if row[0] in wanted)
        return reading.rows(plain_rows(conn, query.where(student_column.in_(their_students))),
                            expected)

    return of_candidates, stored if whole_table else len(wanted)


def _kept(conn: Connection, wanted: set[str]):
    """The students in `candidate_students`, as a subquery for `IN`."""
    candidate_students.drop(conn, checkfirst=True)  # a connection's earlier run that failed
    candidate_students.create(conn)
    insert_rows(conn, candidate_students, ["student_id"], ((s,) for s in sorted(wanted)))
    refresh_statistics(conn, [candidate_students])  # a new table's, for PostgreSQL's planner
    return select(candidate_students.c.student_id).scalar_subquery()

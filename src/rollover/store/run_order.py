"""The numbers (`seq`) of a page of a run's new enrollments in another order than the decisions'
(store/run_pages.py): by student name or number, next school, next grade or deciding rule, equal
keys in decision order, each way ("-name": Z to A, and the last decided first).

Sorting a whole run to show one page of it reads every row, a second at a million students.  So
the first pages of the whole run, or of a grade, are read in order instead, and cost what the
rows before them do:

- by rule: from the run's index by rule (at any page);
- by name, number or school: the students (or schools) in the sort's order from their index, and
  each one's rows of the run from the run's index by student (or calendar); equal keys are sorted
  by number as they come (PostgreSQL's incremental sort, SQLite's sort of the right part of an
  order);
- by grade: each grade level's sequence and grade in order, and the run's rows of that grade
  read in number order from the run's index by grade.

A page of a school's, a calendar's or a search's rows is sorted whole (the filters find them from
their index), and so is a page more than WALKED_ROWS into the run, where reading every row costs
less than reading that many in order; a page in the second half of the order is read from the
other end, the whole order reversed, so the sort keeps no more than half the rows.

A row whose student (or school, or grade level) is no longer in the district has nothing to be
sorted by: it comes after every other row, either way.  Reading in order never meets such a row,
so a page it cannot fill is sorted whole.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from sqlalchemy import Connection, Row, Select, and_, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, Join, UnaryExpression
from sqlalchemy.sql.operators import custom_op

from .schema import calendars, grade_levels, run_rolled, schools, students

# A page further into the run than this is sorted whole (docs/reading-runs.md, "Sorted pages").
WALKED_ROWS = 50_000
IN_ORDER = ("name", "number", "school", "grade")  # the sorts read in order, unfiltered
IN_ORDER_FILTERED = ("name", "school", "grade")  # and filtered by grade
READ_ROWS = 1_000  # of a grade at a time, for a page by grade


def ordered_seqs(conn: Connection, run_id: str, sort: str, conditions: list, offset: int,
                 limit: int, total: int, *, spread: bool) -> list[int]:
    """The numbers of the rows `offset` to `offset + limit` of the run's rows that meet the
    `conditions` (`total` of them, more than `offset`) in the order `sort` asks.  `spread`: the
    conditions are none, or a grade's, whose rows are spread through every order but the
    student number's (which a district may give out year by year)."""
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    wanted = min(limit, total - offset)
    if not conditions and name == "decision":  # the run's rows are numbered 1 to total
        first, step = (total - offset, -1) if descending else (offset + 1, 1)
        return list(range(first, first + step * wanted, step))
    if spread and name in (IN_ORDER_FILTERED if conditions else IN_ORDER):
        run_rows = total if not conditions else conn.execute(
            select(func.max(run_rolled.c.seq)).where(run_rolled.c.run_id == run_id)).scalar()
        # Rows of the run read in order to reach the page's last, if the filtered are spread
        # evenly through it.
        if (offset + limit) * run_rows <= WALKED_ROWS * total:
            read_in_order = _by_grade_levels if name == "grade" else _by_keys
            seqs = read_in_order(conn, run_id, name, descending, conditions, offset, limit)
            if len(seqs) == wanted:
                return seqs
    after = total - offset - wanted  # rows after the page
    if after < offset:
        return _sorted(conn, run_id, name, not descending, conditions, after, wanted,
                       backwards=True)[::-1]
    return _sorted(conn, run_id, name, descending, conditions, offset, limit)


def _by_keys(conn: Connection, run_id: str, name: str, descending: bool, conditions: list,
             offset: int, limit: int) -> list[int]:
    """The page read from the index of the sort's keys (students', schools'), each key's rows
    of the run found from the run's index."""
    r, s = run_rolled.c, students.c
    if name == "school":
        by_school = _InOrder(schools, calendars, calendars.c.school_id == schools.c.school_id)
        ordered = _InOrder(by_school, run_rolled,
                           and_(r.run_id == run_id, r.calendar_id == calendars.c.calendar_id))
    else:
        ordered = _InOrder(students, run_rolled,
                           and_(r.run_id == run_id, r.student_id == s.student_id))
    return _page(conn, select(r.seq).select_from(ordered).where(*conditions),
                 [*_keys(name), r.seq], descending, offset, limit)


def _by_grade_levels(conn: Connection, run_id: str, name: str, descending: bool,
                     conditions: list, offset: int, limit: int) -> list[int]:
    """The page read a grade level's sequence and grade at a time, in order: the run's rows of
    that grade in number order, from the run's index by grade, each kept when its grade level
    has that sequence.  The sequence is looked up here: asked in the query, both planners
    would rather sort all of a grade's rows (a seventh of the run) than read a page of them in
    order."""
    g = grade_levels.c
    levels = _ordered(select(g.sequence, g.grade).distinct(), [g.sequence, g.grade], descending)
    page: list[int] = []
    skip = offset  # rows of the order still to pass over before the page
    for sequence, grade in conn.execute(levels).all():
        sequence_of = dict(((calendar_id, structure_id), n) for calendar_id, structure_id, n
                           in conn.execute(select(g.calendar_id, g.structure_id, g.sequence)
                                           .where(g.grade == grade)))
        for seq, calendar_id, structure_id in _rows_of_grade(conn, run_id, grade, descending,
                                                             conditions):
            if sequence_of.get((calendar_id, structure_id)) != sequence:
                continue  # another sequence's, or its grade level is gone
            if skip:
                skip -= 1
                continue
            page.append(seq)
            if len(page) == limit:
                return page
    return page


def _rows_of_grade(conn: Connection, run_id: str, grade: str, descending: bool,
                   conditions: list) -> Iterator[Row]:
    """(seq, calendar_id, structure_id) of the run's rows of a grade that meet the conditions,
    in number order, read READ_ROWS at a time."""
    r = run_rolled.c
    rows_of_grade = select(r.seq, r.calendar_id, r.structure_id).where(
        r.run_id == run_id, r.grade == grade, *conditions)
    query = rows_of_grade
    while True:
        rows = conn.execute(_ordered(query, [r.seq], descending).limit(READ_ROWS)).all()
        yield from rows
        if len(rows) < READ_ROWS:
            return
        after = rows[-1].seq
        query = rows_of_grade.where(r.seq < after if descending else r.seq > after)


def _sorted(conn: Connection, run_id: str, name: str, descending: bool, conditions: list,
            offset: int, limit: int, *, backwards: bool = False) -> list[int]:
    """The page of the rows that meet the conditions, joined to what they are sorted by, and
    sorted; a row whose student, school or grade level is gone after every other (`backwards`:
    before, in the whole order reversed)."""
    r = run_rolled.c
    joined, gone = run_rolled, None
    if name in ("name", "number"):
        joined = joined.outerjoin(students, students.c.student_id == r.student_id)
        gone = students.c.student_id.is_(None)
    elif name == "school":
        joined = (joined.outerjoin(calendars, calendars.c.calendar_id == r.calendar_id)
                  .outerjoin(schools, schools.c.school_id == calendars.c.school_id))
        gone = schools.c.school_id.is_(None)
    elif name == "grade":
        joined = joined.outerjoin(grade_levels, _its_grade_level())
        gone = grade_levels.c.calendar_id.is_(None)
    query = select(r.seq).select_from(joined).where(r.run_id == run_id, *conditions)
    if gone is not None:
        query = query.order_by(gone.desc() if backwards else gone)
    keys = [*_keys(name), r.seq]
    if conditions and conn.dialect.name == "sqlite":
        # SQLite plans without statistics: the filter's index finds the rows, not the run's
        # index by rule or number read in order.
        keys = [plain(key) for key in keys]
    return _page(conn, query, keys, descending, offset, limit)


def plain(column: ColumnElement) -> ColumnElement:
    """The column as an expression (+column): the same values, but no index is chosen by it."""
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


def _keys(name: str) -> list[ColumnElement]:
    """What a sort orders by, before the decision's number."""
    s, g = students.c, grade_levels.c
    return {"decision": [], "rule": [run_rolled.c.rule],
            "name": [func.lower(s.last_name), func.lower(s.first_name)],
            "number": [s.student_number], "school": [schools.c.name],
            "grade": [g.sequence, run_rolled.c.grade]}[name]


def _its_grade_level() -> ColumnElement:
    r, g = run_rolled.c, grade_levels.c
    return and_(g.calendar_id == r.calendar_id, g.structure_id == r.structure_id,
                g.grade == r.grade)


def _page(conn: Connection, query: Select, keys: list, descending: bool, offset: int,
          limit: int) -> list[int]:
    page = _ordered(query, keys, descending).limit(limit).offset(offset)
    return list(conn.execute(page).scalars())


def _ordered(query: Select, keys: list, descending: bool) -> Select:
    return query.order_by(*(key.desc() if descending else key for key in keys))


class _InOrder(Join):
    """An inner join whose left side is read first, in the order of its index.  PostgreSQL's
    planner finds that itself (from its statistics); SQLite plans without statistics and would
    start from the run's index, then sort all of it, so there it is a CROSS JOIN, which SQLite
    never reorders."""

    inherit_cache = True


@compiles(_InOrder, "sqlite")
def _cross_join(join: _InOrder, compiler, asfrom=False, from_linter=None, **kw) -> str:
    if from_linter:  # the tables are joined, not a cartesian product
        from_linter.edges.update(itertools.product(join.left._from_objects,
                                                   join.right._from_objects))
    return (join.left._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw)
            + " CROSS JOIN "
            + join.right._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw)
            + " ON " + join.onclause._compiler_dispatch(compiler, from_linter=from_linter, **kw))

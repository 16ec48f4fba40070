"""A stored run's new enrollments and warnings (run_rolled, run_warnings), a page at a time.

Every query is answered from an index of the run, never by reading the whole run: the page's
numbers (`seq`) are found first, from the index that fits the filters, then only those rows are
joined to the students, calendars and schools that name them.  A run's rows are numbered 1, 2,
3 ... (store/runs.py), so an unfiltered page is a range of numbers and its total the last one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    CompoundSelect, Connection, Integer, Select, and_, cast, except_, func, literal, select,
    union, union_all,
)

from .run_order import ordered_seqs, plain
from .schema import (calendars, enrollments, grade_levels, run_grade_totals, run_rolled,
                     run_warnings, schools, students)

# A page of new enrollments in another order than the decisions' (store/run_order.py): each
# sort's columns, then the decision's number (so equal keys keep decision order and pages never
# overlap).
ROLLED_SORTS = ("decision", "name", "number", "school", "grade", "rule")


@dataclass(frozen=True)
class Selection:
    """What to read of a run: which rows (none given: all), and which page of them."""

    calendars: Sequence[str] | None = None  # the rows' calendars are among these
    grade: str | None = None
    code: str | None = None
    words: Sequence[str] = ()  # each begins the student's first name, last name or number
    offset: int = 0
    limit: int = 100
    sort: str = "decision"  # one of ROLLED_SORTS; "-name" ... the other way


def school_calendars(conn: Connection, school_id: str) -> list[str] | None:
    """The ids of every calendar of a school, of any year; None when there is no such school."""
    if conn.execute(select(schools.c.school_id).where(schools.c.school_id == school_id)).first() \
            is None:
        return None
    return list(conn.execute(select(calendars.c.calendar_id)
                             .where(calendars.c.school_id == school_id)).scalars())


def calendar_exists(conn: Connection, calendar_id: str) -> bool:
    return conn.execute(select(calendars.c.calendar_id)
                        .where(calendars.c.calendar_id == calendar_id)).first() is not None


# -- new enrollments ------------------------------------------------------------------------------
def rolled_total_and_page(conn: Connection, run_id: str, rows: Selection) -> tuple[int, list[dict]]:
    r = run_rolled.c
    if rows.sort == "decision":  # the run's own order: read from its indexes
        total, seqs = _total_and_seqs(conn, run_rolled, run_id, rows)
    else:
        total, seqs = _sorted_total_and_seqs(conn, run_id, rows)
    if not seqs:
        return total, []
    new_calendar, new_school = calendars.alias("new_calendar"), schools.alias("new_school")
    old_calendar, old_school = calendars.alias("old_calendar"), schools.alias("old_school")
    s = students.c
    query = (
        select(r.student_id, s.student_number, s.first_name, s.last_name,
               r.source_enrollment_id, r.enrollment_id,
               r.source_calendar_id, old_calendar.c.school_id.label("source_school_id"),
               old_school.c.name.label("source_school_name"), r.source_grade,
               r.calendar_id, new_calendar.c.school_id, new_school.c.name.label("school_name"),
               r.structure_id, r.grade, r.start_date, r.service_type, r.local_start_status,
               r.graduation_cohort, r.last_day_ender, r.warnings, r.rule, r.seq)
        .select_from(run_rolled
                     .outerjoin(students, s.student_id == r.student_id)
                     .outerjoin(new_calendar, new_calendar.c.calendar_id == r.calendar_id)
                     .outerjoin(new_school, new_school.c.school_id == new_calendar.c.school_id)
                     .outerjoin(old_calendar, old_calendar.c.calendar_id == r.source_calendar_id)
                     .outerjoin(old_school, old_school.c.school_id == old_calendar.c.school_id))
        .where(r.run_id == run_id, r.seq.in_(seqs)))
    place = {seq: i for i, seq in enumerate(seqs)}
    items = []
    for row in sorted(conn.execute(query), key=lambda row: place[row.seq]):
        item = dict(row._mapping)
        del item["seq"]
        item["last_day_ender"] = bool(item["last_day_ender"])
        item["warnings"] = item["warnings"].split() if item["warnings"] else []
        items.append(item)
    return total, items


def _sorted_total_and_seqs(conn: Connection, run_id: str, rows: Selection
                           ) -> tuple[int, list[int]]:
    """The number of rows that meet the filters, and the numbers of the page's in the order
    `rows.sort` asks (store/run_order.py)."""
    r = run_rolled.c
    conditions, bounded = _conditions(conn, run_rolled, rows)
    if conditions:
        total = conn.execute(select(func.count()).select_from(run_rolled)
                             .where(r.run_id == run_id, *conditions)).scalar()
    else:  # numbered 1 to total
        total = conn.execute(select(func.max(r.seq)).where(r.run_id == run_id)).scalar() or 0
    if rows.offset >= total:
        return total, []
    return total, ordered_seqs(conn, run_id, rows.sort, conditions, rows.offset, rows.limit,
                               total, spread=not bounded)


def keep_grade_totals(conn: Connection, run_id: str,
                      after_each_side: Callable[[], object] = lambda: None) -> None:
    """Count the run's report per calendar and grade (`_counted`) into run_grade_totals, once,
    in the run's transaction: its results' totals, as they were when it decided.
    `after_each_side` is called when a side (source, destination) is counted (progress)."""
    t = run_grade_totals.c
    for side, counted in _counted(run_id).items():
        c = counted.subquery("counted").c
        conn.execute(run_grade_totals.insert().from_select(
            [t.run_id, t.side, t.calendar_id, t.grade, t.count],
            select(literal(run_id), literal(side), c.calendar_id, c.grade, c.count)))
        after_each_side()


def school_grade_counts(conn: Connection, run_id: str) -> list[dict]:
    """The run per calendar's school and grade: {"side": "source" or "destination",
    "school_id", "school_name", "grade", "sequence", "count"} (`_counted`), the sequence the
    grade's in its calendar (the lowest where calendars differ).  Read from run_grade_totals;
    a run kept before it (migration 0006) is counted from its rows."""
    t = run_grade_totals.c
    stored = conn.execute(select(func.count()).select_from(run_grade_totals)
                          .where(t.run_id == run_id)).scalar_one()
    if stored:
        sides = {side: select(t.calendar_id, t.grade, t.count)
                 .where(t.run_id == run_id, t.side == side)
                 for side in ("source", "destination")}
    else:
        sides = _counted(run_id)
    found = []
    g = grade_levels.c
    for side, counted in sides.items():
        counted_table = counted.subquery("counted")
        c = counted_table.c
        sequence = (select(func.min(g.sequence))
                    .where(g.calendar_id == c.calendar_id, g.grade == c.grade)
                    .scalar_subquery())
        query = (select(calendars.c.school_id, schools.c.name, c.grade, sequence, c.count)
                 .select_from(counted_table
                              .outerjoin(calendars, calendars.c.calendar_id == c.calendar_id)
                              .outerjoin(schools, schools.c.school_id == calendars.c.school_id)))
        found += [{"side": side, "school_id": school_id, "school_name": name, "grade": grade_,
                   "sequence": seq, "count": n}
                  for school_id, name, grade_, seq, n in conn.execute(query)]
    return found


def _counted(run_id: str) -> dict[str, Select]:
    """(calendar_id, grade, count) of the enrollments the run decided where they were, rolled
    or not (a graduate, a student with nowhere to go: their warnings name them), and of its new
    enrollments where they go."""
    r, w, e = run_rolled.c, run_warnings.c, enrollments.c
    # A source enrollment placed in two calendars (MULTIPLE_DESTINATIONS) counts once where it
    # comes from, and once in each calendar it goes to.  Each of its rows names the same source
    # calendar and grade, so counting it once within them counts it once, without sorting the
    # whole run to find its distinct source enrollments.
    rolled = (select(r.source_calendar_id.label("calendar_id"), r.source_grade.label("grade"),
                     func.count(r.source_enrollment_id.distinct()).label("count"))
              .where(r.run_id == run_id).group_by(r.source_calendar_id, r.source_grade))
    # Not rolled: the warned enrollments (each once) less the rolled ones, where they are: a set
    # difference, made once, never a join of the report to its warnings.  PostgreSQL plans such
    # a join (NOT IN, NOT EXISTS) by its statistics, which hold a run's rows only once it is
    # analysed; misjudged, it went through the whole report for each warning (minutes at a
    # million students; tests/test_run_pages.py reads the plans).
    unrolled = except_(select(w.source_enrollment_id).where(w.run_id == run_id),
                       select(r.source_enrollment_id).where(r.run_id == run_id)
                       ).cte("unrolled").prefix_with("MATERIALIZED", dialect="postgresql")
    not_rolled = (select(e.calendar_id, e.grade, func.count())
                  .join_from(unrolled, enrollments,
                             e.enrollment_id == unrolled.c.source_enrollment_id)
                  .group_by(e.calendar_id, e.grade))
    decided = union_all(rolled, not_rolled).subquery("decided")
    d = decided.c
    return {"source": select(d.calendar_id, d.grade,
                             cast(func.sum(d.count), Integer).label("count"))
            .group_by(d.calendar_id, d.grade),
            "destination": select(r.calendar_id, r.grade, func.count().label("count"))
            .where(r.run_id == run_id).group_by(r.calendar_id, r.grade)}


# -- warnings -------------------------------------------------------------------------------------
def warnings_total_and_page(conn: Connection, run_id: str, rows: Selection) -> tuple[int, list[dict]]:
    w = run_warnings.c
    total, seqs = _total_and_seqs(conn, run_warnings, run_id, rows)
    if not seqs:
        return total, []
    s = students.c
    query = (
        select(w.student_id, s.student_number, s.first_name, s.last_name,
               w.source_enrollment_id, w.source_calendar_id,
               calendars.c.school_id.label("source_school_id"),
               schools.c.name.label("source_school_name"), w.code, w.message)
        .select_from(run_warnings
                     .outerjoin(students, s.student_id == w.student_id)
                     .outerjoin(calendars, calendars.c.calendar_id == w.source_calendar_id)
                     .outerjoin(schools, schools.c.school_id == calendars.c.school_id))
        .where(w.run_id == run_id, w.seq.in_(seqs))
        .order_by(w.seq))
    return total, [dict(row._mapping) for row in conn.execute(query)]


def warning_counts(conn: Connection, run_id: str) -> list[dict]:
    """{"code", "count"} of each warning code of the run, most frequent first (ties by code)."""
    w = run_warnings.c
    count = func.count().label("count")
    query = (select(w.code, count).where(w.run_id == run_id).group_by(w.code)
             .order_by(count.desc(), w.code))
    return [{"code": code, "count": n} for code, n in conn.execute(query)]


# -- shared ---------------------------------------------------------------------------------------
def _conditions(conn: Connection, table, rows: Selection) -> tuple[list, bool]:
    """The filters as conditions, and whether they are *bounded*: they find at most a school's
    or a search's rows, which are then sorted by number, rather than a grade's or a code's,
    read in number order from their index.

    One filter is the *key*, the one an index is chosen by: the words (the student index),
    else the calendars, else the grade or code.  SQLite plans without statistics, so there the
    other filters are kept out of the choice (a unary +): they are read from the key's index."""
    steer = conn.dialect.name == "sqlite"
    calendar = table.c.calendar_id if table is run_rolled else table.c.source_calendar_id
    keys = []  # (column, condition on it, bounded), the key first
    if rows.words:
        keys.append((table.c.student_id,
                     lambda c: c.in_(_students_named(conn, rows.words)), True))
    if rows.calendars is not None:
        keys.append((calendar, lambda c: c.in_(rows.calendars) if len(rows.calendars) != 1
                     else c == rows.calendars[0], True))
    if rows.grade is not None:
        keys.append((table.c.grade, lambda c: c == rows.grade, False))
    if rows.code is not None:
        keys.append((table.c.code, lambda c: c == rows.code, False))
    conditions = [condition(column if i == 0 or not steer else plain(column))
                  for i, (column, condition, _bounded) in enumerate(keys)]
    return conditions, bool(keys) and keys[0][2]


def _total_and_seqs(conn: Connection, table, run_id: str, rows: Selection) -> tuple[int, list[int]]:
    """The number of rows of the run that meet the filters, and the numbers of the page's."""
    seq = table.c.seq
    in_run = table.c.run_id == run_id
    conditions, bounded = _conditions(conn, table, rows)
    if not conditions:
        total = conn.execute(select(func.max(seq)).where(in_run)).scalar() or 0
        first = rows.offset + 1
        return total, list(range(first, min(total, rows.offset + rows.limit) + 1))
    if not bounded:  # counted in the index, then the page read from it in order
        total = conn.execute(select(func.count()).select_from(table)
                             .where(in_run, *conditions)).scalar()
        if rows.offset >= total:
            return total, []
        page = (select(seq).where(in_run, *conditions).order_by(seq)
                .limit(rows.limit).offset(rows.offset))
        return total, list(conn.execute(page).scalars())
    # Found once, then sorted: the page and the total in one pass (`+seq` on SQLite, which
    # would otherwise walk the run's whole primary key to save the sort).  Only a page past the
    # last one needs the total counted apart.
    order = plain(seq) if conn.dialect.name == "sqlite" else seq
    page = conn.execute(select(seq, func.count().over()).where(in_run, *conditions)
                        .order_by(order).limit(rows.limit).offset(rows.offset)).all()
    if page:
        return page[0][1], [number for number, _total in page]
    if rows.offset == 0:
        return 0, []
    return conn.execute(select(func.count()).select_from(table)
                        .where(in_run, *conditions)).scalar(), []


def _students_named(conn: Connection, words: Sequence[str]) -> Select:
    """The ids of the students each of the words (already lower case) begins the first name,
    last name or student number of: those of the first word, kept when each other word's have
    them too, so the run is searched for the students all the words name, never for more."""
    first, *others = words
    found = _named_by(conn, first).subquery("named")
    return select(found.c.student_id).where(
        *(found.c.student_id.in_(_named_by(conn, word)) for word in others))


def _named_by(conn: Connection, word: str) -> CompoundSelect:
    """The students a word begins the first name, last name or number of: one range of each
    index of lower(...) (schema_district.py)."""
    s = students.c
    return union(*(select(s.student_id).where(_starts_with(conn, func.lower(column), word))
                   for column in (s.first_name, s.last_name, s.student_number)))


def _starts_with(conn: Connection, expression, prefix: str):
    """`expression` begins with `prefix`, as a range of the index's byte order: on PostgreSQL
    the operators of text_pattern_ops (whatever the database's collation), on SQLite the BINARY
    order of plain comparisons."""
    upper = _after_prefix(prefix)
    if conn.dialect.name == "postgresql":
        low = expression.op("~>=~", is_comparison=True)(prefix)
        return low if upper is None else and_(low, expression.op("~<~", is_comparison=True)(upper))
    return expression >= prefix if upper is None else and_(expression >= prefix,
                                                          expression < upper)


def _after_prefix(prefix: str) -> str | None:
    """The first string after every string that begins with `prefix`: its last character one
    higher (a last character with none higher is dropped first); None when there is none."""
    while prefix:
        last = ord(prefix[-1]) + 1
        if 0xD800 <= last <= 0xDFFF:  # no character is encoded there
            last = 0xE000
        if last <= 0x10FFFF:
            return prefix[:-1] + chr(last)
        prefix = prefix[:-1]
    return None

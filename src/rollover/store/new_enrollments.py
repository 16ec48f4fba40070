"""A roll forward's new enrollments, numbered and written by the database (docs/performance.md,
"The second path").

`number_new_enrollments` puts the new enrollments of the pure rules (the plan's, written from
Python into a temporary table) and those of the common case (made from the picked enrollments
and their routes, `store/common_case.py`, never read into Python) into one temporary table,
numbered 1, 2, 3 ... in the order `plan_forward` gives them: by student (code point order, as
Python compares text), a student's own in the plan's order.  A picked student has no other new
enrollment, so the two kinds never share a student.  A Run names each `RUN_ID-0000001` ... by
its number, as `services/forward.enrollment_step` does; a Run Test names none.

From that table the run's report, its new enrollments and their staff rows are each copied by
one `INSERT ... SELECT` (`NewEnrollments`), the last two saved in the run's undo log the same way
(`selected_rows.py`).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import (
    Boolean, Column, ColumnElement, Connection, Date, Integer, MetaData, Table, Text, and_, cast,
    false, func, insert, literal, null, or_, select, union_all,
)

from ..domain.change_plan import INSERT, ChangeStep
from ..domain.forward.enroll import NewEnrollment
from .bulk import insert_rows, refresh_statistics
from .common_case import Picked, common_enrollments, common_routes
from .schema import enrollments, run_rolled
from .schema_modules import enrollment_staff
from .selected_rows import SelectedRows
from .types import Key

_temporary = MetaData()  # never the district's schema: these live for one run's transaction

FIELDS = (
    ("student_id", Key), ("source_enrollment_id", Key), ("source_calendar_id", Key),
    ("source_grade", Key), ("calendar_id", Key), ("school_id", Key), ("structure_id", Key),
    ("grade", Key), ("start_date", Date), ("service_type", Text), ("local_start_status", Key),
    ("graduation_cohort", Integer), ("last_day_ender", Boolean), ("warnings", Text),
    ("rule", Text))
FIELD_NAMES = [name for name, _type in FIELDS]

decided = Table(  # the pure rules' new enrollments, `n` their place in the plan
    "rollover_decided", _temporary, Column("n", Integer, primary_key=True),
    *(Column(name, kind) for name, kind in FIELDS), prefixes=["TEMPORARY"])

numbered = Table(
    "rollover_new_enrollments", _temporary,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    *(Column(name, kind) for name, kind in FIELDS), prefixes=["TEMPORARY"])


def number_new_enrollments(conn: Connection, run_id: str, rolled: list[NewEnrollment],
                           picked: Picked | None, *, test: bool) -> NewEnrollments:
    """Number the plan's new enrollments (`rolled`, in its order) with the common case's
    (`picked`, whose tables are dropped once read) into one temporary table."""
    for table in (decided, numbered):
        table.drop(conn, checkfirst=True)  # a connection's earlier run that failed to drop it
        table.create(conn)
    insert_rows(conn, decided, ["n", *FIELD_NAMES], (
        (n, r.student_id, r.source_enrollment_id, r.source_calendar_id, r.source_grade,
         r.calendar_id, r.school_id, r.structure_id, r.grade, r.start_date, r.service_type,
         r.local_start_status, r.graduation_cohort, r.last_day_ender, " ".join(r.warnings),
         r.rule)
        for n, r in enumerate(rolled, start=1)))
    parts = [select(decided.c.n, *(decided.c[name] for name in FIELD_NAMES))]
    if picked is not None:
        parts.append(_common_case_rows())
    every = union_all(*parts).subquery("every")
    fields = [every.c[name] for name in FIELD_NAMES]
    if conn.dialect.name == "postgresql":
        in_order = (every.c.student_id.collate("C"), every.c.n)  # code points, as Python
        conn.execute(insert(numbered).from_select(["seq", *FIELD_NAMES], select(
            func.row_number().over(order_by=in_order), *fields)))
    else:
        # SQLite compares text as bytes: code points in UTF-8.  The key of a new table numbers
        # its rows 1, 2, 3 ... as they are inserted, in the SELECT's order: half the time of a
        # window function over them.
        conn.execute(insert(numbered).from_select(FIELD_NAMES, select(*fields).order_by(
            every.c.student_id, every.c.n)))
    if picked is not None:
        picked.drop()
    decided.drop(conn)
    refresh_statistics(conn, [numbered])  # a new table's, for PostgreSQL's planner
    return NewEnrollments(conn, run_id, test)


def _common_case_rows():
    """The common case's new enrollments: each picked enrollment's own student, enrollment,
    calendar, grade and service type (RF-19), its route's template for the rest, and its own
    graduation cohort where it has one (RF-20, as `enroll.graduation_cohort`)."""
    p, r = common_enrollments.c, common_routes.c
    return (select(literal(0).label("n"), p.student_id, p.enrollment_id, p.calendar_id, p.grade,
                   r.to_calendar_id, r.to_school_id, r.to_structure_id, r.to_grade, r.start_date,
                   p.service_type, r.local_start_status,
                   func.coalesce(p.graduation_cohort, r.graduation_cohort), false(),
                   literal(""), r.rule)
            .join_from(common_enrollments, common_routes, and_(
                r.calendar_id == p.calendar_id, r.structure_id == p.structure_id,
                r.grade == p.grade)))


def _enrollment_id(conn: Connection, run_id: str, seq: ColumnElement) -> ColumnElement:
    """`f"{run_id}-{seq:07d}"`: at least seven digits, more where the number needs them."""
    if conn.dialect.name == "postgresql":
        digits = cast(seq, Text)
        return literal(f"{run_id}-") + func.lpad(digits, func.greatest(7, func.length(digits)),
                                                 "0")
    return func.printf("%s-%07d", run_id, seq)


class NewEnrollments:
    """The run's numbered new enrollments, in their temporary table until `drop`."""

    def __init__(self, conn: Connection, run_id: str, test: bool):
        self.conn, self.run_id = conn, run_id
        # A Run names each new enrollment by its number; a Run Test names none.
        self.enrollment_id = (cast(null(), Key) if test else
                              _enrollment_id(conn, run_id, numbered.c.seq)).label("enrollment_id")
        self._selected: list[SelectedRows] = []  # the steps' rows, counted before the drop
        self._by_destination: Counter | None = None

    def __len__(self) -> int:
        return sum(self.by_destination().values())

    def by_destination(self) -> Counter:
        """New enrollments per destination calendar and grade (read once)."""
        if self._by_destination is None:
            n = numbered.c
            self._by_destination = Counter({
                (calendar_id, grade): count for calendar_id, grade, count in
                self.conn.execute(select(n.calendar_id, n.grade, func.count())
                                  .group_by(n.calendar_id, n.grade))})
        return self._by_destination

    def write_report(self) -> None:
        """RF-25: each new enrollment as a row of run_rolled, numbered as here."""
        n = numbered.c
        columns = [c.name for c in run_rolled.columns]
        values = {"run_id": literal(self.run_id), "seq": n.seq,
                  "enrollment_id": self.enrollment_id,
                  **{name: n[name] for name in columns
                     if name not in ("run_id", "seq", "enrollment_id")}}
        self.conn.execute(insert(run_rolled).from_select(
            columns, select(*(values[name] for name in columns)).order_by(n.seq)))

    def enrollment_step(self) -> ChangeStep:
        """The new enrollments as whole enrollments rows (`store/runs.enrollment_row`'s: no end
        date, status or action, no next-year fields yet), each in its destination school."""
        n = numbered.c
        values = {"enrollment_id": self.enrollment_id, "rolled_from": n.source_enrollment_id,
                  **{name: n[name] for name in (
                      "student_id", "calendar_id", "structure_id", "grade", "service_type",
                      "start_date", "local_start_status", "graduation_cohort")}}
        columns = [c.name for c in enrollments.columns]
        query = select(n.seq.label("order"), n.school_id, *(
            values.get(name, cast(null(), enrollments.c[name].type)).label(name)
            for name in columns)).subquery("new_enrollments")
        # `seq` numbers every new enrollment 1, 2, 3 ... (`number_new_enrollments`)
        return ChangeStep("enrollments", INSERT, tuple(columns),
                          self._selecting(enrollments, columns, query, dense=True))

    def staff_step(self) -> ChangeStep:
        """Next year's homeroom and counselor named on each new enrollment's source: a staff
        row of the new enrollment with them as its homeroom and counselor."""
        n, s = numbered.c, enrollment_staff.c
        query = (select(n.seq.label("order"), n.school_id, self.enrollment_id,
                        s.next_homeroom.label("homeroom"), s.next_counselor.label("counselor"),
                        cast(null(), Text).label("next_homeroom"),
                        cast(null(), Text).label("next_counselor"))
                 .join_from(numbered, enrollment_staff,
                            s.enrollment_id == n.source_enrollment_id)
                 .where(or_(s.next_homeroom.is_not(None), s.next_counselor.is_not(None)))
                 .subquery("new_staff"))
        columns = [c.name for c in enrollment_staff.columns]
        return ChangeStep("enrollment_staff", INSERT, tuple(columns),
                          self._selecting(enrollment_staff, columns, query))

    def _selecting(self, table: Table, columns: list[str], query, *,
                   dense: bool = False) -> SelectedRows:
        rows = SelectedRows(self.conn, table, columns, query, dense=dense)
        self._selected.append(rows)
        return rows

    def drop(self) -> None:
        """Drop the table, the steps' counts kept (the run's log reads them after)."""
        for rows in self._selected:
            rows.count_by_school()
        numbered.drop(self.conn)

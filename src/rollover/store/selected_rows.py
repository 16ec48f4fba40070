"""A step's rows selected by the database rather than carried in Python (`RowsInTheDatabase` of
domain/change_plan.py): inserted rows of a table with a one-column text key, written into the
table and saved in the run's undo log each by one `INSERT ... SELECT`.

The undo log holds them exactly as `undo_log.save_step` holds rows written from Python: their
key, no before, and the row after as a compact JSON array in the step's column order, made by
the database.  The database spells a character outside ASCII as itself where Python's encoder
writes a `\\u` escape; both read back as the same values, which is what a later-edit check
compares (`run_changes.later_edits`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from sqlalchemy import (
    ColumnElement, Connection, Subquery, Table, Text, cast, func, insert, literal, null, select,
)

from ..domain.change_plan import INSERT
from .schema_process import run_backup_rows
from .undo_log import ROW_COLUMNS, STREAM, has_text_key, key_columns


class SelectedRows:
    """The rows of `query` (a subquery of columns `order`, `school_id` and the table's `columns`)
    as a step's (school_id, None, row) inserts, in `order`.  `dense`: `order` is 1, 2, 3 ...
    without a gap, so a row's place in the undo log is its `order` moved along, with no window
    function to number the rows (on SQLite half the time of saving them)."""

    def __init__(self, conn: Connection, table: Table, columns: Sequence[str], query: Subquery,
                 *, dense: bool = False):
        if not has_text_key(table):
            raise ValueError(f"{table.name}: rows selected by the database need a one-column "
                             "text key")
        self.conn, self.table, self.columns, self.query = conn, table, tuple(columns), query
        self.dense = dense
        self._by_school: Counter | None = None

    def __len__(self) -> int:
        # The counts per school are read for the rollover log anyway: one query for both.
        return sum(self.count_by_school().values())

    def __iter__(self) -> Iterator[tuple]:
        q = self.query.c
        rows = self.conn.execute(select(q.school_id, *(q[c] for c in self.columns))
                                 .order_by(q.order), execution_options=STREAM)
        for school_id, *values in rows:
            yield school_id, None, tuple(values)

    def count_by_school(self) -> Counter:
        if self._by_school is None:
            q = self.query.c
            self._by_school = Counter(dict(self.conn.execute(
                select(q.school_id, func.count()).group_by(q.school_id)).tuples().all()))
        return self._by_school

    def save(self, run_id: str, first_seq: int, table_name: str) -> None:
        """Into the undo log as rows `first_seq`, `first_seq + 1` ... of run `run_id`."""
        q = self.query.c
        number = (q.order if self.dense else func.row_number().over(order_by=q.order)) + (
            first_seq - 1)
        self.conn.execute(insert(run_backup_rows).from_select(ROW_COLUMNS, select(
            literal(run_id), number, literal(table_name), literal(INSERT), q.school_id,
            q[key_columns(self.table)[0]], null(),
            json_array(self.conn, [q[c] for c in self.columns]))))

    def write(self) -> None:
        q = self.query.c
        self.conn.execute(insert(self.table).from_select(
            list(self.columns), select(*(q[c] for c in self.columns)).order_by(q.order)))


def json_array(conn: Connection, values: list[ColumnElement]) -> ColumnElement:
    """The values as a compact JSON array (`undo_log.encode_row`'s form: dates as ISO text)."""
    if conn.dialect.name != "postgresql":
        return func.json_array(*values)  # SQLite keeps dates as ISO text already
    # PostgreSQL's own arrays put a space after each comma.
    items = [func.coalesce(cast(func.to_json(v), Text), "null") for v in values]
    return literal("[") + func.concat_ws(",", *items) + literal("]")

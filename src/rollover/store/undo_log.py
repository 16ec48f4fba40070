"""A run's undo log (YE-8 calls its counts the run's "backup log"; it is no whole-database
backup): a step per table and action with its column list (table `run_backup_steps`), and a row
per changed row (table `run_backup_rows`) holding the row before and after as compact JSON arrays
in that order, and its key as text.  Written in bulk; read back as typed values, a step at a
time."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import count, repeat
from json.encoder import c_make_encoder, encode_basestring_ascii
from operator import itemgetter

from sqlalchemy import Connection, Table, insert, select

from ..domain.change_plan import INSERT, ChangeStep
from .bulk import insert_rows
from .schema import metadata
from .schema_process import run_backup_rows, run_backup_steps

ROW_COLUMNS = [c.name for c in run_backup_rows.columns]
STREAM = {"stream_results": True, "yield_per": 10_000}
COMPACT = (",", ":")


def table_named(name: str) -> Table:
    return metadata.tables[name]


def key_columns(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


def has_text_key(table: Table) -> bool:
    """One key column holding text: its logged key can be joined to it directly in SQL."""
    keys = key_columns(table)
    return len(keys) == 1 and table.c[keys[0]].type.python_type is str


# -- encoding --------------------------------------------------------------------------------------

def encode_row(row: tuple | None) -> str | None:
    """A whole row (in its step's column order) as a compact JSON array, dates as ISO text: one
    call of the C encoder (it asks `_iso` only for dates), as it runs for every row of a run."""
    return None if row is None else _dumps(row)


def _iso(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"an undo log row cannot hold {type(value).__name__} {value!r}")


_encode_slowly = json.JSONEncoder(separators=COMPACT, default=_iso).encode
# The C encoder of the same, made once (`JSONEncoder.encode` makes it anew on every call, half
# the time of a row); None without the C module.
_c_encode = None if c_make_encoder is None else c_make_encoder(
    None, _iso, encode_basestring_ascii, None, COMPACT[1], COMPACT[0], False, False, True)


def _dumps(value: tuple) -> str:
    return _encode_slowly(value) if _c_encode is None else "".join(_c_encode(value, 0))


def _dumps_each(values: Iterable[tuple]) -> Iterator[str]:
    """`_dumps` of each value, in C calls alone (a Python call only for a date)."""
    if _c_encode is None:
        return map(_encode_slowly, values)
    return map("".join, map(_c_encode, values, repeat(0)))


def key_encoder(table: Table, columns: Sequence[str]) -> Callable[[tuple], str]:
    """A row's key as text: the value itself for a one-column key, else a JSON array."""
    positions = [list(columns).index(k) for k in key_columns(table)]
    if len(positions) == 1:
        (p,) = positions
        if table.c[key_columns(table)[0]].type.python_type is str:
            return itemgetter(p)  # the common case, for every row of a large run
        return lambda row: row[p].isoformat() if isinstance(row[p], dt.date) else str(row[p])
    values = itemgetter(*positions)
    return lambda row: _dumps(values(row))  # a JSON array, dates as ISO text


def _keys_of_each(table: Table, columns: Sequence[str], rows: list[tuple]) -> Iterator[str]:
    """`key_encoder` of each row, in C calls alone."""
    positions = [list(columns).index(k) for k in key_columns(table)]
    if has_text_key(table):
        return map(itemgetter(positions[0]), rows)
    if len(positions) > 1:
        return _dumps_each(map(itemgetter(*positions), rows))
    return map(key_encoder(table, columns), rows)


def decoder(table: Table, columns: Sequence[str]) -> Callable[[str | None], dict | None]:
    """A stored JSON array back to a row as a dict of typed values."""
    kinds = [table.c[c].type.python_type for c in columns]

    def decode(text: str | None) -> dict | None:
        if text is None:
            return None
        values = {}
        for name, kind, value in zip(columns, kinds, json.loads(text)):
            if value is not None and kind is dt.datetime:
                value = dt.datetime.fromisoformat(value)
            elif value is not None and kind is dt.date:
                value = dt.date.fromisoformat(value)
            values[name] = value
        return values

    return decode


def typed_key(table: Table, text: str) -> tuple:
    names = key_columns(table)
    values = [text] if len(names) == 1 else json.loads(text)
    typed = []
    for name, value in zip(names, values):
        kind = table.c[name].type.python_type
        if value is not None and kind is dt.date:
            value = dt.date.fromisoformat(value)
        elif value is not None and kind is int:
            value = int(value)
        typed.append(value)
    return tuple(typed)


# -- writing ---------------------------------------------------------------------------------------

def record_step(conn: Connection, run_id: str, number: int, first_seq: int,
                step: ChangeStep) -> int:
    """The step's own row of the undo log (its table, action, columns and rows' numbers);
    returns the last sequence number its rows take."""
    last_seq = first_seq + len(step.rows) - 1
    conn.execute(insert(run_backup_steps).values(
        run_id=run_id, step=number, table_name=str(step.table), action=str(step.action),
        columns=list(step.columns), first_seq=first_seq, last_seq=last_seq))
    return last_seq


def save_step(conn: Connection, run_id: str, number: int, first_seq: int,
              step: ChangeStep, counted: Callable[[Iterable], Iterable] = iter) -> int:
    """Save one step's rows before it is applied; returns the last sequence number used.
    `counted` passes the rows saved on (a progress count of them)."""
    table = table_named(step.table)
    last_seq = record_step(conn, run_id, number, first_seq, step)
    # A plain str: SQLAlchemy's table names are a str subclass that the SQLite driver would
    # probe for an adapter on every row.
    name, action = str(step.table), str(step.action)
    if step.action == INSERT:
        # Nothing before: the large case (a run's new rows, an import's), every row's values
        # made by C code alone (no Python call per row but for its dates).
        afters = list(map(itemgetter(2), step.rows))
        rows = zip(repeat(run_id), count(first_seq), repeat(name), repeat(INSERT),
                   map(itemgetter(0), step.rows), _keys_of_each(table, step.columns, afters),
                   repeat(None), _dumps_each(afters))
    else:
        key_of = key_encoder(table, step.columns)
        rows = ((run_id, seq, name, action, school_id,
                 key_of(after if after is not None else before), encode_row(before), encode_row(after))
                for seq, (school_id, before, after) in enumerate(step.rows, start=first_seq))
    insert_rows(conn, run_backup_rows, ROW_COLUMNS, counted(rows))
    return last_seq


# -- reading ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SavedStep:
    run_id: str
    number: int
    table: str
    action: str
    columns: tuple[str, ...]
    first_seq: int
    last_seq: int


@dataclass(frozen=True)
class SavedRow:
    run_id: str
    seq: int
    table: str
    action: str
    school_id: str | None
    key: tuple
    before: dict | None
    after: dict | None


def saved_steps(conn: Connection, run_id: str) -> list[SavedStep]:
    s = run_backup_steps.c
    return [SavedStep(r.run_id, r.step, r.table_name, r.action, tuple(r.columns), r.first_seq,
                      r.last_seq)
            for r in conn.execute(select(run_backup_steps).where(s.run_id == run_id)
                                  .order_by(s.step))]


def step_rows(conn: Connection, step: SavedStep, *, newest_first: bool = False
              ) -> Iterator[SavedRow]:
    """A saved step's rows, typed, in the order they were applied (or the reverse)."""
    b = run_backup_rows.c
    table = table_named(step.table)
    decode = decoder(table, step.columns)
    query = (select(b.seq, b.school_id, b.row_key, b.before, b.after)
             .where(b.run_id == step.run_id, b.seq.between(step.first_seq, step.last_seq))
             .order_by(b.seq.desc() if newest_first else b.seq))
    for seq, school_id, key, before, after in conn.execute(query, execution_options=STREAM):
        yield SavedRow(step.run_id, seq, step.table, step.action, school_id,
                       typed_key(table, key), decode(before), decode(after))

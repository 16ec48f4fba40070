"""One record changed by a user (a field or two of a student, an enrollment, a schedule ...),
through the same guard and side effects as every other writer: refused while the system is locked
(YE-2), audited, published and notified when those settings are on (YE-3)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, and_, select

from ..bundle.format import FILES_BY_TABLE
from ..bundle.values import CellError, cell_parser
from ..domain.changes import UPDATE, ChangeStep
from ..errors import RolloverError
from ..modules import all_modules
from ..store.database import writing
from ..store.schema import metadata
from ..store.side_effects import record_changes
from .security import require


class EditRefused(RolloverError):
    """An unknown table, column or record, or a value of the wrong kind: nothing written."""


@dataclass(frozen=True)
class Edit:
    table: str
    before: dict
    after: dict


def _right_for(table: str) -> str:
    """The module that owns a table governs its edits; other district data needs `import`."""
    for module in all_modules():
        if table in module.tables:
            return module.name
    return "import"


def _parse(bundle_file, values: dict[str, str], what: str) -> dict:
    parsed = {}
    for name, text in values.items():
        try:
            column = bundle_file.column(name)
        except KeyError:
            raise EditRefused(f"{bundle_file.table} has no column {name!r} ({what})") from None
        try:
            parsed[name] = cell_parser(column)(text)
        except CellError as exc:
            raise EditRefused(f"{bundle_file.table}.{name}: {exc}") from None
    return parsed


def edit_record(engine: Engine, table: str, key: dict[str, str], changes: dict[str, str], *,
                user: str | None = None) -> Edit:
    """Set `changes` (column -> text, as in a bundle cell) on the row of `table` with `key`."""
    bundle_file = FILES_BY_TABLE.get(table)
    if bundle_file is None or not bundle_file.key:
        raise EditRefused(f"unknown table {table!r}: one of "
                          + ", ".join(sorted(t for t, f in FILES_BY_TABLE.items() if f.key)))
    if set(key) != set(bundle_file.key):
        raise EditRefused(f"{table} records are named by {', '.join(bundle_file.key)}; "
                          f"got {', '.join(key) or 'nothing'}")
    if not changes:
        raise EditRefused("nothing to change: give --set COLUMN=VALUE")
    moved = sorted(set(changes) & set(bundle_file.key))
    if moved:
        raise EditRefused(f"{table}.{moved[0]} names the record and cannot be changed")
    typed_key, typed_changes = _parse(bundle_file, key, "key"), _parse(bundle_file, changes,
                                                                       "--set")
    stored = metadata.tables[table]
    columns = [c.name for c in stored.columns]
    match = and_(*(stored.c[k] == v for k, v in typed_key.items()))
    with writing(engine) as conn:
        who = require(conn, user, _right_for(table))
        row = conn.execute(select(stored).where(match)).first()
        if row is None:
            raise EditRefused(f"no {table} record with "
                              + ", ".join(f"{k}={v!r}" for k, v in key.items()))
        before = dict(row._mapping)
        after = {**before, **typed_changes}
        conn.execute(stored.update().where(match).values(**typed_changes))
        record_changes(conn, who.recorded, [ChangeStep(table, UPDATE, tuple(columns), [
            (None, tuple(before[c] for c in columns), tuple(after[c] for c in columns))])])
    return Edit(table, before, after)

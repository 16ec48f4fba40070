"""One record changed by a user (a field or two of a student, an enrollment, a schedule ...),
through the same unit of work as every other writer: refused while the system is locked (YE-2),
audited, published and notified when those settings are on (YE-3), stored as a run that
`rollover undo` can put back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, UniqueConstraint, and_, not_, select

from ..bundle.format import FILES_BY_TABLE
from ..bundle.values import CellError, cell_parser, format_cell, shown
from ..domain.change_plan import UPDATE, ChangeStep
from ..errors import RolloverError
from .modules import all_modules
from ..store.schema import metadata
from .unit_of_work import operation, unit_of_work


class EditRefused(RolloverError):
    """An unknown table, column or record, a value of the wrong kind, a reference to no row or a
    value another row holds: nothing written."""


class RecordNotFound(EditRefused):
    """No record of the table with the key given."""

    http_status = 404


@dataclass(frozen=True)
class Edit:
    table: str
    before: dict
    after: dict
    run_id: str  # the edit's run: `rollover undo RUN_ID` puts the record back


def _right_for(table: str) -> str:
    """The module that owns a table governs its edits; other district data needs `import`."""
    for module in all_modules():
        if table in module.tables:
            return module.name
    return "import"


# YE-2: the right of the module that owns the table, else `import`; an edit is a small run of
# its own (undoable), and does not wait for the district's write lock.
EDIT = operation("edit", "edit", lambda options: _right_for(options["table"]),
                 district_write=False)


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
    with unit_of_work(engine, EDIT, user=user, options={
            "table": table, "key": dict(key), "set": dict(changes)}) as work:
        conn = work.conn
        row = conn.execute(select(stored).where(match)).first()
        if row is None:
            raise RecordNotFound(f"no {table} record with "
                              + ", ".join(f"{k}={v!r}" for k, v in key.items()))
        before = dict(row._mapping)
        after = {**before, **typed_changes}
        # What the store would refuse with a bare constraint error, refused naming the values.
        refuse_unknown_references(conn, stored, set(typed_changes), after)
        _refuse_values_held_elsewhere(conn, stored, set(typed_changes), after, match,
                                      bundle_file.key)
        work.change(ChangeStep(table, UPDATE, tuple(columns), [
            (None, tuple(before[c] for c in columns), tuple(after[c] for c in columns))]))
        record = work.finish(counts={"rows_updated": 1})
    return Edit(table, before, after, record.run_id)


def refuse_unknown_references(conn, stored, changed: set[str], after: dict,
                              known: set | None = None) -> None:
    """A changed column that names a row of a table (a foreign key) must name one that exists;
    the one-column references are asked first, so the message names the smallest cause.
    `known` (kept by a caller checking many rows) remembers the references found, so a file of
    rows naming the same few calendars and grades asks the store once for each."""
    for foreign_key in sorted(stored.foreign_key_constraints,
                              key=lambda fk: (len(fk.columns), [c.name for c in fk.columns])):
        local = [c.name for c in foreign_key.columns]
        values = [after[name] for name in local]
        if not changed & set(local) or None in values:
            continue
        reference = (foreign_key.name or tuple(local), tuple(values))
        if known is not None and reference in known:
            continue
        target = [element.column for element in foreign_key.elements]
        found = conn.execute(select(*target).where(and_(*(
            column == value for column, value in zip(target, values)))).limit(1)).first()
        if found is not None:
            if known is not None:
                known.add(reference)
            continue
        where = f"{stored.name}.{' + '.join(n for n in local if n in changed)}"
        if len(local) == 1:
            raise EditRefused(f"{where}: {_value(values[0])} does not exist in "
                              f"{foreign_key.referred_table.name}.{target[0].name}")
        raise EditRefused(f"{where}: no {foreign_key.referred_table.name} row with "
                          + _pairs([c.name for c in target], values))


def _refuse_values_held_elsewhere(conn, stored, changed: set[str], after: dict, match,
                                  key: tuple[str, ...]) -> None:
    """A changed column the store keeps unique (with others) must not take another row's value."""
    for unique in stored.constraints:
        if not isinstance(unique, UniqueConstraint):
            continue
        names = [c.name for c in unique.columns]
        values = [after[name] for name in names]
        if not changed & set(names) or None in values:
            continue
        holder = conn.execute(select(*(stored.c[k] for k in key)).where(
            and_(*(stored.c[n] == v for n, v in zip(names, values))), not_(match))).first()
        if holder is not None:
            raise EditRefused(f"{stored.name}.{' + '.join(n for n in names if n in changed)}: "
                              f"{_pairs(names, values)} is already used by "
                              f"{_pairs(list(key), list(holder))}")


def _pairs(names: list[str], values: list) -> str:
    return ", ".join(f"{name} {_value(value)}" for name, value in zip(names, values))


def _value(value) -> str:
    return shown(value) if isinstance(value, str) else format_cell(value)

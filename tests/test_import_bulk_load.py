"""An import into empty tables takes one of two paths (store/bundle_rows.py): a small bundle is
written through the tables' indexes; a large one (`is_bulk_load`) goes in with the indexes and
PostgreSQL's foreign keys taken off, built again after.  Either gives the same store: the same
rows, the same indexes and foreign keys, and a bad row refused with nothing written."""

from __future__ import annotations

import pytest
from rollover.bundle.folder import BundleRefused
from rollover.services.bundles import import_bundle
from rollover.store import bundle_rows
from rollover.store.database import open_engine

from .bundle_edits import set_cell
from .conftest import emptied_postgres, migrated_sqlite
from .process_setup import every_row

PATHS = {"small": 1 << 40, "bulk": -1}  # BULK_LOAD_BYTES that make every load small, or bulk


def schema_of(engine) -> list[tuple]:
    """Every index and foreign key of the store, as the database states them."""
    if engine.dialect.name == "sqlite":
        query = "SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'table')"
    else:
        query = ("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                 "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                 "WHERE connamespace = current_schema()::regnamespace")
    with engine.connect() as conn:
        return sorted(tuple(row) for row in conn.exec_driver_sql(query))


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_store(request, tmp_path, postgres_url, sqlite_template):
    """A new, empty, migrated store of the kind each time it is called."""
    engines = []

    def make():
        url = (migrated_sqlite(sqlite_template, tmp_path / f"store{len(engines)}.db")
               if request.param == "sqlite" else emptied_postgres(postgres_url))
        engines.append(open_engine(url))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


def load_by(path: str, engine, bundle, monkeypatch) -> list[str]:
    """Import `bundle` on the given path; the tables loaded with their indexes taken off."""
    monkeypatch.setattr(bundle_rows, "BULK_LOAD_BYTES", PATHS[path])
    taken_off = []
    real = bundle_rows.loading_empty_table

    def watched(conn, table):
        taken_off.append(table.name)
        return real(conn, table)

    monkeypatch.setattr(bundle_rows, "loading_empty_table", watched)
    import_bundle(engine, bundle)
    return taken_off


def test_both_load_paths_give_the_same_rows_indexes_and_foreign_keys(
        fresh_store, tiny_bundle, monkeypatch):
    small = fresh_store()
    migrated = schema_of(small)
    assert load_by("small", small, tiny_bundle, monkeypatch) == []
    assert schema_of(small) == migrated
    rows = every_row(small)
    assert rows["enrollments"]

    bulk = fresh_store()
    assert "enrollments" in load_by("bulk", bulk, tiny_bundle, monkeypatch)
    assert schema_of(bulk) == migrated  # every index and foreign key is back
    assert every_row(bulk) == rows


@pytest.mark.parametrize("path", PATHS)
def test_a_bad_row_is_refused_on_either_path_with_nothing_written(
        path, fresh_store, tiny_bundle, monkeypatch):
    set_cell(tiny_bundle, "enrollments.csv", 2, "calendar_id", "NO-SUCH-CALENDAR")
    engine = fresh_store()
    empty = every_row(engine)
    with pytest.raises(BundleRefused) as refused:
        load_by(path, engine, tiny_bundle, monkeypatch)
    assert any(p.file == "enrollments.csv" and p.line == 2 and "NO-SUCH-CALENDAR" in p.message
               for p in refused.value.problems), refused.value.details()
    assert every_row(engine) == empty


def test_only_a_bundle_past_a_megabyte_is_a_bulk_load(tmp_path):
    small = tmp_path / "small.csv"
    small.write_bytes(b"x" * 1000)
    large = tmp_path / "large.csv"
    large.write_bytes(b"x" * (bundle_rows.BULK_LOAD_BYTES + 1))
    assert not bundle_rows.is_bulk_load([small])
    assert bundle_rows.is_bulk_load([small, large])

"""An import into empty tables builds their indexes and (PostgreSQL) checks their foreign keys once
after the load: afterwards the schema is as a fresh store's, and its rules still hold."""

import datetime as dt

import pytest
from sqlalchemy import inspect, insert
from sqlalchemy.exc import IntegrityError

from rollover.services.bundles import import_bundle
from rollover.store import schema


def schema_shape(engine) -> dict:
    """Every table's indexes and foreign keys, as the database reports them."""
    found = inspect(engine)
    return {table: (sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                           for i in found.get_indexes(table)),
                    sorted((tuple(f["constrained_columns"]), f["referred_table"],
                            tuple(f["referred_columns"])) for f in found.get_foreign_keys(table)))
            for table in sorted(found.get_table_names())}


def test_import_into_an_empty_store_keeps_every_index_and_foreign_key(engine, tiny_bundle):
    before = schema_shape(engine)
    assert before["enrollments"][0], "the store has secondary indexes to keep"
    import_bundle(engine, tiny_bundle)
    assert schema_shape(engine) == before


def test_foreign_keys_still_refuse_a_bad_row_after_an_import(engine, tiny_bundle):
    import_bundle(engine, tiny_bundle)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(schema.enrollments).values(
            enrollment_id="E-NEW", student_id="NO-SUCH-STUDENT", calendar_id="NO-SUCH-CALENDAR",
            structure_id="X", grade="09", service_type="primary",
            start_date=dt.date(2027, 8, 20)))

"""The district store: created on first use, migrations equal to the schema, constraints that
protect the data, on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Integer, String, Text, inspect, insert
from sqlalchemy.exc import IntegrityError

from rollover.bundle.format import ENUM, FILES, ID, INT, TEXT
from rollover.bundle.values import MAX_ID_LENGTH
from rollover.services.bundles import import_bundle
from rollover.store import schema
from rollover.store.database import open_engine
from rollover.store.migrate import current_revision, head_revision


def test_first_use_creates_every_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert not (tmp_path / "new.db").exists()
    engine = open_engine(url)
    tables = set(inspect(engine).get_table_names())
    assert {f.table for f in FILES} | {"users", "runs", "run_rolled", "run_warnings"} <= tables
    assert current_revision(engine) == head_revision()


def test_migrations_build_exactly_the_schema(engine):
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert differences == []


def test_opening_again_keeps_the_data(db_url, tiny_bundle):
    import_bundle(open_engine(db_url), tiny_bundle)
    again = open_engine(db_url)
    with again.connect() as conn:
        assert len(conn.execute(schema.students.select()).all()) == 3


def test_database_refuses_a_grade_the_calendar_does_not_offer(engine, tiny_bundle):
    import_bundle(engine, tiny_bundle)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(schema.enrollments).values(
            enrollment_id="X", student_id="S1", calendar_id="HSA27", structure_id="HSA27M",
            grade="12", service_type="primary", start_date=dt.date(2026, 9, 1)))


def test_database_refuses_a_structure_of_another_calendar(engine, tiny_bundle):
    import_bundle(engine, tiny_bundle)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(schema.grade_levels).values(
            calendar_id="HSA27", structure_id="MSA27M", grade="07", sequence=9))


def test_database_refuses_an_unknown_service_type(engine, tiny_bundle):
    import_bundle(engine, tiny_bundle)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(schema.enrollments).values(
            enrollment_id="X", student_id="S1", calendar_id="HSA27", structure_id="HSA27M",
            grade="09", service_type="full", start_date=dt.date(2026, 9, 1)))


def test_indexes_for_reading_a_whole_school_year(engine):
    indexed = {tuple(ix["column_names"]) for ix in inspect(engine).get_indexes("enrollments")}
    assert ("calendar_id", "structure_id", "grade") in indexed
    assert ("student_id",) in indexed
    calendars = {tuple(ix["column_names"]) for ix in inspect(engine).get_indexes("calendars")}
    assert ("school_year", "school_id") in calendars


def test_each_kind_of_bundle_cell_has_one_column_type():
    """What the bundle checks allow (bundle/values.py) is what every column of that kind holds:
    ids and codes 64 characters, text unbounded, whole numbers a 32-bit INTEGER."""
    expected = {ID: (String, MAX_ID_LENGTH), TEXT: (Text, None), ENUM: (Text, None),
                INT: (Integer, None)}
    assert MAX_ID_LENGTH == 64
    for spec in FILES:
        table = schema.metadata.tables[spec.table]
        for column in spec.columns:
            if column.kind in expected:
                stored = table.c[column.name].type
                assert (type(stored), getattr(stored, "length", None)) == \
                    expected[column.kind], (spec.name, column.name)

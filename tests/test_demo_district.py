"""`rollover demo`: the same district whether written as a bundle or loaded straight into the
store, and a bundle that round-trips through import and export, on SQLite and PostgreSQL."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rollover.bundle.format import FILES
from rollover.errors import RolloverError
from rollover.services.bundles import export_bundle, import_bundle
from rollover.services.demo import load_demo, write_demo_bundle
from rollover.store import schema, schema_modules
from rollover.store.database import open_engine

from . import cli
from .conftest import BUNDLES
from .test_bundle_roundtrip import same_folders

STUDENTS = 600


@pytest.fixture(scope="module")
def demo_bundle(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "bundle"
    write_demo_bundle(folder, students=STUDENTS, seed=3)
    return folder


def test_demo_bundle_imports_and_exports_identically(engine, demo_bundle, tmp_path):
    import_bundle(engine, demo_bundle)
    export_bundle(engine, tmp_path / "out")
    assert same_folders(demo_bundle, tmp_path / "out") == []


def test_demo_loaded_directly_equals_the_bundle(engine, demo_bundle, tmp_path):
    load_demo(engine, students=STUDENTS, seed=3)
    export_bundle(engine, tmp_path / "out")
    assert same_folders(demo_bundle, tmp_path / "out") == []


def test_demo_has_the_students_asked_for(engine):
    load_demo(engine, students=STUDENTS, seed=3)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.students)).scalar() == STUDENTS


def test_demo_refuses_a_store_that_holds_a_district(engine, tiny_bundle):
    import_bundle(engine, tiny_bundle)
    with pytest.raises(RolloverError, match="already holds a district"):
        load_demo(engine, students=100)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.students)).scalar() == 3


def test_demo_replace_swaps_the_district(engine, tiny_bundle):
    import_bundle(engine, tiny_bundle)
    load_demo(engine, students=100, replace=True)
    with engine.connect() as conn:
        ids = conn.execute(select(schema.students.c.student_id)).scalars().all()
    assert len(ids) == 100 and "S1" not in ids


def test_demo_replace_removes_the_module_rows_too(engine, tiny_bundle):
    for path in (BUNDLES / "tiny_modules").iterdir():
        shutil.copy(path, tiny_bundle / path.name)
    import_bundle(engine, tiny_bundle)
    summary = load_demo(engine, students=100, replace=True)
    with engine.connect() as conn:
        stored = {f.table: conn.execute(select(func.count()).select_from(
            schema.metadata.tables[f.table])).scalar() for f in FILES}
        plans = conn.execute(select(schema_modules.success_plans.c.plan_id)).scalars().all()
    assert stored == summary.rows
    assert "P1" not in plans and all(stored[t.name] for t in schema_modules.MODULE_TABLES)


def test_demo_command_builds_rollover_db_in_the_working_directory(tmp_path):
    rollover = Path(sys.executable).with_name("rollover")
    done = subprocess.run([rollover, "demo", "--students", "150"], cwd=tmp_path,
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    engine = open_engine(f"sqlite:///{tmp_path / 'rollover.db'}")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.students)).scalar() == 150
    again = subprocess.run([rollover, "demo", "--students", "150"], cwd=tmp_path,
                           capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert again.returncode == 2
    assert "already holds a district" in again.stderr


@pytest.mark.parametrize("students", ["99", "1000001", "many"])
def test_demo_command_refuses_a_bad_size(tmp_path, students):
    done = cli.rollover("demo", "--students", students, cwd=tmp_path)
    assert done.returncode == 2
    assert students in done.stderr
    assert not (tmp_path / "rollover.db").exists()

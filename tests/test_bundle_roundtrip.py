"""Import then export gives the same bundle back, byte for byte, on SQLite and PostgreSQL."""

import filecmp
from pathlib import Path

import pytest
from sqlalchemy import select

from rollover.errors import RolloverError
from rollover.services.bundles import export_bundle, import_bundle
from rollover.store import schema


def same_folders(left: Path, right: Path) -> list[str]:
    """Names of the files that differ or exist on one side only."""
    names = {p.name for p in left.iterdir()} | {p.name for p in right.iterdir()}
    return sorted(n for n in names
                  if not ((left / n).exists() and (right / n).exists()
                          and filecmp.cmp(left / n, right / n, shallow=False)))


def test_tiny_bundle_round_trip(engine, tiny_bundle, tmp_path):
    result = import_bundle(engine, tiny_bundle)
    assert result.rows["enrollments.csv"] == 4
    export_bundle(engine, tmp_path / "out")
    assert same_folders(tiny_bundle, tmp_path / "out") == []


def test_values_come_back_typed(engine, tiny_bundle):
    import_bundle(engine, tiny_bundle)
    with engine.connect() as conn:
        row = conn.execute(select(schema.enrollments).where(
            schema.enrollments.c.enrollment_id == "E3")).one()
    assert row.end_date.isoformat() == "2027-06-04"
    assert row.graduation_cohort == 2029
    assert row.service_type == "special_ed"
    assert row.rolled_from is None


def test_quoted_cells_survive(engine, tiny_bundle, tmp_path):
    import_bundle(engine, tiny_bundle)
    with engine.connect() as conn:
        name = conn.execute(select(schema.students.c.last_name).where(
            schema.students.c.student_id == "S2")).scalar_one()
    assert name == "Jones, Jr."


def test_optional_files_may_be_absent(engine, tiny_bundle, tmp_path):
    for name in ("district.csv", "days.csv", "boundaries.csv", "program_participations.csv",
                 "assignment_overrides.csv", "programs.csv"):
        (tiny_bundle / name).unlink()
    import_bundle(engine, tiny_bundle)
    export_bundle(engine, tmp_path / "out")
    assert same_folders(tiny_bundle, tmp_path / "out") == []


def test_optional_column_may_be_absent(engine, tiny_bundle):
    (tiny_bundle / "schools.csv").write_text("school_id,name\r\nHSA,High School A\r\n"
                                             "MSA,Middle School A\r\n")
    import_bundle(engine, tiny_bundle)
    with engine.connect() as conn:
        assert conn.execute(select(schema.schools.c.next_school_id)).scalars().all() == [
            None, None]


def test_export_refuses_a_folder_that_is_not_empty(engine, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("keep me")
    with pytest.raises(RolloverError, match="exists and is not empty"):
        export_bundle(engine, tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["notes.txt"]


def test_export_creates_missing_folders(engine, tiny_bundle, tmp_path):
    import_bundle(engine, tiny_bundle)
    export_bundle(engine, tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b" / "enrollments.csv").exists()

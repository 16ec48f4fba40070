"""A refused command leaves no file behind: a SQLite store it would have created (its --db, or
rollover.db in the working folder) is deleted again, with its -wal and -shm files; so does a
command that only read (a mistyped --db path); a store that was there before, and one a command
filled, are kept."""

from __future__ import annotations

import pytest

from rollover.services.bundles import import_bundle
from rollover.store.database import open_engine, remove_unused_store

from . import cli
from .bundle_edits import counts, set_cell


def left_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


REFUSED = {
    "import of a bad bundle": ["import", "{bundle}"],
    "forward of an unknown calendar": ["forward", "--source-calendar", "NOPE", "--test"],
    "check of a year without calendars": ["check", "--year", "2027"],
    "end-batch of an unknown calendar": ["end-batch", "--calendar", "NOPE", "--end-date",
                                         "2027-06-04", "--end-status", "E01"],
    "cleanup of an unknown calendar": ["cleanup", "--calendar", "NOPE"],
    "calendars roll of a year without calendars": ["calendars", "roll", "--from-year", "2027"],
    "report of an unknown run": ["report", "NOPE"],
    "undo of an unknown run": ["undo", "NOPE"],
    "process run of an unknown module": ["process", "run", "bakery"],
    "users grant to an unknown user": ["users", "grant", "nobody", "calendar"],
    "backup create of a store without a district": ["backup", "create", "--dir", "backups"],
}


@pytest.fixture
def bad_bundle(tiny_bundle):
    set_cell(tiny_bundle, "students.csv", 2, "birth_date", "2012-02-30")
    return tiny_bundle


@pytest.mark.parametrize("args", REFUSED.values(), ids=REFUSED.keys())
def test_a_refused_command_leaves_no_new_store(tmp_path, bad_bundle, args):
    folder = tmp_path / "work"
    folder.mkdir()
    args = [a.format(bundle=bad_bundle) for a in args]
    ran = cli.rollover("--db", "district.db", *args, cwd=folder)
    assert ran.exit_code == 2, (ran.stdout, ran.stderr)
    assert "Traceback" not in ran.stderr
    assert left_in(folder) == []


READ_ONLY = {"schools": ["schools"], "runs": ["runs"], "lock status": ["lock", "status"],
             "calendars list": ["calendars", "list"], "tasks": ["tasks"]}


@pytest.mark.parametrize("args", READ_ONLY.values(), ids=READ_ONLY.keys())
def test_a_command_that_only_read_a_mistyped_path_leaves_no_new_store(tmp_path, args):
    folder = tmp_path / "work"
    folder.mkdir()
    ran = cli.rollover("--db", "distrcit", *args, cwd=folder)
    assert ran.exit_code == 0, (ran.stdout, ran.stderr)
    assert left_in(folder) == []


def test_nor_a_sync_test_into_a_new_store(tmp_path, tiny_bundle):
    ran = cli.rollover("--db", "district.db", "import", str(tiny_bundle), "--sync", "--test",
                       cwd=tmp_path)
    assert ran.exit_code == 0, ran.stderr
    assert not (tmp_path / "district.db").exists()


def test_nor_the_default_store_in_the_working_folder(tmp_path, bad_bundle):
    folder = tmp_path / "work"
    folder.mkdir()
    ran = cli.rollover("import", str(bad_bundle), cwd=folder)
    assert ran.exit_code == 2
    assert left_in(folder) == []


def test_nor_a_store_named_by_its_url_after_the_command_name(tmp_path, bad_bundle):
    path = tmp_path / "work" / "district.db"
    path.parent.mkdir()
    ran = cli.rollover("import", str(bad_bundle), "--db", f"sqlite:///{path}")
    assert ran.exit_code == 2
    assert left_in(path.parent) == []


def test_nor_after_an_unexpected_fault(monkeypatch, tmp_path, tiny_bundle):
    def fault(*args, **kwargs):
        raise RuntimeError("a fault in the tool")

    monkeypatch.setattr("rollover.services.bundles.import_bundle", fault)
    ran = cli.rollover("--db", str(tmp_path / "x.db"), "import", str(tiny_bundle))
    assert ran.exit_code == 1 and "RuntimeError: a fault in the tool" in ran.stderr
    assert not (tmp_path / "x.db").exists()


def test_a_command_that_succeeds_keeps_its_new_store(tmp_path, tiny_bundle):
    ran = cli.rollover("--db", "district.db", "import", str(tiny_bundle), cwd=tmp_path)
    assert ran.exit_code == 0, ran.stderr
    assert (tmp_path / "district.db").is_file()
    refused = cli.rollover("--db", "district.db", "check", "--year", "2031", cwd=tmp_path)
    assert refused.exit_code == 2  # refused on a store that was there before: kept, as it was
    engine = open_engine(f"sqlite:///{tmp_path / 'district.db'}")
    try:
        assert counts(engine)["students"] == 3
    finally:
        engine.dispose()


def test_a_refusal_on_a_store_that_was_there_writes_nothing_to_it(engine, db_url, bad_bundle):
    before = counts(engine)
    ran = cli.rollover("--db", db_url, "import", str(bad_bundle))
    assert ran.exit_code == 2
    assert counts(engine) == before


def test_a_new_store_that_holds_rows_is_never_deleted(tmp_path, tiny_bundle):
    """Another command may have filled a store between a refused command's start and its end:
    only a store holding nothing but its schema is deleted."""
    path = tmp_path / "district.db"
    engine = open_engine(f"sqlite:///{path}")
    import_bundle(engine, tiny_bundle)
    assert remove_unused_store(path) is False
    assert path.is_file()
    engine = open_engine(f"sqlite:///{path}")
    try:
        assert counts(engine)["students"] == 3
    finally:
        engine.dispose()
    empty = tmp_path / "empty.db"
    open_engine(f"sqlite:///{empty}")
    assert remove_unused_store(empty) is True
    assert [name for name in left_in(tmp_path) if name.startswith("empty.db")] == []

"""`--db` takes a plain file path as a SQLite database, or a URL as before (both databases)."""

from __future__ import annotations

from sqlalchemy import create_engine, func, select

from rollover.store.schema import students

from . import cli


def stored_students(path) -> int:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(students)).scalar()
    finally:
        engine.dispose()


def test_a_relative_path_is_the_sqlite_file_in_the_working_folder(tmp_path, tiny_bundle):
    ran = cli.rollover("--db", "district.db", "import", str(tiny_bundle), cwd=tmp_path)
    assert ran.exit_code == 0, ran.stderr
    assert stored_students(tmp_path / "district.db") == 3


def test_a_path_after_the_command_name_and_an_absolute_path(tmp_path, tiny_bundle):
    path = tmp_path / "store" / "district.db"
    path.parent.mkdir()
    ran = cli.rollover("import", str(tiny_bundle), "--db", str(path))
    assert ran.exit_code == 0, ran.stderr
    assert stored_students(path) == 3
    again = cli.rollover("runs", "--db", f"sqlite:///{path}")  # the same file by its URL
    assert again.exit_code == 0, again.stderr


def test_the_environment_variable_may_be_a_path_too(tmp_path, tiny_bundle):
    ran = cli.rollover("import", str(tiny_bundle), cwd=tmp_path,
                       env={"ROLLOVER_DATABASE_URL": "from-env.db"})
    assert ran.exit_code == 0, ran.stderr
    assert stored_students(tmp_path / "from-env.db") == 3


def test_a_path_in_a_missing_folder_is_refused_naming_it(tmp_path):
    ran = cli.rollover("--db", str(tmp_path / "no" / "district.db"), "runs")
    assert ran.exit_code == 2 and "Traceback" not in ran.stderr
    assert ran.stderr.startswith("rollover: not a usable database URL 'sqlite:///")
    assert f"folder {tmp_path / 'no'} does not exist" in ran.stderr


def test_a_url_still_works(db_url, tiny_bundle):
    ran = cli.rollover("--db", db_url, "import", str(tiny_bundle))
    assert ran.exit_code == 0, ran.stderr
    assert cli.rollover("--db", db_url, "runs").exit_code == 0


def test_the_help_says_a_path_or_a_url():
    for args in (["--help"], ["runs", "--help"]):
        shown = " ".join(cli.rollover(*args).stdout.split())
        assert "--db PATH|URL" in shown
        assert "a SQLite file path (district.db) or a URL" in shown

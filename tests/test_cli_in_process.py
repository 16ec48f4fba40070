"""The in-process `rollover` of tests/cli.py answers as a real process would, so that the tests
using it can still fail: an unexpected exception is exit status 1 and a traceback on standard
error; a refusal is its exit status and message; the environment and folder are the given ones."""

from __future__ import annotations

import os

from . import cli


def test_an_unexpected_exception_is_exit_1_with_its_traceback_on_stderr(monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise RuntimeError("a fault in the tool")

    monkeypatch.setattr("rollover.entrypoints.cli.bundles.open_engine", broken)
    ran = cli.rollover("--db", f"sqlite:///{tmp_path / 'x.db'}", "import", str(tmp_path))
    assert ran.returncode == 1 and ran.exit_code == 1
    assert "Traceback (most recent call last)" in ran.stderr
    assert ran.stderr.rstrip().splitlines()[-1] == "RuntimeError: a fault in the tool"


def test_a_refusal_is_its_exit_status_and_message(tmp_path):
    ran = cli.rollover("--db", f"sqlite:///{tmp_path / 'no' / 'x.db'}", "runs")
    assert ran.returncode == 2 and ran.stdout == ""
    assert ran.stderr.startswith("rollover: not a usable database URL")
    assert "Traceback" not in ran.stderr


def test_the_environment_and_folder_are_the_given_ones_and_restored(monkeypatch, tmp_path):
    monkeypatch.setenv("ROLLOVER_DATABASE_URL", "sqlite:////nowhere/x.db")
    monkeypatch.setenv("ROLLOVER_USER", "someone")
    seen = {}

    def spy(url, **kwargs):
        seen.update(url=url, user=os.environ.get("ROLLOVER_USER"), login=os.environ.get("USER"),
                    folder=os.getcwd())
        raise SystemExit(0)

    monkeypatch.setattr("rollover.entrypoints.cli.bundles.open_engine", spy)
    before = os.getcwd()
    ran = cli.rollover("import", "bundle", user="ann", env={"USER": None}, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert seen == {"url": None, "user": "ann", "login": None, "folder": str(tmp_path)}
    assert os.getcwd() == before
    assert os.environ["ROLLOVER_DATABASE_URL"] == "sqlite:////nowhere/x.db"
    assert os.environ["ROLLOVER_USER"] == "someone"


def test_rollover_user_is_unset_unless_given(monkeypatch, tmp_path):
    monkeypatch.setenv("ROLLOVER_USER", "from-the-shell")
    seen = []

    def spy(url, **kwargs):
        seen.append(os.environ.get("ROLLOVER_USER"))
        raise SystemExit(0)

    monkeypatch.setattr("rollover.entrypoints.cli.bundles.open_engine", spy)
    cli.rollover("import", str(tmp_path))
    assert seen == [None]

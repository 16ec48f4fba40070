"""`rollover -V` is `rollover --version`: the installed package's version."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from . import cli


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_the_version_flag_prints_the_version(flag):
    ran = cli.rollover(flag)
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout == f"rollover, version {version('rollover')}\n"


def test_the_help_names_both():
    assert "-V, --version" in cli.rollover("--help").stdout

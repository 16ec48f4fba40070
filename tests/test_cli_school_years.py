"""A school year is given as the year it ends (2027) or as both its years (2026-27, 2026-2027)
to every option that takes one; anything else is refused naming the value (exit status 2)."""

from __future__ import annotations

import json

import click
import pytest

from rollover.entrypoints.cli import main
from rollover.entrypoints.cli.support import SchoolYear

from . import cli
from .security_setup import load_district

YEAR_OPTIONS = {"--year", "--source-year", "--from-year", "--school-year"}


def every_option(group: click.Group = main, path: tuple[str, ...] = ()):
    """(command path, option) of every option of the `rollover` tree."""
    for name, command in sorted(group.commands.items()):
        for param in command.params:
            if isinstance(param, click.Option):
                yield (*path, name), param
        if isinstance(command, click.Group):
            yield from every_option(command, (*path, name))


@pytest.mark.parametrize("given, year", [
    ("2027", 2027), ("2026-27", 2027), ("2026-2027", 2027), (" 2026-27 ", 2027),
    ("1999-00", 2000), ("1999-2000", 2000), ("2031", 2031),
])
def test_a_school_year_in_each_form_is_the_year_it_ends(given, year):
    assert SchoolYear().convert(given, None, None) == year


@pytest.mark.parametrize("given, words", [
    ("2026-28", "'2026-28' is not a school year: 2026's school year ends in 2027 (2026-27)"),
    ("2026-2028", "'2026-2028' is not a school year: 2026's school year ends in 2027"),
    ("2027-26", "'2027-26' is not a school year: 2027's school year ends in 2028 (2027-28)"),
    ("26-27", "'26-27' is not a school year: write the year it ends (2027) or both its years"),
    ("next", "'next' is not a school year"),
    ("2026-", "'2026-' is not a school year"),
    ("2026-027", "'2026-027' is not a school year"),
])
def test_anything_else_is_refused_naming_it(given, words):
    with pytest.raises(click.BadParameter) as refused:
        SchoolYear().convert(given, None, None)
    assert words in refused.value.message


def test_every_year_option_takes_a_school_year():
    found = [(path, option) for path, option in every_option()
             if YEAR_OPTIONS & set(option.opts)]
    assert len(found) >= 9  # check, calendars roll and list, forward, export, backup, process
    for path, option in found:
        assert isinstance(option.type, SchoolYear), (path, option.opts)


def test_check_reads_2026_27_as_2027(engine, db_url, tmp_path):
    load_district(engine, tmp_path)
    reports = []
    for year in ("2027", "2026-27", "2026-2027"):
        ran = cli.rollover("--db", db_url, "check", "--year", year, "--json")
        assert ran.exit_code == 0, ran.stderr
        report = json.loads(ran.stdout)
        report.pop("run_id")
        reports.append(report)
    assert reports[0]["year"] == 2027 and reports[0] == reports[1] == reports[2]


def test_a_range_that_is_no_school_year_is_refused_naming_it(db_url):
    ran = cli.rollover("--db", db_url, "check", "--year", "2026-28")
    assert ran.exit_code == 2 and ran.stdout == ""
    assert ("Invalid value for '--year': '2026-28' is not a school year: 2026's school year "
            "ends in 2027 (2026-27)") in ran.stderr
    assert "not a valid integer" not in ran.stderr

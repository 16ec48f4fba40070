"""Every command, option and argument of `rollover` is explained in words by `--help`: a new
option without help, or a command whose help does not name its arguments, fails here."""

from __future__ import annotations

import click
import pytest

from rollover.entrypoints.cli import main

from . import cli


def every_command(command: click.Command = main, path: tuple[str, ...] = ()):
    """(command path, command) of the `rollover` tree, groups included."""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from every_command(sub, (*path, name))


COMMANDS = list(every_command())


def named(path: tuple[str, ...]) -> str:
    return " ".join(("rollover", *path))


def help_problems(path: tuple[str, ...], command: click.Command) -> list[str]:
    """What the command's --help leaves unexplained."""
    problems = []
    if not (command.help or "").strip():
        problems.append(f"`{named(path)}` has no help")
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden and not (param.help or "").strip():
            problems.append(f"`{named(path)}` {'/'.join(param.opts)} has no help")
        # an argument has no help of its own: the command's help says what it is
        if isinstance(param, click.Argument) and \
                param.human_readable_name not in (command.help or ""):
            problems.append(f"the help of `{named(path)}` does not name its argument "
                            f"{param.human_readable_name}")
    return problems


@pytest.mark.parametrize("path, command", COMMANDS, ids=[named(p) for p, _ in COMMANDS])
def test_every_command_option_and_argument_has_help_in_words(path, command):
    assert help_problems(path, command) == []


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=[named(p) for p, _ in COMMANDS])
def test_every_help_page_prints(path):
    ran = cli.rollover(*path, "--help")
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout.startswith(f"Usage: {named(path)}")


def test_the_check_finds_an_option_without_help_and_an_argument_not_named():
    @click.command()
    @click.argument("run_id")
    @click.option("--quiet", is_flag=True)
    def bare(run_id, quiet):
        """A command."""

    assert help_problems(("bare",), bare) == [
        "the help of `rollover bare` does not name its argument RUN_ID",
        "`rollover bare` --quiet has no help"]

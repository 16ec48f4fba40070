"""Shell completion (README, "Shell completion"): click's, through `_ROLLOVER_COMPLETE`."""

from __future__ import annotations

from . import cli


def complete(words: str) -> list[str]:
    """What bash would offer after `words` (the last word being completed)."""
    parts = words.split(" ")
    ran = cli.rollover(env={"_ROLLOVER_COMPLETE": "bash_complete", "COMP_WORDS": words,
                            "COMP_CWORD": str(len(parts) - 1)})
    assert ran.exit_code == 0, ran.stderr
    return [line.split(",", 1)[1] for line in ran.stdout.splitlines()]


def test_the_bash_script_is_printed():
    ran = cli.rollover(env={"_ROLLOVER_COMPLETE": "bash_source"})
    assert ran.exit_code == 0, ran.stderr
    assert "_rollover_completion()" in ran.stdout
    assert "complete -o nosort -F _rollover_completion rollover" in ran.stdout


def test_commands_options_and_module_names_complete():
    assert complete("rollover cal") == ["calendars"]
    assert complete("rollover calendars ") == ["list", "roll"]
    assert complete("rollover check --ye") == ["--year"]
    assert complete("rollover process run reg") == ["registration"]

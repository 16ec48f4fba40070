"""`rollover ARGS` run in this process (click's CliRunner), answering like a finished process.

A new Python process costs about half a second before the command even starts; in process the
command costs only itself.  Tests about processes (signals, concurrency, the installed script, a
real process's exit) start real ones instead (tests/processes.py).

The answer is a real process's, so that no assertion weakens: an unexpected exception becomes
exit status 1 with its traceback on standard error, as Python itself would print it.
"""

from __future__ import annotations

import os
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from rollover.entrypoints.cli import main


@dataclass(frozen=True)
class Ran:
    """What the command did, named as in subprocess.CompletedProcess (and click's Result)."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def exit_code(self) -> int:
        return self.returncode


def rollover(*args: str, user: str | None = None, env: dict[str, str | None] | None = None,
             cwd: Path | None = None, stdin: str | None = None) -> Ran:
    """`rollover ARGS` with ROLLOVER_DATABASE_URL unset, ROLLOVER_USER = `user` (unset when
    None), `env` on top (None unsets a variable), in the folder `cwd` when given, reading
    `stdin` (no terminal) as its standard input."""
    environment = {"ROLLOVER_DATABASE_URL": None, "ROLLOVER_USER": user, **(env or {})}
    with _inside(cwd):
        result = CliRunner().invoke(main, list(args), env=environment, prog_name="rollover",
                                    catch_exceptions=True, input=stdin)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(*result.exc_info))
    return Ran(result.exit_code, result.stdout, stderr)


@contextmanager
def _inside(folder: Path | None):
    if folder is None:
        yield
        return
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)

"""docs/from-your-sis.md runs as written: every command of its blocks marked for the test, in
order, in a new folder, on SQLite and on PostgreSQL.

A fenced ```sh block right after a `<!-- guide-test -->` line is run and each of its commands
must exit 0; after `<!-- guide-test: refused -->`, each `rollover` command must be refused
(exit 2) and the others exit 0.  A `rollover …` command runs in this process (tests/cli.py);
any other (`mkdir`, `cp`, `cat > FILE <<'EOF'`, `sed`) runs in bash, with `CLONE` set to the
project's folder, as the guide's reader sets it.  What the reader does by hand, the test does
too:

- a run id the guide shows (`forward-20261203T104805-977315`, copied from a real run) is the
  newest real run of that kind in the command's database, the one the reader copies from the
  output above it;
- the guide's default database (`rollover.db` in the folder) and its `--db sqlite:///sis.db`
  are, on SQLite, files in the test's folder (copies of the migrated empty store, so that no
  test pays for a migration), and on PostgreSQL this session's database and one more made for
  the test.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from . import cli
from .conftest import _postgres_database, emptied_postgres

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "from-your-sis.md"
MARK = re.compile(r"<!-- guide-test(?:: (refused))? -->")
RUN_ID = re.compile(r"\b([a-z_]+)-\d{8}T\d{6}-[0-9a-f]{6}\b")
HEREDOC = re.compile(r"<<\s*'?(\w+)'?")
SIS_DB = "sqlite:///sis.db"


@dataclass(frozen=True)
class Block:
    line: int  # of the guide, where the block starts
    refused: bool
    commands: tuple[str, ...]


def guide_blocks(page: str) -> list[Block]:
    lines = page.splitlines()
    blocks = []
    for n, line in enumerate(lines):
        found = MARK.fullmatch(line.strip())
        if not found:
            continue
        assert lines[n + 1].strip() == "```sh", f"line {n + 2}: a ```sh block must follow {line}"
        end = next(i for i in range(n + 2, len(lines)) if lines[i].strip() == "```")
        blocks.append(Block(n + 3, found.group(1) == "refused",
                            tuple(commands(lines[n + 2:end]))))
    return blocks


def commands(lines: list[str]) -> list[str]:
    """A block's shell commands: a heredoc with its lines, a line continued by `\\` with the
    next; blank lines and comments left out."""
    found, i = [], 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        while line.endswith("\\"):
            line = line[:-1] + " " + lines[i].strip()
            i += 1
        heredoc = HEREDOC.search(line)
        if heredoc:
            body = []
            while lines[i].strip() != heredoc.group(1):
                body.append(lines[i])
                i += 1
            i += 1
            line = "\n".join([line, *body, heredoc.group(1)])
        found.append(line)
    return found


# -- the guide, run ------------------------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request, tmp_path, postgres_url, sqlite_template):
    """(the folder, the environment of the in-process commands, --db URL -> the URL used)."""
    folder = tmp_path / "walk"
    folder.mkdir()
    if request.param == "sqlite":
        for name in ("rollover.db", "sis.db"):
            shutil.copyfile(sqlite_template, folder / name)
        yield folder, {}, {}
        return
    main = emptied_postgres(postgres_url)
    admin, name, sis = _postgres_database()
    try:
        yield folder, {"ROLLOVER_DATABASE_URL": main}, {SIS_DB: sis}
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_every_command_of_the_guide_runs_as_written(databases):
    folder, env, urls = databases
    blocks = guide_blocks(GUIDE.read_text(encoding="utf-8"))
    assert len(blocks) >= 10 and any(b.refused for b in blocks)
    for block in blocks:
        for command in block.commands:
            where = f"docs/from-your-sis.md, block of line {block.line}: {command.splitlines()[0]}"
            if command.startswith("rollover "):
                ran = run_rollover(command, folder, env, urls)
                expected = 2 if block.refused else 0
                assert ran.returncode == expected, \
                    f"{where}\nexit {ran.returncode}\n{ran.stdout}\n{ran.stderr}"
                assert "Traceback" not in ran.stderr, f"{where}\n{ran.stderr}"
            else:
                shell = subprocess.run(["bash", "-c", command], cwd=folder, capture_output=True,
                                       text=True, env={"PATH": "/usr/bin:/bin", "CLONE": str(ROOT)})
                assert shell.returncode == 0, f"{where}\n{shell.stderr}"


def run_rollover(command: str, folder: Path, env: dict, urls: dict) -> cli.Ran:
    args = [urls.get(arg, arg) for arg in shlex.split(command)[1:]]
    database = next((args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--db"), None)
    args = [newest_run(found, folder, env, database) if RUN_ID.fullmatch(found) else found
            for found in args]
    return cli.rollover(*args, cwd=folder, env=env)


def newest_run(shown: str, folder: Path, env: dict, database: str | None) -> str:
    """The newest real run of the kind of the run id the guide shows."""
    kind = RUN_ID.fullmatch(shown).group(1)
    ran = cli.rollover(*(["--db", database] if database else []), "runs", "--json",
                       cwd=folder, env=env)
    assert ran.returncode == 0, ran.stderr
    runs = [r["run_id"] for r in json.loads(ran.stdout)
            if r["kind"] == kind and r["mode"] == "run"]
    assert runs, f"no run of kind {kind!r} for {shown}"
    return runs[0]


# -- the extraction itself ------------------------------------------------------------------------

def test_blocks_are_split_into_commands_as_a_shell_reads_them():
    page = "\n".join([
        "<!-- guide-test -->", "```sh", "# a comment", "mkdir a", "",
        "cat > a/x.csv <<'EOF'", "id,name", "1,# not a comment", "EOF",
        "rollover import a/ \\", "  --replace", "```", "",
        "```sh", "rollover not-marked", "```",
        "<!-- guide-test: refused -->", "```sh", "rollover import b/", "```"])
    assert guide_blocks(page) == [
        Block(3, False, ("mkdir a", "cat > a/x.csv <<'EOF'\nid,name\n1,# not a comment\nEOF",
                         "rollover import a/  --replace")),
        Block(19, True, ("rollover import b/",))]

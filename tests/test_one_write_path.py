"""One way to write: only the unit of work (`services/unit_of_work.py`) opens a writing
transaction, checks a right (YE-2), takes a one-at-a-time lock (RF-23, YE-18) or records a run.

A service that opened its own transaction and forgot the right would pass the maintenance lock;
this test reads the source of every service and entry point, so a new one is covered without
editing a list.  Every kind of run the unit of work knows must be undoable or say why not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import rollover
from rollover.services import undo
from rollover.services.unit_of_work import all_operations

SOURCE = Path(rollover.__file__).parent
# Calls that open a writing transaction, check a right or take a lock by themselves.
GUARDS = {"writing", "exclusive_transaction", "require", "require_writer", "begin", "record_run"}
# The one place that may, and the places that call them for something that is no write.
ALLOWED = {
    ("services/unit_of_work.py", name) for name in GUARDS} | {
    # `running()`: a probe that asks whether a step holds the process lock; it writes nothing.
    ("services/process.py", "exclusive_transaction"),
}


def guard_calls(path: Path) -> list[tuple[str, int]]:
    """(the name called, line) for each call of a guard in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in GUARDS:
                found.append((name, node.lineno))
    return found


def callers_outside_the_unit_of_work(root: Path = SOURCE) -> list[str]:
    files = [*root.glob("services/**/*.py"), *root.glob("entrypoints/**/*.py"),
             *root.glob("reports/*.py")]
    wrong = []
    for path in files:
        if not path.exists():
            continue
        relative = path.relative_to(root).as_posix()
        for name, line in guard_calls(path):
            if (relative, name) not in ALLOWED:
                wrong.append(f"{relative}:{line}: {name}()")
    return wrong


def test_only_the_unit_of_work_opens_writes_checks_rights_and_takes_locks():
    assert callers_outside_the_unit_of_work() == []


def test_the_check_finds_a_service_that_writes_by_itself(tmp_path):
    """The check above can fail: a service opening its own writing transaction is named."""
    (tmp_path / "services").mkdir()
    (tmp_path / "services" / "rogue.py").write_text(
        "def rogue(engine, user):\n"
        "    with writing(engine) as conn:\n"
        "        require(conn, user, 'import')\n", encoding="utf-8")
    (tmp_path / "services" / "unit_of_work.py").write_text(
        "def unit_of_work(engine):\n    return writing(engine)\n", encoding="utf-8")
    assert callers_outside_the_unit_of_work(tmp_path) == [
        "services/rogue.py:2: writing()", "services/rogue.py:3: require()"]


def test_every_kind_of_run_that_changes_rows_can_be_undone():
    """The kinds of run are the operations declared; each writes its rows through `change`
    (saved, so undoable) or is one of the few that change no district rows."""
    not_undoable = {kind for kind, op in all_operations().items() if not op.undoable}
    assert not_undoable <= set(undo.NOT_UNDOABLE), not_undoable

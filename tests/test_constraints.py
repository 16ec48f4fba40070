"""pyproject.toml names compatible ranges; constraints.txt pins the exact versions the tests run
with, and every way of installing for a test run (the README's two commands, CI) uses it.

Each runtime and test dependency of pyproject.toml has an exact pin within its range, and so has
every package those bring along (read from the installed packages' metadata): a clean clone
installs what was tested.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
INSTALL = re.compile(r"pip install (?:-q )?(.*?)(?: &&|$)", re.MULTILINE)


def declared() -> list[Requirement]:
    """The runtime dependencies and the test extra's, as pyproject.toml names them."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in (*project["dependencies"],
                                     *project["optional-dependencies"]["test"])]


def pins() -> dict[str, Version]:
    """constraints.txt: each line a package pinned to one version (comments aside)."""
    pinned: dict[str, Version] = {}
    for number, line in enumerate((ROOT / "constraints.txt").read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        [spec] = requirement.specifier
        assert spec.operator == "==" and "*" not in spec.version, f"line {number}: {line}"
        assert not requirement.extras and requirement.marker is None, f"line {number}: {line}"
        name = canonicalize_name(requirement.name)
        assert name not in pinned, f"line {number}: {name} pinned twice"
        pinned[name] = Version(spec.version)
    return pinned


def test_every_dependency_is_a_range_with_a_pin_inside_it():
    pinned = pins()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        operators = {spec.operator for spec in requirement.specifier}
        assert operators == {">=", "<"}, f"{requirement}: a compatible range, >= and <"
        assert name in pinned, f"{requirement} has no pin in constraints.txt"
        assert requirement.specifier.contains(pinned[name]), (
            f"constraints.txt pins {name}=={pinned[name]}, outside {requirement}")


def test_the_pins_cover_what_the_dependencies_bring_along():
    """Every package a declared dependency needs (its extras too), and theirs, is pinned; rollover
    itself is not (it is installed from the clone)."""
    pinned = pins()
    assert "rollover" not in pinned
    unpinned, seen = [], set()
    wanted = [(r, None) for r in declared()]
    while wanted:
        requirement, extra = wanted.pop()
        name = canonicalize_name(requirement.name)
        if requirement.marker is not None and not requirement.marker.evaluate(
                {"extra": extra or ""}):
            continue
        if name not in pinned:
            unpinned.append(f"{name} (for {requirement})")
        for wanted_extra in (None, *sorted(requirement.extras)):
            if (name, wanted_extra) in seen:
                continue
            seen.add((name, wanted_extra))
            needs = metadata.requires(requirement.name) or []
            wanted += [(Requirement(n), wanted_extra) for n in needs
                       if (wanted_extra is None) == ("extra ==" not in n)]
    assert unpinned == []


def test_the_readme_commands_and_ci_install_with_the_constraints():
    readme = (ROOT / "README.md").read_text()
    commands = readme[readme.index("## Two commands"):readme.index("## What it does today")]
    installs = INSTALL.findall(commands)
    assert installs == ["-c constraints.txt -e .", '-c constraints.txt -e ".[test]"']
    ci = (ROOT / ".ci" / "run").read_text()
    assert INSTALL.findall(ci) == ['-c constraints.txt -e ".[test]"']
    # CI runs the README's test command word for word
    test_command = next(line for line in commands.splitlines() if '".[test]"' in line)
    assert test_command in ci

"""The rollover modules (YE-6): each a name, the tables it changes, the modules it needs first,
and a `plan` that reads the district and decides every row it would change.

The built-in modules register themselves below; another package adds one without editing this
code by declaring an entry point in the group `rollover.modules` that names a `RolloverModule`.
The year-end process (`services/process.py`) enforces the order (YE-7), saves each run's backup
(YE-8) and restores it (YE-9); a module only plans.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from importlib import import_module
from importlib.metadata import entry_points

from sqlalchemy import Connection

from ...domain.change_plan import ModulePlan
from ...domain.security import register_right
from ...domain.suggestions import did_you_mean
from ...errors import RolloverError
from ...progress import Progress, no_progress

ENTRY_POINT_GROUP = "rollover.modules"
BUILT_IN = ("calendar", "registration", "scheduling", "mark_reporting", "success_plan",
            "attendance_codes", "programs")


class ModuleRefused(RolloverError):
    """A module cannot run (bad option, unknown module, prerequisites, check errors)."""


@dataclass(frozen=True)
class ModuleContext:
    """What a module's plan may use: the open transaction, the school year being closed (the
    module writes into `school_year + 1`), its options, and the run it plans."""

    conn: Connection
    school_year: int
    options: dict
    run_id: str
    user: str | None = None
    test: bool = False
    progress: Progress = no_progress

    @property
    def next_year(self) -> int:
        return self.school_year + 1


def no_options(given: dict[str, str]) -> dict:
    if given:
        raise ModuleRefused(f"unknown option {sorted(given)[0]!r}: this module takes none")
    return {}


@dataclass(frozen=True)
class RolloverModule:
    name: str
    title: str
    tables: tuple[str, ...]  # the tables its runs change (and its restore puts back)
    requires: tuple[str, ...]  # modules that must have run for the year first (YE-7)
    plan: Callable[[ModuleContext], ModulePlan]
    # NAME=VALUE options as given on the command line -> checked options (JSON-ready)
    parse_options: Callable[[dict[str, str]], dict] = no_options
    # Other named one-at-a-time locks its runs hold besides the process's (e.g. "forward").
    locks: tuple[str, ...] = ()
    option_help: dict[str, str] = field(default_factory=dict)


_REGISTRY: dict[str, RolloverModule] = {}
_LOADED = False


def register(module: RolloverModule) -> RolloverModule:
    """Make a module known; running it needs the right of its own name (YE-2)."""
    register_right(module.name, f"run and restore the {module.name} rollover")
    _REGISTRY[module.name] = module
    return module


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for name in BUILT_IN:
        import_module(f"{__name__}.{name}")
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        register(entry.load())


def all_modules() -> list[RolloverModule]:
    """Every module, in an order that honours the prerequisites: of the modules whose
    prerequisites are placed, the built-in first in YE-7's order, else the first by name (the
    same order however the modules happened to be imported).  A circle is refused, naming it."""
    _load()
    for module in _REGISTRY.values():
        for name in module.requires:
            get_module(name)  # an unknown prerequisite is refused, naming the known modules
    sorter = TopologicalSorter({m.name: m.requires for m in _REGISTRY.values()})
    try:
        sorter.prepare()
    except CycleError as exc:
        raise ModuleRefused("modules depend on each other in a circle: "
                            + " needs ".join(_circle(exc.args[1]))) from None
    ready: list[tuple] = []
    ordered: list[RolloverModule] = []
    while sorter.is_active():
        for name in sorter.get_ready():
            heapq.heappush(ready, _rank(name))
        name = heapq.heappop(ready)[-1]
        ordered.append(_REGISTRY[name])
        sorter.done(name)
    return ordered


def _rank(name: str) -> tuple:
    return (BUILT_IN.index(name) if name in BUILT_IN else len(BUILT_IN), name)


def _circle(cycle: list[str]) -> list[str]:
    """graphlib's cycle [a, b, ..., a], each a prerequisite of the next, as each needing the
    next, from the first module in YE-7's order: always the same words for the same circle."""
    names = cycle[-1:0:-1]
    first = names.index(min(names, key=_rank))
    names = names[first:] + names[:first]
    return [*names, names[0]]


def get_module(name: str) -> RolloverModule:
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ModuleRefused(f"unknown module {name!r}; the modules are: "
                            + ", ".join(sorted(_REGISTRY))
                            + did_you_mean(name, _REGISTRY)) from None


def dependents(name: str) -> set[str]:
    """Every module that needs `name`, directly or through another (YE-9)."""
    found: set[str] = set()
    for module in all_modules():  # prerequisites first: one pass finds them all
        if ({name} | found) & set(module.requires):
            found.add(module.name)
    return found


def parse_flag(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "y"):
        return True
    if lowered in ("false", "0", "no", "n"):
        return False
    raise ModuleRefused(f"option {name}: not a boolean: {value!r}")

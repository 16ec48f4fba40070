"""Named points where a test can hold a running operation, to act at an exact moment (commit a
run between two tables of an export, kill a run while it writes) instead of guessing a time.

Nothing happens unless a test asks for it:

- in the same process, `hold_at(name, callback)` makes `pause_point(name)` call `callback()`;
- in a child process, the environment variables ROLLOVER_PAUSE_AT (a point's name) and
  ROLLOVER_PAUSE_DIR (a folder) make the process, on reaching that point, create
  `DIR/NAME.reached` and then wait until `DIR/NAME.go` exists (a test may also kill it there).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

_HELD: dict[str, Callable[[], None]] = {}


def pause_point(name: str) -> None:
    """Mark a named moment of an operation (a no-op unless a test holds it)."""
    callback = _HELD.get(name)
    if callback is not None:
        callback()
    if os.environ.get("ROLLOVER_PAUSE_AT") == name and os.environ.get("ROLLOVER_PAUSE_DIR"):
        folder = Path(os.environ["ROLLOVER_PAUSE_DIR"])
        (folder / f"{name}.reached").touch()
        while not (folder / f"{name}.go").exists():
            time.sleep(0.01)


@contextmanager
def hold_at(name: str, callback: Callable[[], None]):
    """Within the block, reaching the point `name` in this process calls `callback()` first."""
    _HELD[name] = callback
    try:
        yield
    finally:
        _HELD.pop(name, None)

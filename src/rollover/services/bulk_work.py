"""Bulk steps build millions of long-lived objects (a district's enrollments, the rows a run
writes) that hold no reference cycles.  Python's cycle collector would scan them over and over
while they are built, a third of a roll forward's time, and find nothing to free; it is paused
for the step and resumed after."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

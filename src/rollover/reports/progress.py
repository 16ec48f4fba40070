"""A step's progress as one plain line (what `rollover` writes to standard error when standard
error is no terminal, e.g. a log file; docs/bundle.md, "Progress")."""

from __future__ import annotations

import math

from ..progress import COUNTED_IN_BYTES, COUNTED_IN_PARTS
from .table import human_size


def progress_line(label: str, done: int, total: int, *, seconds: float,
                  seconds_left: float | None = None) -> str:
    """`reading 120,000 of 1,000,000 (12%), about 40 s left` while the step runs (the time left
    once it can be estimated; `almost done` under half a second), `reading 1,000,000 of
    1,000,000 (100%), done in 52 s` when it is done; a step of no count (a commit) says how long
    it has taken.  `seconds`: how long the step has run.  A step counted in bytes shows sizes
    (`importing 1.9 MB of 3.5 MB (55%)`), one counted in parts says so (`loading, part 2 of 5
    (40%)`)."""
    shown = human_size if label in COUNTED_IN_BYTES else "{:,}".format
    counted = f"{label}, part" if label in COUNTED_IN_PARTS else label
    if total > 1:
        text = (f"{counted} {shown(done)} of {shown(total)} "
                f"({math.floor(100 * min(done, total) / total)}%)")
    elif done > 0 and total == 0:  # counted, but of no known whole
        text = f"{label}, {shown(done)} so far"
    else:
        text = label
    if total > 0 and done >= total:
        return f"{text}, done in {duration(seconds)}"
    if total > 1:
        if seconds_left is None:
            return text
        if seconds_left < 0.5:
            return f"{text}, almost done"
        return f"{text}, about {duration(_rounded(seconds_left))} left"
    if text != label:
        return f"{text} in {duration(seconds)}"
    return f"{text}, {duration(seconds)} so far" if seconds >= 1 else text


def still_working_line(after: str | None, seconds: float) -> str:
    """A line for a stretch with no step reported: since the command began (`after` None), or
    since step `after` ended."""
    if after is None:
        return f"working, {duration(seconds)} so far"
    return f"working, {duration(seconds)} since {after} ended"


def duration(seconds: float) -> str:
    """`7 s`, `4 min`, `1 h 20 min`."""
    if seconds < 99.5:
        return f"{round(seconds)} s"
    minutes = round(seconds / 60)
    if minutes < 100:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def _rounded(seconds: float) -> float:
    """A time left no more exact than it can be: to the second under 10 s, to 5 s under a
    minute, else in minutes (`duration`)."""
    if seconds < 10:
        return max(1, round(seconds))
    if seconds < 60:
        return 5 * round(seconds / 5)
    return seconds

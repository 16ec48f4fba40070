"""Progress reporting: service functions call `progress(label, done, total)`; entry points render it.

The service layer never prints.  The CLI turns these calls into a Rich progress bar on a terminal
and ignores them otherwise; a web page can turn them into a progress indicator.
"""

from collections.abc import Callable

Progress = Callable[[str, int, int], None]


def no_progress(label: str, done: int, total: int) -> None:
    """The default: report nothing."""

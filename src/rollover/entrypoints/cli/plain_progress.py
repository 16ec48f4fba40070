"""Progress without a terminal (YE-20): a plain line on standard error every few seconds, never a
flood.

A step (a label of the progress callback) writes nothing in its first `FIRST_LINE_AFTER`
seconds, so a short command writes nothing at all; a longer step writes a line then, one at most
every `EVERY` seconds while it runs, and one when it is done.  A stretch in which the command
reports nothing gets a line every `EVERY` seconds too (`tick`, from a thread), so a log never
looks hung.  The lines' format is docs/bundle.md's ("Progress"); `reports/progress.py` words them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ...reports.progress import progress_line, still_working_line

FIRST_LINE_AFTER = 2.0  # seconds a step runs before its first line
EVERY = 5.0  # seconds between two lines while nothing starts or ends
MEASURE_AFTER = 1.0  # seconds of a step before its time left is estimated
TICK_SECONDS: float | None = 1.0  # how often a silent stretch is looked at; None: never

clock: Callable[[], float] = time.monotonic  # tests put a clock of their own here


@dataclass
class _Step:
    label: str
    began: float
    first_done: int
    done: int = 0
    total: int = 0
    shown: bool = False  # a line was written for it
    ended_at: float | None = None

    def seconds_left(self, now: float) -> float | None:
        counted = self.done - self.first_done
        if self.total <= 1 or counted <= 0 or now - self.began < MEASURE_AFTER:
            return None
        return (self.total - self.done) * (now - self.began) / counted


class PlainProgress:
    """The progress callback (`report`) of a command whose standard error is no terminal."""

    def __init__(self, write: Callable[[str], None], now: Callable[[], float] | None = None):
        self._write, self._now = write, now or clock
        self._began = self._last_line = self._now()
        self._steps: dict[str, _Step] = {}
        self._current: _Step | None = None
        self._lock = threading.Lock()

    def report(self, label: str, done: int, total: int) -> None:
        with self._lock:
            now = self._now()
            step = self._steps.get(label)
            if step is None or (step.ended_at is not None and done < step.done):
                step = self._steps[label] = _Step(label, now, done)  # begun (again)
            step.done, step.total = done, total
            self._current = step
            age = now - step.began
            if total > 0 and done >= total:
                if step.ended_at is None:
                    step.ended_at = now
                    if step.shown or age >= FIRST_LINE_AFTER or self._quiet(now):
                        self._line(now, step)
            elif (not step.shown and age >= FIRST_LINE_AFTER) or self._quiet(now):
                self._line(now, step)

    def tick(self) -> None:
        """Look at a silent stretch: the first line of a step that has run `FIRST_LINE_AFTER`
        seconds without one (it reports nothing while it runs, e.g. a commit), else a line if
        nothing was written for `EVERY` seconds."""
        with self._lock:
            now = self._now()
            step = self._current
            running = step is not None and step.ended_at is None
            if running and not step.shown and now - step.began >= FIRST_LINE_AFTER:
                self._line(now, step)
            elif not self._quiet(now):
                return
            elif step is None:
                self._emit(now, still_working_line(None, now - self._began))
            elif not running:
                self._emit(now, still_working_line(step.label, now - step.ended_at))
            elif now - step.began >= FIRST_LINE_AFTER:
                self._line(now, step)

    def _quiet(self, now: float) -> bool:
        return now - self._last_line >= EVERY

    def _line(self, now: float, step: _Step) -> None:
        step.shown = True
        end = step.ended_at if step.ended_at is not None else now
        self._emit(now, progress_line(step.label, step.done, step.total, seconds=end - step.began,
                                      seconds_left=step.seconds_left(now)))

    def _emit(self, now: float, text: str) -> None:
        self._last_line = now
        self._write(f"rollover: {text}")


@contextmanager
def plain_progress(write: Callable[[str], None]) -> Iterator[Callable[[str, int, int], None]]:
    """A PlainProgress's callback, with a thread looking at silent stretches every
    `TICK_SECONDS` while the command works."""
    printer = PlainProgress(write)
    if TICK_SECONDS is None:
        yield printer.report
        return
    stop = threading.Event()

    def look() -> None:
        while not stop.wait(TICK_SECONDS):
            printer.tick()

    watcher = threading.Thread(target=look, name="rollover-progress", daemon=True)
    watcher.start()
    try:
        yield printer.report
    finally:
        stop.set()
        watcher.join()

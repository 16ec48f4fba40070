"""The worker processes of `rollover serve` (docs/serve.md): each runs `services.jobs.worker_loop`
on an engine of its own, until the server stops it or dies.

    pool = WorkerPool(url, count)    # started with the spawn context: no state of the server's
    pool.start()                     # processes inherited (connections, threads, locks); a
    pool.stop()                      # worker that dies is started again (its recovery fails the
                                     # job the dead one left); stop: SIGTERM, then kill

A worker stops on SIGTERM (SIGINT is the server's, which stops its workers itself): the signal
becomes an exception, so a job it is running fails with "the worker stopped" and its run's
transaction rolls back (all or nothing), and the worker exits.  A worker whose server dies gets
SIGTERM from the kernel (Linux: PR_SET_PDEATHSIG), and also sees its parent gone within a second
(other systems): no worker outlives its server.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading

log = logging.getLogger("rollover.serve")

STOP_SECONDS = 30.0  # how long a stopping worker may take to fail its job and record it
PARENT_CHECK_SECONDS = 1.0
POLL_SECONDS = 1.0


class WorkerStopped(SystemExit):
    """Raised in a worker by SIGTERM: ends the job it runs (failed, rolled back)."""


def _stop(signum, _frame) -> None:
    raise WorkerStopped(0)


def _die_with_parent() -> None:
    """Linux: the kernel sends SIGTERM to this process when the process that started it dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _watch_parent(parent: int) -> None:
    """Wherever PR_SET_PDEATHSIG does not exist: a parent gone makes this process stop."""
    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(PARENT_CHECK_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent watch", daemon=True).start()


def run_worker(url: str, parent: int, poll_interval: float = POLL_SECONDS) -> None:
    """A worker process's body: take and run jobs until told to stop."""
    signal.signal(signal.SIGTERM, _stop)
    # Ctrl-C reaches the whole terminal's process group: the server stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if os.getppid() != parent:  # the server died before this process could notice
        return
    _watch_parent(parent)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # a restore's migration steps

    from ...services.jobs import new_worker_id, worker_loop
    from ...store.database import open_engine

    engine = open_engine(url, migrate=False)  # the server migrated it before starting workers
    try:
        worker_loop(engine, new_worker_id(), threading.Event(), poll_interval)
    except WorkerStopped:
        log.info("worker %s stopped", os.getpid())
    finally:
        engine.dispose()


class WorkerPool:
    """`count` worker processes on the database at `url`, kept at that number until stopped."""

    def __init__(self, url: str, count: int, poll_interval: float = POLL_SECONDS):
        self.url, self.count, self.poll_interval = url, count, poll_interval
        self._context = multiprocessing.get_context("spawn")
        self._processes: list = []
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def _spawn(self):
        process = self._context.Process(
            target=run_worker, args=(self.url, os.getpid(), self.poll_interval),
            name="rollover worker", daemon=True)
        process.start()
        log.info("worker process %s started", process.pid)
        return process

    def start(self) -> None:
        self._processes = [self._spawn() for _ in range(self.count)]
        self._watcher = threading.Thread(target=self._watch, name="worker pool", daemon=True)
        self._watcher.start()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._processes]

    def _watch(self) -> None:
        """A worker that died (killed, crashed) is started again; the new one's recovery fails
        the job the dead one left running."""
        while not self._stopping.wait(POLL_SECONDS):
            for i, process in enumerate(self._processes):
                if not process.is_alive() and not self._stopping.is_set():
                    log.warning("worker process %s ended (exit code %s): starting another",
                                process.pid, process.exitcode)
                    process.join()
                    self._processes[i] = self._spawn()

    def stop(self) -> None:
        """SIGTERM to every worker (a running job fails, rolled back), then wait; a worker that
        does not end within STOP_SECONDS is killed."""
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join()
        for process in self._processes:
            if process.is_alive():
                process.terminate()
        for process in self._processes:
            process.join(STOP_SECONDS)
            if process.is_alive():
                log.warning("worker process %s did not stop: killed", process.pid)
                process.kill()
                process.join()
        self._processes = []

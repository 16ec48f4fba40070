"""`rollover serve [--host H] [--port P] [--workers N]`: the web app and the HTTP API, and the
worker processes that run their jobs (docs/serve.md)."""

from __future__ import annotations

import logging
import secrets
import signal

import click

from ...store.database import describe, is_sqlite, open_engine, resolve_url
from .support import db_option, example, refusals

log = logging.getLogger("rollover.serve")


def first_administrator_code(engine) -> str | None:
    """A new random code that lets the sign-in page make the first administrator, while the
    district has no user (then the pages are the only way in); None once it has one."""
    from ...services.security import lock_status

    return secrets.token_urlsafe(12) if lock_status(engine).open_district else None


# Serving runs until stopped, so its example only asks for the help; everything the server
# writes goes through the API, whose endpoints the API's tests run while the district is locked.
@example("serve --help")
@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on (0.0.0.0: every address of this host).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="The port to listen on (0: any free port, logged when the server starts).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=0),
              help="Worker processes that run the jobs (0: only other servers' workers do).")
@db_option
@refusals
def serve_command(db_url, host: str, port: int, workers: int):
    """Serve the web pages at / and the HTTP API at /api/v1/, with worker processes running
    its jobs; stop with Ctrl-C or SIGTERM (a job still running then fails, all or nothing)."""
    import uvicorn

    from ...services.jobs import recover_dead_jobs
    from ..web.app import create_app
    from ..web.workers import WorkerPool

    url = resolve_url(db_url)
    engine = open_engine(url)  # migrated here, once, before any worker opens it
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # a migration's steps are no news
    for job in recover_dead_jobs(engine):  # a server killed with its workers: say so now
        log.warning("job %s failed: %s", job.job_id, job.error["detail"])
    if is_sqlite(engine) and workers > 1:
        log.warning("SQLite writes one transaction at a time: one worker is enough")
    setup_code = first_administrator_code(engine)
    if setup_code:
        log.warning("the district has no user yet: open the pages and create the first "
                    "administrator with the setup code %s (good while this server runs)",
                    setup_code)
    pool = WorkerPool(url, workers)
    # No access log of uvicorn's: the app logs each request itself, with its user and run.
    server = uvicorn.Server(uvicorn.Config(create_app(engine, setup_code=setup_code), host=host,
                                           port=port, log_level="info", access_log=False))

    def stop(_signum, _frame) -> None:
        server.should_exit = True

    # uvicorn stops on SIGINT/SIGTERM, then raises the signal again for the handler it found:
    # this one, so that the workers are stopped below rather than the process ended at once
    # (and a signal before uvicorn listens stops it as soon as it does).
    for stopping in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stopping, stop)
    log.info("serving %s with %d worker%s", describe(url), workers, "" if workers == 1 else "s")
    pool.start()
    try:
        server.run()
    finally:
        pool.stop()
        engine.dispose()
        log.info("stopped")

"""Fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL is this machine's server (ROLLOVER_TEST_POSTGRES, default
postgresql+psycopg://postgres@127.0.0.1:5432/test).  Each test session creates a database of its
own and drops it at the end.  When CI is set, an unreachable server fails the tests, never skips.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from rollover.services.bundles import import_bundle
from rollover.store.database import open_engine
from rollover.store.migrate import upgrade
from rollover.store.schema import metadata

from .store_templates import remove_templates

BUNDLES = Path(__file__).parent / "bundles"
# No plain progress lines on standard error (docs/bundle.md, "Progress"): tests compare it
# exactly, and whether a step of a loaded machine took over 2 s must not change what they see.
# tests/test_progress.py turns them on again, with a clock of its own.  Child processes inherit it.
os.environ["ROLLOVER_PROGRESS"] = "off"
SERVER_URL = os.environ.get("ROLLOVER_TEST_POSTGRES",
                            "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_database():
    """Create this session's own database; None (or a failure under CI) if there is no server."""
    name = f"rollover_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            # A commit need not wait for the disk: no test crashes the server, and the tests
            # commit thousands of times.
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but PostgreSQL at {SERVER_URL} is unusable: {exc}")
        return None, None, None
    return admin, name, make_url(SERVER_URL).set(database=name).render_as_string(False)


@pytest.fixture(scope="session")
def postgres_url():
    admin, name, url = _postgres_database()
    if url is None:
        yield None
        return
    yield url
    if url in _EMPTIERS:
        _EMPTIERS.pop(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def store_templates():
    """The stores built once per session (tests/store_templates.py), removed at its end."""
    yield
    remove_templates()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An empty district store, migrated once per test session: each SQLite test starts from a
    copy of it (a copy costs a fiftieth of a migration)."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    open_engine(f"sqlite:///{path}").dispose()  # the last connection folds the WAL back in
    return path


def migrated_sqlite(template: Path, path: Path) -> str:
    """The URL of a new, empty, migrated SQLite store at `path`, copied from the template."""
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, postgres_url, sqlite_template):
    """A URL of an empty, migrated district store, once per database kind."""
    if request.param == "sqlite":
        return migrated_sqlite(sqlite_template, tmp_path / "rollover.db")
    return emptied_postgres(postgres_url)


_EMPTIERS: dict[str, Engine] = {}
# The bytes the district's tables take.  Past a few megabytes (a demo district was loaded), a
# TRUNCATE empties them instead of DELETE: the dead rows a DELETE leaves wait for a vacuum that
# may not come (this server has autovacuum off), and they and the big tables' statistics would
# slow every later test.
_TABLES_BYTES = text("SELECT coalesce(sum(pg_relation_size(c.oid)), 0) FROM pg_class c "
                     "WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace")
_LARGE_BYTES = 4 << 20


def emptied_postgres(postgres_url: str | None) -> str:
    """The session's PostgreSQL database, migrated and emptied; skips when there is none.

    Emptied by deleting every row, children first, and restarting the sequences: on a few test
    rows that is ten times cheaper than a TRUNCATE of every table.  One engine does it for the
    whole session: a new engine a test would cost more than the emptying itself.  After a large
    district, TRUNCATE (see _LARGE_BYTES)."""
    if postgres_url is None:
        pytest.skip("no PostgreSQL server (set CI to make this a failure)")
    engine = _EMPTIERS.get(postgres_url)
    if engine is None:
        engine = _EMPTIERS[postgres_url] = open_engine(postgres_url)
    upgrade(engine)  # a test may have restored an older schema over it
    with engine.begin() as conn:
        if conn.execute(_TABLES_BYTES).scalar() > _LARGE_BYTES:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"'
                                                      for t in metadata.sorted_tables)))
        else:
            conn.execute(text("; ".join(f'DELETE FROM "{t.name}"'
                                        for t in reversed(metadata.sorted_tables))))
        conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c "
                          "WHERE c.relkind = 'S' AND pg_table_is_visible(c.oid)"))
    return postgres_url


@pytest.fixture
def engine(db_url):
    engine = open_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def tiny_bundle(tmp_path) -> Path:
    """A copy of tests/bundles/tiny, free to be spoiled by the test."""
    target = tmp_path / "tiny"
    shutil.copytree(BUNDLES / "tiny", target)
    return target


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def forward(request, tmp_path, postgres_url, sqlite_template):
    """Run a roll forward of a `tests.districts.District`: `forward(district, **options)`.

    "memory" decides purely (no database); "sqlite" and "postgresql" import the district as a
    bundle into a fresh store and run the service, so a rule test proves the rule three ways.
    The result has `.rolled` (new enrollments) and `.warnings`, in decision order.
    """
    from rollover.services.forward import roll_forward

    if request.param == "memory":
        yield lambda district, **options: district.plan(**options)
        return
    url = (emptied_postgres(postgres_url) if request.param == "postgresql"
           else migrated_sqlite(sqlite_template, tmp_path / "forward.db"))
    engines = []

    def run(district, **options):
        engine = open_engine(url)
        engines.append(engine)
        if not engines[1:]:
            import_bundle(engine, district.write_bundle(tmp_path / "bundle"))
        options.setdefault("test", True)
        return roll_forward(engine, district.options(**options))

    yield run
    for engine in engines:
        engine.dispose()


# -- the browser tests (tests/browser_setup.py) ------------------------------------------------

@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Every test of a tests/test_browser_*.py file is a browser test (`-m browser`)."""
    for item in items:
        if item.path.name.startswith("test_browser_"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium by its path (Playwright's own browser download is not used)."""
    from .browser_setup import CHROMIUM
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-dev-shm-usage"]}


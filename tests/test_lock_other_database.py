"""A PostgreSQL server holds many databases, and an advisory lock belongs to one of them: the same
lock held in another database on the same server neither refuses an operation here nor is named
as the holder when one here is refused (RF-23)."""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from sqlalchemy import create_engine, text

from rollover.services.forward import BUSY
from rollover.store.database import open_engine
from rollover.store.locks import AlreadyRunning, Holder, _lock_key, exclusive_transaction

from .conftest import _postgres_database, emptied_postgres

# Sessions of the other database holding the lock (shared, so that all of them can).
OTHERS = 4


@pytest.fixture
def here_url(postgres_url):
    return emptied_postgres(postgres_url)


@pytest.fixture
def there(postgres_url):
    """An engine on a second database of the same server, made for this test, dropped after."""
    if postgres_url is None:
        pytest.skip("no PostgreSQL server (set CI to make this a failure)")
    admin, name, url = _postgres_database()
    engine = create_engine(url, pool_size=OTHERS)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def held_there(engine, stack: ExitStack, label: str) -> None:
    """OTHERS sessions of the other database hold the roll forward's lock, each named `label`
    as a rollover holder names its transaction."""
    for _ in range(OTHERS):
        conn = stack.enter_context(engine.connect())
        stack.enter_context(conn.begin())
        conn.execute(text("SELECT set_config('application_name', :label, true)"),
                     {"label": label})
        assert conn.execute(text("SELECT pg_try_advisory_xact_lock_shared(:key)"),
                            {"key": _lock_key("forward")}).scalar()


@pytest.mark.parametrize("label", ["rollover|20261201T080000|roll forward Run|zed", "psql"])
def test_the_holder_named_is_the_one_in_this_database(here_url, there, label):
    with ExitStack() as stack:
        # The other database's sessions connect first: a holder read from the whole server
        # would then be one of theirs (the server lists sessions by slot, later ones later).
        held_there(there, stack, label)
        here = open_engine(here_url)
        stack.callback(here.dispose)
        with exclusive_transaction(here, "forward", BUSY, write=False,
                                   holder=Holder("roll forward Run", "ann")):
            with pytest.raises(AlreadyRunning) as refused:
                with exclusive_transaction(here, "forward", BUSY, write=False,
                                           holder=Holder("roll forward Run Test", "ben")):
                    pass
    message = str(refused.value)
    assert message.startswith(BUSY), message
    assert "(roll forward Run, started by ann at " in message, message
    assert "zed" not in message and "unnamed" not in message, message


def test_a_lock_held_in_another_database_refuses_nothing_here(here_url, there):
    here = open_engine(here_url)
    with exclusive_transaction(there, "forward", BUSY, write=False,
                               holder=Holder("roll forward Run", "zed")):
        with exclusive_transaction(here, "forward", BUSY, write=False,
                                   holder=Holder("roll forward Run", "ann")) as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    here.dispose()

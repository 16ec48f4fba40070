"""Alembic, run from inside the package: the schema is created or upgraded on first use."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from ..errors import RolloverError
from .access import read_only

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache  # the migrations are files of the installed package: they cannot change under a process
def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revision(revision: str) -> bool:
    """Whether `revision` is one of this rollover's migrations (a later rollover's is not)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic says "unknown" in several ways
        return False


VERSION_TABLE = "alembic_version"
# Whether the version table exists, asked of the catalog directly: alembic's own question goes
# through a reflection inspector, several catalog queries that every open of the store paid.
_HAS_VERSION_TABLE = {
    "sqlite": text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = :name"),
    "postgresql": text("SELECT count(*) FROM pg_tables "
                       "WHERE schemaname = current_schema() AND tablename = :name"),
}


def current_revision(engine: Engine) -> str | None:
    """The store's alembic revision; None for a store without rollover's tables."""
    with engine.connect() as conn:
        if not conn.execute(_HAS_VERSION_TABLE[conn.dialect.name],
                            {"name": VERSION_TABLE}).scalar():
            return None
        revisions = conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalars().all()
    if len(revisions) > 1:
        raise RolloverError(f"the store names {len(revisions)} schema revisions "
                            f"({', '.join(sorted(revisions))}); it must name one")
    return revisions[0] if revisions else None


class SchemaUpgradeRefused(RolloverError):
    """The store's schema is older than this rollover and this user may only read it."""


def upgrade(engine: Engine) -> None:
    """Bring the store to the newest revision; a store already there costs one query.  A store
    this user may only read is used as it is when current, refused when it needs an upgrade."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    with engine.connect() as conn:
        if read_only(conn):
            raise SchemaUpgradeRefused(
                f"its schema is at revision {current or 'none (an empty store)'} and needs an "
                f"upgrade to {head}, but this user may only read it; open it once as a user who "
                "may write it")
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")

"""Small questions about the stored district that several services ask."""

from sqlalchemy import Connection, exists, select

from ..store.schema import BUNDLE_TABLES
from ..store.schema_modules import MODULE_TABLES


def district_is_empty(conn: Connection) -> bool:
    """True when no bundle table (the modules' included) holds a row."""
    return not any(conn.execute(select(exists().select_from(t))).scalar()
                   for t in (*BUNDLE_TABLES, *MODULE_TABLES))

"""Column types shared by the schema and its migrations."""

from sqlalchemy import String

# Ids and codes: byte order on both databases ("C" collation on PostgreSQL, SQLite's BINARY), so
# an export lists rows in the same order wherever the district is stored.
Key = String(64).with_variant(String(64, collation="C"), "postgresql")

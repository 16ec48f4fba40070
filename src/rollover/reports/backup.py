"""What `rollover backup create|list|restore|delete` say (YE-4, YE-5), from the manifests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .table import Table, human_size, number, table

if TYPE_CHECKING:  # types only: the command loads its service when it runs
    from ..services.backup import Manifest


def created_lines(manifest: Manifest) -> Iterator[str]:
    yield (f"backup {manifest.id}: {manifest.total_rows:,} rows in {len(manifest.row_counts)} "
           f"tables, {human_size(manifest.size)} ({manifest.format})")
    yield f"file {manifest.file}  sha256 {manifest.sha256}"


def listed_lines(found: list[Manifest], where) -> Iterator[str | Table]:
    """A row per backup of the folder `where`, newest first: its size as people read it."""
    if not found:
        yield f"no backups in {where}"
        return
    yield table(("BACKUP", "CREATED", "DATABASE", "YEAR", number("ROWS"), number("SIZE"), "USER",
                 "LABEL"),
                ((m.id, m.created_at[:16].replace("T", " "), m.database["kind"],
                  str(m.school_year), m.total_rows, human_size(m.size), m.user, m.label)
                 for m in found))


def restored_line(manifest: Manifest, target: str) -> str:
    """`target`: the database restored into, its password hidden."""
    return (f"restored {manifest.id} into {target}: {manifest.total_rows:,} rows in "
            f"{len(manifest.row_counts)} tables")


def deleted_line(manifest: Manifest) -> str:
    return (f"deleted backup {manifest.id} (school year {manifest.school_year}, "
            f"{manifest.file})")


def deleted_json(manifest: Manifest) -> dict:
    return {"deleted": manifest.as_json()}

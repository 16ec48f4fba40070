"""What `rollover backup create|list|restore|delete` say (YE-4, YE-5), from the manifests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the command loads its service when it runs
    from ..services.backup import Manifest


def created_lines(manifest: Manifest) -> Iterator[str]:
    yield (f"backup {manifest.id}: {manifest.total_rows} rows in {len(manifest.row_counts)} "
           f"tables, {manifest.size} bytes ({manifest.format})")
    yield f"file {manifest.file}  sha256 {manifest.sha256}"


def listed_lines(found: list[Manifest], where) -> Iterator[str]:
    """One line per backup of the folder `where`, newest first."""
    if not found:
        yield f"no backups in {where}"
    for m in found:
        yield (f"{m.id}  {m.created_at[:16].replace('T', ' ')}  {m.database['kind']:<10}  "
               f"year {m.school_year}  {m.total_rows:>9} rows  {m.size:>11} bytes  "
               f"{m.user or '-':<12} {m.label or ''}").rstrip()


def restored_line(manifest: Manifest, target: str) -> str:
    """`target`: the database restored into, its password hidden."""
    return (f"restored {manifest.id} into {target}: {manifest.total_rows} rows in "
            f"{len(manifest.row_counts)} tables")


def deleted_line(manifest: Manifest) -> str:
    return (f"deleted backup {manifest.id} (school year {manifest.school_year}, "
            f"{manifest.file})")


def deleted_json(manifest: Manifest) -> dict:
    return {"deleted": manifest.as_json()}

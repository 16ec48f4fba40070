"""What `rollover import --format edfi` says when it is done: each bundle file's row count, the
total, then every warning at its XML file, line and element (docs/interop.md, section 1)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .bundles import imported_line

if TYPE_CHECKING:
    from ..services.edfi_import import EdfiImportResult


def edfi_imported_lines(result: EdfiImportResult, folder: Path) -> list[str]:
    lines = [f"{name}: {count:,} rows" for name, count in result.rows.items()]
    lines.append(imported_line(result.rows, folder))
    lines += [f"warning: {warning}" for warning in result.warnings]
    return lines


def edfi_notice_lines(result: EdfiImportResult) -> list[str]:
    """For standard error: the files the import did not read."""
    return [f"rollover: {notice}" for notice in result.notices]

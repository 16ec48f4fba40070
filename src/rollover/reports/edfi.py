"""What `rollover import --format edfi` says when it is done: the total, the warnings per code
(most frequent first), each bundle file's row count, then every warning at its XML file, line
and element (docs/interop.md, section 1)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .bundles import imported_line
from .counts import by_code

if TYPE_CHECKING:
    from ..services.edfi_import import EdfiImportResult


def edfi_imported_lines(result: EdfiImportResult, folder: Path) -> list[str]:
    lines = [imported_line(result.rows, folder)]
    if result.warnings:
        lines.append("warnings by code, most frequent first:")
        lines += by_code((warning.code, None) for warning in result.warnings)
    lines += [f"{name}: {count:,} rows" for name, count in result.rows.items()]
    lines += [f"warning: {warning}" for warning in result.warnings]
    return lines


def edfi_notice_lines(result: EdfiImportResult) -> list[str]:
    """For standard error: the files the import did not read."""
    return [f"rollover: {notice}" for notice in result.notices]

"""What `rollover export --format edfi` says when it is done."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..services.edfi_export import EdfiExport


def edfi_exported_lines(result: EdfiExport, out_dir: Path) -> list[str]:
    """The line of standard output: what was written where."""
    elements = sum(result.elements.values())
    return [f"exported school year {result.year - 1}-{result.year} as Ed-Fi XML: "
            f"{elements:,} elements in {len(result.elements)} files to {out_dir}"]


def edfi_warning_lines(result: EdfiExport) -> list[str]:
    """The lines of standard error: each warning."""
    return [f"warning: {warning}" for warning in result.warnings]

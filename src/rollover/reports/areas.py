"""What `rollover boundaries import` and `rollover boundaries list` say: the areas imported per
school, and every stored area, as tables (reports/table.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .table import Table, number, table

if TYPE_CHECKING:  # types only: the command loads its service when it runs
    from ..services.areas_import import AreasImport, StoredArea


def whose(program_id: str | None) -> str:
    return "the schools' own areas" if program_id is None else f"program {program_id}'s areas"


def imported_report(result: AreasImport) -> list[str | Table]:
    """A line saying what was imported and what it replaced, then the areas per school."""
    many = "" if len(result.areas) == 1 else "s"
    replaced = "no stored area" if not result.replaced else \
        f"{result.replaced:,} stored area{'' if result.replaced == 1 else 's'}"
    return [
        f"imported {len(result.areas):,} area{many} from {result.file}: {whose(result.program_id)}"
        f" for grades {result.low_grade}-{result.high_grade}, replacing {replaced} "
        f"(run {result.run_id}: rollover undo puts them back)",
        table(("SCHOOL", number("AREAS"), number("VERTICES")), result.per_school()),
    ]


def areas_table(areas: list[StoredArea]) -> Table | str:
    if not areas:
        return "no attendance areas (import some: rollover boundaries import FILE.geojson)"
    return table(("SCHOOL", "PROGRAM", "NAME", "GRADES", number("VERTICES")),
                 [(a.school_id, a.program_id, a.name, f"{a.low_grade}-{a.high_grade}",
                   a.vertices) for a in areas])


def areas_json(areas: list[StoredArea]) -> list[dict]:
    return [{"area_key": a.area_key, "school_id": a.school_id, "program_id": a.program_id,
             "name": a.name, "low_grade": a.low_grade, "high_grade": a.high_grade,
             "vertices": a.vertices} for a in areas]

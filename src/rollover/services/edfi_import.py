"""`rollover import --format edfi DIR`: a district from Ed-Fi 5.2 bulk XML (docs/interop.md,
section 1), checked whole and refused whole (exit 2, nothing written).

Every file is validated against its interchange's XSD first; once all are valid, they are read
and mapped to bundle rows (rollover.interop.edfi), which are written as a bundle into a folder of
its own, beside the supplementary CSV files the folder holds, and loaded by the bundle import
(`services.bundles.import_bundle`: one transaction, `--replace` as for a bundle, a run that
`rollover undo` puts back).  A problem the bundle's checks find is told at the XML element its
row came from, never at the temporary CSV file.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from ..bundle.folder import BundleRefused
from ..bundle.format import FILES, FILES_BY_NAME, BundleProblem
from ..bundle.writer import row_formatter
from ..interop.edfi.context import MappedBundle
from ..interop.edfi.files import EdfiFolder, survey
from ..interop.edfi.grades import read_map
from ..interop.edfi.mapping import map_records
from ..interop.edfi.problems import NO_ELEMENT, EdfiProblem, EdfiRefused
from ..interop.edfi.read import Records, Where, read_file
from ..interop.edfi.validate import validate
from ..progress import Progress, no_progress
from .bundles import import_bundle

# The order the kinds are read in: what a later kind refers to is known when it is read.
READING_ORDER = ("Descriptors", "EducationOrganization", "EducationOrgCalendar", "Student",
                 "StudentEnrollment", "Contact")


@dataclass(frozen=True)
class EdfiImportResult:
    rows: dict[str, int]  # bundle file name -> rows imported
    run_id: str | None  # the import's run (with --replace), as for a bundle
    warnings: list[EdfiProblem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # files skipped


def import_edfi(engine: Engine, folder: Path | str, *, replace: bool = False,
                grade_map: Path | str | None = None, progress: Progress = no_progress,
                user: str | None = None) -> EdfiImportResult:
    """Import the Ed-Fi files of `folder`, all or nothing; EdfiRefused lists every problem."""
    folder = Path(folder)
    grades = read_map(grade_map) if grade_map is not None else None
    found = survey(folder, Path(grade_map) if grade_map is not None else None)
    problems = found.problems + _validated(found, progress)
    if problems:
        raise EdfiRefused(problems)
    mapped = map_records(_read(found, progress), grades)
    if mapped.problems:
        raise EdfiRefused(mapped.problems)
    with tempfile.TemporaryDirectory(prefix="rollover-edfi-") as work:
        bundle = Path(work)
        sources = write_bundle(bundle, mapped)
        for path in found.csv_files:
            shutil.copyfile(path, bundle / path.name)
        options = {"edfi": str(folder), "replace": replace,
                   **({"grade_map": str(grade_map)} if grade_map is not None else {})}
        try:
            result = import_bundle(engine, bundle, replace=replace, progress=progress,
                                   user=user, options=options)
        except BundleRefused as refused:
            supplementary = {path.name for path in found.csv_files}
            raise EdfiRefused([_traced(p, sources, supplementary)
                               for p in refused.problems]) from None
    return EdfiImportResult(result.rows, result.run_id, mapped.warnings, found.skipped)


def _validated(found: EdfiFolder, progress: Progress) -> list[EdfiProblem]:
    """Every XSD error of every file (a file not well-formed: its one problem)."""
    problems: list[EdfiProblem] = []
    for path, kind, report in _files_with_progress(found, "validating", progress):
        problems += validate(path, kind, report)
    return problems


def _read(found: EdfiFolder, progress: Progress) -> Records:
    records = Records()
    for path, kind, report in _files_with_progress(found, "reading", progress):
        read_file(path, kind, records, report)
    return records


def _files_with_progress(found: EdfiFolder, label: str, progress: Progress):
    paths = [(path, kind) for kind in READING_ORDER for path in found.files.get(kind, ())]
    total = sum(path.stat().st_size for path, _kind in paths)
    done = 0
    for path, kind in paths:
        yield path, kind, lambda n, d=done: progress(label, d + n, total)
        done += path.stat().st_size
    progress(label, total, total)


# -- the bundle, and its problems back at the XML -----------------------------------------------

def write_bundle(folder: Path, mapped: MappedBundle) -> dict[str, dict[int, Where]]:
    """Write the mapped rows as bundle files; for each file, the element each row came from by
    the line its record starts on (a cell may hold a line break)."""
    sources: dict[str, dict[int, Where]] = {}
    for spec in FILES:
        rows = mapped.rows.get(spec.name, [])
        if not rows and spec.optional:
            continue
        formatted = row_formatter(spec)
        lines: dict[int, Where] = {}
        line = 2  # the header is line 1
        with (folder / spec.name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(spec.column_names)
            for row, where in zip(rows, mapped.sources[spec.name]):
                cells = formatted(row)
                writer.writerow(cells)
                lines[line] = where
                line += 1 + sum(cell.count("\n") for cell in cells if isinstance(cell, str))
        sources[spec.name] = lines
    return sources


def _traced(problem: BundleProblem, sources: dict[str, dict[int, Where]],
            supplementary: set[str]) -> EdfiProblem:
    """A problem of the bundle's checks, told where the user can see it: at the supplementary
    CSV file's line and column, or at the XML element the row came from."""
    if problem.file in supplementary or problem.file not in sources:
        return EdfiProblem(problem.file, problem.line or 1, problem.column or NO_ELEMENT,
                           problem.message)
    where = sources[problem.file].get(problem.line)
    table = FILES_BY_NAME[problem.file].table
    message = f"{table}.{problem.column}: {problem.message}" if problem.column else \
        f"{table}: {problem.message}"
    if where is None:
        return EdfiProblem(problem.file, problem.line or 1, NO_ELEMENT, message)
    return EdfiProblem(where.file, where.line, where.element, message)

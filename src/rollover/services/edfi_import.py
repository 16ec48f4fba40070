"""`rollover import --format edfi DIR`: a district from Ed-Fi 5.2 bulk XML (docs/interop.md,
section 1), checked whole and refused whole (exit 2, nothing written).

Every file is validated against its interchange's XSD first; once all are valid, they are read
and mapped to bundle rows (rollover.interop.edfi), which are written as a bundle into a folder of
its own as they are made (a state's students, associations and calendar dates are read as the
mapping goes, never all held: docs/interop.md, "Memory"), beside the supplementary CSV files the
folder holds, and loaded by the bundle import
(`services.bundles.import_bundle`: one transaction, `--replace` as for a bundle, a run that
`rollover undo` puts back).  A problem the bundle's checks find is told at the XML element its
row came from, never at the temporary CSV file.
"""

from __future__ import annotations

import csv
import os
import pickle
import shutil
import tempfile
from array import array
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from ..bundle.folder import BundleRefused
from ..bundle.format import FILES, FILES_BY_NAME, BundleProblem
from ..bundle.writer import row_formatter
from ..interop.edfi.context import MappedBundle, PackedWheres
from ..interop.edfi.files import EdfiFolder, survey
from ..interop.edfi.grades import read_map
from ..interop.edfi.mapping import map_records
from ..interop.edfi.problems import NO_ELEMENT, EdfiProblem, EdfiRefused
from ..interop.edfi.read import Records, Streamed, Where, read_file
from ..interop.edfi.validate import validate
from ..progress import READING_FILES, VALIDATING, Progress, no_progress
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
    with tempfile.TemporaryDirectory(prefix="rollover-edfi-") as work:
        bundle = Path(work)
        with BundleFiles(bundle) as mapped:
            records, read = _read(found, progress)
            map_records(records, grades, mapped)
        progress(READING_FILES, read, read)
        if mapped.problems:
            raise EdfiRefused(mapped.problems)
        for path in found.csv_files:
            shutil.copyfile(path, bundle / path.name)
        options = {"edfi": str(folder), "replace": replace,
                   **({"grade_map": str(grade_map)} if grade_map is not None else {})}
        try:
            result = import_bundle(engine, bundle, replace=replace, progress=progress,
                                   user=user, options=options)
        except BundleRefused as refused:
            supplementary = {path.name for path in found.csv_files}
            raise EdfiRefused([_traced(p, mapped.sources, supplementary)
                               for p in refused.problems]) from None
    return EdfiImportResult(result.rows, result.run_id, mapped.warnings, found.skipped)


def _validated(found: EdfiFolder, progress: Progress) -> list[EdfiProblem]:
    """Every XSD error of every file (a file not well-formed: its one problem)."""
    problems: list[EdfiProblem] = []
    paths = [(path, kind) for kind in READING_ORDER for path in found.files.get(kind, ())]
    for path, kind, report in _with_progress(paths, VALIDATING, progress):
        problems += validate(path, kind, report)
    total = sum(path.stat().st_size for path, _kind in paths)
    progress(VALIDATING, total, total)
    return problems


# The elements too many to hold (a state's students, their associations and contacts, its
# calendar dates): read by the mapping as it goes (read.Streamed), the associations' graduation
# plans only if a `ref` names one.  Student, StudentEnrollment and Contact files hold nothing else
# the mapping reads; a Contact file is read twice, its contacts and then their associations.
STREAMED = {"Student": {"Student": "students"},
            "StudentEnrollment": {"StudentSchoolAssociation": "enrollments",
                                  "GraduationPlan": "graduation_plans"},
            "EducationOrgCalendar": {"CalendarDate": "dates"},
            "Contact": {"Contact": "contacts", "StudentContactAssociation": "links"}}
ONLY_STREAMED = ("Student", "StudentEnrollment", "Contact")
_UNREPORTED = ("GraduationPlan",)  # read only if needed: its reading is not in the progress


def _read(found: EdfiFolder, progress: Progress) -> tuple[Records, int]:
    """What the mapping reads: the files' records, the streamed kinds' as `Streamed`; and the
    bytes its reading will have read.  The progress of reading runs on as the mapping reads the
    students, associations and contacts: each reading of a file counts its bytes."""
    records = Records()
    whole = [(path, kind) for kind in READING_ORDER if kind not in ONLY_STREAMED
             for path in found.files.get(kind, ())]
    passes = [(path, kind, element) for kind in ONLY_STREAMED
              for element in STREAMED[kind] if element not in _UNREPORTED
              for path in found.files.get(kind, ())]
    read = whole + [(path, kind) for path, kind, _element in passes]
    reports = list(_with_progress(read, READING_FILES, progress))
    for path, kind, report in reports[:len(whole)]:
        read_file(path, kind, records, report, skip=STREAMED.get(kind, {}))
    on_read = defaultdict(list)  # (kind, element) -> a callback per path
    for (_path, kind, element), reported in zip(passes, reports[len(whole):]):
        on_read[(kind, element)].append(reported[2])
    for kind, elements in STREAMED.items():
        paths = found.files.get(kind, ())
        if paths:
            records.first_file.setdefault(kind, paths[0].name)
        for element, attribute in elements.items():
            setattr(records, attribute,
                    Streamed(paths, kind, element, on_read.get((kind, element), ())))
    return records, sum(path.stat().st_size for path, _kind in read)


def _with_progress(paths: list[tuple[Path, str]], label: str, progress: Progress):
    """Each file with its callback: the bytes read of it, reported as `label`'s progress
    among all the files' bytes."""
    total = sum(path.stat().st_size for path, _kind in paths)
    done = 0
    for path, kind in paths:
        yield path, kind, lambda n, d=done: progress(label, d + n, total)
        done += path.stat().st_size


# -- the bundle, and its problems back at the XML -----------------------------------------------

class BundleFiles(MappedBundle):
    """The mapped rows written as bundle files as they come (a state's million students never
    wait in memory); for each file, the element each row came from by the line its record
    starts on (a cell may hold a line break).  Closed, every required file is there (a header
    alone if it has no row)."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder
        self.sources = Sources()
        self._files: dict[str, tuple] = {}  # name -> (handle, csv writer, formatter, next line)
        self._spools: list[Spool] = []

    def keep(self, file: str, where: Where, row: tuple) -> None:
        handle, writer, formatted, line = self._files.get(file) or self._open(file)
        cells = formatted(row)
        writer.writerow(cells)
        self.sources.add(file, line, where)
        line += 1 + sum(cell.count("\n") for cell in cells if isinstance(cell, str))
        self._files[file] = (handle, writer, formatted, line)

    def _open(self, file: str) -> tuple:
        spec = FILES_BY_NAME[file]
        handle = (self.folder / file).open("w", encoding="utf-8", newline="")
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(spec.column_names)
        self.sources.files.add(file)
        return handle, writer, row_formatter(spec), 2  # the header is line 1

    def spool(self) -> Spool:
        spool = Spool()
        self._spools.append(spool)
        return spool

    def __enter__(self) -> BundleFiles:
        return self

    def __exit__(self, *exc) -> None:
        for spool in self._spools:
            spool.close()
        for spec in FILES:
            if spec.name not in self._files and not spec.optional:
                self._open(spec.name)[0].close()
        for handle, *_rest in self._files.values():
            handle.close()


class Sources:
    """Where each row of each bundle file came from, by the line its record starts on: two
    numbers a row (lines rise as rows are added; the element packed, PackedWheres)."""

    def __init__(self):
        self.files: set[str] = set()  # every bundle file written, rows or not
        self._lines: dict[str, array] = {}
        self._wheres: dict[str, array] = {}
        self._packed = PackedWheres()

    def add(self, file: str, line: int, where: Where) -> None:
        if file not in self._lines:
            self._lines[file], self._wheres[file] = array("q"), array("q")
        self._lines[file].append(line)
        self._wheres[file].append(self._packed.pack(where))

    def get(self, file: str, line: int | None) -> Where | None:
        """The element of the row whose record starts on `line` of `file` (None: no row
        starts there)."""
        lines = self._lines.get(file)
        if not lines or line is None:
            return None
        at = bisect_left(lines, line)
        if at == len(lines) or lines[at] != line:
            return None
        return self._packed.unpack(self._wheres[file][at])


class Spool:
    """Rows set aside in a temporary file (deleted when closed), read back in order as often as
    asked."""

    def __init__(self):
        self._file = tempfile.TemporaryFile()
        self._count = 0

    def append(self, row) -> None:
        self._file.seek(0, os.SEEK_END)
        pickle.dump(row, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._count += 1

    def __iter__(self):
        self._file.flush()
        self._file.seek(0)
        for _ in range(self._count):
            yield pickle.load(self._file)  # an Unpickler of its own: one would keep every row

    def close(self) -> None:
        self._file.close()


def _traced(problem: BundleProblem, sources: Sources, supplementary: set[str]) -> EdfiProblem:
    """A problem of the bundle's checks, told where the user can see it: at the supplementary
    CSV file's line and column, or at the XML element the row came from."""
    if problem.file in supplementary or problem.file not in sources.files:
        return EdfiProblem(problem.file, problem.line or 1, problem.column or NO_ELEMENT,
                           problem.message)
    where = sources.get(problem.file, problem.line)
    table = FILES_BY_NAME[problem.file].table
    message = f"{table}.{problem.column}: {problem.message}" if problem.column else \
        f"{table}: {problem.message}"
    if where is None:
        return EdfiProblem(problem.file, problem.line or 1, NO_ELEMENT, message)
    return EdfiProblem(where.file, where.line, where.element, message)

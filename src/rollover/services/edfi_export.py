"""`rollover export --format edfi`: one school year of the district as Ed-Fi 5.2 bulk XML, the
four interchange files of docs/interop.md, section 2.

The store is read at one moment (`reading`); the files are written into a folder of their own
beside `OUT_DIR` as the rows stream past, checked against the shipped XSDs, and only then moved
into `OUT_DIR`.  Every refusal is found in the same pass and reported together (nothing written);
a file the XSD refuses is a bug of the export (exit status 1, the validator's messages).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from ..errors import RolloverError
from ..interop.edfi.export_mapping import (
    DayRow, EnrollmentRow, GradeLevelRow, StudentRow, TermRow, YearExport,
)
from ..interop.edfi.export_values import (
    FIRST_YEAR, LAST_YEAR, Problem, in_xsd_years, school_year,
)
from ..interop.edfi.grades import default_map, read_map
from ..interop.edfi.write import (
    FILES, write_calendar, write_education_organization, write_enrollments, write_students,
)
from ..interop.edfi.xsd_check import xsd_errors
from ..progress import Progress, no_progress
from ..store import year_export_rows as rows
from ..store.database import reading

INTERCHANGES = dict(zip(FILES, ("EducationOrganization", "EducationOrgCalendar", "Student",
                                "StudentEnrollment")))
PROGRESS_EVERY = 20_000


@dataclass(frozen=True)
class EdfiExport:
    year: int
    elements: dict[str, int]  # file name -> records written (schools, calendar entries ...)
    warnings: list[str]


class EdfiExportRefused(RolloverError):
    """What keeps a school year from being written as Ed-Fi: every problem, each naming the
    store's column (or the option) and the value."""

    def __init__(self, problems: list[Problem]):
        count = len(problems)
        super().__init__(f"export refused: {count} problem{'s' if count != 1 else ''}; "
                         "nothing was written", [str(problem) for problem in problems])
        self.problems = problems

    def problem_entries(self) -> list[dict]:
        return [{"field": p.field, "message": p.message} for p in self.problems]


class EdfiExportInvalid(RolloverError):
    """A written file the shipped XSD refuses: a bug of the export, never the user's input."""

    exit_status = 1
    http_status = 500


def export_edfi(engine: Engine, folder: Path | str, *, year: int | None = None,
                grade_map: Path | str | None = None,
                progress: Progress = no_progress) -> EdfiExport:
    """Write school year `year` (default: the district's current one) as the four Ed-Fi files
    into `folder`, created if missing, refused if it exists and is not empty."""
    folder = Path(folder)
    grades = read_map(grade_map) if grade_map is not None else default_map()
    problems = []
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        problems.append(Problem("OUT_DIR", f"{str(folder)!r} exists and is not empty"))
    with reading(engine) as conn:
        year = _school_year(conn, year, problems)
        export = YearExport(
            year, schools=rows.school_rows(conn), calendars=rows.calendar_rows(conn, year),
            grade_levels=[GradeLevelRow._make(r) for r in rows.grade_level_rows(conn)],
            terms=[TermRow._make(r) for r in rows.term_rows(conn, year)], grade_map=grades)
        total = (rows.day_count(conn, year) + rows.student_count(conn, year)
                 + rows.enrollment_count(conn, year))
        counted = _Counted(progress, total)
        staging = _staging_folder(folder)
        try:
            elements = {
                FILES[0]: write_education_organization(staging, export.schools()),
                FILES[1]: write_calendar(staging, year, export.calendars(), export.sessions(),
                                         export.dates(counted(DayRow._make, rows.day_rows(
                                             conn, year)))),
                FILES[2]: write_students(staging, export.students(counted(
                    StudentRow._make, rows.student_rows(conn, year)))),
                FILES[3]: write_enrollments(staging, year, export.associations(counted(
                    EnrollmentRow._make, rows.enrollment_rows(conn, year)))),
            }
            export.finish()
            if problems or export.problems:
                raise EdfiExportRefused(problems + export.problems)
            progress("checking", 0, len(FILES))
            errors = [error for done, (name, interchange) in enumerate(INTERCHANGES.items())
                      for error in _checked(staging / name, interchange, progress, done)]
            if errors:
                raise EdfiExportInvalid("export failed: a written file does not validate "
                                        "against the Ed-Fi XSD (a bug of rollover); nothing "
                                        "was written", errors)
            folder.mkdir(parents=True, exist_ok=True)
            for name in FILES:
                shutil.move(staging / name, folder / name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    progress("exporting", total, total)
    return EdfiExport(year, elements, export.warnings)


def _school_year(conn, year: int | None, problems: list[Problem]) -> int:
    """The year asked, else the current one; refused (with `problems`) when there is none, it
    is outside the XSD's years, or has no calendars or no enrollments."""
    if year is None:
        year = rows.current_school_year(conn)
        if year is None:
            raise EdfiExportRefused(problems + [Problem(
                "year", "no YEAR given and the district has no current school year")])
    if not in_xsd_years(year):
        raise EdfiExportRefused(problems + [Problem(
            "year", f"{year} is outside the school years Ed-Fi writes, "
                    f"{school_year(FIRST_YEAR)} ({FIRST_YEAR}) … {school_year(LAST_YEAR)} "
                    f"({LAST_YEAR})")])
    if not rows.calendar_rows(conn, year):
        raise EdfiExportRefused(problems + [Problem(
            "year", f"school year {year} ({school_year(year)}) has no calendars")])
    if not rows.enrollment_count(conn, year):
        raise EdfiExportRefused(problems + [Problem(
            "year", f"school year {year} ({school_year(year)}) has no enrollments; Ed-Fi's "
                    "Student and StudentEnrollment files hold at least one record")])
    return year


def _staging_folder(folder: Path) -> Path:
    """A new folder beside `folder` (in its nearest existing parent), so that the files move
    into it without being copied."""
    parent = folder.absolute().parent
    while not parent.is_dir():
        parent = parent.parent
    return Path(tempfile.mkdtemp(prefix=f".{folder.name}-edfi-", dir=parent))


def _checked(path: Path, interchange: str, progress: Progress, done: int) -> list[str]:
    errors = xsd_errors(path, interchange)
    progress("checking", done + 1, len(FILES))
    return errors


class _Counted:
    """Rows made into the mapping's tuples, the progress reported as they pass."""

    def __init__(self, progress: Progress, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, make, source: Iterable[tuple]) -> Iterator:
        for row in source:
            self.done += 1
            if self.done % PROGRESS_EVERY == 0:
                self.progress("exporting", self.done, self.total)
            yield make(row)

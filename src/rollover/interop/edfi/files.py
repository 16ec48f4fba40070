"""What an Ed-Fi folder holds (docs/interop.md, section 1): every `*.xml` file directly in it,
known by its root element; the bundle files Ed-Fi has no match for, which may come beside them.

    folder = survey(Path("grand-bend"))
    folder.files      {"Student": [Path(".../Student.xml")], ...}, each kind's files by name
    folder.skipped    notices: files of another Ed-Fi 5.2 interchange, not read
    folder.csv_files  the supplementary bundle files
    folder.problems   files that cannot be read, another namespace, a required kind missing
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ...errors import RolloverError
from .problems import NO_ELEMENT, EdfiProblem
from .stream import NotReadable, TopLevel, interchange_of

REQUIRED = ("EducationOrganization", "EducationOrgCalendar", "Student", "StudentEnrollment")
OPTIONAL = ("Contact", "Descriptors")
KINDS = REQUIRED + OPTIONAL
# The bundle files Ed-Fi has no match for (docs/interop.md: a Decision).
SUPPLEMENTARY = ("boundaries.csv", "programs.csv", "program_participations.csv",
                 "assignment_overrides.csv")


@dataclass
class EdfiFolder:
    folder: Path
    files: dict[str, list[Path]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    csv_files: list[Path] = field(default_factory=list)
    problems: list[EdfiProblem] = field(default_factory=list)

    @property
    def xml_files(self) -> list[Path]:
        return [path for kind in KINDS for path in self.files.get(kind, ())]


def survey(folder: Path, grade_map: Path | None = None) -> EdfiFolder:
    """The folder's files by kind, each file's root read (not the whole file)."""
    folder = Path(folder)
    if not folder.exists():
        raise RolloverError(f"Ed-Fi folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise RolloverError(f"Ed-Fi folder {str(folder)!r} is not a folder")
    found = EdfiFolder(folder)
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        suffix = path.suffix.lower()
        if suffix == ".xml":
            _add_xml(found, path)
        elif suffix == ".csv" and not _same(path, grade_map):
            if path.name in SUPPLEMENTARY:
                found.csv_files.append(path)
            else:
                found.problems.append(EdfiProblem(
                    path.name, 1, NO_ELEMENT,
                    "not a file an Ed-Fi import reads: beside the Ed-Fi files a folder may "
                    f"hold only {', '.join(SUPPLEMENTARY)}"))
    unreadable = any(p.element == NO_ELEMENT and p.file.lower().endswith(".xml")
                     for p in found.problems)
    for kind in REQUIRED:
        if kind not in found.files and not unreadable:  # unreadable: it may be that file
            found.problems.append(EdfiProblem(
                f"Interchange{kind}", 1, NO_ELEMENT,
                f"required interchange missing: no .xml file of {folder} has the root element "
                f"Interchange{kind}"))
    return found


def _add_xml(found: EdfiFolder, path: Path) -> None:
    try:
        root = TopLevel(path).read_root()
    except NotReadable as exc:
        found.problems.append(exc.problem)
        return
    kind, problem = interchange_of(path.name, root)
    if problem is not None:
        found.problems.append(problem)
    elif kind in KINDS:
        found.files.setdefault(kind, []).append(path)
    else:
        found.skipped.append(f"{path.name}: {root.tag.split('}')[-1]} is not read by the "
                             "import: skipped")


def _same(path: Path, other: Path | None) -> bool:
    try:
        return other is not None and path.resolve() == Path(other).resolve()
    except OSError:
        return False

"""Which files a bundle folder holds, and what is wrong with that before any row is read."""

from __future__ import annotations

from pathlib import Path

from ..errors import RolloverError
from .format import FILES, FILES_BY_NAME, BundleFile, BundleProblem


class BundleRefused(RolloverError):
    """A bundle that cannot be imported; carries every problem found."""

    def __init__(self, problems: list[BundleProblem]):
        self.problems = problems
        count = len(problems)
        super().__init__(f"import refused: {count} problem{'s' if count != 1 else ''}; "
                         "nothing was written")

    def details(self) -> list[str]:
        return [str(p) for p in self.problems]

    def problem_entries(self) -> list[dict]:
        return [{"message": p.message, "file": p.file,
                 **({"line": p.line} if p.line is not None else {}),
                 **({"column": p.column} if p.column else {})} for p in self.problems]


def bundle_files(folder: Path) -> tuple[list[BundleFile], list[BundleProblem]]:
    """The bundle files present, in loading order, and the problems of the folder itself.

    A folder that does not exist, is not a folder, or holds no CSV file is refused outright.
    """
    if not folder.exists():
        raise RolloverError(f"bundle folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise RolloverError(f"bundle folder {str(folder)!r} is not a folder")
    csv_names = sorted(p.name for p in folder.iterdir() if p.suffix.lower() == ".csv")
    if not csv_names:
        raise RolloverError(f"bundle folder {str(folder)!r} is empty: it holds no .csv file")
    problems = [
        BundleProblem(name, None, None,
                      f"unknown file (a bundle holds: {', '.join(f.name for f in FILES)})")
        for name in csv_names if name not in FILES_BY_NAME
    ]
    problems += [
        BundleProblem(f.name, None, None, "missing required file")
        for f in FILES if not f.optional and f.name not in csv_names
    ]
    present = [f for f in FILES if f.name in csv_names]
    return present, problems

"""What an Ed-Fi import says about its files: every problem and warning at an XML file, line and
element, printed `FILE:LINE: ELEMENT: MESSAGE` (`-` for a problem of no element)."""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import RolloverError

NO_ELEMENT = "-"


@dataclass(frozen=True)
class EdfiProblem:
    file: str  # the XML file's name in the folder (a missing interchange: its root element)
    line: int
    element: str  # the offending element's local name; NO_ELEMENT for none
    message: str
    code: str = ""  # a warning's code (NEXT_YEAR_UNPLACED ...); empty for a refusal

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}" if self.code else self.message
        return f"{self.file}:{self.line}: {self.element}: {text}"

    def entry(self) -> dict:
        """Its `errors` entry in a problem object (docs/interop.md: `field` is the element)."""
        return {"file": self.file, "line": self.line, "field": self.element,
                "message": self.message, **({"code": self.code} if self.code else {})}


def in_order(problems) -> list[EdfiProblem]:
    """Problems by file, then line, each file's as they were found on a line."""
    return sorted(problems, key=lambda p: (p.file, p.line))


class EdfiRefused(RolloverError):
    """Ed-Fi files that cannot be imported, with every problem found; nothing was written."""

    def __init__(self, problems: list[EdfiProblem]):
        self.problems = in_order(problems)
        count = len(self.problems)
        super().__init__(f"import refused: {count} problem{'s' if count != 1 else ''}; "
                         "nothing was written")

    def details(self) -> list[str]:
        return [str(p) for p in self.problems]

    def problem_entries(self) -> list[dict]:
        return [p.entry() for p in self.problems]

"""Ed-Fi grade level codes and the district's grades (docs/interop.md, "Grades").

Ed-Fi's `GradeLevelDescriptor` has no sequence.  The default map sends each code of Ed-Fi's
default set to a grade whose `grade` and `state_grade` are the CEDS code; the *series* codes
(Preschool ... Grade 13) are the rolled levels, numbered 1, 2, 3 ... in series order among those
an import offers; the others get sequence 0 (never rolled).  `--grade-map FILE` replaces the
default map with a CSV `code_value,grade,sequence,state_grade`.

The export reads the map backwards: a grade is written as the code whose `state_grade` is the
grade's `state_grade`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ...errors import RolloverError

# The series, in order: Ed-Fi code -> CEDS code (the grade and its state_grade).
SERIES: tuple[tuple[str, str], ...] = (
    ("Preschool", "PR"), ("Prekindergarten", "PK"), ("Transitional Kindergarten", "TK"),
    ("Kindergarten", "KG"), ("First grade", "01"), ("Second grade", "02"),
    ("Third grade", "03"), ("Fourth grade", "04"), ("Fifth grade", "05"),
    ("Sixth grade", "06"), ("Seventh grade", "07"), ("Eighth grade", "08"),
    ("Ninth grade", "09"), ("Tenth grade", "10"), ("Eleventh grade", "11"),
    ("Twelfth grade", "12"), ("Grade 13", "13"),
)
# Outside the series: never rolled (sequence 0).
UNROLLED: tuple[tuple[str, str], ...] = (
    ("Infant/toddler", "IT"), ("Postsecondary", "PS"), ("Ungraded", "UG"), ("Other", "Other"),
    ("Out of School", "OS"),
)
MAP_HEADER = ("code_value", "grade", "sequence", "state_grade")


@dataclass(frozen=True)
class Grade:
    code: str  # the Ed-Fi code value, e.g. "Ninth grade"
    grade: str  # the district's grade, e.g. "09"
    sequence: int  # 0: never rolled
    state_grade: str


class GradeMapRefused(RolloverError):
    """A `--grade-map` file that cannot be used; every problem named with its line."""


@dataclass(frozen=True)
class GradeMap:
    """Ed-Fi codes and grades, both ways."""

    by_code: dict[str, Grade]

    def grade_of(self, code: str) -> Grade | None:
        return self.by_code.get(code)

    def code_of_state_grade(self, state_grade: str) -> str | None:
        """The Ed-Fi code an export writes for a grade of this state_grade (None: unwritable)."""
        for grade in self.by_code.values():
            if grade.state_grade == state_grade:
                return grade.code
        return None


def default_map(offered_codes=()) -> GradeMap:
    """The default map; the series codes among `offered_codes` numbered 1, 2, 3 ... in series
    order (all of them when none are given)."""
    offered = set(offered_codes) or {code for code, _ in SERIES}
    by_code: dict[str, Grade] = {}
    number = 0
    for code, ceds in SERIES:
        if code in offered:
            number += 1
            by_code[code] = Grade(code, ceds, number, ceds)
        else:
            by_code[code] = Grade(code, ceds, 0, ceds)  # offered by no school of the import
    for code, ceds in UNROLLED:
        by_code[code] = Grade(code, ceds, 0, ceds)
    return GradeMap(by_code)


def read_map(path: Path | str) -> GradeMap:
    """A `--grade-map` CSV (`code_value,grade,sequence,state_grade`); every problem named with
    its line, refused whole."""
    path = Path(path)
    problems: list[str] = []
    by_code: dict[str, Grade] = {}
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise GradeMapRefused(f"{path}: cannot read the grade map: {exc.strerror}") from None
    with handle:
        try:
            rows = list(csv.reader(handle))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise GradeMapRefused(f"{path.name}:1: not a CSV file: {exc}") from None
    if not rows or tuple(cell.strip() for cell in rows[0]) != MAP_HEADER:
        raise GradeMapRefused(f"{path.name}:1: the header must be {','.join(MAP_HEADER)}")
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(MAP_HEADER):
            problems.append(f"{path.name}:{line}: expected {len(MAP_HEADER)} cells, got {len(row)}")
            continue
        code, grade, sequence, state_grade = (cell.strip() for cell in row)
        if not code or not grade:
            problems.append(f"{path.name}:{line}: code_value and grade are required")
            continue
        try:
            number = int(sequence)
            if number < 0:
                raise ValueError
        except ValueError:
            problems.append(f"{path.name}:{line}: sequence {sequence!r} is not a whole number "
                            "of 0 or more")
            continue
        if code in by_code:
            problems.append(f"{path.name}:{line}: code_value {code!r} is mapped twice")
            continue
        by_code[code] = Grade(code, grade, number, state_grade or grade)
    if problems:
        raise GradeMapRefused("\n".join(problems))
    return GradeMap(by_code)

"""The grades an attendance area serves: a span of grade codes (`KG-05`, `06-08`) and the grade
sequences the district's grade levels give those codes (docs/attendance-areas.md, "Importing
areas").  A code must mean one grade everywhere: one in no grade level, or with different
sequences in different calendars, is refused, as is a span whose first grade comes after its
last."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set


class GradeSpanError(ValueError):
    """A span of grades that cannot be resolved (the message says why, naming the codes)."""


def split_span(text: str) -> tuple[str, str]:
    """`KG-05` as ("KG", "05"); one code alone (`09`) is that grade only."""
    parts = text.strip().split("-")
    if len(parts) == 1 and parts[0]:
        return parts[0], parts[0]
    if len(parts) != 2 or not all(parts):
        raise GradeSpanError(f"{text!r} is not a span of grades: write LOW-HIGH, two grade "
                             "codes such as KG-05 or 06-08")
    return parts[0], parts[1]


def grade_sequences(levels: Iterable[tuple[str, int]]) -> dict[str, set[int]]:
    """Every (grade code, sequence) of the district's grade levels, as code -> sequences."""
    found: dict[str, set[int]] = {}
    for code, sequence in levels:
        found.setdefault(code, set()).add(sequence)
    return found


def span_sequences(low: str, high: str, sequences: Mapping[str, Set[int]]) -> tuple[int, int]:
    """The sequences of grades `low` and `high`, or GradeSpanError naming every problem."""
    problems, resolved = [], []
    for code in dict.fromkeys((low, high)):
        found = sequences.get(code, set())
        if not found:
            problems.append(f"grade {code!r} is in no grade level of the district "
                            f"(its grades: {_listed(sequences)})")
        elif len(found) > 1:
            problems.append(f"grade {code!r} has different sequences in different calendars "
                            f"({', '.join(map(str, sorted(found)))}), so it names no one grade")
        else:
            resolved.append(next(iter(found)))
    if problems:
        raise GradeSpanError("; ".join(problems))
    low_sequence, high_sequence = resolved[0], resolved[-1]
    if low_sequence > high_sequence:
        raise GradeSpanError(f"grade {low!r} (sequence {low_sequence}) comes after grade "
                             f"{high!r} (sequence {high_sequence}): give the lower grade first")
    return low_sequence, high_sequence


def overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two spans of sequences share a grade."""
    return a[0] <= b[1] and b[0] <= a[1]


def _listed(sequences: Mapping[str, Set[int]], most: int = 20) -> str:
    codes = sorted(sequences, key=lambda code: (min(sequences[code]), code))
    if not codes:
        return "none"
    return ", ".join(codes[:most]) + (" …" if len(codes) > most else "")

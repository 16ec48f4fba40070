"""Counts as the text reports say them: a number with its word, and a list of codes counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator


def count_of(n: int, word: str) -> str:
    """`1 file`, `2,015 files`."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def by_code(keys: Iterable[tuple[str, str | None]]) -> Iterator[str]:
    """A line per code (with its level, when the keys give one) and how many times it came:
    most frequent first, then errors before the rest, then by code."""
    counts = Counter(keys)
    if not counts:
        return
    width = max(len(code) for code, _level in counts)
    for (code, level), n in sorted(counts.items(), key=lambda item: (
            -item[1], item[0][1] != "error", item[0][0])):
        shown = f"{code:<{width}}" if level is None else f"{code:<{width}}  {level:<7}"
        yield f"  {shown}  {n:>9,}"

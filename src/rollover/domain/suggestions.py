""""Did you mean": the stored name closest to a name the district does not have, for the end of
a refusal (`unknown calendar '2027-HIGH0001'; did you mean '2027-HIG0001'?`).  Pure: the
caller hands in the names it holds."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

CUTOFF = 0.6  # difflib's own default: close enough to be a slip of the keyboard


def closest(given: str, names: Iterable[str]) -> str | None:
    """The name `given` most likely meant: one differing only in case, else the one closest by
    difflib's ratio (letter case ignored, at least CUTOFF); None when none is close, or when two
    are equally close (a guess between them would mislead)."""
    by_folded: dict[str, str] = {}
    for name in sorted(set(names)):
        by_folded.setdefault(name.casefold(), name)
    folded = str(given).casefold()
    if folded in by_folded:
        return by_folded[folded] if by_folded[folded] != given else None
    matcher = difflib.SequenceMatcher(b=folded)
    scored = []
    for name in by_folded:
        matcher.set_seq1(name)
        if matcher.real_quick_ratio() >= CUTOFF and matcher.quick_ratio() >= CUTOFF:
            ratio = matcher.ratio()
            if ratio >= CUTOFF:
                scored.append((ratio, name))
    scored.sort(reverse=True)
    if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return by_folded[scored[0][1]]


def did_you_mean(given: str, names: Iterable[str]) -> str:
    """"; did you mean 'X'?" to end a refusal of `given`, or "" when no name is close."""
    match = closest(given, names)
    return f"; did you mean {match!r}?" if match is not None else ""

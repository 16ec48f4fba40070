"""The projection (`services.projection`) as text and CSV; its JSON is the service's object as it
is, the HTTP API's answer."""

from __future__ import annotations

from collections.abc import Iterator

CSV_HEADER = ["kind", "year", "school_id", "school_name", "grade", "current", "projected",
              "from_school_id", "from_school_name", "to_school_id", "to_school_name", "count"]


def projection_text(projection: dict, run_id: str | None = None) -> Iterator[str]:
    """The district's totals first; then a table per school, its grades with the year before
    beside the projected year and the change (then the school's total), and the students
    changing school."""
    year, before = projection["year"], projection["year"] - 1
    counted = (f"the enrollments stored and the proposals of Run Test {run_id}" if run_id
               else "the enrollments stored")
    yield f"Projection of school year {year} against {before}, from {counted}"
    every = [g for school in projection["schools"] for g in school["grades"]]
    moving = sum(f["count"] for f in projection["flows"])
    yield (f"All schools: {sum(g['current'] for g in every):,} in {before}, "
           f"{sum(g['projected'] for g in every):,} in {year}; {moving:,} students changing "
           "school")
    for school in projection["schools"]:
        yield ""
        yield f"{school['name'] or school['school_id']} ({school['school_id']})"
        yield f"  {'Grade':<6} {before:>9} {year:>9} {'Change':>9}"
        grades = school["grades"]
        for g in grades:
            yield _grade_line(g["grade"], g["current"], g["projected"])
        if len(grades) > 1:
            yield _grade_line("all", sum(g["current"] for g in grades),
                              sum(g["projected"] for g in grades))
    yield ""
    flows = projection["flows"]
    if not flows:
        yield f"Students changing school from {before} to {year}: none"
        return
    yield f"Students changing school from {before} to {year}:"
    names = school_names(projection)
    shown = [(names.get(f["from_school_id"], f["from_school_id"]),
              names.get(f["to_school_id"], f["to_school_id"]), f["count"]) for f in flows]
    width_from = max(len("From"), *(len(row[0]) for row in shown))
    width_to = max(len("To"), *(len(row[1]) for row in shown))
    yield f"  {'From':<{width_from}}  {'To':<{width_to}}  {'Students':>9}"
    for from_name, to_name, count in shown:
        yield f"  {from_name:<{width_from}}  {to_name:<{width_to}}  {count:>9,}"


def projection_csv_rows(projection: dict) -> Iterator[list]:
    """Under CSV_HEADER: a `grade` row per school and grade (`current`, `projected`), then a
    `flow` row per pair of schools (`count` students from one to the other)."""
    yield CSV_HEADER
    year = projection["year"]
    for school in projection["schools"]:
        for g in school["grades"]:
            yield ["grade", year, school["school_id"], school["name"] or "", g["grade"],
                   g["current"], g["projected"], "", "", "", "", ""]
    names = school_names(projection)
    for f in projection["flows"]:
        yield ["flow", year, "", "", "", "", "", f["from_school_id"],
               names.get(f["from_school_id"], ""), f["to_school_id"],
               names.get(f["to_school_id"], ""), f["count"]]


def school_names(projection: dict) -> dict[str, str]:
    """{school id: its name (its id when it has none)} of the projection's schools."""
    return {s["school_id"]: s["name"] or s["school_id"] for s in projection["schools"]}


def _grade_line(grade: str, current: int, projected: int) -> str:
    change = projected - current
    return f"  {grade:<6} {current:>9,} {projected:>9,} {change:>+9,}" if change else \
        f"  {grade:<6} {current:>9,} {projected:>9,} {0:>9}"

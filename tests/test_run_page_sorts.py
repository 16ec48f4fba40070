"""A run's new enrollments sorted by name, student number, next school, next grade and deciding
rule, each way, a page at a time (services/run_pages.py over store/run_order.py), on SQLite and
PostgreSQL: the first pages read in order from indexes, later ones sorted whole, both giving
the order the sort promises (docs/reading-runs.md, "Sorted pages"); a row whose student, school
or grade level is gone comes last either way."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, event, select

from rollover.services.forward import roll_forward
from rollover.services.run_pages import rolled_page
from rollover.store import run_order
from rollover.store.database import open_engine, writing
from rollover.store.schema import (calendars, days, enrollments, grade_levels, structures,
                                   students, terms)

from .conftest import migrated_sqlite
from .districts import District
from .store_templates import from_template

# (calendar, grade) -> the grade's sequence there: "KG" before "01", and Pine Hall's grades one
# place later than Oak Hall's, so 05 of one and 06 of the other are one grade level.
SEQUENCES = {("EA28", "KG"): 2, ("EA28", "01"): 3, ("EB28", "01"): 3,
             ("OH28", "05"): 5, ("OH28", "06"): 6, ("PH28", "05"): 6, ("PH28", "06"): 7}
SORTS = ("name", "number", "school", "grade", "rule")


def district() -> District:
    """Two schools named Elm Academy; names equal but for case; numbers whose text order is
    not their numbers'; Amy Able (S13) placed twice (MULTIPLE_DESTINATIONS, RF-10)."""
    d = District()
    d.school("EA", name="Elm Academy")
    d.school("EB", name="Elm Academy")
    d.school("OH", name="Oak Hall")
    d.school("PH", name="Pine Hall")
    d.school("EF", next_school="OH", name="Elm Feeder")
    for year in (2027, 2028):
        d.calendar(f"EA{year % 100}", "EA", year, {"PK": 1, "KG": 2, "01": 3})
        d.calendar(f"EB{year % 100}", "EB", year, {"KG": 2, "01": 3})
        d.calendar(f"OH{year % 100}", "OH", year, {"05": 5, "06": 6})
        d.calendar(f"PH{year % 100}", "PH", year, {"05": 6, "06": 7})
    d.calendar("EF27", "EF", 2027, {"05": 5})
    d.boundary("OH", "Oak St")
    d.boundary("PH", "Pine St")
    for student_id, last, first, calendar, grade, number in [
            ("S01", "smith", "ann", "EA27", "PK", "9"), ("S02", "Smith", "Ann", "EA27", "PK", "10"),
            ("S03", "Able", "Zed", "EA27", "PK", "11"), ("S04", "SMITH", "ann", "EA27", "KG", "100"),
            ("S05", "able", "zed", "EA27", "KG", "2"), ("S06", "Baker", "Bo", "EA27", "KG", "20"),
            ("S07", "Smith", "Ann", "EB27", "KG", "3"), ("S08", "Cole", "Cy", "EB27", "KG", "30"),
            ("S09", "Dunn", "Di", "OH27", "05", "4"), ("S10", "smith", "bob", "OH27", "05", "40"),
            ("S11", "Eddy", "Ed", "PH27", "05", "5"), ("S12", "Able", "Amy", "PH27", "05", "50"),
            ("S13", "Able", "Amy", "EF27", "05", "6")]:
        d.student(student_id, last, first, number=number)
        d.enroll(f"E{student_id}", student_id, calendar, grade)
    d.household("H1", 10, "Oak St", "S13")
    d.household("H2", 12, "Pine St", "S13")
    return d


@pytest.fixture
def stored(engine, tmp_path):
    """The district stored and a Run Test of its roll forward (14 proposed enrollments)."""
    return engine, from_template(engine, tmp_path, "run page sorts", _stored)


def _stored(engine, folder) -> str:
    district().load(engine, folder / "bundle")
    return roll_forward(engine, district().options(test=True)).run.run_id


def placements(engine, run_id: str, **filters) -> list[tuple[str, str]]:
    """(student, calendar) of every row of one page of 1,000."""
    return [(i["student_id"], i["calendar_id"])
            for i in rolled_page(engine, run_id, per_page=1000, **filters).items]


def paged(engine, run_id: str, per_page: int, **filters) -> list[tuple[str, str]]:
    found, number = [], 1
    while items := rolled_page(engine, run_id, page=number, per_page=per_page, **filters).items:
        found += [(i["student_id"], i["calendar_id"]) for i in items]
        number += 1
    return found


def promised(engine, run_id: str, sort: str, **filters) -> list[tuple[str, str]]:
    """The order a sort promises, worked out here from the rows in decision order: the sort's
    keys (names in lower case, a grade by its sequence where it is taught), ties in decision
    order, each way; rows with nothing to sort by last, in decision order the same way."""
    name, descending = sort.lstrip("-"), sort.startswith("-")
    items = rolled_page(engine, run_id, per_page=1000, **filters).items
    with engine.connect() as conn:
        levels = {(c, s, g) for c, s, g in conn.execute(
            select(grade_levels.c.calendar_id, grade_levels.c.structure_id, grade_levels.c.grade))}

    def keys(item):
        if name in ("name", "number") and item["last_name"] is None:
            return None
        if name == "school" and item["school_name"] is None:
            return None
        if name == "grade" and (item["calendar_id"], item["structure_id"],
                                item["grade"]) not in levels:
            return None
        if name == "name":
            return item["last_name"].lower(), item["first_name"].lower()
        if name == "grade":
            return SEQUENCES[item["calendar_id"], item["grade"]], item["grade"]
        return (item[{"number": "student_number", "school": "school_name", "rule": "rule"}[name]],)

    ranked = [(keys(item), position, (item["student_id"], item["calendar_id"]))
              for position, item in enumerate(items)]
    known = sorted(((k, p, row) for k, p, row in ranked if k is not None), reverse=descending)
    gone = sorted(((p, row) for k, p, row in ranked if k is None), reverse=descending)
    return [row for *_, row in known] + [row for _, row in gone]


@pytest.mark.parametrize("sort", [way + name for name in SORTS for way in ("", "-")])
def test_each_sort_each_way_in_its_order_one_page_or_many(stored, sort):
    engine, run_id = stored
    expected = promised(engine, run_id, sort)
    assert len(expected) == 14
    assert placements(engine, run_id, sort=sort) == expected
    assert paged(engine, run_id, 3, sort=sort) == expected


def test_the_orders_that_show_their_rules(stored):
    """Names in any case are one name, ties in decision order; numbers as text; two schools of
    one name are one school; a grade by its sequence where it is taught, then its code."""
    engine, run_id = stored
    by_name = [s for s, _ in placements(engine, run_id, sort="name")]
    assert by_name[:4] == ["S12", "S13", "S13", "S03"]  # Able Amy (twice), then Able Zed
    assert by_name[5:9] == ["S06", "S08", "S09", "S11"]
    assert by_name[9:] == ["S01", "S02", "S04", "S07", "S10"]  # smith ann, then smith bob
    assert [s for s, _ in placements(engine, run_id, sort="number")][:4] == \
        ["S02", "S04", "S03", "S05"]  # "10" < "100" < "11" < "2"
    assert [c for _, c in placements(engine, run_id, sort="school")][:8] == \
        ["EA28"] * 6 + ["EB28"] * 2
    grades = [(i["calendar_id"], i["grade"])
              for i in rolled_page(engine, run_id, sort="grade", per_page=1000).items]
    assert [SEQUENCES[g] for g in grades] == sorted(SEQUENCES[g] for g in grades)
    assert [g for _, g in grades][:4] == ["KG", "KG", "KG", "01"]
    assert grades[8:10] == [("PH28", "05"), ("OH28", "06")]  # sequence 6 both, then the code


@pytest.mark.parametrize("sort", [way + name for name in SORTS for way in ("", "-")])
def test_pages_read_in_order_and_pages_sorted_whole_make_one_order(stored, sort, monkeypatch):
    """Past WALKED_ROWS a page is sorted whole, from the nearer end: pages of 3 across that
    line, to the last, give the same order as reading it all in order."""
    engine, run_id = stored
    expected = promised(engine, run_id, sort)
    monkeypatch.setattr(run_order, "WALKED_ROWS", 4)
    assert paged(engine, run_id, 3, sort=sort) == expected
    assert paged(engine, run_id, 3, sort=sort, grade="06") == \
        promised(engine, run_id, sort, grade="06")


@pytest.mark.parametrize("sort", [way + name for name in SORTS for way in ("", "-")])
@pytest.mark.parametrize("filters", [{"grade": "01"}, {"grade": "06"}, {"school": "OH"},
                                     {"q": "smith"}], ids=lambda f: "=".join(*f.items()))
def test_a_filtered_run_sorted_each_way(stored, sort, filters):
    engine, run_id = stored
    expected = promised(engine, run_id, sort, **filters)
    assert expected and placements(engine, run_id, sort=sort, **filters) == expected
    assert paged(engine, run_id, 2, sort=sort, **filters) == expected


@pytest.mark.parametrize("sort", [way + name for name in SORTS for way in ("", "-")])
def test_a_row_whose_student_school_or_grade_level_is_gone_comes_last_either_way(stored, sort):
    """Bo Baker left the district after the Run Test; Oak Hall's 2028 calendar was deleted, and
    Pine Hall's grade 06 of 2028: their rows have no name, school or grade level to be sorted
    by, and come after every other, in decision order the sort's way, on every page."""
    engine, run_id = stored
    with writing(engine) as conn:
        conn.execute(delete(enrollments).where(enrollments.c.student_id == "S06"))
        conn.execute(delete(students).where(students.c.student_id == "S06"))
        conn.execute(delete(grade_levels).where(
            (grade_levels.c.calendar_id == "OH28")
            | ((grade_levels.c.calendar_id == "PH28") & (grade_levels.c.grade == "06"))))
        oak = select(structures.c.structure_id).where(structures.c.calendar_id == "OH28")
        conn.execute(delete(terms).where(terms.c.structure_id.in_(oak)))
        conn.execute(delete(structures).where(structures.c.calendar_id == "OH28"))
        conn.execute(delete(days).where(days.c.calendar_id == "OH28"))
        conn.execute(delete(calendars).where(calendars.c.calendar_id == "OH28"))
    expected = promised(engine, run_id, sort)
    gone = {"name": [("S06", "EA28")], "number": [("S06", "EA28")],
            "school": [("S09", "OH28"), ("S10", "OH28"), ("S13", "OH28")],
            "grade": [("S09", "OH28"), ("S10", "OH28"), ("S11", "PH28"), ("S12", "PH28"),
                      ("S13", "OH28")], "rule": []}[sort.lstrip("-")]
    last = gone[::-1] if sort.startswith("-") else gone
    assert expected[len(expected) - len(last):] == last
    assert placements(engine, run_id, sort=sort) == expected
    assert paged(engine, run_id, 3, sort=sort) == expected
    assert paged(engine, run_id, 2, sort=sort, grade="01") == \
        promised(engine, run_id, sort, grade="01")


# -- read in order, never sorted whole -------------------------------------------------------------
def statements_of(engine, read) -> list[tuple[str, tuple]]:
    """Every SELECT a read sends, with its parameters."""
    sent = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        read()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return sent


@pytest.fixture
def sqlite_stored(sqlite_template, tmp_path):
    engine = open_engine(migrated_sqlite(sqlite_template, tmp_path / "sorts.db"))
    run_id = from_template(engine, tmp_path, "run page sorts", _stored)
    yield engine, run_id
    engine.dispose()


@pytest.mark.parametrize(("sort", "filters"), [
    *((way + name, {}) for name in ("name", "number", "school", "grade", "rule")
      for way in ("", "-")),
    *((way + name, {"grade": "06"}) for name in ("name", "school", "grade") for way in ("", "-")),
], ids=str)
def test_a_sorted_page_of_a_whole_run_or_a_grade_is_read_in_order(sqlite_stored, sort, filters):
    """SQLite states its plan exactly: no query of such a page sorts the run's rows whole or
    reads all of them; the only tables read from their start are the sort's own index of the
    students or schools, and the grade levels, read in order until the page is full."""
    engine, run_id = sqlite_stored
    read_from_start = {"SCAN students USING INDEX ix_students_name_order",
                       "SCAN students USING COVERING INDEX ix_students_student_number_student_id",
                       "SCAN schools USING INDEX ix_schools_name", "SCAN grade_levels"}
    with engine.connect() as conn:
        for statement, parameters in statements_of(
                engine, lambda: rolled_page(engine, run_id, sort=sort, per_page=2, **filters)):
            plan = [row[-1] for row in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters)]
            reads_run = "run_rolled" in statement
            assert not (reads_run and "USE TEMP B-TREE FOR ORDER BY" in plan), (statement, plan)
            scans = [step for step in plan if step.startswith("SCAN")]
            assert set(scans) <= read_from_start, (statement, plan)

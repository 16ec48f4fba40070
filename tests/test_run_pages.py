"""A stored roll forward read a page at a time (services/run_pages.py; the HTTP API's
`/runs/{id}/rolled`, `/warnings` and `/warnings/summary`), on SQLite and PostgreSQL: each
filter, the paging edges, every refusal naming its value, and the rule that placed each student
(RF-6, RF-8, RF-10, RF-11) as recorded with the run (RF-25)."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import delete, event, func, select, text

from rollover.services.forward import roll_forward
from rollover.services.readiness import check_readiness
from rollover.services.reads import NotFound, ReadRefused
from rollover.services.run_pages import (
    rolled_page, school_grade_totals, warnings_page, warnings_summary,
)
from rollover.store.database import is_sqlite, open_engine, writing
from rollover.store.run_pages import keep_grade_totals
from rollover.store.schema import enrollments, run_grade_totals, run_rolled
from rollover.store.migrate import alembic_config, upgrade

from .conftest import migrated_sqlite
from .districts import District, first_day, last_day
from .store_templates import from_template

KIDS = 20  # ES 04 -> ES 05, by RF-8


def district() -> District:
    """Elm Elementary (04, 05) feeds Mill Middle (06); North Middle (06) has its own boundary;
    Xavier School has no next year; Mill Middle's 06 graduate (06 is the highest grade)."""
    d = District()
    d.school("ES", next_school="MS", name="Elm Elementary")
    d.school("MS", name="Mill Middle")
    d.school("NS", name="North Middle")
    d.school("XS", name="Xavier School")
    d.calendar("ES27", "ES", 2027, ["04", "05"])
    d.calendar("ES28", "ES", 2028, ["04", "05"])
    d.calendar("MS27", "MS", 2027, ["06"])
    d.calendar("MS28", "MS", 2028, ["06"])
    d.calendar("NS28", "NS", 2028, ["06"])
    d.calendar("XS27", "XS", 2027, ["05"])
    d.boundary("MS", "Oak St")
    d.boundary("NS", "Pine St")
    for i in range(1, KIDS + 1):
        d.student(f"K{i:02}", f"Pupil{i:02}", "Kid", number=f"20{i:02}")
        d.enroll(f"EK{i:02}", f"K{i:02}", "ES27", "04")
    d.student("A1", "Able", "Ann", number="1001")      # RF-10: in Mill Middle's boundary
    d.household("HA", 10, "Oak St", "A1")
    d.enroll("EA", "A1", "ES27", "05")
    d.student("B1", "Baker", "Bob", number="1002")     # RF-11: no household, the feeder school
    d.enroll("EB", "B1", "ES27", "05")
    d.student("C1", "Cole", "Ann", number="1003")      # RF-10 twice: MULTIPLE_DESTINATIONS
    d.household("HC1", 12, "Oak St", "C1")
    d.household("HC2", 14, "Pine St", "C1")
    d.enroll("EC", "C1", "ES27", "05")
    d.student("D1", "Dunn", "Dan", number="1004")      # GRADUATING
    d.enroll("ED", "D1", "MS27", "06")
    d.student("D2", "Dale", "Dot", number="1005")      # GRADUATING
    d.enroll("ED2", "D2", "MS27", "06")
    d.student("E1", "Eddy", "Eve", number="1006")      # NO_DESTINATION
    d.enroll("EE", "E1", "XS27", "05")
    d.student("F1", "Fox", "Fay", number="1007")       # RF-6: her next calendar is set
    d.enroll("EF", "F1", "ES27", "04", next_calendar="ES28")
    d.student("G1", "Gray", "Gus", number="1008")      # left in March: never rolls
    d.enroll("EG", "G1", "ES27", "04", end=dt.date(2027, 3, 1))
    return d


@pytest.fixture
def stored(engine, tmp_path):
    """The district stored, a Run Test and a Run of its roll forward: (engine, test id, run id)."""
    test_id, run_id = from_template(engine, tmp_path, "run pages", _stored)
    return engine, test_id, run_id


def _stored(engine, folder) -> tuple[str, str]:
    district().load(engine, folder / "bundle")
    test = roll_forward(engine, district().options(test=True))
    run = roll_forward(engine, district().options())
    return test.run.run_id, run.run.run_id


def students_of(page) -> list[str]:
    return [item["student_id"] for item in page.items]


def every_item(engine, run_id: str, **filters) -> list[dict]:
    return rolled_page(engine, run_id, per_page=1000, **filters).items


# -- what an item holds, and the rule that placed it ----------------------------------------------
def test_rf25_each_new_enrollment_names_the_rule_that_chose_its_destination(stored):
    engine, _, run_id = stored
    rules = {(i["student_id"], i["calendar_id"]): i["rule"] for i in every_item(engine, run_id)}
    assert rules == {
        **{(f"K{i:02}", "ES28"): "RF-8" for i in range(1, KIDS + 1)},  # same school
        ("A1", "MS28"): "RF-10",                                       # a school boundary
        ("B1", "MS28"): "RF-11",                                       # the feeder school
        ("C1", "MS28"): "RF-10", ("C1", "NS28"): "RF-10",
        ("F1", "ES28"): "RF-6",                                        # her next calendar
    }


def test_an_item_names_the_student_both_enrollments_and_their_schools(stored):
    engine, _, run_id = stored
    ann = next(i for i in every_item(engine, run_id) if i["student_id"] == "A1")
    assert ann["enrollment_id"]  # a real run wrote it
    assert {k: v for k, v in ann.items() if k != "enrollment_id"} == {
        "student_id": "A1", "student_number": "1001", "first_name": "Ann", "last_name": "Able",
        "source_enrollment_id": "EA", "source_calendar_id": "ES27", "source_school_id": "ES",
        "source_school_name": "Elm Elementary", "source_grade": "05",
        "calendar_id": "MS28", "school_id": "MS", "school_name": "Mill Middle",
        "structure_id": "MS28-Main", "grade": "06", "start_date": first_day(2028),
        "service_type": "primary", "local_start_status": None, "graduation_cohort": None,
        "last_day_ender": False, "warnings": [], "rule": "RF-10"}
    cole = [i for i in every_item(engine, run_id) if i["student_id"] == "C1"]
    assert [i["warnings"] for i in cole] == [["MULTIPLE_DESTINATIONS"]] * 2


def test_a_run_test_lists_its_proposals_with_the_same_rules_and_no_enrollment_ids(stored):
    engine, test_id, run_id = stored
    proposed, written = every_item(engine, test_id), every_item(engine, run_id)
    assert [i["enrollment_id"] for i in proposed] == [None] * len(proposed)
    assert [{**i, "enrollment_id": None} for i in written] == proposed


def test_the_page_as_json_has_the_contract_keys_and_iso_dates(stored):
    engine, _, run_id = stored
    answer = rolled_page(engine, run_id, q="able").as_json()
    assert set(answer) == {"items", "page", "per_page", "total"}
    assert answer["items"][0]["start_date"] == first_day(2028).isoformat()


# -- filters ---------------------------------------------------------------------------------------
def test_filter_by_the_new_enrollments_school_through_its_calendar(stored):
    engine, _, run_id = stored
    assert students_of(rolled_page(engine, run_id, school="MS")) == ["A1", "B1", "C1"]
    assert students_of(rolled_page(engine, run_id, school="NS")) == ["C1"]
    elm = rolled_page(engine, run_id, school="ES")
    assert elm.total == KIDS + 1 and "F1" in students_of(elm)
    # A school that exists but receives nobody, and a source school, list no one.
    assert rolled_page(engine, run_id, school="XS").total == 0


def test_filter_by_calendar_grade_and_both_with_a_school(stored):
    engine, _, run_id = stored
    assert students_of(rolled_page(engine, run_id, calendar="NS28")) == ["C1"]
    assert rolled_page(engine, run_id, grade="06").total == 4
    assert rolled_page(engine, run_id, grade="05").total == KIDS + 1
    assert students_of(rolled_page(engine, run_id, calendar="MS28", grade="06")) == \
        ["A1", "B1", "C1"]
    assert rolled_page(engine, run_id, calendar="MS28", grade="05").total == 0
    assert students_of(rolled_page(engine, run_id, school="NS", calendar="NS28")) == ["C1"]
    # A calendar of another school than the one asked for: nobody, not a refusal.
    assert rolled_page(engine, run_id, school="MS", calendar="NS28").total == 0


def test_q_finds_the_start_of_a_first_name_last_name_or_number_in_any_case(stored):
    engine, _, run_id = stored
    assert students_of(rolled_page(engine, run_id, q="ann")) == ["A1", "C1", "C1"]
    assert students_of(rolled_page(engine, run_id, q="ANN")) == ["A1", "C1", "C1"]
    assert students_of(rolled_page(engine, run_id, q="Bak")) == ["B1"]
    assert students_of(rolled_page(engine, run_id, q="1007")) == ["F1"]
    assert rolled_page(engine, run_id, q="20").total == KIDS
    # Every word must begin one of them: "Cole, Ann" is one student, "ann able" another.
    assert students_of(rolled_page(engine, run_id, q="Cole, Ann")) == ["C1", "C1"]
    assert students_of(rolled_page(engine, run_id, q="ann able")) == ["A1"]
    # The middle of a name is not its start; a blank search is no search.
    assert rolled_page(engine, run_id, q="nn").total == 0
    assert rolled_page(engine, run_id, q="   ").total == KIDS + 5
    assert students_of(rolled_page(engine, run_id, q="ann", school="NS")) == ["C1"]


def test_q_treats_like_wildcards_as_plain_characters(stored):
    engine, _, run_id = stored
    assert rolled_page(engine, run_id, q="%").total == 0
    assert rolled_page(engine, run_id, q="_nn").total == 0


# -- sorts ---------------------------------------------------------------------------------------
def names_of(page) -> list[str]:
    return [item["last_name"] for item in page.items]


def test_sort_by_name_number_school_grade_and_rule_each_way(stored):
    engine, _, run_id = stored
    everything = every_item(engine, run_id)
    by_name = sorted(everything, key=lambda i: (i["last_name"].lower(), i["first_name"].lower()))
    assert names_of(rolled_page(engine, run_id, sort="name", per_page=1000)) == \
        [i["last_name"] for i in by_name]
    assert names_of(rolled_page(engine, run_id, sort="-name", per_page=3)) == \
        ["Pupil20", "Pupil19", "Pupil18"]
    numbers = [i["student_number"] for i in rolled_page(engine, run_id, sort="number",
                                                         per_page=1000).items]
    assert numbers == sorted(numbers)
    assert [i["school_name"] for i in rolled_page(engine, run_id, sort="-school").items][:1] == \
        ["North Middle"]
    grades = [i["grade"] for i in rolled_page(engine, run_id, sort="-grade", per_page=4).items]
    assert grades == ["06"] * 4
    rules = [i["rule"] for i in rolled_page(engine, run_id, sort="rule", per_page=1000).items]
    assert rules == sorted(rules) and rules[0] == "RF-10"
    # Equal keys keep decision order; "-decision" is the last decided first.
    assert students_of(rolled_page(engine, run_id, sort="rule", grade="06")) == \
        ["A1", "C1", "C1", "B1"]
    assert students_of(rolled_page(engine, run_id, sort="-decision")) == \
        [i["student_id"] for i in reversed(everything)]


def test_a_sort_keeps_the_filters_and_pages_without_overlap(stored):
    engine, _, run_id = stored
    everything = students_of(rolled_page(engine, run_id, sort="-name", q="kid", per_page=1000))
    assert len(everything) == KIDS
    pages = [rolled_page(engine, run_id, sort="-name", q="kid", page=n, per_page=6)
             for n in (1, 2, 3, 4, 5)]
    assert sum((students_of(p) for p in pages), []) == everything
    assert {p.total for p in pages} == {KIDS} and pages[4].items == []
    assert students_of(rolled_page(engine, run_id, sort="name", school="MS")) == \
        ["A1", "B1", "C1"]


@pytest.mark.parametrize("sort", ["age", "--name", "name ", "Name"])
def test_an_unknown_sort_is_refused_naming_it(stored, sort):
    engine, _, run_id = stored
    with pytest.raises(ReadRefused, match=f"unknown sort {sort!r}"):
        rolled_page(engine, run_id, sort=sort)


def test_totals_per_school_and_grade_this_year_beside_next(stored):
    engine, _, run_id = stored
    assert school_grade_totals(engine, run_id) == [
        # Cole, Ann's one enrollment is placed twice (MULTIPLE_DESTINATIONS).
        {"school_id": "ES", "school_name": "Elm Elementary", "grade": "04", "this_year": KIDS + 1,
         "next_year": 0},
        {"school_id": "ES", "school_name": "Elm Elementary", "grade": "05", "this_year": 3,
         "next_year": KIDS + 1},
        # Its two graduates are this year's too, though no next year's (they leave).
        {"school_id": "MS", "school_name": "Mill Middle", "grade": "06", "this_year": 2,
         "next_year": 3},
        {"school_id": "NS", "school_name": "North Middle", "grade": "06", "this_year": 0,
         "next_year": 1},
        # Eddy has nowhere to go (NO_DESTINATION): counted where he is.
        {"school_id": "XS", "school_name": "Xavier School", "grade": "05", "this_year": 1,
         "next_year": 0},
    ]


def test_totals_are_kept_with_the_run_as_it_decided(stored):
    """Counted once, when the run is kept: a graduate's enrollment deleted since still counts
    where it was; a run kept before the counts were (migration 0006) is counted from its rows."""
    engine, _, run_id = stored
    kept = school_grade_totals(engine, run_id)
    with writing(engine) as conn:
        assert conn.execute(select(func.count()).select_from(run_grade_totals)
                            .where(run_grade_totals.c.run_id == run_id)).scalar_one() > 0
        conn.execute(delete(enrollments).where(enrollments.c.enrollment_id == "ED"))
    assert school_grade_totals(engine, run_id) == kept
    with writing(engine) as conn:
        conn.execute(delete(run_grade_totals).where(run_grade_totals.c.run_id == run_id))
    counted = school_grade_totals(engine, run_id)
    graduates = [r for r in counted if (r["school_id"], r["grade"]) == ("MS", "06")]
    assert graduates[0]["this_year"] == 1  # Dale's; Dunn's enrollment is gone
    assert [r for r in counted if r is not graduates[0]] == \
        [r for r in kept if (r["school_id"], r["grade"]) != ("MS", "06")]


def test_an_enrollment_not_rolled_counts_once_however_many_warnings_name_it(engine, tmp_path):
    """Outside its school's boundary, where attendance is restricted to boundaries, and in no
    other school's: dropped from its school (OUT_OF_BOUNDARY), then nowhere to go
    (NO_DESTINATION): one enrollment, two warnings, counted once where it is."""
    d = District(restrict_to_boundaries=True)
    d.school("HSA", name="Hill High")
    d.calendar("HSA27", "HSA", 2027, ["10"])
    d.calendar("HSA28", "HSA", 2028, ["11"])
    d.boundary("HSA", "Elm St")
    d.student("S1", "Stone", "Sam")
    d.household("H1", 5, "Pine St", "S1")
    d.enroll("E1", "S1", "HSA27", "10")
    d.load(engine, tmp_path / "bundle")
    run = roll_forward(engine, d.options())
    assert [(w.source_enrollment_id, w.code) for w in run.warnings] == [
        ("E1", "OUT_OF_BOUNDARY"), ("E1", "NO_DESTINATION")]
    assert school_grade_totals(engine, run.run.run_id) == [
        {"school_id": "HSA", "school_name": "Hill High", "grade": "10", "this_year": 1,
         "next_year": 0}]


def report_read_again_for_each_row(plan: dict, repeated: bool = False) -> list[str]:
    """The scans of a run's report or warnings in a PostgreSQL plan (EXPLAIN's JSON) that are
    made again for each row of something else: under the inner side of a nested loop, or in a
    subquery run for each row (not hashed once); what a Materialize or Hash node holds is read
    once."""
    found = []
    if repeated and plan.get("Relation Name") in ("run_rolled", "run_warnings"):
        found.append(f"{plan['Node Type']} on {plan['Relation Name']}")
    for child in plan.get("Plans", []):
        if plan["Node Type"] in ("Materialize", "Hash"):
            again = False
        else:
            again = repeated or (plan["Node Type"] == "Nested Loop"
                                 and child.get("Parent Relationship") == "Inner") or (
                child.get("Parent Relationship") == "SubPlan"
                and not child.get("Subplan Name", "").startswith("hashed"))
        found += report_read_again_for_each_row(child, again)
    return found


def test_totals_counted_from_a_runs_rows_never_go_through_its_report_for_each_warning(stored):
    """A run's totals are counted from its rows when it keeps its report, and when the results
    of a run kept before its totals were (migration 0006) are read.  Whether a warned enrollment
    also rolled is never found by going through the run's report for each warning: PostgreSQL
    planned so a NOT IN over a report analysed and larger than its sort memory, and a NOT EXISTS
    while the run's own rows were not yet in its statistics (minutes at a million students);
    SQLite listed every source enrollment of the run first."""
    engine, _, run_id = stored
    sqlite = is_sqlite(engine)
    with writing(engine) as conn:
        conn.execute(delete(run_grade_totals).where(run_grade_totals.c.run_id == run_id))
        if not sqlite:  # a report of thousands of rows, analysed
            columns = [c.name for c in run_rolled.columns]
            copied = ", ".join("seq + 1000 * copy" if c == "seq" else c for c in columns)
            conn.execute(text(f"INSERT INTO run_rolled ({', '.join(columns)}) SELECT {copied} "
                              "FROM run_rolled, generate_series(1, 300) AS copy "
                              "WHERE run_id = :run"), {"run": run_id})
            conn.exec_driver_sql("ANALYZE run_rolled, run_warnings")

    def keep_totals_of_a_run_not_yet_analysed():
        with engine.connect() as conn, conn.begin() as transaction:
            keep_grade_totals(conn, "registration-not-yet-analysed")
            transaction.rollback()

    statements = (statements_of(engine, lambda: school_grade_totals(engine, run_id))
                  + statements_of(engine, keep_totals_of_a_run_not_yet_analysed, "INSERT"))
    assert any(statement.startswith("INSERT") for statement, _ in statements)
    with engine.connect() as conn:
        if not sqlite:
            conn.exec_driver_sql("SET work_mem = '64kB'")
        for statement, parameters in statements:
            if sqlite:
                plan = [row[-1] for row in conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters)]
                assert not any("LIST SUBQUERY" in step for step in plan), (statement, plan)
            else:
                (plan,) = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}",
                                               parameters).scalar_one()
                assert report_read_again_for_each_row(plan["Plan"]) == [], (statement, plan)


# -- paging ----------------------------------------------------------------------------------------
def _a_run(engine, folder) -> str:
    district().load(engine, folder / "bundle")
    return roll_forward(engine, district().options()).run.run_id


@pytest.mark.parametrize("filters", [{}, {"school": "ES"}, {"q": "kid"}],
                         ids=["all", "by school", "by search"])
def test_pages_follow_each_other_in_decision_order_to_the_last(stored, filters):
    engine, _, run_id = stored
    everything = students_of(rolled_page(engine, run_id, per_page=1000, **filters))
    pages = [rolled_page(engine, run_id, page=n, per_page=10, **filters) for n in (1, 2, 3, 4)]
    assert [p.total for p in pages] == [len(everything)] * 4
    assert [p.page for p in pages] == [1, 2, 3, 4] and {p.per_page for p in pages} == {10}
    assert sum((students_of(p) for p in pages), []) == everything
    assert len(pages[0].items) == 10 and pages[3].items == []  # past the last page: empty
    assert rolled_page(engine, run_id, page=10**9, per_page=1000, **filters).items == []


def test_per_page_defaults_to_100_and_may_be_1_or_1000(stored):
    engine, _, run_id = stored
    assert rolled_page(engine, run_id).per_page == 100
    one = rolled_page(engine, run_id, page=25, per_page=1)
    assert (len(one.items), one.total) == (1, KIDS + 5)
    assert rolled_page(engine, run_id, page=26, per_page=1).items == []


# -- refusals --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("paging", "named"), [
    ({"page": 0}, "page 0"), ({"page": -1}, "page -1"), ({"per_page": 0}, "per_page 0"),
    ({"per_page": 1001}, "per_page 1001"), ({"page": "2"}, "page '2'"),
    ({"page": 10**9 + 1}, "page 1000000001"),
])
def test_a_bad_page_is_refused_naming_it(stored, paging, named):
    engine, _, run_id = stored
    for read in (rolled_page, warnings_page):
        with pytest.raises(ReadRefused, match=named):
            read(engine, run_id, **paging)


def test_an_unknown_school_calendar_or_code_is_refused_naming_it(stored):
    engine, _, run_id = stored
    with pytest.raises(ReadRefused, match="unknown school 'ZZ'"):
        rolled_page(engine, run_id, school="ZZ")
    with pytest.raises(ReadRefused, match="unknown calendar 'ZZ28'"):
        rolled_page(engine, run_id, calendar="ZZ28")
    with pytest.raises(ReadRefused, match="unknown school 'ZZ'"):
        warnings_page(engine, run_id, school="ZZ")
    with pytest.raises(ReadRefused, match="unknown warning code 'NO_SUCH'"):
        warnings_page(engine, run_id, code="NO_SUCH")
    with pytest.raises(ReadRefused, match="101 characters"):
        rolled_page(engine, run_id, q="x" * 101)


def test_an_unknown_run_and_a_run_that_places_no_students_are_refused_naming_them(stored):
    engine, _, _ = stored
    check = check_readiness(engine, 2027).run.run_id
    for read in (rolled_page, warnings_page, warnings_summary):
        with pytest.raises(NotFound, match="unknown run 'forward-nope'"):
            read(engine, "forward-nope")
        with pytest.raises(NotFound, match=f"run '{check}' is a check run: it places no "
                                           "students"):
            read(engine, check)


# -- warnings --------------------------------------------------------------------------------------
def test_warnings_page_with_names_and_the_source_school(stored):
    engine, _, run_id = stored
    page = warnings_page(engine, run_id)
    assert page.total == 4
    assert [(w["student_id"], w["code"]) for w in page.items] == [
        ("C1", "MULTIPLE_DESTINATIONS"), ("D1", "GRADUATING"), ("D2", "GRADUATING"),
        ("E1", "NO_DESTINATION")]
    eve = next(w for w in page.items if w["student_id"] == "E1")
    assert {k: v for k, v in eve.items() if k != "message"} == {
        "student_id": "E1", "student_number": "1006", "first_name": "Eve", "last_name": "Eddy",
        "source_enrollment_id": "EE", "source_calendar_id": "XS27", "source_school_id": "XS",
        "source_school_name": "Xavier School", "code": "NO_DESTINATION"}
    assert "no school offers" in eve["message"]


def test_warnings_filtered_by_code_and_by_the_source_enrollments_school(stored):
    engine, _, run_id = stored

    def warned(**filters):
        return [(w["student_id"], w["code"])
                for w in warnings_page(engine, run_id, **filters).items]

    assert warned(code="GRADUATING") == [("D1", "GRADUATING"), ("D2", "GRADUATING")]
    assert warned(code="graduating") == warned(code="GRADUATING")
    assert warned(school="MS") == [("D1", "GRADUATING"), ("D2", "GRADUATING")]
    assert warned(school="XS") == [("E1", "NO_DESTINATION")]
    assert warned(school="ES") == [("C1", "MULTIPLE_DESTINATIONS")]
    assert warned(school="ES", code="GRADUATING") == []
    assert warned(school="NS") == []  # a destination, not a source
    second = warnings_page(engine, run_id, code="GRADUATING", page=2, per_page=1)
    assert ([w["student_id"] for w in second.items], second.total) == (["D2"], 2)


def test_warnings_summary_most_frequent_first_ties_by_code(stored):
    engine, test_id, run_id = stored
    expected = [{"code": "GRADUATING", "count": 2}, {"code": "MULTIPLE_DESTINATIONS", "count": 1},
                {"code": "NO_DESTINATION", "count": 1}]
    assert warnings_summary(engine, run_id) == expected
    assert warnings_summary(engine, test_id) == expected


# -- indexed, never a whole run --------------------------------------------------------------------
def statements_of(engine, read, kind: str = "SELECT") -> list[tuple[str, tuple]]:
    """Every statement of a kind (SELECT) a read sends, with its parameters."""
    sent = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith(kind):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        read()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return sent


@pytest.fixture
def sqlite_stored(sqlite_template, tmp_path):
    """The `stored` district and runs on SQLite alone."""
    engine = open_engine(migrated_sqlite(sqlite_template, tmp_path / "plans.db"))
    run_id = from_template(engine, tmp_path, "run pages: a Run", _a_run)
    yield engine, run_id
    engine.dispose()


@pytest.mark.parametrize("filters", [
    {}, {"school": "MS"}, {"calendar": "MS28"}, {"grade": "06"}, {"calendar": "MS28", "grade": "06"},
    {"q": "ann"}, {"q": "ann co", "grade": "06"}, {"page": 2, "per_page": 2},
], ids=lambda f: ",".join(f) or "none")
def test_every_query_of_a_page_searches_an_index_never_a_whole_table(sqlite_stored, filters):
    """SQLite states its plan exactly (it plans by its indexes alone): no query of a page reads
    a whole table of runs or the students.  PostgreSQL plans by statistics, so its plans are
    measured on a large district (docs/reading-runs.md)."""
    engine, run_id = sqlite_stored
    reads = [lambda: rolled_page(engine, run_id, **filters),
             lambda: warnings_summary(engine, run_id)]
    if not {"q", "grade", "calendar"} & set(filters):
        reads.append(lambda: warnings_page(engine, run_id, **filters))
        reads.append(lambda: warnings_page(engine, run_id, code="GRADUATING", **filters))
    searched = []
    with engine.connect() as conn:
        for read in reads:
            for statement, parameters in statements_of(engine, read):
                plan = [row[-1] for row in conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters)]
                searched += [step for step in plan if step.startswith("SEARCH")]
                scans = [step for step in plan if step.startswith("SCAN") and any(
                    table in step for table in ("run_rolled", "run_warnings", "students"))]
                assert scans == [], (statement, plan)
    assert any("run_rolled" in step for step in searched)


def test_the_indexes_a_page_reads_exist(engine):
    """Expression indexes are not compared with the migrations on SQLite (Alembic cannot read
    them back there), so their presence is checked here, on both databases."""
    wanted = {"ix_students_lower_first_name", "ix_students_lower_last_name",
              "ix_students_lower_student_number", "ix_run_rolled_run_id_calendar_id_grade_seq",
              "ix_run_rolled_run_id_grade_seq",
              "ix_run_rolled_run_id_student_id_grade_calendar_id_seq",
              "ix_run_warnings_run_id_code_seq", "ix_run_warnings_run_id_source_calendar_id_seq",
              # a run's rows read in the order of a sort (store/run_order.py)
              "ix_students_name_order", "ix_students_student_number_student_id",
              "ix_schools_name", "ix_run_rolled_run_id_rule_seq"}
    query = ("SELECT name FROM sqlite_master WHERE type = 'index'" if is_sqlite(engine) else
             "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
    with engine.connect() as conn:
        assert wanted <= set(conn.execute(text(query)).scalars())


def test_a_last_day_ender_is_marked(engine, tmp_path):
    d = District()
    d.school("HS", name="Hill High")
    d.calendar("HS27", "HS", 2027, ["10"])
    d.calendar("HS28", "HS", 2028, ["11"])
    d.student("S1", "Cole", "Cat")
    d.enroll("E1", "S1", "HS27", "10", end=last_day(2027))
    d.load(engine, tmp_path / "bundle")
    run = roll_forward(engine, d.options(include_last_day_enders=True, test=True))
    [item] = rolled_page(engine, run.run.run_id).items
    assert (item["last_day_ender"], item["rule"]) == (True, "RF-8")


def test_a_run_stored_before_rules_were_recorded_reads_with_no_rule(engine, tmp_path):
    """The upgrade to 0005 keeps every stored run: its new enrollments have no rule (None), and
    its warnings get the calendar of their source enrollment, so the school filter finds them."""
    district().load(engine, tmp_path / "bundle")
    run_id = roll_forward(engine, district().options(test=True)).run.run_id
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    upgrade(engine)
    assert {i["rule"] for i in every_item(engine, run_id)} == {None}
    assert [w["student_id"] for w in warnings_page(engine, run_id, school="MS").items] == \
        ["D1", "D2"]
    assert len(every_item(engine, run_id, q="ann")) == 3

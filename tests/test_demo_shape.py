"""The demo district generator: determinism, write order, references and the documented shape
(docs/demo-district.md).  Pure Python, with an in-memory sink; no database."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest

from rollover.bundle.format import BOOL, DATE, ENUM, FILES, FILES_BY_TABLE, ID, INT, TEXT
from rollover.bundle.values import format_cell
from rollover.demo import DemoSummary, generate
from rollover.demo.shape import (
    ACADEMY_EXTRA_DAYS, CAREER, COURSE_REQUEST_RATE, COURSES, COURSES_TAKEN, DEMOTE_RATE,
    DROP_RATE, ELEMENTARY, GOAL_PROGRESS, GRADING_PERIODS, HIGH, LAST_DAY_RATE, MARKED_LEVELS,
    MIDDLE, NEXT_CALENDAR_RATE, NEXT_STAFF_RATE, OPEN_PLAN_SHARE, RETAIN_RATE,
    SECOND_PRIMARY_HOUSEHOLD_RATE, SECTION_CAPACITY, SEQUENCE, SUCCESS_PLAN_RATE,
)

UNORDERED_TABLES = {"boundaries", "assignment_overrides"}  # written in their own order
RATE_STUDENTS = 20_000


class ListSink:
    """Keeps every write call, in order."""

    def __init__(self):
        self.calls: list[tuple[str, list[tuple]]] = []

    def write(self, table, rows):
        self.calls.append((table, list(rows)))

    def rows(self, table: str) -> list[tuple]:
        return [row for name, rows in self.calls if name == table for row in rows]

    def dicts(self, table: str) -> list[dict]:
        names = FILES_BY_TABLE[table].column_names
        return [dict(zip(names, row)) for row in self.rows(table)]


def make(students: int, seed: int = 1, **options) -> tuple[ListSink, DemoSummary]:
    sink = ListSink()
    summary = generate(sink, students=students, seed=seed, **options)
    return sink, summary


@pytest.fixture(scope="module")
def district():
    """A district big enough for the rates to show: RATE_STUDENTS students."""
    return make(RATE_STUDENTS)


@pytest.fixture(scope="module")
def tables(district):
    sink, _ = district
    return {f.table: sink.dicts(f.table) for f in FILES}


# --- determinism ----------------------------------------------------------------------------------

def test_same_arguments_give_the_same_rows_and_another_seed_other_rows():
    first, _ = make(3_000, seed=7)
    again, _ = make(3_000, seed=7)
    other, _ = make(3_000, seed=8)
    assert first.calls == again.calls
    assert first.rows("students") != other.rows("students")
    assert first.rows("enrollments") != other.rows("enrollments")
    # The places do not depend on the seed, only the people do.
    assert first.rows("boundaries") == other.rows("boundaries")


# --- the rows as the bundle contract wants them ---------------------------------------------------

KIND_TYPES = {ID: str, TEXT: str, ENUM: str, INT: int, DATE: dt.date, BOOL: bool}


def test_every_row_has_the_columns_kinds_and_required_values_of_its_file(district):
    sink, _ = district
    for table, rows in sink.calls:
        bundle_file = FILES_BY_TABLE[table]
        for row in rows:
            assert len(row) == len(bundle_file.columns), (table, row)
            for column, value in zip(bundle_file.columns, row):
                if value is None:
                    assert not column.required, (table, column.name, row)
                    continue
                assert type(value) is KIND_TYPES[column.kind], (table, column.name, row)
                if column.kind == ENUM:
                    assert value in column.choices, (table, column.name, row)


def key_text(bundle_file, row) -> tuple[str, ...]:
    positions = [bundle_file.column_names.index(name) for name in bundle_file.key]
    return tuple(format_cell(row[p]) for p in positions)


@pytest.mark.parametrize("students", [100, RATE_STUDENTS])
def test_each_tables_keys_strictly_increase_across_all_write_calls(students, district):
    sink = district[0] if students == RATE_STUDENTS else make(students)[0]
    for bundle_file in FILES:
        if bundle_file.table in UNORDERED_TABLES or not bundle_file.key:
            continue
        keys = [key_text(bundle_file, row) for row in sink.rows(bundle_file.table)]
        for before, after in zip(keys, keys[1:]):
            assert before < after, (bundle_file.table, before, after)
    for table in UNORDERED_TABLES:  # in their own order, but still unique
        bundle_file = FILES_BY_TABLE[table]
        keys = [key_text(bundle_file, row) for row in sink.rows(table)]
        assert len(set(keys)) == len(keys), table


def test_every_reference_was_written_before_the_row_that_makes_it(district):
    sink, _ = district
    written: dict[str, set] = defaultdict(set)  # "table.column" -> values written so far
    late: list[tuple[str, object]] = []  # same-table references, checked at the end
    for table, rows in sink.calls:
        bundle_file = FILES_BY_TABLE[table]
        names = bundle_file.column_names
        references = [(i, c.references) for i, c in enumerate(bundle_file.columns)
                      if c.references]
        for row in rows:
            for i, target in references:
                if row[i] is None:
                    continue
                if target.split(".")[0] == table:
                    late.append((target, row[i]))
                else:
                    assert row[i] in written[target], (table, row, target)
            for i, name in enumerate(names):
                written[f"{table}.{name}"].add(row[i])
    for target, value in late:
        assert value in written[target], (target, value)


def test_structures_belong_to_their_calendars_and_grades_are_offered(tables):
    structure_calendar = {s["structure_id"]: s["calendar_id"] for s in tables["structures"]}
    offered = {(g["calendar_id"], g["structure_id"], g["grade"]) for g in tables["grade_levels"]}
    for level in tables["grade_levels"]:
        assert structure_calendar[level["structure_id"]] == level["calendar_id"]
        assert level["sequence"] == SEQUENCE[level["grade"]]
        assert level["state_grade"] == level["grade"]
    for e in tables["enrollments"]:
        assert (e["calendar_id"], e["structure_id"], e["grade"]) in offered, e
        if e["next_calendar_id"] is not None:
            assert (e["next_calendar_id"], e["next_structure_id"], e["next_grade"]) in offered, e


def test_the_summary_counts_the_rows_written(district):
    sink, summary = district
    assert summary.rows == {f.table: len(sink.rows(f.table)) for f in FILES}
    assert summary.students == RATE_STUDENTS == summary.rows["students"]
    assert (summary.source_year, summary.destination_year) == (2027, 2028)


# --- sizes and limits -----------------------------------------------------------------------------

def test_a_hundred_students_make_a_district_with_one_school_of_each_level():
    sink, summary = make(100)
    schools = sink.dicts("schools")
    assert [s["school_id"] for s in schools] == ["CTR0001", "ELM0001", "HIG0001", "MID0001"]
    assert summary.rows["students"] == 100
    assert summary.rows["assignment_overrides"] >= 1
    district_row = sink.dicts("district")
    assert district_row == [{"name": district_row[0]["name"], "restrict_to_boundaries": False,
                             "student_assignment_validation": False,
                             "local_start_status_required": True,
                             "current_school_year": 2027}]


@pytest.mark.parametrize("students", [99, 1_000_001, 0, -5, 2.5, "100", True])
def test_a_size_outside_the_range_is_refused_naming_it(students):
    with pytest.raises(ValueError) as refused:
        generate(ListSink(), students=students)
    assert "students" in str(refused.value) and repr(students) in str(refused.value)


def test_schools_scale_with_the_students(district):
    _, summary = district
    # 20,000 / 13 a grade: 6 grades / 450, 3 grades / 700, 4 grades / 1,400 (rounded).
    assert (summary.elementary_schools, summary.middle_schools, summary.high_schools) == (21, 7, 4)


def test_progress_reports_students_up_to_the_total_and_nothing_is_printed(capsys):
    calls = []
    generate(ListSink(), students=2_500, progress=lambda *call: calls.append(call))
    student_calls = [c for c in calls if c[0] == "students"]
    assert student_calls[-1] == ("students", 2_500, 2_500)
    assert [c[1] for c in student_calls] == sorted(c[1] for c in student_calls)
    assert capsys.readouterr() == ("", "")


# --- rates ----------------------------------------------------------------------------------------

def first_primary_enrollments(tables) -> dict[str, dict]:
    first: dict[str, dict] = {}
    for e in tables["enrollments"]:
        if e["service_type"] == "primary":
            first.setdefault(e["student_id"], e)
    return first


def grouped(rows: list[dict], column: str) -> dict[str, list[dict]]:
    """The rows by their value in `column`, each group in the order written."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row[column]].append(row)
    return groups


def assert_rate(count: int, total: int, rate: float) -> None:
    # Within a third of the rate, or four binomial standard deviations, whichever is wider.
    tolerance = max(rate / 3, 4 * (rate * (1 - rate) / total) ** 0.5)
    assert abs(count / total - rate) <= tolerance, (count, total, rate)


def test_end_actions_drops_and_last_day_enders_come_at_their_rates(tables):
    first = first_primary_enrollments(tables)
    total = len(first)
    assert total == RATE_STUDENTS
    actions = Counter(e["end_action"] for e in first.values())
    assert_rate(actions["retain"], total, RETAIN_RATE)
    assert_rate(actions["demote"], total, DEMOTE_RATE)
    assert actions["promote"] > total / 3 and actions[None] > total / 3
    dropped = [e for e in first.values() if e["end_status"] and e["end_status"].startswith("W")]
    last_day = [e for e in first.values() if e["end_status"] == "E01"]
    assert_rate(len(dropped), total, DROP_RATE)
    assert_rate(len(last_day), total, LAST_DAY_RATE)


def test_next_calendar_fields_come_at_their_rate_among_students_who_will_roll(tables):
    first = first_primary_enrollments(tables)
    rolling = [e for e in first.values()
               if (e["end_date"] is None or e["end_status"] == "E01") and e["grade"] != "UG"
               and not (e["grade"] == "12" and e["end_action"] in (None, "promote"))]
    with_next = [e for e in rolling if e["next_calendar_id"]]
    assert_rate(len(with_next), len(rolling), NEXT_CALENDAR_RATE)
    for e in with_next:
        assert e["next_calendar_id"].startswith("2028-")
        step = {None: 1, "promote": 1, "retain": 0, "demote": -1}[e["end_action"]]
        assert SEQUENCE[e["next_grade"]] == SEQUENCE[e["grade"]] + step


def test_a_twentieth_of_students_have_two_primary_households(tables):
    primary = Counter(m["student_id"] for m in tables["household_members"] if m["primary"])
    assert_rate(sum(1 for n in primary.values() if n == 2), RATE_STUDENTS,
                SECOND_PRIMARY_HOUSEHOLD_RATE)
    assert set(primary.values()) <= {1, 2} and len(primary) == RATE_STUDENTS
    non_primary = {m["student_id"] for m in tables["household_members"] if not m["primary"]}
    assert 0.01 < len(non_primary) / RATE_STUDENTS < 0.03


def test_grades_are_spread_evenly_over_kg_to_12(tables):
    grades = Counter(e["grade"] for e in first_primary_enrollments(tables).values()
                     if e["grade"] != "UG")
    per_grade = RATE_STUDENTS / 13
    for grade in ("KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"):
        assert abs(grades[grade] - per_grade) < per_grade * 0.05, grade
    assert 0 < grades["PK"] < per_grade


def test_students_have_distinct_numbers_and_birth_dates_that_fit_their_grade(tables):
    numbers = [s["student_number"] for s in tables["students"]]
    assert len(set(numbers)) == len(numbers)
    assert all(len(n) == 6 and n.isdigit() for n in numbers)
    birth = {s["student_id"]: s["birth_date"] for s in tables["students"]}
    for student_id, e in first_primary_enrollments(tables).items():
        if e["grade"] == "UG":
            continue
        born = birth[student_id]
        age = 2026 - born.year - ((born.month, born.day) > (9, 1))  # on 1 September 2026
        assert age == SEQUENCE[e["grade"]] + 3, (e, born)  # KG (sequence 2) is 5


# --- boundaries and feeders -----------------------------------------------------------------------

def normal(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def boundary_index(boundaries: list[dict]) -> dict[tuple, list[dict]]:
    index: dict[tuple, list[dict]] = defaultdict(list)
    for b in boundaries:
        index[(normal(b["street"]), normal(b["city"]), normal(b["zip"]))].append(b)
    return index


def schools_holding(index, household) -> list[dict]:
    number = household["number"]
    found = []
    for b in index.get((normal(household["street"]), normal(household["city"]),
                        normal(household["zip"])), []):
        on_side = b["side"] == "both" or (b["side"] == "odd") == (number % 2 == 1)
        if b["low_number"] <= number <= b["high_number"] and on_side:
            found.append(b)
    return found


def test_each_household_lies_in_one_school_of_each_level_along_the_feeder_chain(tables):
    school_index = boundary_index([b for b in tables["boundaries"] if b["program_id"] is None])
    next_school = {s["school_id"]: s["next_school_id"] for s in tables["schools"]}
    assert any(h["street"].isupper() for h in tables["households"])  # RF-14: any case
    for household in tables["households"]:
        found = sorted(b["school_id"] for b in schools_holding(school_index, household))
        assert [s[:3] for s in found] == ["ELM", "HIG", "MID"], (household, found)
        elementary, high, middle = found
        assert next_school[elementary] == middle and next_school[middle] == high, household


def test_students_attend_the_school_of_their_first_primary_household(tables):
    school_index = boundary_index([b for b in tables["boundaries"] if b["program_id"] is None])
    households = {h["household_id"]: h for h in tables["households"]}
    first_home: dict[str, dict] = {}
    for m in tables["household_members"]:
        if m["primary"]:
            first_home.setdefault(m["student_id"], households[m["household_id"]])
    calendar_school = {c["calendar_id"]: c["school_id"] for c in tables["calendars"]}
    for student_id, e in first_primary_enrollments(tables).items():
        schools = {b["school_id"] for b in schools_holding(school_index, first_home[student_id])}
        assert calendar_school[e["calendar_id"]] in schools, (student_id, e)


def test_immersion_boundaries_send_the_first_two_middle_areas_to_the_first_middle_and_high(
        tables):
    boundaries = tables["boundaries"]
    next_school = {s["school_id"]: s["next_school_id"] for s in tables["schools"]}
    feeding = {b["street"] + b["side"] for b in boundaries
               if b["program_id"] is None and b["school_id"].startswith("ELM")
               and next_school[b["school_id"]] in ("MID0001", "MID0002")}
    for school_id in ("MID0001", "HIG0001"):
        program = {b["street"] + b["side"] for b in boundaries
                   if b["program_id"] == "IMM" and b["school_id"] == school_id}
        assert program == feeding
    assert {b["program_id"] for b in boundaries} == {None, "IMM"}
    assert all(b["resides"] is None for b in boundaries)


# --- enrollments in detail ------------------------------------------------------------------------

def test_high_school_enrollments_carry_the_graduation_cohort(tables):
    for e in tables["enrollments"]:
        if e["grade"] in ("09", "10", "11", "12"):
            assert e["graduation_cohort"] == 2027 + 12 - int(e["grade"]), e
        elif e["grade"] != "UG":
            assert e["graduation_cohort"] is None, e


def test_pk_and_kg_are_never_demoted_and_ungraded_students_are_special_ed_at_high_schools(
        tables):
    special_ed = {e["student_id"] for e in tables["enrollments"]
                  if e["service_type"] == "special_ed"}
    ungraded = [e for e in tables["enrollments"] if e["grade"] == "UG"]
    assert ungraded
    for e in tables["enrollments"]:
        if e["grade"] in ("PK", "KG"):
            assert e["end_action"] != "demote"
        if e["grade"] == "PK":
            assert e["calendar_id"] == "2027-ELM0001"
    for e in ungraded:
        assert e["student_id"] in special_ed and e["calendar_id"][5:8] == "HIG"
        assert e["end_action"] is None and e["next_calendar_id"] is None


def test_dropped_enrollments_have_no_next_fields_and_half_reenroll_elsewhere_later(tables):
    by_student = grouped([e for e in tables["enrollments"] if e["service_type"] == "primary"],
                         "student_id")
    dropped = reenrolled = 0
    for enrollments in by_student.values():
        first = enrollments[0]
        if first["end_status"] and first["end_status"].startswith("W"):
            dropped += 1
            assert first["next_calendar_id"] is None
            assert dt.date(2026, 10, 1) <= first["end_date"] <= dt.date(2027, 4, 30)
            if len(enrollments) == 2:
                reenrolled += 1
                second = enrollments[1]
                assert second["start_date"] > first["end_date"] and second["end_date"] is None
                assert second["calendar_id"] != first["calendar_id"]
                assert second["calendar_id"][5:8] == first["calendar_id"][5:8]  # same level
        else:
            assert len(enrollments) == 1
    assert 0.35 < reenrolled / dropped < 0.65


def test_last_day_enders_end_on_the_last_day_of_their_structures_last_term(tables):
    last_term_end: dict[str, dt.date] = {}
    for t in tables["terms"]:
        last_term_end[t["structure_id"]] = max(t["end_date"],
                                               last_term_end.get(t["structure_id"], t["end_date"]))
    for e in tables["enrollments"]:
        if e["end_status"] == "E01":
            assert e["end_date"] == last_term_end[e["structure_id"]], e


def test_service_enrollments_partial_at_the_career_center_and_special_ed_at_home(tables):
    primary = first_primary_enrollments(tables)
    high_students = sum(1 for e in primary.values() if e["calendar_id"][5:8] == "HIG")
    partial = [e for e in tables["enrollments"] if e["service_type"] == "partial"]
    special = [e for e in tables["enrollments"] if e["service_type"] == "special_ed"]
    assert all(e["calendar_id"] == "2027-CTR0001" for e in partial)
    assert_rate(len(partial), high_students, 0.02)
    assert_rate(len(special), RATE_STUDENTS, 0.03)
    for e in special:
        home = primary[e["student_id"]]
        assert (e["calendar_id"], e["structure_id"], e["grade"]) == (
            home["calendar_id"], home["structure_id"], home["grade"])


def test_start_statuses_programs_and_overrides(tables):
    statuses = {s["code"]: s for s in tables["local_start_statuses"]}
    assert [s for s in statuses.values() if s["is_default"]] == [statuses["01"]]
    assert statuses["99"]["active"] is False and statuses["99"]["last_year"] < 2027
    used = Counter(e["local_start_status"] for e in tables["enrollments"])
    assert used["01"] > 0.8 * len(tables["enrollments"]) and None not in used

    programs = {p["program_id"]: p["continuous"] for p in tables["programs"]}
    assert programs == {"GT": False, "IMM": True}
    elementary_one = {e["student_id"] for e in first_primary_enrollments(tables).values()
                      if e["calendar_id"] == "2027-ELM0001"}
    immersion = [p for p in tables["program_participations"] if p["program_id"] == "IMM"]
    assert {p["student_id"] for p in immersion} <= elementary_one
    assert 0.4 < len(immersion) / len(elementary_one) < 0.6
    assert all(p["end_date"] is None for p in tables["program_participations"])

    overrides = tables["assignment_overrides"]
    assert 1 <= len(overrides) < 0.003 * RATE_STUDENTS
    assert all(o["school_year"] == 2028 and o["program_id"] is None for o in overrides)
    assert all(e["rolled_from"] is None for e in tables["enrollments"])


# --- calendars ------------------------------------------------------------------------------------

def test_next_year_calendars_mirror_the_source_year_one_year_later(tables):
    calendars = {c["calendar_id"]: c for c in tables["calendars"]}
    structures = defaultdict(list)
    for s in tables["structures"]:
        structures[s["calendar_id"]].append(s["name"])
    levels = defaultdict(list)
    for g in tables["grade_levels"]:
        levels[g["calendar_id"]].append((g["structure_id"][-1], g["grade"]))
    sources = [c for c in calendars.values() if c["school_year"] == 2027]
    assert len(sources) * 2 == len(calendars)
    for source in sources:
        upcoming = calendars["2028-" + source["school_id"]]
        assert upcoming["school_year"] == 2028
        assert 360 <= (upcoming["start_date"] - source["start_date"]).days <= 371
        assert structures[upcoming["calendar_id"]] == structures[source["calendar_id"]]
        assert levels[upcoming["calendar_id"]] == levels[source["calendar_id"]]
    assert structures["2027-HIG0001"] == ["Main", "Academy"]
    assert all(names == ["Main"] for cid, names in structures.items()
               if not cid.endswith("HIG0001"))


def test_days_cover_every_weekday_and_terms_follow_the_level(tables):
    calendars = {c["calendar_id"]: c for c in tables["calendars"]}
    days = grouped(tables["days"], "calendar_id")
    for calendar_id, calendar in calendars.items():
        dates = [d["date"] for d in days[calendar_id]]
        weekdays = [calendar["start_date"] + dt.timedelta(days=n)
                    for n in range((calendar["end_date"] - calendar["start_date"]).days + 1)]
        assert dates == [d for d in weekdays if d.weekday() < 5], calendar_id
        assert calendar["start_date"].month == 8 and calendar["end_date"].month == 6
        off = [d["date"] for d in days[calendar_id] if not d["instructional"]]
        thanksgiving = [d for d in off if d.month == 11]
        assert len(thanksgiving) == 2 and any(d.month == 12 for d in off)
    schedules = defaultdict(lambda: defaultdict(list))
    for t in tables["terms"]:
        schedules[t["structure_id"]][t["term_schedule"]].append(t)
    assert {k: len(v) for k, v in schedules["2027-ELM0001-1"].items()} == {"Trimesters": 3}
    assert {k: len(v) for k, v in schedules["2027-MID0001-1"].items()} == {"Semesters": 2}
    assert {k: len(v) for k, v in schedules["2027-HIG0002-1"].items()} == {
        "Quarters": 4, "Semesters": 2}
    main, academy = schedules["2027-HIG0001-1"], schedules["2027-HIG0001-2"]
    for schedule in ("Semesters", "Quarters"):
        assert academy[schedule][-1]["end_date"] - main[schedule][-1]["end_date"] == \
            dt.timedelta(days=ACADEMY_EXTRA_DAYS)


# --- the year-end modules' data -------------------------------------------------------------------

def active_primary_enrollments(tables) -> dict[str, dict]:
    """Each student's primary enrollment that was not dropped (re-enrollments and last-day
    enders included)."""
    active: dict[str, dict] = {}
    for e in tables["enrollments"]:
        if e["service_type"] == "primary" and not (e["end_status"] or "").startswith("W"):
            active.setdefault(e["student_id"], e)
    return active


def level_of_calendar(calendar_id: str) -> str:
    return {"ELM": ELEMENTARY, "MID": MIDDLE, "HIG": HIGH, "CTR": CAREER}[calendar_id[5:8]]


def test_courses_and_sections_are_made_for_every_current_year_calendar_only(tables):
    current = {c["calendar_id"] for c in tables["calendars"] if c["school_year"] == 2027}
    courses = grouped(tables["courses"], "calendar_id")
    assert set(courses) == current
    for calendar_id, own in courses.items():
        level = level_of_calendar(calendar_id)
        assert [(c["number"], c["name"]) for c in own] == list(COURSES[level])
        assert all(c["course_id"].startswith(calendar_id + "-C") for c in own)
    assert len(COURSES[MIDDLE]) > len(COURSES[ELEMENTARY]) < len(COURSES[HIGH])
    sections = Counter(s["course_id"] for s in tables["sections"])
    assert set(sections) == {c["course_id"] for c in tables["courses"]}
    assert set(sections.values()) == {1, 2, 3}
    for section in tables["sections"]:
        assert section["section_id"] == f"{section['course_id']}-{section['number']}"
        assert section["teacher"] and section["room"].startswith("Room ")
        assert section["capacity"] == SECTION_CAPACITY[level_of_calendar(section["course_id"])]


def test_grading_periods_are_four_quarters_inside_the_calendar_and_mark_types_e_and_q(tables):
    calendars = {c["calendar_id"]: c for c in tables["calendars"] if c["school_year"] == 2027}
    periods = grouped(tables["grading_periods"], "calendar_id")
    assert set(periods) == set(calendars)
    for calendar_id, own in periods.items():
        calendar = calendars[calendar_id]
        assert [p["sequence"] for p in own] == [1, 2, 3, 4]
        assert [p["name"] for p in own] == list(GRADING_PERIODS)
        assert own[0]["start_date"] > calendar["start_date"]  # after the teacher work days
        assert own[-1]["end_date"] <= calendar["end_date"]
        for before, after in zip(own, own[1:]):
            assert before["start_date"] < before["end_date"] < after["start_date"]
    # At a high school the quarters are the Main structure's Quarters terms.
    quarters = [(t["start_date"], t["end_date"]) for t in tables["terms"]
                if t["structure_id"] == "2027-HIG0002-1" and t["term_schedule"] == "Quarters"]
    assert [(p["start_date"], p["end_date"]) for p in periods["2027-HIG0002"]] == quarters
    mark_types = defaultdict(list)
    for mark_type in tables["mark_types"]:
        mark_types[mark_type["calendar_id"]].append(mark_type["code"])
    assert mark_types == {calendar_id: ["E", "Q"] for calendar_id in calendars}


def test_attendance_codes_are_the_current_years(tables):
    assert [(a["school_year"], a["code"], a["excused"]) for a in tables["attendance_codes"]] == [
        (2027, "A", False), (2027, "E", True), (2027, "P", False), (2027, "T", False)]


def test_active_enrollments_have_a_homeroom_and_counselor_and_most_movers_next_years(tables):
    active = {e["enrollment_id"]: e for e in active_primary_enrollments(tables).values()}
    staff = {s["enrollment_id"]: s for s in tables["enrollment_staff"]}
    assert set(staff) == set(active)
    rolling = with_next = 0
    for enrollment_id, s in staff.items():
        e = active[enrollment_id]
        assert s["homeroom"].startswith("Room ") and s["counselor"], s
        graduating = e["grade"] == "12" and e["end_action"] in (None, "promote")
        if graduating or e["grade"] == "UG":
            assert s["next_homeroom"] is None and s["next_counselor"] is None, (e, s)
            continue
        rolling += 1
        assert (s["next_homeroom"] is None) == (s["next_counselor"] is None), s
        with_next += s["next_homeroom"] is not None
    assert_rate(with_next, rolling, NEXT_STAFF_RATE)


def test_active_students_are_scheduled_into_sections_of_their_calendars(tables):
    course_of_section = {s["section_id"]: s["course_id"] for s in tables["sections"]}
    calendar_of_course = {c["course_id"]: c["calendar_id"] for c in tables["courses"]}
    active = active_primary_enrollments(tables)
    partial = {e["student_id"]: e for e in tables["enrollments"]
               if e["service_type"] == "partial" and not (e["end_status"] or "").startswith("W")}
    schedules = grouped(tables["student_schedules"], "student_id")
    assert set(schedules) == set(active)
    for student_id, rows in schedules.items():
        enrollment = active[student_id]
        by_calendar = Counter(calendar_of_course[course_of_section[r["section_id"]]]
                              for r in rows)
        expected = {enrollment["calendar_id"]:
                    COURSES_TAKEN[level_of_calendar(enrollment["calendar_id"])]}
        if student_id in partial:
            expected[partial[student_id]["calendar_id"]] = COURSES_TAKEN[CAREER]
        assert by_calendar == expected, student_id
        for r in rows:
            home = partial[student_id] if r["section_id"].startswith("2027-CTR") else enrollment
            assert (r["start_date"], r["end_date"]) == (home["start_date"], home["end_date"])
        courses = [course_of_section[r["section_id"]] for r in rows]
        assert len(set(courses)) == len(courses)  # one section of each course


def test_marks_are_quarter_one_marks_of_scheduled_middle_and_high_school_sections(tables):
    scheduled = {(r["student_id"], r["section_id"]) for r in tables["student_schedules"]}
    marked = {(m["student_id"], m["section_id"]) for m in tables["student_marks"]}
    assert marked == {(student, section) for student, section in scheduled
                      if level_of_calendar(section) in MARKED_LEVELS}
    for m in tables["student_marks"]:
        calendar_id = m["section_id"][:12]
        assert (m["grading_period_id"], m["mark_type_id"]) == (f"{calendar_id}-Q1",
                                                               f"{calendar_id}-Q")
    marks = Counter(m["mark"] for m in tables["student_marks"])
    assert set(marks) == {"A", "B", "C", "D", "F"} and marks["B"] == max(marks.values())


def test_course_requests_are_courses_of_the_students_calendar_they_do_not_take(tables):
    course_of_section = {s["section_id"]: s["course_id"] for s in tables["sections"]}
    taken = {(r["student_id"], course_of_section[r["section_id"]])
             for r in tables["student_schedules"]}
    active = active_primary_enrollments(tables)
    requesters = Counter(r["student_id"] for r in tables["course_requests"])
    for r in tables["course_requests"]:
        assert (r["student_id"], r["course_id"]) not in taken
        assert r["course_id"].startswith(active[r["student_id"]]["calendar_id"] + "-C")
    assert set(requesters.values()) == {1, 2}
    eligible = sum(1 for e in active.values()
                   if level_of_calendar(e["calendar_id"]) in (MIDDLE, HIGH))
    assert_rate(len(requesters), eligible, COURSE_REQUEST_RATE)


def test_a_twentieth_of_active_students_have_a_success_plan_with_one_to_three_goals(tables):
    active = active_primary_enrollments(tables)
    plans = tables["success_plans"]
    assert {p["student_id"] for p in plans} <= set(active)
    assert len({p["student_id"] for p in plans}) == len(plans)
    assert_rate(len(plans), len(active), SUCCESS_PLAN_RATE)
    assert_rate(sum(p["status"] == "open" for p in plans), len(plans), OPEN_PLAN_SHARE)
    assert all(p["school_year"] == 2027 and p["carried_from"] is None and p["title"]
               for p in plans)
    goals = Counter(g["plan_id"] for g in tables["plan_goals"])
    assert set(goals) == {p["plan_id"] for p in plans}
    assert set(goals.values()) == {1, 2, 3}
    for g in tables["plan_goals"]:
        assert g["goal_id"].startswith(g["plan_id"] + "-") and g["description"]
        assert g["progress"] in GOAL_PROGRESS

"""Properties of the roll forward over random small districts (roll-forward.md RF-2, RF-4,
RF-21, RF-22, RF-24, RF-25), on a real store: SQLite with more examples, PostgreSQL with a few.

`districts()` draws a whole `tests.districts.District` and the options of one run: 1-3 schools
with feeder links, calendars in 2027 and 2028 offering random grades of one series (sequence = the
code's number, sometimes an ungraded level of sequence 0), one or two structures a calendar with
names from a small set, term schedules whose last day differs, boundaries over three streets,
students with 0-2 primary households, source enrollments with random end actions, end dates (some
on the last day of the last term, some on the last day of an earlier term), next-calendar fields
and service types, and some enrollments already in 2028.

The expectations below are computed from the district's rows, not from the product's objects.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, text

from rollover.services.bundles import import_bundle
from rollover.services.forward import roll_forward
from rollover.services.runs import forward_report
from rollover.store.database import open_engine
from rollover.store.schema import calendars, enrollments, run_grade_totals

from .conftest import emptied_postgres
from .districts import District, first_day, last_day

pytestmark = pytest.mark.slow  # hypothesis runs on real stores (`pytest -m slow`)

SOURCE, DESTINATION = 2027, 2028
SCHOOLS = ("A", "B", "C")
GRADES = ("01", "02", "03", "04", "05")  # sequence = the code's number
UNGRADED = "UG"  # sequence 0
STRUCTURE_NAMES = ("Main", "Main", "Main", "Academy", "Evening")  # mostly "Main"
STREETS = ("Oak Street", "Elm Street", "Pine Road")
SERVICE_TYPES = ("primary", "partial", "special_ed")
END_ACTIONS = (None, "promote", "retain", "demote")
PROGRAM = "IMM"

# Examples per store kind: SQLite proves the properties broadly, PostgreSQL confirms a few.
EXAMPLES = {"sqlite": 25, "postgresql": 5}


def midyear(year: int) -> dt.date:
    """The last day of a first term: a term end, but not the last term's."""
    return dt.date(year, 1, 15)


def late(year: int) -> dt.date:
    """The last day of a "Quarters" schedule that ends a week after the semesters."""
    return last_day(year) + dt.timedelta(days=7)


DROPPED = dt.date(SOURCE, 3, 1)  # an ordinary drop date, no term ends there


# -- the strategy -------------------------------------------------------------------------------
@dataclass
class Case:
    district: District
    options: dict  # keyword arguments of District.options (without `test`)
    other_options: dict  # a second, different set of options for the same district

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        rows = {table: rows for table, rows in self.district.rows.items() if rows}
        return (f"Case(options={self.options!r}, other_options={self.other_options!r}, "
                f"rows={rows!r})")


def one_in(n: int, draw) -> bool:
    """True one time in n (`st.integers` would favour its bounds)."""
    return draw(st.sampled_from(range(n))) == 0


@st.composite
def _grade_range(draw):
    low = draw(st.sampled_from(range(len(GRADES) - 1)))
    return GRADES[low:draw(st.sampled_from(range(low + 2, len(GRADES) + 1)))]


@st.composite
def _grade_set(draw, school_grades):
    if not one_in(4, draw):  # mostly the grades the school offers every year
        codes = school_grades
    elif draw(st.booleans()):
        codes = draw(_grade_range())
    else:
        codes = draw(st.sets(st.sampled_from(GRADES), min_size=1))
    grades = {code: int(code) for code in codes}
    if one_in(5, draw):
        grades[UNGRADED] = 0
    return dict(sorted(grades.items()))


@st.composite
def _term_schedules(draw, year: int):
    schedules = {"Semesters": last_day(year)}
    if draw(st.booleans()):
        schedules["Quarters"] = late(year)
    return schedules


@st.composite
def _options(draw, district: District, layout: dict):
    """Options of one run, all valid for the district (RF-26 is not what is proved here)."""
    sources = [c for c, (year, _) in layout.items() if year == SOURCE]
    destinations = [c for c, (year, _) in layout.items() if year == DESTINATION]
    options = {
        "service_types": tuple(draw(st.lists(st.sampled_from(SERVICE_TYPES), min_size=1,
                                             max_size=3, unique=True))),
        "include_last_day_enders": draw(st.booleans()),
        "allow_duplicate_primary": draw(st.booleans()),
    }
    if one_in(6, draw):
        names = sorted({name for c in sources for _, name, _ in layout[c][1]})
        options["source_structure"] = draw(st.sampled_from(names))
    if one_in(6, draw):
        offered = sorted({g for c in sources for _, _, grades in layout[c][1] for g in grades})
        options["source_grades"] = tuple(draw(st.lists(st.sampled_from(offered), min_size=1,
                                                       max_size=3, unique=True)))
    if destinations and one_in(6, draw):
        calendar = draw(st.sampled_from(destinations))
        structure_id, _, grades = draw(st.sampled_from(layout[calendar][1]))
        options.update(dest_calendar=calendar, dest_structure=structure_id)
        if draw(st.booleans()):
            options["dest_grade"] = draw(st.sampled_from(sorted(grades)))
    if one_in(6, draw):
        options["start_date"] = dt.date(DESTINATION - 1, 9, 1)
    if one_in(5, draw):
        options["local_start_status"] = draw(st.sampled_from(["01", "02"]))
    return options


@st.composite
def districts(draw, max_students: int = 8, plain: int = 0) -> Case:
    """A district and two sets of options.  `plain`: one student in `plain` is drawn as a
    roll forward's common case would pick them (one enrollment, no end date, no end action
    but promote, no next-year fields, nothing in the destination year), in a random calendar,
    structure and grade all the same (tests/test_forward_common_case.py)."""
    district = District(source_year=SOURCE,
                        restrict_to_boundaries=one_in(5, draw),
                        student_assignment_validation=one_in(5, draw),
                        local_start_status_required=draw(st.booleans()))
    district.status("01", is_default=draw(st.booleans()))
    district.status("02")

    schools = list(SCHOOLS[:draw(st.integers(1, 3))])
    for school in schools:
        others = [s for s in schools if s != school]
        feeder = None if not others or one_in(3, draw) else draw(st.sampled_from(others))
        district.school(school, next_school=feeder)

    # calendar id -> (year, [(structure id, name, {grade: sequence})])
    layout: dict[str, tuple[int, list]] = {}
    extra_terms = 0
    for index, school in enumerate(schools):
        school_grades = draw(_grade_range())
        for year in (SOURCE, DESTINATION):
            counts = [1, 1, 1, 2] if index == 0 or year == DESTINATION else [1, 1, 2, 0]
            for k in range(draw(st.sampled_from(counts))):
                calendar = f"{school}{year % 100}{'ab'[k]}"
                structures = []
                for n in range(draw(st.integers(1, 2))):
                    structure_id = f"{calendar}-{n + 1}"
                    name = ("Main" if n == 0 and not one_in(5, draw)
                            else draw(st.sampled_from(STRUCTURE_NAMES)))
                    grades = draw(_grade_set(school_grades))
                    schedules = draw(_term_schedules(year))
                    if n == 0:
                        district.calendar(calendar, school, year, grades, structure=name,
                                          structure_id=structure_id,
                                          days=year == SOURCE or draw(st.booleans()),
                                          term_schedules=schedules)
                    else:
                        district.structure(calendar, name, grades, structure_id=structure_id,
                                           term_schedules=schedules)
                    if draw(st.booleans()):
                        # An earlier term of the semesters: its last day is not the last term's.
                        extra_terms += 1
                        district.rows["terms"].append((f"X{extra_terms}", structure_id,
                                                       "Semesters", "Term 1", first_day(year),
                                                       midyear(year)))
                    structures.append((structure_id, name, grades))
                layout[calendar] = (year, structures)

    program = draw(st.booleans())
    if program:
        district.program(PROGRAM)
    segments = set()  # a boundary row is keyed by all but `resides`
    for school in schools:
        for _ in range(draw(st.sampled_from([0, 1, 1, 2, 3]))):
            low = 1 if one_in(2, draw) else draw(st.integers(1, 20))
            segment = (school, PROGRAM if program and draw(st.booleans()) else None,
                       draw(st.sampled_from(STREETS)), low,
                       20 if one_in(2, draw) else draw(st.integers(low, 20)),
                       draw(st.sampled_from(["both", "both", "odd", "even"])))
            if segment not in segments:
                segments.add(segment)
                school_id, program_id, street, low, high, side = segment
                district.boundary(school_id, street, low, high, side, program=program_id,
                                  resides=draw(st.booleans()))

    sources = [c for c, (year, _) in layout.items() if year == SOURCE]
    all_calendars = list(layout)
    destinations = [c for c, (year, _) in layout.items() if year == DESTINATION]
    for s in range(draw(st.integers(1, max_students))):
        student = district.student(f"S{s + 1}")
        for h in range(draw(st.integers(0, 2))):
            street = draw(st.sampled_from(STREETS))
            if one_in(6, draw):
                street = f"  {street.upper()} "  # RF-14: case- and whitespace-insensitive
            district.household(f"H{s + 1}-{h + 1}", draw(st.integers(1, 20)), street, student,
                               primary=not one_in(6, draw))
        if program and draw(st.booleans()):
            district.participation(student, PROGRAM)
        if one_in(6, draw):
            district.override(student, draw(st.sampled_from(schools)))

        if plain and one_in(plain, draw):
            calendar = draw(st.sampled_from(sources))
            structure_id, _, grades = draw(st.sampled_from(layout[calendar][1]))
            district.enroll(
                f"E{s + 1}-1", student, calendar, draw(st.sampled_from(sorted(grades))),
                structure=structure_id, service_type=draw(st.sampled_from(SERVICE_TYPES)),
                end_action=draw(st.sampled_from([None, "promote"])),
                graduation_cohort=draw(st.sampled_from([None, None, SOURCE + 3])))
            continue

        for k in range(draw(st.integers(1, 3))):
            calendar = draw(st.sampled_from(sources))
            structure_id, _, grades = draw(st.sampled_from(layout[calendar][1]))
            fields = {}
            if one_in(5, draw):
                # Mostly a destination-year calendar; sometimes one of the wrong year.
                next_calendar = draw(st.sampled_from(
                    all_calendars if one_in(5, draw) or not destinations else destinations))
                fields["next_calendar"] = next_calendar
                if draw(st.booleans()):
                    next_structure, _, next_grades = draw(
                        st.sampled_from(layout[next_calendar][1]))
                    fields["next_structure"] = next_structure
                    if draw(st.booleans()):
                        fields["next_grade"] = draw(st.sampled_from(sorted(next_grades)))
            district.enroll(
                f"E{s + 1}-{k + 1}", student, calendar, draw(st.sampled_from(sorted(grades))),
                structure=structure_id, service_type=draw(st.sampled_from(SERVICE_TYPES)),
                end=draw(st.sampled_from([None, None, None, None, None, DROPPED, midyear(SOURCE),
                                          last_day(SOURCE), late(SOURCE)])),
                end_action=draw(st.sampled_from(END_ACTIONS)),
                graduation_cohort=draw(st.sampled_from([None, None, SOURCE + 3])), **fields)

        # Enrollments already in the destination year (at most one a calendar).
        if destinations:
            for k, calendar in enumerate(draw(st.lists(st.sampled_from(destinations),
                                                       max_size=2, unique=True))):
                structure_id, _, grades = draw(st.sampled_from(layout[calendar][1]))
                district.enroll(f"P{s + 1}-{k + 1}", student, calendar,
                                draw(st.sampled_from(sorted(grades))), structure=structure_id,
                                service_type=draw(st.sampled_from(SERVICE_TYPES)))

    return Case(district, draw(_options(district, layout)), draw(_options(district, layout)))


# -- facts read from the district's rows ----------------------------------------------------------
def sequences(district: District) -> dict[tuple[str, str, str], int]:
    """(calendar, structure, grade) -> sequence."""
    return {(c, s, g): seq for c, s, g, seq, *_ in district.rows["grade_levels"]}


def source_enrollments(district: District) -> dict[str, tuple]:
    return {e[0]: e for e in district.rows["enrollments"]}


def calendar_years(district: District) -> dict[str, int]:
    return {c[0]: c[2] for c in district.rows["calendars"]}


def last_term_ends(district: District) -> dict[str, set[dt.date]]:
    """RF-2: calendar -> the last day of the last term of each term schedule of each structure."""
    owner = {s[0]: s[1] for s in district.rows["structures"]}
    ends: dict[tuple[str, str], dt.date] = {}
    for _term, structure, schedule, _name, _start, end in district.rows["terms"]:
        ends[structure, schedule] = max(end, ends.get((structure, schedule), end))
    by_calendar: dict[str, set[dt.date]] = defaultdict(set)
    for (structure, _schedule), end in ends.items():
        by_calendar[owner[structure]].add(end)
    return by_calendar


def preexisting(district: District) -> list[tuple]:
    years = calendar_years(district)
    return [e for e in district.rows["enrollments"] if years[e[2]] == DESTINATION]


# -- the store ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory) -> Path:
    """An empty, migrated SQLite store, copied for every example (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "rollover.db"
    open_engine(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, sqlite_template, postgres_url):
    """`with store() as engine:` an empty district store of this kind, fresh for each example."""
    kind = request.param
    if kind == "postgresql" and postgres_url is None:
        emptied_postgres(postgres_url)  # skips (or fails under CI)

    @contextmanager
    def fresh():
        with tempfile.TemporaryDirectory(prefix="forward-props-") as folder:
            if kind == "sqlite":
                shutil.copy(sqlite_template, Path(folder) / "rollover.db")
                url = f"sqlite:///{Path(folder) / 'rollover.db'}"
            else:
                url = emptied_postgres(postgres_url)
            engine = open_engine(url)
            try:
                yield engine
            finally:
                engine.dispose()

    fresh.kind = kind
    return fresh


def examples(store):
    """Few examples on a store; on PostgreSQL a failing example is reported as found, without
    minutes of shrinking (SQLite shrinks it quickly)."""
    phases = [p for p in Phase if store.kind == "sqlite" or p not in (Phase.shrink,
                                                                       Phase.explain)]
    return settings(max_examples=EXAMPLES[store.kind], deadline=None, phases=phases,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def load(engine, district: District) -> None:
    with tempfile.TemporaryDirectory(prefix="forward-bundle-") as folder:
        import_bundle(engine, district.write_bundle(Path(folder) / "bundle"))


@contextmanager
def loaded(store, district: District):
    """A fresh store of the kind with the district imported: (engine, its enrollments)."""
    with store() as engine:
        load(engine, district)
        yield engine, stored_enrollments(engine)


def run(engine, district: District, options: dict, *, test: bool):
    return roll_forward(engine, district.options(test=test, **options), user="props")


def stored_enrollments(engine) -> dict[str, tuple]:
    """Every stored enrollment: id -> (student, calendar, structure, grade, service type, start,
    end, local start status, cohort, rolled from)."""
    e = enrollments.c
    with engine.connect() as conn:
        return {row[0]: tuple(row[1:]) for row in conn.execute(select(
            e.enrollment_id, e.student_id, e.calendar_id, e.structure_id, e.grade,
            e.service_type, e.start_date, e.end_date, e.local_start_status,
            e.graduation_cohort, e.rolled_from))}


def entry(r) -> tuple:
    """A new enrollment as a run decided it, without the id only a real run gives."""
    return (r.student_id, r.source_enrollment_id, r.source_calendar_id, r.source_grade,
            r.calendar_id, r.structure_id, r.grade, r.start_date, r.service_type,
            r.local_start_status, r.graduation_cohort, r.last_day_ender, tuple(r.warnings))


def entries(report) -> list[tuple]:
    return [entry(r) for r in report.rolled]


def warnings_of(report) -> list[tuple]:
    return [(w.student_id, w.source_enrollment_id, w.code, w.message) for w in report.warnings]


# -- RF-24 --------------------------------------------------------------------------------------
def test_rf24_test_run_equals_real_run(store):
    """The test run and the real run decide the same new enrollments and warnings; the test run
    writes no enrollment, the real run writes exactly the ones it reports, and the stored run
    records say the same again."""

    @examples(store)
    @given(case=districts())
    def check(case: Case):
        with loaded(store, case.district) as (engine, before):
            test = run(engine, case.district, case.options, test=True)
            assert stored_enrollments(engine) == before, "a test run wrote enrollments"
            real = run(engine, case.district, case.options, test=False)
            after = stored_enrollments(engine)

            assert entries(real) == entries(test)
            assert warnings_of(real) == warnings_of(test)
            assert real.totals == test.totals
            assert (test.run.mode, real.run.mode) == ("test", "run")
            assert all(r.enrollment_id is None for r in test.rolled)

            # What the real run wrote is exactly what it reported, and nothing else changed.
            new = {k: v for k, v in after.items() if k not in before}
            assert {k: after[k] for k in before} == before
            assert new == {r.enrollment_id: (
                r.student_id, r.calendar_id, r.structure_id, r.grade, r.service_type,
                r.start_date, None, r.local_start_status, r.graduation_cohort,
                r.source_enrollment_id) for r in real.rolled}

            # The stored records of both runs read back as the same lists.
            for report in (test, real):
                stored = forward_report(engine, report.run.run_id)
                assert entries(stored) == entries(report)
                assert warnings_of(stored) == warnings_of(report)
                assert [r.enrollment_id for r in stored.rolled] == \
                    [r.enrollment_id for r in report.rolled]

    check()


def two_stored_primaries(first: str, second: str) -> Case:
    """A student who already has primary enrollments in two destination calendars (`first`,
    `second`: enrollments P1, P2) and whose source enrollment rolls into a third (RF-8):
    DUPLICATE_PRIMARY names one of the two."""
    d = District()
    for school in ("A", "B", "C"):
        d.school(school)
    d.calendar("A27", "A", SOURCE, ["01"])
    for school in ("A", "B", "C"):
        d.calendar(f"{school}28", school, DESTINATION, ["02"])
    d.student("S1")
    d.enroll("E1", "S1", "A27", "01")
    d.enroll("P1", "S1", first, "02")
    d.enroll("P2", "S1", second, "02")
    options = {"service_types": ("primary",), "include_last_day_enders": False,
               "allow_duplicate_primary": False}
    return Case(d, options, options)


def store_again_in_reverse_order(engine) -> None:
    """The same enrollments stored again in the reverse physical order, then ANALYZE: the data
    is the same (a table has no row order), only where the rows lie and what the query planner
    knows have changed, as after ordinary updates and an autovacuum between two runs."""
    with engine.begin() as conn:
        rows = [dict(row._mapping) for row in conn.execute(
            select(enrollments).order_by(enrollments.c.enrollment_id.desc()))]
        conn.execute(delete(enrollments))
        if rows:
            conn.execute(insert(enrollments), rows)
        conn.execute(text("ANALYZE"))


def test_rf24_test_run_equals_real_run_whatever_the_row_order(store):
    """RF-24 says "for the same data": a test run, the same rows stored again in another order,
    then the real run, decide the same new enrollments and the same warnings."""

    @examples(store)
    @example(case=two_stored_primaries("B28", "C28"))
    @example(case=two_stored_primaries("C28", "B28"))
    @given(case=districts())
    def check(case: Case):
        with store() as engine:
            load(engine, case.district)
            test = run(engine, case.district, case.options, test=True)
            store_again_in_reverse_order(engine)
            real = run(engine, case.district, case.options, test=False)
            assert entries(real) == entries(test)
            assert warnings_of(real) == warnings_of(test)

    check()


def test_rf24_plan_in_memory_equals_store_test_run(store):
    """The in-memory plan (`District.plan`, the builder) and the store's test run (the loader)
    decide alike: the two ways of building the snapshot agree."""

    @examples(store)
    @example(case=two_stored_primaries("B28", "C28"))
    @example(case=two_stored_primaries("C28", "B28"))
    @given(case=districts())
    def check(case: Case):
        plan = case.district.plan(**case.options)
        with store() as engine:
            load(engine, case.district)
            test = run(engine, case.district, case.options, test=True)
        assert entries(test) == entries(plan)
        assert [r.rule for r in test.rolled] == [r.rule for r in plan.rolled]
        assert warnings_of(test) == warnings_of(plan)
        assert test.totals == plan.totals

    check()


# -- RF-25: the run's totals per calendar and grade -----------------------------------------------
def kept_totals(engine, run_id: str) -> dict[str, Counter]:
    t = run_grade_totals.c
    with engine.connect() as conn:
        rows = conn.execute(select(t.side, t.calendar_id, t.grade, t.count)
                            .where(t.run_id == run_id)).all()
    kept = {"source": Counter(), "destination": Counter()}
    for side, calendar_id, grade, count in rows:
        kept[side][calendar_id, grade] = count
    return kept


def test_rf25_totals_count_each_decided_enrollment_once_where_it_was_and_each_new_one_where_it_goes(
        store):
    """The totals kept with a run (its results' "this year" and "next year") are its report
    counted: every source enrollment it decided once, in its calendar and grade, rolled (once,
    however many calendars it went to) or not (once, however many warnings name it); every new
    enrollment once where it goes."""

    @examples(store)
    @given(case=districts())
    def check(case: Case):
        with loaded(store, case.district) as (engine, before):
            for test in (True, False):
                report = run(engine, case.district, case.options, test=test)
                where: dict[str, tuple[str, str]] = {}
                for r in report.rolled:
                    where[r.source_enrollment_id] = (r.source_calendar_id, r.source_grade)
                for w in report.warnings:
                    if w.source_enrollment_id not in where:
                        _student, calendar_id, _structure, grade, *_ = before[
                            w.source_enrollment_id]
                        where[w.source_enrollment_id] = (calendar_id, grade)
                assert kept_totals(engine, report.run.run_id) == {
                    "source": Counter(where.values()),
                    "destination": Counter((r.calendar_id, r.grade) for r in report.rolled)}

    check()


# -- RF-21 --------------------------------------------------------------------------------------
def test_rf21_second_identical_real_run_creates_nothing(store):
    @examples(store)
    @given(case=districts())
    def check(case: Case):
        with store() as engine:
            load(engine, case.district)
            first = run(engine, case.district, case.options, test=False)
            after_first = stored_enrollments(engine)
            second = run(engine, case.district, case.options, test=False)
            assert second.rolled == []
            assert second.totals["rolled"] == 0
            assert stored_enrollments(engine) == after_first
            # Every source enrollment that rolled the first time is told it is already enrolled.
            already = {w.source_enrollment_id for w in second.warnings
                       if w.code == "ALREADY_ENROLLED"}
            assert {r.source_enrollment_id for r in first.rolled} <= already

    check()


def test_rf21_no_student_gets_two_enrollments_in_one_destination_calendar(store):
    """Counting the enrollments already there, after a real run and then a real run with other
    options (other service types, last-day enders, duplicate primaries …)."""

    @examples(store)
    @given(case=districts())
    def check(case: Case):
        with store() as engine:
            load(engine, case.district)
            for options in (case.options, case.other_options):
                run(engine, case.district, options, test=False)
                e, c = enrollments.c, calendars.c
                with engine.connect() as conn:
                    pairs = [tuple(row) for row in conn.execute(
                        select(e.student_id, e.calendar_id)
                        .join_from(enrollments, calendars, e.calendar_id == c.calendar_id)
                        .where(c.school_year == DESTINATION))]
                twice = sorted({p for p in pairs if pairs.count(p) > 1})
                assert twice == [], f"students with two enrollments in one calendar: {twice}"

    check()


# -- RF-22 --------------------------------------------------------------------------------------
def test_rf22_no_new_primary_beside_an_existing_one(store):
    """Without *allow duplicate primary enrollments*: a student with a primary enrollment in the
    destination year before the run gets no new primary enrollment, and no student gets primary
    enrollments rolled from two different source enrollments."""

    @examples(store)
    @given(case=districts().filter(lambda c: not c.options["allow_duplicate_primary"]))
    def check(case: Case):
        had_primary = {e[1] for e in preexisting(case.district) if e[5] == "primary"}
        with store() as engine:
            load(engine, case.district)
            before = stored_enrollments(engine)
            report = run(engine, case.district, case.options, test=False)
            new = {k: v for k, v in stored_enrollments(engine).items() if k not in before}
        new_primaries = [v for v in new.values() if v[4] == "primary"]
        assert sorted({v[0] for v in new_primaries} & had_primary) == []
        sources: dict[str, set[str]] = defaultdict(set)
        for student, *_rest, rolled_from in new_primaries:
            sources[student].add(rolled_from)
        assert {s: sorted(ids) for s, ids in sources.items() if len(ids) > 1} == {}
        assert len(new) == len(report.rolled)

    check()


# -- RF-2 and RF-4, on the in-memory plan (proved equal to the store's runs above) -----------------
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=districts())
def test_rf2_dropped_enrollments_never_roll(case: Case):
    """An ended enrollment rolls only when it ends on the last day of the last term of a term
    schedule of its calendar and *include last-day enders* is on (and is then marked); every
    other ended enrollment neither rolls nor is warned about."""
    district, options = case.district, case.options
    plan = district.plan(**options)
    source = source_enrollments(district)
    ends = last_term_ends(district)
    include = options["include_last_day_enders"]

    def may_roll(enrollment_id: str) -> bool:
        e = source[enrollment_id]
        return e[7] is None or (include and e[7] in ends[e[2]])

    for r in plan.rolled:
        end = source[r.source_enrollment_id][7]
        assert may_roll(r.source_enrollment_id), (
            f"{r.source_enrollment_id} ended {end} and rolled (last days of its calendar: "
            f"{sorted(ends[source[r.source_enrollment_id][2]])}, last-day enders {include})")
        assert r.last_day_ender == (end is not None)
    warned = [(w.source_enrollment_id, w.code) for w in plan.warnings
              if not may_roll(w.source_enrollment_id)]
    assert warned == [], "a dropped enrollment was warned about"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=districts())
def test_rf4_new_grade_has_the_target_sequence(case: Case):
    """Promoted (or no end action): sequence + 1; retained: the same; demoted: − 1; unless the
    enrollment's next grade (RF-6) or the destination grade for a promoted student (RF-7) names
    the grade.  Decision (docs/roll-forward.md): an ungraded level (sequence 0) targets 0."""
    district, options = case.district, case.options
    plan = district.plan(**options)
    source = source_enrollments(district)
    sequence = sequences(district)
    years = calendar_years(district)
    step = {"promote": 1, "retain": 0, "demote": -1}
    for r in plan.rolled:
        e = source[r.source_enrollment_id]
        calendar, structure, grade, action = e[2], e[3], e[4], e[9] or "promote"
        assert years[r.calendar_id] == DESTINATION
        if options.get("dest_calendar"):
            assert r.calendar_id == options["dest_calendar"]
            if action == "promote" and options.get("dest_grade"):
                assert r.grade == options["dest_grade"]
                continue
        elif e[10] is not None:  # RF-6: the next calendar (and next grade) decide
            assert r.calendar_id == e[10]
            if e[12] is not None:
                assert r.grade == e[12]
                continue
        was = sequence[calendar, structure, grade]
        target = 0 if was == 0 else was + step[action]
        assert sequence[r.calendar_id, r.structure_id, r.grade] == target, (
            f"{r.source_enrollment_id}: grade {grade} (sequence {was}), {action} -> "
            f"{r.calendar_id}/{r.structure_id}/{r.grade}")

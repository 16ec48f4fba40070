"""The registration module's new enrollments numbered and written by the database
(store/new_enrollments.py, docs/performance.md "The second path"): its report, new enrollments,
staff rows and undo log are, row for row, what the pure rules' plan written from Python would
be, over random districts on SQLite and PostgreSQL; a Run Test writes the same report unnamed;
the run is undone exactly and shows no later edit.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from rollover.services.forward import calendars_of_year, decide, enrollment_step
from rollover.services.modules import ModuleContext, ModuleRefused
from rollover.services.modules import registration
from rollover.domain.forward.options import OptionError
from rollover.store.run_changes import later_edits, restore_runs
from rollover.store.schema import enrollments, run_rolled, runs
from rollover.store.schema_modules import enrollment_staff
from rollover.store.schema_process import run_backup_rows
from rollover.store.snapshot import load_catalog
from rollover.store.undo_log import encode_row

from .districts import District, run_module, stored_rows
from .test_forward_common_case import common_case_districts, school_a
from .test_forward_properties import (  # noqa: F401 (fixtures)
    examples, load, one_in, sqlite_template, store,
)

YEAR = 2027
RUN = "registration-t"


def module_options(options: dict) -> dict:
    """The registration module's parsed options for a random case's roll forward options."""
    parsed = {"service_types": list(options["service_types"]),
              "allow_duplicate_primary": options.get("allow_duplicate_primary", False),
              "include_last_day_enders": options.get("include_last_day_enders", False)}
    if options.get("start_date"):
        parsed["start_date"] = options["start_date"].isoformat()
    if options.get("local_start_status"):
        parsed["local_start_status"] = options["local_start_status"]
    return parsed


def expected(engine, parsed: dict, run_id: str, *, test: bool):
    """What the pure rules alone decide, as the rows Python's writer would write: the report,
    the new enrollments, their staff rows (next year's homeroom and counselor of the source);
    or the refusal's message."""
    with engine.connect() as conn:
        ctx = ModuleContext(conn, YEAR, parsed, run_id=run_id, test=test)
        try:
            options = registration.forward_options(
                ctx, calendars_of_year(load_catalog(conn), YEAR))
            plan = decide(conn, options, with_students=False, second_path=False).plan
        except OptionError as refused:
            return str(refused)
        s = enrollment_staff.c
        staff = {row[0]: row[1:] for row in conn.execute(
            select(s.enrollment_id, s.next_homeroom, s.next_counselor)
            .where((s.next_homeroom.is_not(None)) | (s.next_counselor.is_not(None))))}
    step = enrollment_step(run_id, plan.rolled, test=test)
    report = [(seq, r.student_id, r.source_enrollment_id, r.enrollment_id, r.source_calendar_id,
               r.source_grade, r.calendar_id, r.structure_id, r.grade, r.start_date,
               r.service_type, r.local_start_status, r.graduation_cohort, r.last_day_ender,
               " ".join(r.warnings), r.rule)
              for seq, r in enumerate(plan.rolled, start=1)]
    new_rows = [after for _school, _before, after in step.rows]
    staff_rows = [(r.enrollment_id, *staff[r.source_enrollment_id], None, None)
                  for r in plan.rolled if r.source_enrollment_id in staff]
    return report, new_rows, staff_rows, plan.totals, plan.by_common_case


def stored_report(engine, run_id: str) -> list[tuple]:
    r = run_rolled.c
    with engine.connect() as conn:
        return [tuple(row)[1:] for row in conn.execute(
            select(*run_rolled.c).where(r.run_id == run_id).order_by(r.seq))]


def written(engine, run_id: str):
    """The run's new enrollments and staff rows as stored, in their order, and its undo log's
    rows after, decoded."""
    e, s, b = enrollments.c, enrollment_staff.c, run_backup_rows.c
    with engine.connect() as conn:
        new = [tuple(row) for row in conn.execute(
            select(enrollments).where(e.enrollment_id.like(f"{run_id}-%"))
            .order_by(e.enrollment_id))]
        staff = [tuple(row) for row in conn.execute(
            select(enrollment_staff).where(s.enrollment_id.like(f"{run_id}-%"))
            .order_by(s.enrollment_id))]
        saved = [(table, key, json.loads(after)) for table, key, after in conn.execute(
            select(b.table_name, b.row_key, b.after).where(b.run_id == run_id)
            .order_by(b.seq))]
    return new, staff, saved


def as_saved(table: str, row: tuple) -> tuple:
    """A row as the undo log holds it, decoded (dates as ISO text)."""
    return table, row[0], json.loads(encode_row(row))


@st.composite
def registration_districts(draw):
    """The common case's random districts, with:
    - next year's homeroom or counselor on some source enrollments (one spelled outside ASCII:
      the database writes such text as itself);
    - often a grade of next year's calendars at state grade 09 and source enrollments with a
      graduation cohort of their own (RF-20: the source's cohort, else next year + 3 entering
      09)."""
    case = draw(common_case_districts())
    district: District = case.district
    rows = district.rows
    staff = []
    for row in rows["enrollments"]:
        if one_in(3, draw):
            homeroom = draw(st.sampled_from([None, "101", "Salle 4é"]))
            counselor = draw(st.sampled_from([None, "C1"])) if homeroom else "C2"
            staff.append((row[0], None, None, homeroom, counselor))
    rows["enrollment_staff"] = staff
    if not one_in(5, draw):  # the grade most students go into, at state grade 09 next year
        grades = Counter(e[4] for e in rows["enrollments"] if e[4].isdigit())
        if grades:
            ninth = f"{int(grades.most_common(1)[0][0]) + 1:02d}"
            next_year = {c[0] for c in rows["calendars"] if c[2] == YEAR + 1}
            rows["grade_levels"] = [
                (*g[:4], "09", g[5]) if g[0] in next_year and g[2] == ninth else g
                for g in rows["grade_levels"]]
    rows["enrollments"] = [
        (*e[:14], draw(st.sampled_from([2029, 2030])), e[15]) if one_in(3, draw) else e
        for e in rows["enrollments"]]
    return case


# Examples per store kind; each runs the module's Run Test and Run, then undoes the Run.
PROOF_EXAMPLES = {"sqlite": 100, "postgresql": 20}


def written_as_the_pure_rules(engine, parsed: dict) -> dict | None:
    """Run the module's Run Test and Run on the stored district, compare what they wrote with
    `expected`, then undo the Run; what the run held (for the proof's coverage), or None when
    the module refused, as the pure rules do (or the readiness check, YE-11)."""
    before = stored_rows(engine)
    pure_test = expected(engine, parsed, RUN + "0", test=True)
    pure = expected(engine, parsed, RUN, test=False)
    try:
        with engine.begin() as conn:  # the Run Test: its report only
            conn.execute(registration_run(RUN + "0", "test"))
            tested = registration.plan(ModuleContext(conn, YEAR, parsed, run_id=RUN + "0",
                                                     test=True))
            for done in tested.after_applying:
                done()
    except ModuleRefused as refused:
        assert not isinstance(pure, str) or pure in str(refused) or "rollover check" in str(
            refused)
        return None
    report, new_rows, staff_rows, totals, _none_picked = pure
    assert stored_report(engine, RUN + "0") == pure_test[0]
    assert tested.summary == totals
    ran = run_module(engine, registration.MODULE, YEAR, parsed, run_id=RUN)
    assert ran.summary == totals
    assert stored_report(engine, RUN) == report
    new, staff, saved = written(engine, RUN)
    assert new == new_rows
    assert staff == staff_rows
    assert saved == ([as_saved("enrollments", row) for row in new_rows]
                     + [as_saved("enrollment_staff", row) for row in staff_rows])
    assert ran.changes_by_table_and_school() == tested.changes_by_table_and_school()
    with engine.connect() as conn:
        assert later_edits(conn, [RUN]) == []
    with engine.begin() as conn:
        restore_runs(conn, [RUN])
    assert stored_rows(engine) == before
    with engine.connect() as conn:
        both = decide(conn, registration.forward_options(
            ModuleContext(conn, YEAR, parsed, run_id=RUN),
            calendars_of_year(load_catalog(conn), YEAR)), with_students=False).plan
    return {"report": report, "staff": staff_rows, "picked": both.by_common_case}


def test_rf8_rf20_registration_writes_a_small_district_as_the_pure_rules_would(engine, tmp_path):
    d = school_a()
    # Staff rows on the first new enrollment and the third, not the second: their order in the
    # undo log has a gap to close.
    d.rows["enrollment_staff"] = [("E1", None, None, "Salle 4é", "C1"), ("E4", None, None, None,
                                                                        "C2")]
    d.rows["grade_levels"] = [(*g[:4], "09", g[5]) if g[0] == "A28" and g[2] == "02" else g
                              for g in d.rows["grade_levels"]]
    d.rows["enrollments"] = [(*e[:14], 2029, e[15]) if e[0] == "E8" else e
                             for e in d.rows["enrollments"]]
    d.load(engine, tmp_path / "bundle")
    held = written_as_the_pure_rules(engine, {"service_types": ["primary"]})
    # S1, S5 (its partial enrollment is no candidate) and S8 are the common case's; S3
    # (retained) and S4 (a next calendar) the pure rules'.
    assert held["picked"] == 3
    assert [(r[1], r[8], r[12]) for r in held["report"]] == [
        ("S1", "02", 2031), ("S3", "02", 2031), ("S4", "03", None), ("S5", "02", 2031),
        ("S8", "03", 2029)]
    assert [row[1:3] for row in held["staff"]] == [("Salle 4é", "C1"), (None, "C2")]


@pytest.mark.slow
def test_rf8_rf25_ye8_registration_writes_the_rows_of_the_pure_rules(store):
    seen = {"examples": 0, "ran": 0, "picked": 0, "mixed": 0, "staff": 0,
            "own cohort": 0, "cohort given": 0}

    @settings(examples(store), max_examples=PROOF_EXAMPLES[store.kind])
    @given(case=registration_districts())
    def check(case):
        seen["examples"] += 1
        with store() as engine:
            load(engine, case.district)
            held = written_as_the_pure_rules(engine, module_options(case.options))
        if held is None:
            return
        seen["ran"] += 1
        report = held["report"]
        if held["picked"]:
            seen["picked"] += 1
            seen["mixed"] += len(report) > held["picked"]
        seen["staff"] += bool(held["staff"])
        # RF-20 both ways: a cohort of the source's own, and one given entering 09 (next
        # year + 3).
        cohorts = {r[12] for r in report}
        seen["own cohort"] += bool({2029, 2030} & cohorts)
        seen["cohort given"] += YEAR + 4 in cohorts

    check()
    # The database's part was exercised: many runs had common-case enrollments, some beside
    # the pure rules' own, some with staff rows and cohorts both ways (about twice these shares
    # were seen on SQLite).
    assert seen["ran"] >= seen["examples"] // 3, seen
    assert seen["picked"] >= seen["ran"] // 4, seen
    assert seen["mixed"] >= seen["ran"] // 10, seen
    assert seen["staff"] >= seen["ran"] // 4, seen
    assert seen["own cohort"] >= seen["ran"] // 4, seen
    assert seen["cohort given"] >= seen["ran"] // 20, seen


def registration_run(run_id: str, mode: str):
    """The run record a module's run writes first (its report's rows name it)."""
    return runs.insert().values(
        run_id=run_id, kind="module:registration", mode=mode, user_name=None,
        started_at=dt.datetime.now(dt.timezone.utc), status="completed", options={},
        counts={})

"""Every module run is backed up and can be restored exactly (year-end.md YE-8, YE-9; YE-11..YE-14
and the remaining modules as far as a restore must undo them).

The district is the demo district (300 students, `rollover.services.demo`) with module data added
on top (the demo has none): homerooms and counselors with next year's, courses, sections,
requests and schedules (one next-year course already requested by a graduate), grading periods,
mark types and marks, success plans, attendance codes, a retained and a demoted student, and a
new school with only a 2026-27 calendar, so every module has something to change.

"Every table" is every bundle and module table (store/schema.py BUNDLE_TABLES and
store/schema_modules.py MODULE_TABLES), compared as sorted rows; "nothing written" compares every
table of the store.  Every test runs on SQLite and PostgreSQL, through the command line run
in-process (tests/security_setup.py).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import select, update

from rollover.services.demo import load_demo
from rollover.store.schema import (
    calendars, days, enrollments, grade_levels, metadata, schools, structures, terms,
)
from rollover.store.schema_modules import (
    attendance_codes, course_requests, courses, enrollment_staff, grading_periods, mark_types,
    plan_goals, sections, student_marks, student_schedules, success_plans,
)
from rollover.store.schema_process import run_backup_rows

from .districts import stored_rows
from .process_setup import as_json, cli, every_row, last_line, ok, prepare, run
from .tables import table_rows

D = dt.date.fromisoformat
YEAR, NEXT = 2027, 2028
STUDENTS = 300
SEQUENCE = {"UG": 0, "PK": 1, "KG": 2, **{f"{n:02d}": n + 2 for n in range(1, 13)}}
GRADE_OF = {s: g for g, s in SEQUENCE.items()}
AFTER_REGISTRATION = ["registration", "scheduling", "mark_reporting", "success_plan",
                      "attendance_codes", "programs"]
NEW_SCHOOL = "NEW0001"
PREP = "T-2028-HIG0001-PREP"  # a next-year course requested before the roll


# -- the district ---------------------------------------------------------------------------------
def _active(conn) -> list:
    """This year's active primary enrollments without next-year fields, by id."""
    e, c = enrollments.c, calendars.c
    return conn.execute(
        select(e.enrollment_id, e.student_id, e.calendar_id, e.grade, c.school_id)
        .join(calendars, c.calendar_id == e.calendar_id)
        .where(c.school_year == YEAR, e.end_date.is_(None), e.service_type == "primary",
               e.next_calendar_id.is_(None), e.end_action.is_(None), e.grade != "UG")
        .order_by(e.enrollment_id)).all()


def add_module_data(engine) -> dict:
    """Module rows of the test's own (ids starting "T-") on top of the demo district's; the ids
    the tests look at."""
    chosen: dict = {}
    with engine.begin() as conn:
        active = _active(conn)
        students_seen: set[str] = set()
        unique = []
        for row in active:  # one enrollment per student
            if row.student_id not in students_seen:
                students_seen.add(row.student_id)
                unique.append(row)
        elementary = [r for r in unique if r.grade in ("01", "02", "03", "04")]
        middle = [r for r in unique if r.grade == "07"]
        high = [r for r in unique if r.school_id == "HIG0001"]
        seniors = [r for r in high if r.grade == "12"]
        juniors = [r for r in high if r.grade == "11"]
        assert len(elementary) > 20 and middle and seniors and juniors

        # YE-11: a retained and a demoted student.
        chosen["retained"], chosen["demoted"] = elementary[0], middle[0]
        conn.execute(update(enrollments).where(
            enrollments.c.enrollment_id == elementary[0].enrollment_id).values(end_action="retain"))
        conn.execute(update(enrollments).where(
            enrollments.c.enrollment_id == middle[0].enrollment_id).values(end_action="demote"))

        # YE-11: homerooms and counselors; some with next year's, some without (replacing the
        # demo's rows of those enrollments, if it has any).
        staff = []
        with_next, without_next = elementary[1:9], elementary[9:13]
        for i, r in enumerate(with_next):
            staff.append({"enrollment_id": r.enrollment_id, "homeroom": f"T-R{i}",
                          "counselor": "T-Ames", "next_homeroom": f"T-R{i + 1}" if i else None,
                          "next_counselor": f"T-Best {i}"})
        for i, r in enumerate(without_next):
            staff.append({"enrollment_id": r.enrollment_id, "homeroom": f"T-R{i}",
                          "counselor": "T-Ames", "next_homeroom": None,
                          "next_counselor": None})
        conn.execute(enrollment_staff.delete().where(enrollment_staff.c.enrollment_id.in_(
            [row["enrollment_id"] for row in staff])))
        conn.execute(enrollment_staff.insert(), staff)
        chosen["with_next"] = [r.enrollment_id for r in with_next]
        chosen["without_next"] = [r.enrollment_id for r in without_next]

        # YE-12: courses of every 2026-27 calendar, and requests and schedules.
        year_calendars = sorted(conn.execute(select(calendars.c.calendar_id).where(
            calendars.c.school_year == YEAR)).scalars())
        chosen["calendars"] = year_calendars
        conn.execute(courses.insert(), [
            {"course_id": f"T-{cal}-{number}", "calendar_id": cal, "number": f"T-{number}",
             "name": name} for cal in year_calendars
            for number, name in (("ENG", "English"), ("MATH", "Mathematics"))])
        conn.execute(sections.insert(), [
            {"section_id": f"T-{cal}-{number}-{s}", "course_id": f"T-{cal}-{number}",
             "number": str(s), "teacher": f"Teacher {s}", "room": f"{100 + s}",
             "capacity": 25 + s} for cal in year_calendars for number in ("ENG", "MATH")
            for s in (1, 2)])
        scheduled = elementary[:6] + juniors[:2]
        conn.execute(course_requests.insert(), [
            {"student_id": r.student_id, "course_id": f"T-{r.calendar_id}-MATH"}
            for r in scheduled])
        conn.execute(student_schedules.insert(), [
            {"student_id": r.student_id, "section_id": f"T-{r.calendar_id}-MATH-1",
             "start_date": D("2026-08-26"), "end_date": None} for r in scheduled])
        # A next-year course requested by a graduating senior (not rolled: deleted by the
        # scheduling module) and a junior (rolled: kept).
        graduate, junior = seniors[0], juniors[0]
        chosen["graduate"], chosen["junior"] = graduate, junior
        conn.execute(courses.insert().values(course_id=PREP, calendar_id="2028-HIG0001",
                                             number="T-PREP", name="College prep"))
        conn.execute(sections.insert().values(section_id=f"{PREP}-1", course_id=PREP,
                                              number="1", teacher=None, room=None,
                                              capacity=None))
        for r in (graduate, junior):
            conn.execute(course_requests.insert().values(student_id=r.student_id,
                                                         course_id=PREP))
            conn.execute(student_schedules.insert().values(
                student_id=r.student_id, section_id=f"{PREP}-1",
                start_date=D("2027-08-19"), end_date=None))

        # YE-13: grading periods, mark types and marks.
        conn.execute(grading_periods.insert(), [
            {"grading_period_id": f"T-{cal}-{name}", "calendar_id": cal, "name": f"T-{name}",
             "sequence": 10 + seq, "start_date": start, "end_date": end}
            for cal in year_calendars for seq, (name, start, end) in enumerate(
                (("S1", D("2026-08-26"), D("2027-01-15")),
                 ("S2", D("2027-01-18"), D("2027-06-04"))), start=1)])
        conn.execute(mark_types.insert(), [
            {"mark_type_id": f"T-{cal}-LTR", "calendar_id": cal, "code": "T-LTR",
             "name": "Letter grade"} for cal in year_calendars])
        conn.execute(student_marks.insert(), [
            {"student_id": r.student_id, "section_id": f"T-{r.calendar_id}-MATH-1",
             "grading_period_id": f"T-{r.calendar_id}-S1",
             "mark_type_id": f"T-{r.calendar_id}-LTR", "mark": "B"} for r in scheduled])

        # YE-14: an open plan of a rolled student, a closed one, an open one of a graduate.
        conn.execute(success_plans.insert(), [
            {"plan_id": "T-OPEN", "student_id": elementary[1].student_id, "school_year": YEAR,
             "status": "open", "title": "Reading", "carried_from": None},
            {"plan_id": "T-CLOSED", "student_id": elementary[2].student_id,
             "school_year": YEAR, "status": "closed", "title": "Math", "carried_from": None},
            {"plan_id": "T-GRAD", "student_id": graduate.student_id, "school_year": YEAR,
             "status": "open", "title": "Attendance", "carried_from": None}])
        conn.execute(plan_goals.insert(), [
            {"goal_id": "T-G-1", "plan_id": "T-OPEN", "description": "Read 20 books",
             "progress": "12 so far"},
            {"goal_id": "T-G-2", "plan_id": "T-OPEN", "description": "Reading log",
             "progress": None},
            {"goal_id": "T-G-3", "plan_id": "T-CLOSED", "description": "Fractions",
             "progress": "done"}])

        conn.execute(attendance_codes.insert(), [
            {"school_year": YEAR, "code": code, "name": name, "excused": excused}
            for code, name, excused in (("T-A", "Absent", False), ("T-E", "Excused", True),
                                        ("T-T", "Tardy", None))])

        # YE-10: a new school with only this year's calendar.
        cal, structure = f"{YEAR}-{NEW_SCHOOL}", f"{YEAR}-{NEW_SCHOOL}-1"
        conn.execute(schools.insert().values(school_id=NEW_SCHOOL, name="New Tech Academy",
                                             next_school_id=None))
        conn.execute(calendars.insert().values(
            calendar_id=cal, school_id=NEW_SCHOOL, school_year=YEAR,
            name="2026-27 New Tech Academy", start_date=D("2026-08-24"),
            end_date=D("2027-06-04"), requires_student_assignment=False))
        conn.execute(structures.insert().values(structure_id=structure, calendar_id=cal,
                                                name="Main"))
        conn.execute(terms.insert(), [
            {"term_id": f"{structure}-S1", "structure_id": structure,
             "term_schedule": "Semesters", "name": "Semester 1", "start_date": D("2026-08-26"),
             "end_date": D("2027-01-15")},
            {"term_id": f"{structure}-S2", "structure_id": structure,
             "term_schedule": "Semesters", "name": "Semester 2", "start_date": D("2027-01-18"),
             "end_date": D("2027-06-04")}])
        conn.execute(grade_levels.insert(), [
            {"calendar_id": cal, "structure_id": structure, "grade": g, "sequence": SEQUENCE[g],
             "state_grade": g, "requires_student_assignment": False}
            for g in ("09", "10", "11", "12")])
        conn.execute(days.insert().values(calendar_id=cal, date=D("2026-08-26"),
                                          instructional=True))
    return chosen


@pytest.fixture
def demo(engine, tmp_path):
    load_demo(engine, students=STUDENTS, seed=5)
    return add_module_data(engine)


# -- helpers --------------------------------------------------------------------------------------
def restore(db_url, module: str, run_id: str, *args: str) -> dict:
    return as_json(cli(db_url, "process", "restore", module, run_id, "--json", *args))


def by_key(engine, table: str, rows: list[tuple]) -> dict[tuple, tuple]:
    positions = [i for i, c in enumerate(metadata.tables[table].columns) if c.primary_key]
    return {tuple(r[i] for i in positions): r for r in rows}


def diff(engine, before: dict, after: dict) -> dict[str, dict[str, dict]]:
    """Per table: the rows inserted, updated (new version) and deleted (old version), by key."""
    found = {}
    for table in before:
        old, new = by_key(engine, table, before[table]), by_key(engine, table, after[table])
        changes = {"inserted": {k: v for k, v in new.items() if k not in old},
                   "deleted": {k: v for k, v in old.items() if k not in new},
                   "updated": {k: v for k, v in new.items() if k in old and old[k] != v}}
        if any(changes.values()):
            found[table] = changes
    return found


def new_enrollments(before: dict, after: dict) -> list[tuple]:
    return sorted(set(after["enrollments"]) - set(before["enrollments"]))


COLUMN = {name: i for i, name in enumerate(c.name for c in enrollments.columns)}


def module_statuses(db_url, module: str) -> dict[str, str]:
    return {r["run_id"]: r["status"]
            for r in as_json(cli(db_url, "process", "restore", module, "--json"))}


# -- YE-9: restore -------------------------------------------------------------------------------
def test_ye9_restoring_registration_puts_every_table_back_row_for_row(engine, db_url, demo,
                                                                      tmp_path):
    original = stored_rows(engine)
    prepare(db_url, tmp_path)
    assert stored_rows(engine) == original  # preparing changes no district data
    calendar = run(db_url, "calendar")
    before_registration = stored_rows(engine)
    made = diff(engine, original, before_registration)
    assert set(made) == {"calendars", "structures", "terms", "grade_levels", "days"}
    assert [k for k in made["calendars"]["inserted"]] and all(
        row[1] == NEW_SCHOOL and row[2] == NEXT for row in made["calendars"]["inserted"].values())

    ran = {module: run(db_url, module) for module in AFTER_REGISTRATION}
    after = stored_rows(engine)
    changed = diff(engine, before_registration, after)
    # Every module really changed the district.
    assert set(changed) == {"enrollments", "enrollment_staff", "courses", "sections",
                            "course_requests", "student_schedules", "grading_periods",
                            "mark_types", "success_plans", "plan_goals", "attendance_codes",
                            "program_participations"}
    for module, result in ran.items():
        totals = result["totals"]
        assert totals["rows_inserted"] + totals["rows_updated"] + totals["rows_deleted"] > 0, \
            module

    # YE-11: new enrollments, next year's homeroom and counselor, no retain/demote carried.
    new = new_enrollments(before_registration, after)
    assert len(new) == ran["registration"]["totals"]["rolled"] > 200
    assert {row[COLUMN["end_action"]] for row in new} == {None}
    from_source = {row[COLUMN["rolled_from"]]: row for row in new}
    retained, demoted = demo["retained"], demo["demoted"]
    assert from_source[retained.enrollment_id][COLUMN["grade"]] == retained.grade
    assert from_source[demoted.enrollment_id][COLUMN["grade"]] == \
        GRADE_OF[SEQUENCE[demoted.grade] - 1]
    staff = {row[0]: row for row in after["enrollment_staff"]}
    source_staff = {row[0]: row for row in before_registration["enrollment_staff"]}
    with_next = {e for e, row in source_staff.items() if row[3] is not None or row[4] is not None}
    assert set(demo["with_next"]) <= with_next and not set(demo["without_next"]) & with_next
    for source, new_row in from_source.items():
        new_id = new_row[0]
        if source in with_next:
            assert staff[new_id] == (new_id, source_staff[source][3], source_staff[source][4],
                                     None, None), source
        else:
            assert new_id not in staff, source
    assert set(demo["with_next"]) <= set(from_source)
    assert len(changed["enrollment_staff"]["inserted"]) == len(with_next & set(from_source))
    assert not changed["enrollment_staff"]["updated"] and not changed["enrollment_staff"][
        "deleted"]
    # YE-12: the master schedule copied; the graduate's next-year request and schedule deleted.
    next_courses = {(r[1], r[2]) for r in after["courses"] if r[1].startswith(f"{NEXT}-")}
    for calendar_id in demo["calendars"]:
        assert {(f"{NEXT}{calendar_id[4:]}", "T-ENG"),
                (f"{NEXT}{calendar_id[4:]}", "T-MATH")} <= next_courses, calendar_id
    assert [r[0] for r in after["course_requests"] if r[1] == PREP] == [demo["junior"].student_id]
    assert (demo["graduate"].student_id, PREP) in changed["course_requests"]["deleted"]
    assert (demo["graduate"].student_id, f"{PREP}-1") in changed["student_schedules"]["deleted"]
    assert not changed["course_requests"]["inserted"]
    # YE-13: grading periods and mark types copied, marks not.
    assert "student_marks" not in changed
    copied = {(r[1], r[2]) for r in changed["grading_periods"]["inserted"].values()}
    copied |= {(r[1], r[2]) for r in changed["mark_types"]["inserted"].values()}
    for calendar_id in demo["calendars"]:
        next_calendar = f"{NEXT}{calendar_id[4:]}"
        assert {(next_calendar, "T-S1"), (next_calendar, "T-S2"),
                (next_calendar, "T-LTR")} <= copied, calendar_id
    # YE-14: open plans of rolled students carried, goals' progress cleared; closed plans and
    # the graduate's stay behind.
    carried = {r[5]: r for r in changed["success_plans"]["inserted"].values()}
    assert "T-OPEN" in carried and not {"T-CLOSED", "T-GRAD"} & set(carried)
    plans = {r[0]: r for r in after["success_plans"]}
    for source, row in carried.items():
        assert plans[source][3] == "open" and plans[source][2] == YEAR
        assert (row[1], row[2], row[3], row[4]) == (plans[source][1], NEXT, "open",
                                                    plans[source][4])
    new_goals = changed["plan_goals"]["inserted"].values()
    assert {r[3] for r in new_goals} == {None}
    assert sorted(r[2] for r in new_goals if r[1] == carried["T-OPEN"][0]) == [
        "Read 20 books", "Reading log"]
    # The remaining modules: codes copied; non-continuous participations closed and reopened.
    assert {"T-A", "T-E", "T-T"} <= {k[1] for k in changed["attendance_codes"]["inserted"]}
    assert changed["program_participations"]["updated"]
    assert changed["program_participations"]["inserted"]

    # Restore registration: it and every later run of the modules after it, newest first.
    restored = restore(db_url, "registration", ran["registration"]["run_id"])
    expected_order = [ran[m]["run_id"] for m in reversed(AFTER_REGISTRATION)]
    assert restored["restored_runs"] == expected_order
    assert stored_rows(engine) == before_registration
    for module in AFTER_REGISTRATION:
        assert module_statuses(db_url, module) == {ran[module]["run_id"]: "restored"}
    tasks = {t["run_id"]: t for t in as_json(cli(db_url, "tasks", "--json"))}
    for module in AFTER_REGISTRATION:
        assert tasks[ran[module]["run_id"]]["restored_by"] == restored["run_id"]
    assert tasks[calendar["run_id"]]["status"] == "completed"

    # Registration again: the same new enrollments.
    again = run(db_url, "registration")
    with_registration = stored_rows(engine)
    assert len(new_enrollments(before_registration, with_registration)) == len(new)
    assert again["totals"]["rows_inserted"] == ran["registration"]["totals"]["rows_inserted"]

    # Restoring scheduling alone leaves registration's rows in place.
    scheduling = run(db_url, "scheduling")
    assert stored_rows(engine) != with_registration
    restored = restore(db_url, "scheduling", scheduling["run_id"])
    assert restored["restored_runs"] == [scheduling["run_id"]]
    assert stored_rows(engine) == with_registration
    assert module_statuses(db_url, "registration")[again["run_id"]] == "completed"

    # Restoring the calendar run undoes everything still in place: the district as it was.
    restored = restore(db_url, "calendar", calendar["run_id"])
    assert restored["restored_runs"] == [again["run_id"], calendar["run_id"]]
    assert stored_rows(engine) == original


# -- YE-8: the backup log and the rollover log --------------------------------------------------
def schools_of(rows: dict[str, list[tuple]]):
    """A function (table, row) -> school id, for the tables whose rows name their school."""
    calendar_school = {r[0]: r[1] for r in rows["calendars"]}
    structure_calendar = {r[0]: r[1] for r in rows["structures"]}
    enrollment_calendar = {r[0]: r[2] for r in rows["enrollments"]}
    course_calendar = {r[0]: r[1] for r in rows["courses"]}
    section_course = {r[0]: r[1] for r in rows["sections"]}
    of = {
        "calendars": lambda r: r[1],
        "structures": lambda r: calendar_school[r[1]],
        "terms": lambda r: calendar_school[structure_calendar[r[1]]],
        "grade_levels": lambda r: calendar_school[r[0]],
        "days": lambda r: calendar_school[r[0]],
        "enrollments": lambda r: calendar_school[r[2]],
        "enrollment_staff": lambda r: calendar_school[enrollment_calendar[r[0]]],
        "courses": lambda r: calendar_school[r[1]],
        "sections": lambda r: calendar_school[course_calendar[r[1]]],
        "course_requests": lambda r: calendar_school[course_calendar[r[1]]],
        "student_schedules": lambda r: calendar_school[course_calendar[section_course[r[1]]]],
        "grading_periods": lambda r: calendar_school[r[1]],
        "mark_types": lambda r: calendar_school[r[1]],
    }
    return of


def test_ye8_backup_log_and_rollover_log_match_what_each_run_changed(engine, db_url, demo,
                                                                     tmp_path):
    prepare(db_url, tmp_path)
    for module in ["calendar", *AFTER_REGISTRATION]:
        before = stored_rows(engine)
        printed = run(db_url, module)
        after = stored_rows(engine)
        changed = diff(engine, before, after)
        logged = as_json(cli(db_url, "tasks", printed["run_id"], "--json"))
        assert (logged["module"], logged["mode"], logged["status"]) == (module, "run",
                                                                        "completed")
        # The backup log: each table and the rows saved, as many as the rows changed.
        expected_backup = [{"table": t, "rows": sum(len(v) for v in changed[t].values())}
                           for t in sorted(changed)]
        assert logged["backup_log"] == expected_backup, module
        assert printed["backup_log"] == expected_backup, module
        with engine.connect() as conn:
            saved = Counter(conn.execute(select(run_backup_rows.c.table_name).where(
                run_backup_rows.c.run_id == printed["run_id"])).scalars())
        assert dict(saved) == {b["table"]: b["rows"] for b in expected_backup}, module
        # The rollover log: rows inserted, updated and deleted per table (and school).
        log = logged["rollover_log"]["changes"]
        assert printed["rollover_log"]["changes"] == log, module
        per_table = Counter()
        for entry in log:
            for action in ("inserted", "updated", "deleted"):
                per_table[(entry["table"], action)] += entry[action]
        assert +per_table == +Counter({(t, a): len(rows) for t in changed
                                       for a, rows in changed[t].items()}), module
        school_of = schools_of({t: before[t] + after[t] for t in before})
        for table in changed:
            if table not in school_of:
                continue
            expected = Counter()
            for action, rows in changed[table].items():
                for row in rows.values():
                    expected[(school_of[table](row), action)] += 1
            got = Counter()
            for entry in log:
                if entry["table"] == table:
                    for action in ("inserted", "updated", "deleted"):
                        got[(entry["school_id"], action)] += entry[action]
            assert +got == +expected, (module, table)
        # Warnings name their record; the log printed by the run is the stored one.
        messages = logged["rollover_log"]["messages"]
        assert messages == printed["rollover_log"]["messages"], module
        assert logged["counts"]["warnings"] == sum(m["level"] == "warning" for m in messages)
        for m in messages:
            assert m["code"] and m["record"] and m["message"], (module, m)
        if module == "registration":
            new = new_enrollments(before, after)
            by_school = Counter(school_of["enrollments"](row) for row in new)
            assert {e["school_id"]: e["inserted"] for e in log if e["table"] == "enrollments"} \
                == dict(by_school)
            students = {r[0] for r in after["students"]}
            assert messages and all(m["record"] in students for m in messages)
        if module == "success_plan":
            assert "T-GRAD" in [m["record"] for m in messages]
        # The text and CSV forms say the same.
        text = ok(cli(db_url, "tasks", printed["run_id"])).stdout
        shown = {row["TABLE"]: row["ROWS SAVED"]
                 for row in table_rows(text, "TABLE", after="backup log:")}
        for b in expected_backup:
            assert shown.get(b["table"]) == f"{b['rows']:,}", (module, b, text)


# -- YE-9: edits after the run -------------------------------------------------------------------
def test_ye9_a_restore_lists_rows_users_changed_after_the_run_and_needs_confirming(
        engine, db_url, demo, tmp_path):
    prepare(db_url, tmp_path)
    run(db_url, "calendar")
    before_registration = stored_rows(engine)
    registration = run(db_url, "registration")
    programs = run(db_url, "programs")
    after = stored_rows(engine)
    # A user changes a new enrollment, a participation the programs run closed, and a row no
    # run touched.
    new = [r for r in new_enrollments(before_registration, after)
           if r[COLUMN["calendar_id"]] == "2028-ELM0001" and r[COLUMN["grade"]] in ("01", "02")]
    edited = new[0]
    new_grade = GRADE_OF[SEQUENCE[edited[COLUMN["grade"]]] + 1]
    ok(cli(db_url, "edit", "enrollments", f"enrollment_id={edited[0]}", "--set",
           f"grade={new_grade}"))
    closed = diff(engine, before_registration, after)["program_participations"]["updated"]
    student, program, start = sorted(closed)[0]
    ok(cli(db_url, "edit", "program_participations", f"student_id={student}",
           f"program_id={program}", f"start_date={start.isoformat()}", "--set",
           "end_date=2027-05-14"))
    untouched = demo["graduate"].enrollment_id
    ok(cli(db_url, "edit", "enrollments", f"enrollment_id={untouched}", "--set",
           "end_status=GRAD"))
    expected_edits = [
        {"table": "enrollments", "key": [edited[0]]},
        {"table": "program_participations", "key": [student, program, start.isoformat()]}]
    edited_state = every_row(engine)

    # Without --confirm: the rows are listed, nothing is restored.
    result = cli(db_url, "process", "restore", "registration", registration["run_id"])
    line = last_line(result)
    assert "2 rows changed after the run" in line and "--confirm" in line, line
    listed = result.stderr.strip().splitlines()[:-1]
    assert len(listed) == 2, result.stderr
    assert listed[0].startswith(f"enrollments {edited[0]}:") and "grade" in listed[0]
    assert listed[1].startswith(f"program_participations {student}/{program}/") \
        and "end_date" in listed[1]
    assert untouched not in result.stderr
    assert every_row(engine) == edited_state

    # --test lists them and writes nothing.
    tested = restore(db_url, "registration", registration["run_id"], "--test")
    assert [{"table": e["table"], "key": e["key"]} for e in tested["later_edits"]] == \
        expected_edits
    assert tested["restored_runs"] == [programs["run_id"], registration["run_id"]]
    text = ok(cli(db_url, "process", "restore", "registration", registration["run_id"],
                  "--test")).stdout
    assert f"changed after the run: enrollments {edited[0]}" in text
    assert every_row(engine) == edited_state

    # With --confirm: restored to the rows before the run; the untouched row keeps its edit.
    confirmed = restore(db_url, "registration", registration["run_id"], "--confirm")
    assert [{"table": e["table"], "key": e["key"]} for e in confirmed["later_edits"]] == \
        expected_edits
    expected = dict(before_registration)
    expected["enrollments"] = sorted(
        (r[:COLUMN["end_status"]] + ("GRAD",) + r[COLUMN["end_status"] + 1:]
         if r[0] == untouched else r) for r in before_registration["enrollments"])
    now = stored_rows(engine)
    assert sorted(now["enrollments"]) == expected["enrollments"]
    assert {t: rows for t, rows in now.items() if t != "enrollments"} == \
        {t: rows for t, rows in before_registration.items() if t != "enrollments"}


def test_ye9_a_restore_without_later_edits_needs_no_confirming(engine, db_url, demo, tmp_path):
    """Rows as the runs left them are no "later edits": a restore goes through at once."""
    prepare(db_url, tmp_path)
    run(db_url, "calendar")
    before_registration = stored_rows(engine)
    ran = {module: run(db_url, module) for module in AFTER_REGISTRATION}
    tested = restore(db_url, "registration", ran["registration"]["run_id"], "--test")
    assert tested["later_edits"] == []
    restored = restore(db_url, "registration", ran["registration"]["run_id"])
    assert restored["later_edits"] == []
    assert sum(restored["rows"].values()) == sum(
        r["totals"]["rows_inserted"] + r["totals"]["rows_updated"] + r["totals"]["rows_deleted"]
        for r in ran.values())
    assert stored_rows(engine) == before_registration


# -- YE-9: what cannot be restored ---------------------------------------------------------------
def test_ye9_restoring_a_test_run_an_already_restored_run_or_another_modules_run_is_refused(
        engine, db_url, demo, tmp_path):
    prepare(db_url, tmp_path)
    run(db_url, "calendar")
    tested = run(db_url, "registration", "--test")
    real = run(db_url, "registration")

    def refused(*args: str) -> str:
        before = every_row(engine)
        line = last_line(cli(db_url, "process", "restore", *args))
        assert every_row(engine) == before, args
        return line

    assert "test run" in refused("registration", tested["run_id"])
    assert "test run" in refused("registration", tested["run_id"], "--confirm")
    assert real["run_id"] in refused("scheduling", real["run_id"])
    assert "no-such-run" in refused("registration", "no-such-run")
    restore(db_url, "registration", real["run_id"])
    assert "already restored" in refused("registration", real["run_id"])
    assert "already restored" in refused("registration", real["run_id"], "--confirm")
    # The restore mode lists the module's runs, newest first, with date and status.
    listing = table_rows(ok(cli(db_url, "process", "restore", "registration")).stdout, "RUN")
    assert [row["RUN"] for row in listing] == [real["run_id"], tested["run_id"]]
    assert (listing[0]["MODE"], listing[0]["STATUS"]) == ("run", "restored")
    assert (listing[1]["MODE"], listing[1]["STATUS"]) == ("test", "completed")
    today = dt.datetime.now(dt.timezone.utc).date()
    assert {row["STARTED"].split()[0] for row in listing} <= {
        today.isoformat(), (today - dt.timedelta(days=1)).isoformat()}


def test_ye9_restoring_a_run_restores_every_later_run_of_the_module_newest_first(
        engine, db_url, demo, tmp_path):
    prepare(db_url, tmp_path)
    run(db_url, "calendar")
    before = stored_rows(engine)
    first = run(db_url, "registration", "-o", "source_grades=01,02,03")
    after_first = stored_rows(engine)
    second = run(db_url, "registration")
    codes = run(db_url, "attendance_codes")
    assert 0 < first["totals"]["rows_inserted"] < second["totals"]["rows_inserted"]
    # Restoring the later run alone leaves the earlier one's rows (and restores its dependents).
    tested = restore(db_url, "registration", second["run_id"], "--test")
    assert tested["restored_runs"] == [codes["run_id"], second["run_id"]]
    restored = restore(db_url, "registration", second["run_id"])
    assert restored["restored_runs"] == [codes["run_id"], second["run_id"]]
    assert stored_rows(engine) == after_first
    # Run again, then restore the first: every later run goes too, newest first.
    third = run(db_url, "registration")
    codes = run(db_url, "attendance_codes")
    restored = restore(db_url, "registration", first["run_id"])
    assert restored["restored_runs"] == [codes["run_id"], third["run_id"], first["run_id"]]
    assert stored_rows(engine) == before
    assert set(module_statuses(db_url, "registration").values()) == {"restored"}


def test_ye9_ye18_a_later_run_from_a_host_whose_clock_is_behind_is_restored_too(
        engine, db_url, demo, tmp_path, monkeypatch):
    """Steps may run on different hosts (YE-18).  Scheduling runs after registration, but on a
    host whose clock is an hour behind; restoring registration must still restore it (it
    depends on registration's rows) and leave the district as before registration."""
    from rollover.services import process

    prepare(db_url, tmp_path)
    run(db_url, "calendar")
    before = stored_rows(engine)
    registration = run(db_url, "registration")
    real_now = process._now
    monkeypatch.setattr(process, "_now", lambda: real_now() - dt.timedelta(hours=1))
    scheduling = process.run_module(engine, "scheduling")
    monkeypatch.setattr(process, "_now", real_now)
    assert scheduling.plan.totals["rows_inserted"] > 0
    restored = restore(db_url, "registration", registration["run_id"])
    assert restored["restored_runs"] == [scheduling.run_id, registration["run_id"]]
    assert stored_rows(engine) == before

"""The year-end process's modules and their order (year-end.md YE-6, YE-7, YE-17; YE-11's refusal
on check errors): `rollover process modules|status|prepare|run`, `rollover tasks`.

Every test runs on SQLite and PostgreSQL (`db_url`, `engine`), through the command line run
in-process (click's CliRunner, tests/security_setup.py).  "Nothing written" is always proved by
comparing every row of every table of the store before and after.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from rollover.services import modules as registry
from rollover.domain import security as domain_security
from rollover.domain.change_plan import ModulePlan, inserts
from rollover.services.modules import ModuleRefused, RolloverModule
from rollover.store.schema_modules import attendance_codes
from rollover.store.schema_process import run_backup_rows

from .districts import District, loaded_fixture, stored_rows
from .process_setup import cli, every_row, last_line, ok, prepare, run
from .tables import table_rows

D = dt.date.fromisoformat
YEAR = 2027
BUILT_IN = ["calendar", "registration", "scheduling", "mark_reporting", "success_plan",
            "attendance_codes", "programs"]
REQUIRES = {"calendar": [], "registration": ["calendar"], "scheduling": ["registration"],
            "mark_reporting": ["scheduling"], "success_plan": ["mark_reporting"],
            "attendance_codes": ["registration"], "programs": ["registration"]}
GRADES = ["09", "10", "11", "12"]


# -- the district ---------------------------------------------------------------------------------
def district() -> District:
    """HSA has a 2026-27 and a 2027-28 calendar; MSA only a 2026-27 one (the calendar module
    creates its next one).  Three students in HSA (grades 09-11), one in MSA (grade 07), each
    in a non-continuous program; a course with a section, a grading period and a mark type in
    HSA27; an open success plan; two attendance codes.  Every module has something to do."""
    d = District(source_year=YEAR)
    d.school("HSA")
    d.school("MSA", next_school="HSA")
    for calendar_id, school, year, grades, name in (
            ("HSA27", "HSA", 2027, GRADES, "HSA 2026-27"),
            ("HSA28", "HSA", 2028, GRADES, "HSA 2027-28"),
            ("MSA27", "MSA", 2027, ["06", "07", "08"], "MSA 2026-27")):
        d.calendar(calendar_id, school, year, grades)
        d.rename_calendar(calendar_id, name)
    d.program("GT", continuous=False)
    for number, (calendar_id, grade) in enumerate(
            [("HSA27", "09"), ("HSA27", "10"), ("HSA27", "11"), ("MSA27", "07")], start=1):
        student = d.student(f"S{number}")
        d.enroll(f"E{number}", student, calendar_id, grade)
        d.participation(student, "GT")
    d.course("HSA27-ALG1", "HSA27", "ALG1", "Algebra I")
    d.section("HSA27-ALG1-1", "HSA27-ALG1", "1", teacher="Ada")
    d.grading_period("HSA27-Q1", "HSA27", "Q1", 1, D("2026-08-24"), D("2026-10-23"))
    d.mark_type("HSA27-LTR", "HSA27", "LTR", "Letter grade")
    d.success_plan("P1", "S1", title="Reading")
    d.goal("G1", "P1", "Read 20 books", "12 so far")
    d.attendance_code("A", name="Absent", excused=False)
    d.attendance_code("E", name="Excused", excused=True)
    return d


loaded = loaded_fixture(district)


# -- helpers --------------------------------------------------------------------------------------
def refused_run(engine, db_url, module: str, *args: str) -> str:
    """Run the module, expect a refusal that wrote nothing; the refusal's message line."""
    before = every_row(engine)
    result = cli(db_url, "process", "run", module, *args)
    line = last_line(result)
    assert line.startswith("rollover: "), result.stderr
    assert every_row(engine) == before, f"the refused run of {module} wrote something"
    return line


def status_states(db_url) -> dict[str, str]:
    status = json.loads(ok(cli(db_url, "process", "status", "--json")).stdout)
    return {step["step"]: step["state"] for step in status["steps"]}


# -- YE-6: the modules ----------------------------------------------------------------------------
def test_ye6_process_modules_lists_the_seven_built_in_modules_in_order_with_prerequisites(
        db_url, loaded):
    listed = json.loads(ok(cli(db_url, "process", "modules", "--json")).stdout)
    assert [m["name"] for m in listed] == BUILT_IN
    assert {m["name"]: m["requires"] for m in listed} == REQUIRES
    tables = {m["name"]: m["tables"] for m in listed}
    assert "enrollments" in tables["registration"]
    assert "calendars" in tables["calendar"]
    assert "courses" in tables["scheduling"]
    # The text form: one heading per module, in the same order, with what it runs after.
    text = ok(cli(db_url, "process", "modules")).stdout.splitlines()
    headings = [line.split(":")[0] for line in text if not line.startswith(" ")]
    assert headings == BUILT_IN
    afters = [line.strip().split(";")[0] for line in text if line.strip().startswith("after:")]
    assert afters == [f"after: {', '.join(REQUIRES[m]) or '-'}" for m in BUILT_IN]
    # The district's process status shows the same modules in the same order, each to do.
    status = json.loads(ok(cli(db_url, "process", "status", "--json")).stdout)
    module_steps = [s for s in status["steps"] if s["step"] in REQUIRES]
    assert [s["step"] for s in module_steps] == BUILT_IN
    assert {s["step"]: s["requires"] for s in module_steps} == REQUIRES
    assert {s["state"] for s in module_steps} == {"to do"}
    assert status["state"] == "not started"


# -- YE-7: the order ------------------------------------------------------------------------------
def test_ye7_a_real_module_run_before_prepare_is_refused_and_writes_nothing(
        engine, db_url, loaded):
    for module in ("calendar", "registration", "attendance_codes"):
        line = refused_run(engine, db_url, module)
        assert "not prepared" in line and "prepare" in line, line
    assert status_states(db_url)["calendar"] == "to do"


def test_ye7_each_module_is_refused_until_its_prerequisites_have_run(
        engine, db_url, loaded, tmp_path):
    prepare(db_url, tmp_path)

    def refused_naming(module: str, needed: str) -> None:
        line = refused_run(engine, db_url, module)
        assert f"needs {needed}" in line, line
        assert "nothing was written" in line, line

    refused_naming("registration", "calendar")
    run(db_url, "calendar")
    # Prerequisites count for their own school year only.
    line = refused_run(engine, db_url, "registration", "--test", "--year", str(YEAR + 1))
    assert "needs calendar" in line and str(YEAR + 1) in line, line
    for module in ("scheduling", "attendance_codes", "programs"):
        refused_naming(module, "registration")
    refused_naming("mark_reporting", "scheduling")
    refused_naming("success_plan", "mark_reporting")

    registration = run(db_url, "registration")
    assert registration["totals"]["rows_inserted"] > 0
    # Still in order after registration: mark reporting needs scheduling, success plan needs
    # mark reporting.
    refused_naming("mark_reporting", "scheduling")
    refused_naming("success_plan", "mark_reporting")
    # The remaining modules need registration only, in any order.
    run(db_url, "programs")
    run(db_url, "attendance_codes")
    run(db_url, "scheduling")
    refused_naming("success_plan", "mark_reporting")
    run(db_url, "mark_reporting")
    run(db_url, "success_plan")
    assert {m: s for m, s in status_states(db_url).items() if m in REQUIRES} == \
        dict.fromkeys(BUILT_IN, "done")


def test_ye7_after_a_restore_of_registration_scheduling_is_refused_again(
        engine, db_url, loaded, tmp_path):
    prepare(db_url, tmp_path)
    run(db_url, "calendar")
    first = run(db_url, "registration")
    run(db_url, "scheduling")
    ok(cli(db_url, "process", "restore", "registration", first["run_id"]))
    states = status_states(db_url)
    assert (states["registration"], states["scheduling"]) == ("restored", "restored")
    assert states["calendar"] == "done"
    line = refused_run(engine, db_url, "scheduling")
    assert "needs registration" in line, line
    line = refused_run(engine, db_url, "attendance_codes")
    assert "needs registration" in line, line
    # Registration again, and the order is satisfied again.
    again = run(db_url, "registration")
    assert again["totals"]["rows_inserted"] == first["totals"]["rows_inserted"]
    run(db_url, "scheduling")
    assert status_states(db_url)["scheduling"] == "done"


# -- YE-17: test mode -----------------------------------------------------------------------------
def test_ye17_test_runs_write_no_module_data_and_are_listed_with_mode_test(
        engine, db_url, loaded, tmp_path):
    # A test run needs no preparing; it writes no district data and no backup rows.
    before = stored_rows(engine)
    tested = run(db_url, "calendar", "--test")
    assert tested["mode"] == "test"
    assert tested["totals"]["rows_inserted"] > 0  # MSA's next calendar would be created
    assert stored_rows(engine) == before
    # A test run is no real run: registration still needs calendar.
    prepare(db_url, tmp_path)
    line = refused_run(engine, db_url, "registration")
    assert "needs calendar" in line, line

    test_counts, real_counts = {}, {}
    for module in BUILT_IN:
        before = stored_rows(engine)
        tested = run(db_url, module, "--test")
        assert tested["mode"] == "test"
        assert stored_rows(engine) == before, f"the test run of {module} changed district data"
        real = run(db_url, module)
        assert real["mode"] == "run"
        # The test run announced exactly what the real run then did.
        assert tested["totals"] == real["totals"], module
        assert tested["rollover_log"]["changes"] == real["rollover_log"]["changes"], module
        assert stored_rows(engine) != before, f"the real run of {module} changed nothing"
        test_counts[module], real_counts[module] = tested["run_id"], real["run_id"]

    listed = json.loads(ok(cli(db_url, "tasks", "--json")).stdout)
    modes = {t["run_id"]: (t["module"], t["mode"], t["status"]) for t in listed}
    for module in BUILT_IN:
        assert modes[test_counts[module]] == (module, "test", "completed")
        assert modes[real_counts[module]] == (module, "run", "completed")
    shown = {row["RUN"]: row for row in table_rows(ok(cli(db_url, "tasks")).stdout, "RUN")}
    for module in BUILT_IN:
        row = shown[test_counts[module]]
        assert (row["MODULE"], row["MODE"]) == (module, "test"), row
    # Test runs saved no backup rows.
    with engine.connect() as conn:
        saved = set(conn.execute(select(run_backup_rows.c.run_id).distinct()).scalars())
    assert not saved & set(test_counts.values())


def test_ye17_prepare_and_finish_have_a_test_mode_that_writes_nothing(engine, db_url, loaded,
                                                                      tmp_path):
    """YE-17: every step has a test mode.  `prepare --test` and `finish --test` say what they
    would do and write nothing (no setting, no process record, no backup file)."""
    backups = tmp_path / "backups"
    before = every_row(engine)
    result = cli(db_url, "process", "prepare", "--test", "--backup-dir", str(backups))
    assert result.exit_code == 0, ("prepare has no test mode", result.stderr)
    assert every_row(engine) == before
    assert not backups.exists() or not any(backups.iterdir())
    prepare(db_url, tmp_path)
    run(db_url, "calendar")
    before = every_row(engine)
    result = cli(db_url, "process", "finish", "--test")
    assert result.exit_code == 0, ("finish has no test mode", result.stderr)
    assert every_row(engine) == before


# -- YE-11 (YE-1): registration refused while the check finds errors ------------------------------
def broken_district() -> District:
    """Grade 10 has sequence 10 in HSA and 2026-27 HSB, but 11 in HSB's 2027-28 calendar (and
    grade 11 there 12): the sequences do not form one series (YE-1 errors)."""
    d = District(source_year=YEAR)
    d.school("HSA")
    d.calendar("A27", "HSA", 2027, ["09", "10"])
    d.calendar("A28", "HSA", 2028, ["09", "10", "11"])
    d.school("HSB")
    d.calendar("B27", "HSB", 2027, {"09": 9, "10": 10})
    d.calendar("B28", "HSB", 2028, {"09": 9, "10": 11, "11": 12})
    for calendar_id in ("A27", "A28", "B27", "B28"):  # the calendar module makes no new ones
        d.rename_calendar(calendar_id, f"{calendar_id[0]} 20{int(calendar_id[1:]) - 1}-"
                                       f"{calendar_id[1:]}")
    for number, calendar_id in enumerate(("A27", "B27", "B27"), start=1):
        d.student(f"S{number}")
        d.enroll(f"E{number}", f"S{number}", calendar_id, "10")
    return d


def test_ye11_registration_is_refused_while_rollover_check_finds_errors(
        engine, db_url, tmp_path):
    broken_district().load(engine, tmp_path / "bundle")
    checked = cli(db_url, "check", "--year", str(YEAR), "--json")
    assert checked.exit_code == 1, checked.stderr
    errors = [f for f in json.loads(checked.stdout)["findings"] if f["severity"] == "error"]
    assert {f["code"] for f in errors} == {"SEQUENCE_SERIES_BROKEN"}
    prepare(db_url, tmp_path)
    run(db_url, "calendar")
    for flags in ((), ("--test",)):
        result = cli(db_url, "process", "run", "registration", *flags)
        line = last_line(result)
        assert "rollover check" in line and "error" in line, line
        listed = [ln for ln in result.stderr.splitlines() if ln.startswith("error ")]
        assert len(listed) == len(errors), result.stderr
        for finding in errors:
            assert any(finding["code"] in ln and finding["message"] in ln for ln in listed), \
                (finding, result.stderr)
    assert status_states(db_url)["registration"] == "to do"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(run_backup_rows)).scalar() == 0
    # Fixed (as a user would, record by record), registration runs.
    for grade, sequence in (("10", "10"), ("11", "11")):
        ok(cli(db_url, "edit", "grade_levels", "calendar_id=B28", "structure_id=B28-Main",
               f"grade={grade}", "--set", f"sequence={sequence}"))
    assert cli(db_url, "check", "--year", str(YEAR)).exit_code == 0
    done = run(db_url, "registration")
    assert done["totals"]["rows_inserted"] == 3


# -- YE-6: options --------------------------------------------------------------------------------
@pytest.fixture
def registered(engine, db_url, loaded, tmp_path):
    """Prepared, with calendar and registration run."""
    prepare(db_url, tmp_path)
    run(db_url, "calendar")
    run(db_url, "registration")
    return engine


BAD_OPTIONS = [
    ("registration", "start_date=next monday", ["start_date", "next monday"]),
    ("registration", "allow_duplicate_primary=maybe", ["allow_duplicate_primary", "maybe"]),
    ("registration", "service_types=primary,full_time", ["service_types", "full_time"]),
    ("registration", "grade=10", ["grade"]),
    ("calendar", "school=HSA", ["school"]),
    ("scheduling", "purge_schedules_before=last year", ["purge_schedules_before", "last year"]),
    ("scheduling", "purge_schedules_before=2030", ["purge_schedules_before", "2030"]),
    ("attendance_codes", "codes=A", ["codes"]),
    ("programs", "no_equals_sign", ["no_equals_sign"]),
]


def test_ye6_bad_option_values_are_refused_naming_them(engine, db_url, registered):
    for module, option, named in BAD_OPTIONS:
        for flags in ((), ("--test",)):
            line = refused_run(engine, db_url, module, "-o", option, *flags)
            for word in named:
                assert word in line, (module, option, flags, line)
    # A good value of the same options is taken (the refusals were about the values).
    tested = run(db_url, "scheduling", "--test", "-o", "purge_schedules_before=2026")
    assert tested["mode"] == "test"


# -- YE-6: a module added through the registry ----------------------------------------------------
LATE = "late_code"


def _late_plan(ctx) -> ModulePlan:
    """Adds one attendance code to the next year (named by the option `code`, default L)."""
    code = ctx.options.get("code", "L")
    exists = ctx.conn.execute(select(attendance_codes.c.code).where(
        attendance_codes.c.school_year == ctx.next_year, attendance_codes.c.code == code)).first()
    plan = ModulePlan(summary={"added": 0 if exists else 1})
    if not exists:
        plan.add(inserts("attendance_codes", [c.name for c in attendance_codes.columns],
                         [(ctx.next_year, code, "Late", False)], lambda row: None))
    return plan


def _late_options(given: dict[str, str]) -> dict:
    unknown = sorted(set(given) - {"code"})
    if unknown:
        raise ModuleRefused(f"unknown option {unknown[0]!r}; the {LATE} module takes: code")
    return dict(given)


@pytest.fixture
def late_module(monkeypatch):
    """A module of the test's own, registered as another package would; the registry and the
    rights are put back afterwards."""
    registry.all_modules()  # the built-ins are loaded first
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    monkeypatch.setattr(domain_security, "_rights", domain_security.known_rights())
    return registry.register(RolloverModule(
        name=LATE, title="Late attendance code (a test's own module)",
        tables=("attendance_codes",), requires=("attendance_codes",), plan=_late_plan,
        parse_options=_late_options, option_help={"code": "the code to add"}))


def late_codes(engine) -> list[tuple]:
    return [r for r in stored_rows(engine, "attendance_codes")["attendance_codes"]
            if r[0] == YEAR + 1]


def test_ye6_a_module_registered_through_the_registry_runs_without_editing_the_core(
        engine, db_url, loaded, tmp_path, late_module):
    listed = json.loads(ok(cli(db_url, "process", "modules", "--json")).stdout)
    names = [m["name"] for m in listed]
    assert names[:len(BUILT_IN)] == BUILT_IN and names[len(BUILT_IN):] == [LATE]
    assert listed[-1]["requires"] == ["attendance_codes"]
    assert LATE in status_states(db_url)
    prepare(db_url, tmp_path)
    run(db_url, "calendar")
    run(db_url, "registration")
    line = refused_run(engine, db_url, LATE)
    assert "needs attendance_codes" in line, line
    codes = run(db_url, "attendance_codes")
    assert [r[1] for r in late_codes(engine)] == ["A", "E"]
    line = refused_run(engine, db_url, LATE, "-o", "colour=red")
    assert "colour" in line, line
    late = run(db_url, LATE, "-o", "code=T")
    assert late["totals"]["rows_inserted"] == 1
    assert [r[1] for r in late_codes(engine)] == ["A", "E", "T"]
    assert status_states(db_url)[LATE] == "done"
    tasks = json.loads(ok(cli(db_url, "tasks", "--json")).stdout)
    assert tasks[0]["run_id"] == late["run_id"]
    assert (tasks[0]["module"], tasks[0]["options"]) == (LATE, {"code": "T"})
    assert tasks[0]["backup_log"] == [{"table": "attendance_codes", "rows": 1}]
    # It depends on attendance_codes: restoring that restores it too, newest first.
    restored = json.loads(ok(cli(db_url, "process", "restore", "attendance_codes",
                                 codes["run_id"], "--json")).stdout)
    assert restored["restored_runs"] == [late["run_id"], codes["run_id"]]
    assert late_codes(engine) == []
    assert status_states(db_url)[LATE] == "restored"


# -- YE-7: the order of modules added through the registry ----------------------------------------
@pytest.fixture
def add_modules(monkeypatch):
    """Register modules named -> their prerequisites, as other packages would; the registry and
    the rights are put back afterwards."""
    registry.all_modules()  # the built-ins are loaded first
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    monkeypatch.setattr(domain_security, "_rights", domain_security.known_rights())

    def add(**requires: tuple[str, ...]) -> None:
        for name, needs in requires.items():
            registry.register(RolloverModule(name=name, title=f"{name} (a test's own module)",
                                             tables=("attendance_codes",), requires=needs,
                                             plan=_late_plan))

    return add


def test_ye7_added_modules_come_after_the_built_ins_by_name_where_their_order_allows(
        db_url, add_modules):
    add_modules(alpha=("zeta",), zeta=("programs",), beta=("registration",))
    listed = json.loads(ok(cli(db_url, "process", "modules", "--json")).stdout)
    assert [m["name"] for m in listed] == [*BUILT_IN, "beta", "zeta", "alpha"]


def test_ye7_modules_that_need_each_other_in_a_circle_are_refused_naming_the_circle(
        db_url, add_modules):
    add_modules(loop_b=("registration", "loop_c"), loop_c=("loop_a",), loop_a=("loop_b",))
    result = cli(db_url, "process", "modules")
    assert result.exit_code == 2 and result.stdout == "", (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == ("rollover: modules depend on each other in a "
                                              "circle: loop_a needs loop_b needs loop_c needs "
                                              "loop_a")

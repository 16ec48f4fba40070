"""Refused options (roll-forward.md RF-26, and RF-16c through the command line).

Each bad option is given to the real `rollover forward` command in a child process, on SQLite and
PostgreSQL (`db_url`): exit status 2, the bad value named on standard error, and nothing written
(the enrollments unchanged and no run stored).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from rollover.domain.forward.options import OptionError
from rollover.services.bundles import import_bundle
from rollover.services.forward import roll_forward
from rollover.store.database import open_engine
from rollover.store.schema import enrollments, run_rolled, run_warnings, runs

from . import cli
from .districts import District
from .store_templates import imported


def district(*, validation: bool = False) -> District:
    """HSA (structures "Main" and "Night" this year) and HSB; both have 2028 calendars; the
    2028 HSA calendar requires student assignment, HSB's grade 11 does."""
    d = District(student_assignment_validation=validation)
    d.status("A1", is_default=True)
    d.school("HSA")
    d.school("HSB")
    d.calendar("HSA27", "HSA", 2027, ["09", "10"])
    d.structure("HSA27", "Night", ["10"])
    d.calendar("HSB27", "HSB", 2027, ["10"])
    d.calendar("HSA28", "HSA", 2028, ["10", "11"], requires_assignment=True)
    d.calendar("HSB28", "HSB", 2028, {"10": 10, "11": (11, "11", True)})
    d.calendar("HSA29", "HSA", 2029, ["11", "12"])
    d.student("S1")
    d.enroll("E1", "S1", "HSA27", "10")
    d.student("S2")
    d.enroll("E2", "S2", "HSB27", "10")
    return d


def stored(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (enrollments, runs, run_rolled, run_warnings)}


@pytest.fixture
def store(db_url, tmp_path):
    """The district in a store; yields (url, engine, working folder)."""
    engine = open_engine(db_url)
    imported(engine, tmp_path, "forward options", lambda to: district().write_bundle(to))
    yield db_url, engine, tmp_path
    engine.dispose()


@pytest.fixture
def validation_store(db_url, tmp_path):
    engine = open_engine(db_url)
    imported(engine, tmp_path, "forward options: validation",
             lambda to: district(validation=True).write_bundle(to))
    yield db_url, engine, tmp_path
    engine.dispose()


def forward_cli(db_url: str, cwd: Path, *args: str):
    return cli.rollover("--db", db_url, "forward", *args, cwd=cwd)


def assert_refused(store, args: list[str], *named: str) -> str:
    """Run `forward` with args (a real run, and again as a test run with --json): exit 2, every
    `named` string on stderr, nothing on stdout, nothing written.  The stderr of the real run."""
    db_url, engine, cwd = store
    before = stored(engine)
    assert before["runs"] == 0
    messages = []
    for extra in ([], ["--test", "--json"]):
        result = forward_cli(db_url, cwd, *args, *extra)
        assert result.returncode == 2, (args, result.returncode, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stdout == ""
        for value in named:
            assert value in result.stderr, (value, result.stderr)
        assert stored(engine) == before
        messages.append(result.stderr)
    return messages[0]


SOURCE = ["--source-calendar", "HSA27"]


# -- RF-26: the bad value is named, nothing is written -------------------------------------------
def test_rf26_unknown_source_calendar(store):
    assert_refused(store, ["--source-calendar", "NOPE27"], "NOPE27")


def test_rf26_one_unknown_source_calendar_among_good_ones(store):
    assert_refused(store, [*SOURCE, "--source-calendar", "GHOST27"], "GHOST27")


def test_rf26_unknown_source_grade(store):
    assert_refused(store, [*SOURCE, "--source-grade", "13"], "13")


def test_rf26_source_grade_of_another_calendar_is_unknown(store):
    # HSA27 offers 09 and 10; 11 is offered only next year.
    assert_refused(store, [*SOURCE, "--source-grade", "10", "--source-grade", "11"], "'11'")


def test_rf26_unknown_local_start_status(store):
    assert_refused(store, [*SOURCE, "--local-start-status", "ZZ9"], "ZZ9")


def test_rf26_unknown_source_structure_name(store):
    assert_refused(store, [*SOURCE, "--source-structure", "Evening"], "Evening")


def test_rf26_source_structure_is_a_name_not_an_id(store):
    assert_refused(store, [*SOURCE, "--source-structure", "HSA27-Night"], "HSA27-Night")


def test_rf26_unknown_destination_structure(store):
    assert_refused(store, [*SOURCE, "--dest-calendar", "HSB28", "--dest-structure", "NOPE-S"],
                   "NOPE-S")


def test_rf26_missing_destination_structure(store):
    stderr = assert_refused(store, [*SOURCE, "--dest-calendar", "HSB28"], "HSB28")
    assert "structure" in stderr


def test_rf26_destination_structure_of_another_calendar(store):
    assert_refused(store, [*SOURCE, "--dest-calendar", "HSB28",
                           "--dest-structure", "HSA28-Main"], "HSA28-Main")


def test_rf26_destination_structure_given_by_name_is_refused(store):
    assert_refused(store, [*SOURCE, "--dest-calendar", "HSB28", "--dest-structure", "Main"],
                   "'Main'")


@pytest.mark.parametrize("option, value", [("--dest-structure", "HSB28-Main"),
                                           ("--dest-grade", "11")])
def test_rf26_destination_structure_or_grade_without_a_destination_calendar(store, option,
                                                                             value):
    stderr = assert_refused(store, [*SOURCE, option, value], value)
    assert "--dest-calendar" in stderr or "destination calendar" in stderr


def test_rf26_unknown_destination_calendar(store):
    assert_refused(store, [*SOURCE, "--dest-calendar", "NOPE28", "--dest-structure",
                           "HSB28-Main"], "NOPE28")


@pytest.mark.parametrize("calendar", ["HSA27", "HSA29"])
def test_rf26_destination_calendar_not_in_the_destination_year(store, calendar):
    assert_refused(store, [*SOURCE, "--dest-calendar", calendar, "--dest-structure",
                           f"{calendar}-Main"], calendar)


def test_rf26_unknown_destination_grade(store):
    assert_refused(store, [*SOURCE, "--dest-calendar", "HSB28", "--dest-structure",
                           "HSB28-Main", "--dest-grade", "13"], "13")


def test_rf26_source_calendars_of_different_school_years(store):
    assert_refused(store, [*SOURCE, "--source-calendar", "HSA28"], "HSA27", "HSA28")


def test_rf26_no_source_calendar(store):
    stderr = assert_refused(store, [])
    assert "source calendar" in stderr or "--source-calendar" in stderr


@pytest.mark.parametrize("date", ["2027-02-30", "2027-13-01", "08/24/2027", "tomorrow"])
def test_rf26_bad_start_date(store, date):
    assert_refused(store, [*SOURCE, "--start-date", date], date)


def test_rf26_bad_service_type(store):
    assert_refused(store, [*SOURCE, "--service-type", "fulltime"], "fulltime")


def test_rf26_filter_with_an_unknown_field(store):
    stderr = assert_refused(store, [*SOURCE, "--filter", 'grade == "10" and shoe_size > 3'],
                            "shoe_size")
    assert "position 19" in stderr


def test_rf26_filter_with_a_syntax_error(store):
    stderr = assert_refused(store, [*SOURCE, "--filter", 'grade == "10" and'], "position")
    assert "Traceback" not in stderr


def test_rf26_filter_with_a_single_equals_sign(store):
    assert_refused(store, [*SOURCE, "--filter", 'grade = "10"'], "position 7")


def test_rf26_filter_file_that_does_not_exist(store):
    assert_refused(store, [*SOURCE, "--filter", "@no-such-students.txt"], "no-such-students.txt")


def test_rf26_every_refused_option_is_named_at_once(store):
    """Several bad options: each is named (one line each), not only the first; checks that
    depend on a refused option are not run (no grade is checked against an unknown calendar)."""
    message = assert_refused(store, [
        "--source-calendar", "HSA27", "--source-calendar", "GHOST27", "--source-grade", "13",
        "--local-start-status", "ZZ9", "--dest-calendar", "HSB28", "--dest-structure", "NOPE-S"],
        "GHOST27", "ZZ9", "NOPE-S")
    lines = message.strip().splitlines()
    assert lines[-1] == "rollover: 3 options refused; nothing was run"
    assert lines[:-1] == [
        "unknown source calendar 'GHOST27'",
        "unknown local start status 'ZZ9'",
        "destination structure 'NOPE-S' is not a structure of destination calendar 'HSB28'"]


def test_rf26_good_options_on_the_same_store_do_run(store):
    """The refusals above are the options', not the store's: good options complete."""
    db_url, engine, cwd = store
    result = forward_cli(db_url, cwd, *SOURCE, "--source-grade", "10", "--test", "--json")
    assert result.returncode == 0, result.stderr
    assert stored(engine)["runs"] == 1


def test_rf26_no_service_type_is_refused_by_the_service(engine, tmp_path):
    d = district()
    import_bundle(engine, d.write_bundle(tmp_path / "bundle"))
    before = stored(engine)
    with pytest.raises(OptionError, match="service type"):
        roll_forward(engine, d.options(source_calendars=("HSA27",), service_types=()))
    assert stored(engine) == before


# -- RF-16c through the command line --------------------------------------------------------------
def test_rf16c_destination_calendar_requiring_assignment_refused_with_validation(
        validation_store):
    assert_refused(validation_store, [*SOURCE, "--dest-calendar", "HSA28",
                                      "--dest-structure", "HSA28-Main"], "HSA28")


def test_rf16c_destination_grade_requiring_assignment_refused_with_validation(validation_store):
    stderr = assert_refused(validation_store, [*SOURCE, "--dest-calendar", "HSB28",
                                               "--dest-structure", "HSB28-Main",
                                               "--dest-grade", "11"], "'11'")
    assert "assignment" in stderr


def test_rf16c_grade_not_requiring_assignment_may_be_chosen_with_validation(validation_store):
    db_url, _engine, cwd = validation_store
    result = forward_cli(db_url, cwd, *SOURCE, "--dest-calendar", "HSB28", "--dest-structure",
                         "HSB28-Main", "--dest-grade", "10", "--test", "--json")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("dest", [["--dest-calendar", "HSA28", "--dest-structure", "HSA28-Main"],
                                  ["--dest-calendar", "HSB28", "--dest-structure", "HSB28-Main",
                                   "--dest-grade", "11"]])
def test_rf16c_destination_requiring_assignment_allowed_without_validation(store, dest):
    db_url, engine, cwd = store
    before = stored(engine)["enrollments"]
    result = forward_cli(db_url, cwd, *SOURCE, *dest, "--json")
    assert result.returncode == 0, result.stderr
    assert stored(engine)["enrollments"] == before + 1

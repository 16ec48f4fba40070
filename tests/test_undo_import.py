"""`rollover import --replace` and `rollover demo --replace` are runs that `rollover undo` puts
back: the district is then, table by table and row by row, as before the run.  An import that
only adds rows is no run.  A refused import or demo writes nothing, not even its run.

Runs on SQLite and PostgreSQL (`engine`, `db_url`); commands in process (tests/security_setup.py),
one undo in a process of its own (it must know every kind of run without having run one).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from rollover.store.database import writing
from rollover.store.schema import assignment_overrides, boundaries
from rollover.store.security import write_settings
from rollover.store.side_effects import SWITCHES

from .districts import District
from .processes import command, no_process_left, timed  # noqa: F401 (fixture)
from .security_setup import (GRADES, ADMIN, add_users, load_district, refused, rollover, row_counts,
                             two_schools)
from .test_undo import as_json, district_rows, newest_run, ok, roll_forward, run_status, undone

TINY = Path(__file__).parent / "bundles"
NO_RIGHT = "user 'clerk' needs the 'import' right with write access for all schools"


def with_places(d: District, *, resides: bool = False) -> District:
    """The two-school district with a boundary and an override: rows with a key the store
    generates."""
    d.boundary("HSA", "Elm St", resides=resides)
    d.boundary("HSB", "Oak Ave")
    d.override("SA", "HSB")
    return d


def changed_district() -> District:
    """The two-school district changed: a student renamed and one added (with an enrollment), a
    boundary replaced, the override repeated (replaced too), the district's settings changed."""
    d = with_places(two_schools(), resides=True)
    d.rows["district"][0] = ("Changed ISD", *d.rows["district"][0][1:])
    d.rows["students"][0] = ("SA", "SA", "Renamed", "SA", None)
    d.student("SC")
    d.enroll("EC", "SC", "HSA27", "11")
    return d


def bundle_of(d: District, folder: Path) -> str:
    return str(d.write_bundle(folder))


def imported(db_url: str, folder: str, *options: str, user: str | None = None) -> str:
    """`rollover import` of the folder; the import's run."""
    result = ok(rollover(db_url, "import", folder, *options, user=user))
    run = newest_run(db_url)
    assert run["kind"] == "import"
    total = sum(run["counts"].values())
    assert result.stdout.splitlines()[-1] == (
        f"imported {total:,} rows from {len(run['counts'])} files in {folder}")
    return run["run_id"]


def generated_keys(engine) -> dict[str, list[int]]:
    with engine.connect() as conn:
        return {"boundaries": sorted(conn.execute(select(boundaries.c.boundary_key)).scalars()),
                "assignment_overrides": sorted(conn.execute(
                    select(assignment_overrides.c.override_key)).scalars())}


def this_year_only() -> District:
    """The two-school district without next year's calendars (a later bundle brings them)."""
    d = District()
    for school in ("HSA", "HSB"):
        d.school(school)
        d.calendar(f"{school}27", school, 2027, GRADES)
        d.student(f"S{school[-1]}")
        d.enroll(f"E{school[-1]}", f"S{school[-1]}", f"{school}27", "10")
    return d


def test_an_import_that_only_adds_rows_is_no_run(engine, db_url, tmp_path):
    """Without --replace an import changes no stored row: it is not a run (the first load of a
    district is not slowed by a backup of every row), and says so by naming no run."""
    bundle = tmp_path / "tiny"
    shutil.copytree(TINY / "tiny", bundle)
    for module_file in (TINY / "tiny_modules").glob("*.csv"):
        shutil.copy(module_file, bundle)
    result = ok(rollover(db_url, "import", str(bundle)))
    assert result.stdout.splitlines()[-1].startswith("imported ")
    assert row_counts(engine)["students"] > 0
    assert as_json(rollover(db_url, "runs", "--json")) == []
    assert row_counts(engine)["run_backup_rows"] == 0


def test_undo_of_an_import_replace_gives_back_the_district_before(engine, db_url, tmp_path):
    ok(rollover(db_url, "import", bundle_of(with_places(two_schools()), tmp_path / "first")))
    before, keys_before = district_rows(engine), generated_keys(engine)

    run_id = imported(db_url, bundle_of(changed_district(), tmp_path / "changed"), "--replace")
    after = district_rows(engine)
    assert after["district"][0][1] == "Changed ISD"
    assert {r[0]: r[2] for r in after["students"]} == {"SA": "Renamed", "SB": "Doe", "SC": "Doe"}
    assert [r[-1] for r in after["boundaries"]] == [True, False]
    new_keys = generated_keys(engine)
    assert not set(new_keys["boundaries"]) & set(keys_before["boundaries"])
    assert not set(new_keys["assignment_overrides"]) & set(keys_before["assignment_overrides"])

    result = undone(db_url, run_id)
    assert result["restored_runs"] == [run_id]
    assert district_rows(engine) == before
    assert generated_keys(engine) == keys_before


def test_undo_of_a_demo_replace_gives_back_the_district_it_replaced(engine, db_url, tmp_path):
    load_district(engine, tmp_path)
    before = district_rows(engine)
    ok(rollover(db_url, "demo", "--students", "100", "--replace"))
    run = newest_run(db_url)
    assert run["kind"] == "demo" and run["counts"]["students"] == 100
    assert len(district_rows(engine)["students"]) == 100

    # A process of its own: it has loaded no demo district, yet knows the kind of run.
    env = {k: v for k, v in os.environ.items() if k not in ("ROLLOVER_DATABASE_URL",
                                                            "ROLLOVER_USER")}
    done, _ = timed(command(db_url, "undo", run["run_id"]), env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"undid 1 run: {run['run_id']}")
    assert district_rows(engine) == before


def test_undo_of_an_import_names_and_undoes_the_forward_built_on_it(engine, db_url, tmp_path):
    ok(rollover(db_url, "import", bundle_of(this_year_only(), tmp_path / "first")))
    before = district_rows(engine)
    run_id = imported(db_url, bundle_of(two_schools(), tmp_path / "bundle"), "--replace")
    forward = roll_forward(db_url)  # into the calendars the import brought

    tested = undone(db_url, run_id, "--test")
    assert tested["restored_runs"] == [forward, run_id]
    assert district_rows(engine) != before  # a test writes nothing

    result = undone(db_url, run_id)
    assert result["restored_runs"] == [forward, run_id]
    assert district_rows(engine) == before
    assert run_status(db_url, forward) == run_status(db_url, run_id) == "restored"


def test_an_import_or_demo_is_a_data_load_without_side_effects(engine, db_url, tmp_path):
    """YE-3: with every side effect on, neither writes audit rows, events or notifications."""
    with writing(engine) as conn:
        write_settings(conn, **{name: True for name in SWITCHES})
    ok(rollover(db_url, "import", bundle_of(with_places(two_schools()), tmp_path / "first")))
    imported(db_url, bundle_of(changed_district(), tmp_path / "changed"), "--replace")
    ok(rollover(db_url, "demo", "--students", "100", "--replace"))
    counts = row_counts(engine)
    assert counts["students"] == 100
    assert (counts["audit_log"], counts["outbox_events"], counts["notifications"]) == (0, 0, 0)


def refusals(tmp_path: Path) -> dict[str, tuple[tuple[str, ...], str | None, str]]:
    """Each refused command: its arguments, the user, the last line of its refusal."""
    def school_of_its_own(student: str, enrolled: str) -> District:
        d = District()
        d.school("HSC")
        d.calendar("HSC27", "HSC", 2027, ["10"], terms=False)
        d.student(student)
        d.enroll("EX", enrolled, "HSC27", "10")
        return d

    bad = school_of_its_own("SX", "S9")  # an enrollment of nobody
    again = school_of_its_own("SA", "SA")  # a student already stored
    return {
        "bad bundle": (("import", bundle_of(bad, tmp_path / "bad")), ADMIN,
                       "import refused: 1 problem; nothing was written"),
        "stored ids": (("import", bundle_of(again, tmp_path / "again")), ADMIN,
                       "import refused: 1 problem; nothing was written"),
        "demo": (("demo", "--students", "100"), ADMIN,
                 "the database already holds a district; use --replace to replace it with the "
                 "demo district"),
        "no right": (("import", bundle_of(changed_district(), tmp_path / "c"), "--replace"),
                     "clerk", NO_RIGHT),
        "demo, no right": (("demo", "--students", "100", "--replace"), "clerk", NO_RIGHT),
    }


@pytest.mark.parametrize("case", ["bad bundle", "stored ids", "demo", "no right",
                                  "demo, no right"])
def test_a_refused_import_or_demo_writes_nothing_not_even_a_run(engine, db_url, tmp_path, case):
    add_users(engine, clerk=[("calendar",)])
    ok(rollover(db_url, "import", bundle_of(with_places(two_schools()), tmp_path / "first"),
                user=ADMIN))
    first = district_rows(engine)
    run_id = imported(db_url, bundle_of(changed_district(), tmp_path / "changed"), "--replace",
                      user=ADMIN)
    before = row_counts(engine)
    args, user, message = refusals(tmp_path)[case]
    assert refused(rollover(db_url, *args, user=user), message)
    assert row_counts(engine) == before  # no district row, no run, no backup row

    # The run the refusal did not disturb is still the newest, and undone whole.
    assert as_json(rollover(db_url, "runs", "--json", user=ADMIN))[0]["run_id"] == run_id
    undone(db_url, run_id, "--user", ADMIN)
    assert district_rows(engine) == first

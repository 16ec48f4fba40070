"""`rollover import BUNDLE_DIR --sync [--test] [--confirm]` (docs/bundle.md, "Sync"): the tables
of the files a bundle holds become those files (rows replaced, added and deleted), the others
are left alone; `--test` writes nothing; deleting rows that runs made needs `--confirm`; the
sync is a run that `rollover undo` puts back exactly.

Runs on SQLite and PostgreSQL (`engine`, `db_url`); commands in process (tests/security_setup.py).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from rollover.services.bundle_sync import SyncNeedsConfirmation, sync_bundle
from rollover.services.bundles import export_bundle, import_bundle
from rollover.services.jobs import claim_next, run_job
from rollover.services.run_changes_export import export_changes

from .api_setup import api, quick_hashes  # noqa: F401 - fixtures
from .districts import District
from .security_setup import ADMIN, GRADES, every_row, refused, rollover
from .test_undo import district_rows

STUDENTS = ("S1", "S2", "S3", "S4", "S5", "S6")


def district(*, leaving: tuple[str, ...] = (), changed: bool = False) -> District:
    """Two high schools (2027 and 2028 calendars), six students enrolled in 2027 with their
    households, a boundary each, overrides for S2 and S5.  `leaving`: students not in it (nor their
    rows); `changed`: S1 renamed, E2 in another grade, a new student S7, HSA's boundary now
    `resides`."""
    d = District()
    for school in ("HSA", "HSB"):
        d.school(school)
        d.calendar(f"{school}27", school, 2027, GRADES)
        d.calendar(f"{school}28", school, 2028, GRADES)
    d.boundary("HSA", "Elm St", resides=changed)
    d.boundary("HSB", "Oak Ave")
    students = [s for s in STUDENTS if s not in leaving] + (["S7"] if changed else [])
    for number, student in enumerate(students, start=1):
        school = "HSA" if number % 2 else "HSB"
        d.student(student, "Renamed" if changed and student == "S1" else "Doe")
        d.household(f"H{student[1:]}", number, "Elm St" if school == "HSA" else "Oak Ave",
                    student)
        grade = "11" if changed and student == "S2" else "10"
        d.enroll(f"E{student[1:]}", student, f"{school}27", grade)
    d.override("S2", "HSA")
    if "S5" not in leaving:
        d.override("S5", "HSB")
    return d


def bundle(d: District, folder: Path) -> str:
    return str(d.write_bundle(folder))


@pytest.fixture
def imported(engine, tmp_path) -> Path:
    """The whole district imported (a plain import: no run)."""
    folder = district().write_bundle(tmp_path / "first")
    import_bundle(engine, folder)
    return folder


def lines_of(folder: Path) -> dict[str, list[str]]:
    return {p.name: sorted(p.read_text(encoding="utf-8").splitlines())
            for p in folder.iterdir()}


def stored_as_bundle(engine, folder: Path) -> dict[str, list[str]]:
    export_bundle(engine, folder)
    return lines_of(folder)


def ok(result):
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def runs_of(db_url) -> list[dict]:
    return json.loads(ok(rollover(db_url, "runs", "--json")).stdout)


def test_sync_makes_the_stored_rows_equal_the_bundle(engine, db_url, imported, tmp_path):
    folder = bundle(district(leaving=("S5", "S6"), changed=True), tmp_path / "synced")
    result = ok(rollover(db_url, "import", folder, "--sync"))
    run = runs_of(db_url)[0]
    assert run["kind"] == "import" and run["options"]["sync"] is True
    assert result.stdout.splitlines()[0] == (
        f"synced {folder}: inserted {run['counts']['inserted']}, updated "
        f"{run['counts']['updated']}, deleted {run['counts']['deleted']} rows; "
        f"run {run['run_id']}")

    assert stored_as_bundle(engine, tmp_path / "export") == lines_of(Path(folder))
    # S7 with household, member and enrollment; S1 and E2 changed; S5 and S6 with theirs gone,
    # and S5's override; HSA's boundary changed: it has no key but its columns, so it is
    # deleted and inserted again
    assert run["counts"] == {"inserted": 4 + 1, "updated": 2, "deleted": 4 * 2 + 1 + 1}
    assert "    deleted 'S5'" in result.stdout and "    deleted 'E6'" in result.stdout

    changes = export_changes(engine, run["run_id"], tmp_path / "changes")
    assert {counted: sum(row[counted] for row in changes) for counted in run["counts"]} == \
        run["counts"]  # what the run did, as `export --changes` writes it


def test_sync_test_reports_and_writes_nothing(engine, db_url, imported, tmp_path):
    folder = bundle(district(leaving=("S5", "S6"), changed=True), tmp_path / "synced")
    before = every_row(engine)
    result = ok(rollover(db_url, "import", folder, "--sync", "--test"))
    assert every_row(engine) == before  # not even a run record
    lines = result.stdout.splitlines()
    assert lines[0] == f"the sync of {folder} would insert 5, update 2, delete 10 rows"
    students = lines.index("  students.csv: 1 inserted, 1 updated, 2 deleted")
    assert lines[students + 1:students + 3] == ["    deleted 'S5'", "    deleted 'S6'"]
    enrollments = lines.index("  enrollments.csv: 1 inserted, 1 updated, 2 deleted")
    assert lines[enrollments + 1:enrollments + 3] == ["    deleted 'E5'", "    deleted 'E6'"]
    assert "    deleted 'S5' + 'HSB' + '2028' + ''" in lines  # the override: no key of its own
    assert lines[-1] == "a test: nothing was written"


def test_deleting_what_a_roll_forward_made_needs_confirm(engine, db_url, imported, tmp_path):
    forward = json.loads(ok(rollover(db_url, "forward", "--source-year", "2027",
                                     "--json")).stdout)["run_id"]
    folder = bundle(district(leaving=("S6",)), tmp_path / "synced")
    before = every_row(engine)

    tested = ok(rollover(db_url, "import", folder, "--sync", "--test"))
    needs = [line for line in tested.stdout.splitlines() if "needs --confirm" in line]
    assert len(needs) == 6 and all(f"in the undo log of run {forward} (forward)" in line
                                   for line in needs)

    result = rollover(db_url, "import", folder, "--sync")
    assert refused(result, "the sync would delete 6 rows that runs made or changed; look at "
                           "them, then sync again with --confirm; nothing was written")
    assert f"enrollments.csv: '{forward}-0000001': in the undo log of run {forward} (forward)" \
        in result.stderr
    assert every_row(engine) == before

    ok(rollover(db_url, "import", folder, "--sync", "--confirm"))
    assert stored_as_bundle(engine, tmp_path / "export") == lines_of(Path(folder))


def test_undo_of_a_sync_gives_back_the_store_row_by_row(engine, db_url, imported, tmp_path):
    ok(rollover(db_url, "forward", "--source-year", "2027"))
    before = district_rows(engine)
    folder = bundle(district(leaving=("S5", "S6"), changed=True), tmp_path / "synced")
    ok(rollover(db_url, "import", folder, "--sync", "--confirm"))
    sync = runs_of(db_url)[0]["run_id"]
    assert district_rows(engine) != before
    undone = json.loads(ok(rollover(db_url, "undo", sync, "--json")).stdout)
    assert undone["restored_runs"] == [sync]
    assert district_rows(engine) == before


def test_a_bundle_with_a_bad_row_is_refused_whole_and_writes_nothing(engine, db_url, imported,
                                                                     tmp_path):
    folder = Path(bundle(district(leaving=("S6",)), tmp_path / "synced"))
    with (folder / "students.csv").open("a", encoding="utf-8") as students:
        students.write("S9,S9,Doe,Jo,2012-02-30\r\n")
    before = every_row(engine)
    result = rollover(db_url, "import", str(folder), "--sync")
    assert "students.csv:7: birth_date: '2012-02-30' is not a date (YYYY-MM-DD)" in result.stderr
    assert refused(result, "import refused: 1 problem; nothing was written")
    assert every_row(engine) == before


def test_a_reference_to_a_row_the_sync_deletes_is_refused(engine, db_url, imported, tmp_path):
    d = district(leaving=("S6",))
    d.enroll("E9", "S6", "HSB27", "10")  # names a stored student its students.csv drops
    folder = bundle(d, tmp_path / "synced")
    before = every_row(engine)
    result = rollover(db_url, "import", folder, "--sync")
    assert ("enrollments.csv:7: student_id: 'S6' is not in students.csv: the sync deletes it "
            "from students.student_id") in result.stderr
    assert refused(result, "import refused: 1 problem; nothing was written")
    assert every_row(engine) == before


def test_a_deletion_a_file_left_out_forbids_is_refused_naming_it(engine, db_url, imported,
                                                                  tmp_path):
    folder = Path(bundle(district(leaving=("S5",)), tmp_path / "synced"))
    (folder / "assignment_overrides.csv").unlink()  # S5's override stays: it names S5
    before = every_row(engine)
    result = rollover(db_url, "import", str(folder), "--sync")
    assert ("students.csv: the sync would delete the row of student_id 'S5' (the file does not "
            "hold it), but 1 row of assignment_overrides.csv, not in the bundle, still names it"
            ) in result.stderr
    assert refused(result, "import refused: 1 problem; nothing was written")
    assert every_row(engine) == before


def test_files_left_out_are_left_alone(engine, imported, tmp_path):
    folder = Path(bundle(district(changed=True), tmp_path / "synced"))
    for name in ("boundaries.csv", "assignment_overrides.csv", "days.csv"):
        (folder / name).unlink()
    result = sync_bundle(engine, folder)
    assert "boundaries.csv" not in result.changes and "days.csv" not in result.changes
    stored = stored_as_bundle(engine, tmp_path / "export")
    assert stored["boundaries.csv"] == lines_of(imported)["boundaries.csv"]
    assert stored["days.csv"] == lines_of(imported)["days.csv"]
    assert stored["students.csv"] == lines_of(folder)["students.csv"]


def test_sync_and_replace_together_are_refused(db_url, imported, tmp_path):
    assert refused(rollover(db_url, "import", str(imported), "--sync", "--replace"),
                   "--sync and --replace: give one (--sync replaces rows as --replace does, "
                   "and deletes the stored rows the bundle's files do not hold)")
    assert refused(rollover(db_url, "import", str(imported), "--test"),
                   "--test goes with --sync")


def test_the_service_refuses_rows_runs_made_with_every_row_named(engine, imported, tmp_path):
    forward = roll_forward_run(engine)
    folder = Path(bundle(district(leaving=("S1",)), tmp_path / "synced"))
    with pytest.raises(SyncNeedsConfirmation) as refusal:
        sync_bundle(engine, folder)
    assert [(r.file, r.run_id, r.kind) for r in refusal.value.rows] == \
        [("enrollments.csv", forward, "forward")] * 6
    assert refusal.value.http_status == 409


def roll_forward_run(engine) -> str:
    from rollover.domain.forward.options import ForwardOptions
    from rollover.services.forward import roll_forward

    return roll_forward(engine, ForwardOptions(source_calendars=("HSA27", "HSB27"))).run.run_id


def test_an_import_job_syncs_through_the_http_api(api, tmp_path):
    folder = Path(bundle(district(), tmp_path / "upload"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    headers = api.as_user(ADMIN)
    answer = api.client.post("/api/v1/imports", files={"file": ("bundle.zip", out.getvalue())},
                             data={"sync": "true", "confirm": "true"}, headers=headers)
    assert answer.status_code == 202, answer.text
    run_job(api.engine, claim_next(api.engine, "test-worker"))
    job = api.client.get(f"/api/v1/jobs/{answer.json()['job_id']}", headers=headers).json()
    assert job["state"] == "succeeded", job["error"]
    assert stored_as_bundle(api.engine, tmp_path / "export")["students.csv"] == \
        lines_of(folder)["students.csv"]
    both = api.client.post("/api/v1/imports", files={"file": ("bundle.zip", out.getvalue())},
                           data={"sync": "true", "replace": "true"}, headers=headers)
    assert both.status_code == 400 and "replace and sync: give one" in both.text

"""`rollover export --changes RUN_ID --format csv OUT_DIR` (docs/interop.md, section 4): what a
real run of each kind inserted, updated and deleted, a CSV per bundle table it changed, and
`summary.csv`; and `GET /api/v1/runs/{run_id}/changes.zip`.

Runs on SQLite and PostgreSQL (`engine`, `db_url`); commands in process (tests/security_setup.py).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from rollover.bundle.format import FILES_BY_TABLE

from .api_setup import api, is_problem, quick_hashes  # noqa: F401 - fixtures
from .security_setup import END_DATE, load_district, refused, rollover, two_schools


def ok(result):
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def newest_run(db_url) -> dict:
    return json.loads(ok(rollover(db_url, "runs", "--json")).stdout)[0]


def ran(db_url, *args: str) -> dict:
    """Run a command that is a run; its record."""
    ok(rollover(db_url, *args))
    return newest_run(db_url)


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def exported(db_url, run_id: str, folder: Path) -> dict[str, list[dict]]:
    """`export --changes RUN_ID --format csv FOLDER`: every file written, by name, as rows."""
    result = ok(rollover(db_url, "export", "--changes", run_id, "--format", "csv", str(folder)))
    assert result.stdout.startswith(f"exported the changes of run {run_id}: ")
    files = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()}
    for name, text in files.items():
        header = text.splitlines()[0].split(",")
        if name != "summary.csv":
            columns = list(FILES_BY_TABLE[name.removesuffix(".csv")].column_names)
            assert header == ["action", *columns, *(f"before_{c}" for c in columns)]
    assert files["summary.csv"].splitlines()[0] == "table,inserted,updated,deleted"
    return {name: read_csv(text) for name, text in files.items()}


def summary(files: dict[str, list[dict]]) -> dict[str, tuple[int, int, int]]:
    return {r["table"]: (int(r["inserted"]), int(r["updated"]), int(r["deleted"]))
            for r in files["summary.csv"]}


def before(row: dict) -> dict:
    return {k.removeprefix("before_"): v for k, v in row.items() if k.startswith("before_")}


def after(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "action" and not k.startswith("before_")}


@pytest.fixture
def district(engine, tmp_path):
    return load_district(engine, tmp_path)


def test_forward_exports_the_enrollments_it_inserted(db_url, district, tmp_path):
    run = ran(db_url, "forward", "--source-year", "2027")
    files = exported(db_url, run["run_id"], tmp_path / "out")
    assert set(files) == {"enrollments.csv", "summary.csv"}
    rows = files["enrollments.csv"]
    assert [(r["action"], r["student_id"], r["calendar_id"], r["grade"], r["rolled_from"])
            for r in rows] == [("insert", "SA", "HSA28", "11", "EA"),
                               ("insert", "SB", "HSB28", "11", "EB")]
    assert rows[0]["enrollment_id"].startswith(run["run_id"])
    assert rows[0]["start_date"] == "2027-08-24" and rows[0]["end_date"] == ""
    assert all(set(before(r).values()) == {""} for r in rows)
    assert summary(files) == {"enrollments": (run["counts"]["rolled"], 0, 0)}


def test_a_module_run_exports_every_table_it_changed(db_url, district, tmp_path):
    ok(rollover(db_url, "process", "prepare", "--backup-dir", str(tmp_path / "backups")))
    run = json.loads(ok(rollover(db_url, "process", "run", "calendar", "--json")).stdout)
    files = exported(db_url, run["run_id"], tmp_path / "out")
    totals = run["totals"]
    counted = summary(files)
    assert counted == {t: (totals[t], 0, 0) for t in
                       ("calendars", "structures", "terms", "days", "grade_levels")}
    assert sum(i for i, _u, _d in counted.values()) == totals["rows_inserted"]
    assert {(r["calendar_id"], r["school_year"], r["requires_student_assignment"])
            for r in files["calendars.csv"]} == {("HSA28-2", "2028", "false"),
                                                 ("HSB28-2", "2028", "false")}
    assert {r["instructional"] for r in files["days.csv"]} <= {"true", "false"}


def test_the_calendar_wizard_exports_the_calendars_it_created(db_url, district, tmp_path):
    run = ran(db_url, "calendars", "roll", "--from-year", "2028")
    files = exported(db_url, run["run_id"], tmp_path / "out")
    assert summary(files) == {t: (run["counts"][t], 0, 0) for t in
                              ("calendars", "structures", "terms", "days", "grade_levels")}
    assert [(r["action"], r["calendar_id"], r["school_year"]) for r in files["calendars.csv"]] \
        == [("insert", "HSA29", "2029"), ("insert", "HSB29", "2029")]
    first_day = files["days.csv"][0]
    assert (first_day["calendar_id"], first_day["date"], first_day["instructional"]) == \
        ("HSA29", files["calendars.csv"][0]["start_date"], "true")


def test_end_batch_exports_its_updates_before_and_after(db_url, district, tmp_path):
    run = ran(db_url, "end-batch", "--calendar", "HSA27", "--end-date", END_DATE,
              "--end-status", "E01")
    files = exported(db_url, run["run_id"], tmp_path / "out")
    (row,) = files["enrollments.csv"]
    assert row["action"] == "update" and row["enrollment_id"] == "EA"
    assert (row["end_date"], row["end_status"]) == (END_DATE, "E01")
    assert (row["before_end_date"], row["before_end_status"]) == ("", "")
    assert {k: v for k, v in after(row).items() if k not in ("end_date", "end_status")} == \
        {k: v for k, v in before(row).items() if k not in ("end_date", "end_status")}
    assert summary(files) == {"enrollments": (0, run["counts"]["ended"], 0)}


def test_cleanup_exports_the_enrollments_it_deleted(db_url, district, tmp_path):
    ran(db_url, "forward", "--source-year", "2027")
    ok(rollover(db_url, "edit", "enrollments", "enrollment_id=EA", "--set",
                "end_date=2027-01-15", "--set", "end_status=W1"))
    run = ran(db_url, "cleanup", "--calendar", "HSA28")
    files = exported(db_url, run["run_id"], tmp_path / "out")
    (row,) = files["enrollments.csv"]
    assert row["action"] == "delete"
    assert (row["student_id"], row["calendar_id"], row["rolled_from"]) == ("SA", "HSA28", "EA")
    assert before(row) == after(row)  # the deleted row, its key naming it
    assert summary(files) == {"enrollments": (0, 0, run["counts"]["removed"])}


def test_an_edit_exports_the_row_before_and_after(db_url, district, tmp_path):
    run = ran(db_url, "edit", "students", "student_id=SA", "--set", "last_name=Changed")
    files = exported(db_url, run["run_id"], tmp_path / "out")
    (row,) = files["students.csv"]
    assert row["action"] == "update" and row["student_id"] == "SA"
    assert (row["last_name"], row["before_last_name"]) == ("Changed", "Doe")
    assert row["first_name"] == row["before_first_name"] == "SA"
    assert summary(files) == {"students": (0, run["counts"]["rows_updated"], 0)}


def test_an_import_replace_exports_the_rows_it_replaced_and_added(db_url, district, tmp_path):
    changed = two_schools()
    changed.rows["students"][0] = ("SA", "SA", "Renamed", "SA", None)
    changed.student("SC")
    run = ran(db_url, "import", str(changed.write_bundle(tmp_path / "changed")), "--replace")
    files = exported(db_url, run["run_id"], tmp_path / "out")
    assert [(r["action"], r["student_id"], r["last_name"], r["before_last_name"])
            for r in files["students.csv"]] == [("update", "SA", "Renamed", "Doe"),
                                                ("insert", "SC", "Doe", "")]
    assert summary(files) == {"students": (1, 1, 0)}  # rows equal to stored ones: unchanged


def test_a_run_undone_still_exports_what_it_did_and_the_undo_the_reverse(db_url, district,
                                                                          tmp_path):
    run = ran(db_url, "forward", "--source-year", "2027")
    done = exported(db_url, run["run_id"], tmp_path / "before")
    undo = json.loads(ok(rollover(db_url, "undo", run["run_id"], "--json")).stdout)
    assert newest_run(db_url)["run_id"] == undo["run_id"]
    assert exported(db_url, run["run_id"], tmp_path / "after") == done
    reverse = exported(db_url, undo["run_id"], tmp_path / "undo")
    rows = reverse["enrollments.csv"]
    assert [r["action"] for r in rows] == ["delete", "delete"]
    assert sorted(after(r)["enrollment_id"] for r in rows) == \
        sorted(after(r)["enrollment_id"] for r in done["enrollments.csv"])
    assert summary(reverse) == {"enrollments": (0, 0, 2)}


def test_a_run_that_changed_no_bundle_row_exports_the_summary_header_alone(db_url, district,
                                                                           tmp_path):
    ok(rollover(db_url, "check", "--year", "2027"))
    files = exported(db_url, newest_run(db_url)["run_id"], tmp_path / "out")
    assert files == {"summary.csv": []}


@pytest.mark.parametrize("case", ["unknown", "test", "format", "year", "not empty"])
def test_refusals_name_the_value_and_write_nothing(db_url, district, tmp_path, case):
    run_id = ran(db_url, "forward", "--source-year", "2027")["run_id"]
    out = tmp_path / "out"
    options = ["--format", "csv"]
    if case == "unknown":
        run_id, message = "nope", "unknown run 'nope' (see `rollover runs`)"
    elif case == "test":
        run_id = ran(db_url, "forward", "--source-year", "2027", "--test")["run_id"]
        message = f"run {run_id} was a Run Test: it changed nothing to export"
    elif case == "format":
        options, message = ["--format", "bundle"], \
            "format 'bundle': a run's changes are written as csv only"
    elif case == "year":
        options += ["--year", "2027"]
        message = "year 2027: a run's changes are all the run's, of every year; leave the year out"
    else:
        out.mkdir()
        (out / "keep.txt").write_text("mine")
        message = f"export folder {str(out)!r} exists and is not empty"
    result = rollover(db_url, "export", "--changes", run_id, *options, str(out))
    assert refused(result, message)
    if case == "not empty":
        assert [p.name for p in out.iterdir()] == ["keep.txt"]
    else:
        assert not out.exists()


def test_an_unknown_format_is_refused_by_the_command_line(db_url, district, tmp_path):
    result = rollover(db_url, "export", "--changes", "nope", "--format", "xml",
                      str(tmp_path / "out"))
    assert result.exit_code == 2 and "'xml'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_csv_belongs_to_changes(db_url, district, tmp_path):
    assert refused(rollover(db_url, "export", "--format", "csv", str(tmp_path / "out")),
                   "--format csv: for a run's changes (--changes RUN_ID); a district is "
                   "exported as a bundle")
    assert not (tmp_path / "out").exists()


def test_the_http_api_answers_the_changes_as_a_zip(api):
    headers = api.as_user("ann")  # a read: any signed-in user, as the run's other reads
    answer = api.client.get(f"/api/v1/runs/{api.run_id}/changes.zip", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert sorted(archive.namelist()) == ["enrollments.csv", "summary.csv"]
    rows = read_csv(archive.read("enrollments.csv").decode())
    assert {r["action"] for r in rows} == {"insert"} and len(rows) == 2
    assert read_csv(archive.read("summary.csv").decode()) == [
        {"table": "enrollments", "inserted": "2", "updated": "0", "deleted": "0"}]

    problem = is_problem(api.client.get("/api/v1/runs/nope/changes.zip", headers=headers), 404)
    assert problem["detail"] == "unknown run 'nope' (see `rollover runs`)"
    problem = is_problem(api.client.get(f"/api/v1/runs/{api.run_id}/changes.zip?format=xml",
                                        headers=headers), 400)
    assert problem["detail"] == "format 'xml': a run's changes are written as csv only"
    problem = is_problem(api.client.get(f"/api/v1/runs/{api.run_id}/changes.zip?year=2027",
                                        headers=headers), 400)
    assert problem["detail"].startswith("year 2027: ")
    is_problem(api.client.get(f"/api/v1/runs/{api.run_id}/changes.zip"), 401)


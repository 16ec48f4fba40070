"""The HTTP API's jobs (docs/serve.md, the contract's "Endpoints"): each job endpoint answers 202
and the job, or refuses at the request what its job would be refused for now (400 every problem,
409 a lock held now naming its holder, rows changed since, missing prerequisites, 413 an upload
over the limit); the job, run by a worker (`run_job` here), ends as `GET /jobs/{id}` and its
events tell; a Run through the API is the Run of the command line.

In process (fastapi's TestClient) on the district of tests/api_setup.py, SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile

import pytest
from sqlalchemy import func, select

from rollover.pause_points import hold_at
from rollover.services.jobs import claim_next, get_job, run_job
from rollover.store.schema import calendars, enrollments
from rollover.store.schema_server import jobs

from .api_setup import PASSWORD, api, is_problem, quick_hashes  # noqa: F401 - fixtures
from .security_setup import ADMIN, rollover, two_schools

V1 = "/api/v1"
RUN_TEST = {"source_year": 2027, "test": True}


def admin(api) -> dict:
    if not hasattr(api, "_admin"):
        api._admin = api.as_user(ADMIN)
    return api._admin


def queued(answer) -> dict:
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert job["state"] == "queued" and job["run_id"] is None and job["error"] is None, job
    assert set(job) >= {"job_id", "kind", "state", "progress", "run_id", "error"}
    return job


def work(api) -> dict:
    """The next queued job, run as a worker runs it; then as `GET /jobs/{id}` shows it."""
    job = claim_next(api.engine, "test-worker")
    assert job is not None
    run_job(api.engine, job)
    answer = api.client.get(f"{V1}/jobs/{job.job_id}", headers=admin(api))
    assert answer.status_code == 200, answer.text
    return answer.json()


def job_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(jobs)).scalar_one()


def next_year_enrollments(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(enrollments).join(
            calendars, calendars.c.calendar_id == enrollments.c.calendar_id)
            .where(calendars.c.school_year == 2028)).scalar_one()


def without_ids_and_times(value):
    """A run's object as two runs of the same decisions share it."""
    if isinstance(value, dict):
        return {k: without_ids_and_times(v) for k, v in value.items()
                if k not in ("run_id", "enrollment_id") and not k.endswith("_at")}
    if isinstance(value, list):
        return [without_ids_and_times(v) for v in value]
    return value


# -- forward ----------------------------------------------------------------------------------

def test_a_forward_run_test_job_is_202_then_succeeded_with_its_run(api):
    job = queued(api.client.post(f"{V1}/forward", json=RUN_TEST, headers=admin(api)))
    assert job["kind"] == "forward" and job["user"] == ADMIN
    done = work(api)
    assert (done["job_id"], done["state"], done["error"]) == (job["job_id"], "succeeded", None)
    run = api.client.get(f"{V1}/runs/{done['run_id']}", headers=admin(api)).json()
    assert (run["run_id"], run["mode"]) == (done["run_id"], "test")


def test_a_run_through_the_api_is_the_run_of_the_command_line(api, db_url):
    """The fixture's Run undone through the API (a restore job), Run again through the API;
    undone, and Run through the command line: the same object but ids and times."""
    restore = queued(api.client.post(f"{V1}/runs/{api.run_id}/restore", json={},
                                     headers=admin(api)))
    assert restore["kind"] == "undo" and work(api)["state"] == "succeeded"
    assert next_year_enrollments(api.engine) == 0
    queued(api.client.post(f"{V1}/forward", json={"source_year": 2027}, headers=admin(api)))
    done = work(api)
    assert done["state"] == "succeeded", done["error"]
    through_api = api.client.get(f"{V1}/runs/{done['run_id']}", headers=admin(api)).json()
    assert next_year_enrollments(api.engine) == 2
    undone = rollover(db_url, "undo", done["run_id"], "--json", user=ADMIN)
    assert undone.exit_code == 0, undone.stderr
    cli = rollover(db_url, "forward", "--source-year", "2027", "--json", user=ADMIN)
    assert cli.exit_code == 0, cli.stderr
    through_cli = json.loads(cli.stdout)
    assert set(through_cli) <= set(through_api)  # the run's object has forward --json's keys
    assert without_ids_and_times({k: through_api[k] for k in through_cli}) == \
        without_ids_and_times(through_cli)
    assert through_cli["rolled"]


def test_forward_options_are_refused_at_the_request_with_every_problem(api):
    bad = {"source_calendars": ["NOPE27"]}
    problem = is_problem(api.client.post(f"{V1}/forward", json=bad, headers=admin(api)), 400)
    assert problem["detail"] == "unknown source calendar 'NOPE27'", problem
    shape = is_problem(api.client.post(f"{V1}/forward", json={"source_year": "2027",
                                                              "colour": "red"},
                                       headers=admin(api)), 400)
    assert {e.get("field") for e in shape["errors"]} == {"source_year", "colour"}, shape
    several = {"source_calendars": ["HSA27", "NOPE27"], "local_start_status": "ZZ9",
               "dest_grade": "11"}
    problem = is_problem(api.client.post(f"{V1}/forward", json=several, headers=admin(api)), 400)
    assert problem["detail"] == "3 options refused; nothing was run", problem
    assert [e["message"] for e in problem["errors"]] == [
        "unknown source calendar 'NOPE27'",
        "unknown local start status 'ZZ9'",
        "--dest-grade '11' needs a destination calendar (--dest-calendar)"]
    assert job_count(api.engine) == 1  # the fixture's only


def test_a_forward_while_another_holds_the_lock_is_409_naming_it(api):
    """A Run held inside its transaction: a request then is refused, naming the Run's kind, its
    run id, its user and when it started; nothing is queued."""
    queued(api.client.post(f"{V1}/forward", json={**RUN_TEST, "test": False},
                           headers=admin(api)))
    plain = api.as_user("plain")  # signed in first: on SQLite a sign-in waits for the Run
    refusals = []

    def request_meanwhile():
        refusals.append(api.client.post(f"{V1}/forward", json=RUN_TEST, headers=plain))

    with hold_at("forward:planned", request_meanwhile):
        done = work(api)
    problem = is_problem(refusals[0], 409)
    detail = problem["detail"]
    assert "already in process" in detail and "roll forward Run, started by admin at " in detail
    assert f"run {done['run_id']}" in detail, detail
    assert job_count(api.engine) == 2  # the fixture's and the Run's


# -- following a job --------------------------------------------------------------------------

def test_an_unknown_job_is_404(api):
    for path in ("nope", "nope/events"):
        is_problem(api.client.get(f"{V1}/jobs/{path}", headers=admin(api)), 404)


def events(answer) -> list[dict]:
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "text/event-stream"), answer.text
    found = []
    for block in answer.text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith(":")]
        if lines:
            assert lines[0] == "event: job", block
            found.append(json.loads(lines[1].removeprefix("data: ")))
    return found


def test_events_follow_a_job_until_it_ends(api):
    job = queued(api.client.post(f"{V1}/forward", json=RUN_TEST, headers=admin(api)))
    worker = threading.Thread(target=work, args=(api,))
    worker.start()
    try:
        seen = events(api.client.get(f"{V1}/jobs/{job['job_id']}/events", headers=admin(api)))
    finally:
        worker.join()
    assert seen[-1]["state"] == "succeeded" and seen[-1]["run_id"]
    assert [s["state"] for s in seen] == sorted(
        (s["state"] for s in seen), key=["queued", "running", "succeeded"].index)
    again = events(api.client.get(f"{V1}/jobs/{job['job_id']}/events", headers=admin(api)))
    assert again == [seen[-1]]  # an ended job: its one event


# -- restore ----------------------------------------------------------------------------------

def test_a_restore_of_rows_changed_since_is_409_listing_them_unless_confirmed(api):
    with api.engine.begin() as conn:  # another program changes a row the Run wrote
        conn.execute(enrollments.update().where(enrollments.c.rolled_from == "EA")
                     .values(grade="12"))
    problem = is_problem(api.client.post(f"{V1}/runs/{api.run_id}/restore", json={},
                                         headers=admin(api)), 409)
    assert problem["detail"].startswith("1 row changed after the run would be lost")
    assert [c["what"] for c in problem["changed_after"]] == ["changed after the run: grade"]
    assert problem["changed_after"][0]["table"] == "enrollments"
    assert job_count(api.engine) == 1
    tested = queued(api.client.post(f"{V1}/runs/{api.run_id}/restore", json={"test": True},
                                    headers=admin(api)))
    assert work(api)["state"] == "succeeded" and next_year_enrollments(api.engine) == 2
    queued(api.client.post(f"{V1}/runs/{api.run_id}/restore", json={"confirm": True},
                           headers=admin(api)))
    done = work(api)
    assert done["state"] == "succeeded" and done["run_id"] and tested["kind"] == "undo"
    assert next_year_enrollments(api.engine) == 0


def test_a_restore_of_an_unknown_run_is_404(api):
    problem = is_problem(api.client.post(f"{V1}/runs/nope/restore", json={},
                                         headers=admin(api)), 404)
    assert problem["detail"].startswith("unknown run 'nope'")


# -- the year-end process ---------------------------------------------------------------------

def test_a_module_run_without_its_prerequisites_is_409_naming_them(api):
    problem = is_problem(api.client.post(f"{V1}/process/modules/registration/runs",
                                         json={"test": True}, headers=admin(api)), 409)
    assert "needs calendar to have run" in problem["detail"], problem
    queued(api.client.post(f"{V1}/process/modules/calendar/runs", json={"test": True},
                           headers=admin(api)))
    done = work(api)
    assert done["state"] == "succeeded" and done["run_id"], done


def test_prepare_and_finish_tests_are_jobs(api):
    for step in ("prepare", "finish"):
        job = queued(api.client.post(f"{V1}/process/{step}", json={"test": True},
                                     headers=admin(api)))
        done = work(api)
        assert (done["kind"], done["state"]) == (job["kind"], "succeeded" if step == "prepare"
                                                 else "failed"), done
    # finish before prepare: refused by the process, the job failed with its problem
    assert done["error"]["status"] == 400 and "not prepared" in done["error"]["detail"]
    assert done["error"]["type"].startswith("urn:rollover:problem:")


def test_a_backup_job_lands_in_the_servers_backup_folder(api):
    queued(api.client.post(f"{V1}/backups", json={"label": "before the roll"},
                           headers=admin(api)))
    done = work(api)
    assert done["state"] == "succeeded", done["error"]
    listed = api.client.get(f"{V1}/backups", headers=admin(api)).json()["items"]
    assert [b["label"] for b in listed if b["run_id"] == done["run_id"]] == ["before the roll"]


# -- import and export ------------------------------------------------------------------------

def bundle_zip(tmp_path, top: str | None = "district", spoil=None) -> bytes:
    folder = two_schools().write_bundle(tmp_path / "upload")
    if spoil:
        spoil(folder)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"{top}/{path.name}" if top else path.name)
    return out.getvalue()


def upload(api, data: bytes, **form: str):
    return api.client.post(f"{V1}/imports", files={"file": ("bundle.zip", data)},
                           data=form, headers=admin(api))


@pytest.mark.parametrize("top", [None, "district"])
def test_an_import_of_a_zip_is_a_job_that_loads_it(api, tmp_path, top):
    job = queued(upload(api, bundle_zip(tmp_path, top), replace="true"))
    assert job["kind"] == "import"
    done = work(api)
    assert done["state"] == "succeeded", done["error"]
    folder = get_job(api.engine, job["job_id"]).params["folder"]
    assert not (tmp_path / folder).exists()  # read once, then removed


def test_a_refused_import_fails_its_job_with_every_problem(api, tmp_path):
    def spoil(folder):
        with (folder / "students.csv").open("a", encoding="utf-8") as students:
            students.write("S9,1009,Doe,Jo,2012-02-30\nS8,1008,Roe,Al,2012-13-01\n")

    queued(upload(api, bundle_zip(tmp_path, spoil=spoil), replace="true"))
    done = work(api)
    assert done["state"] == "failed" and done["error"]["status"] == 400
    assert len(done["error"]["errors"]) >= 2, done["error"]
    assert all(e["file"] == "students.csv" and e["line"] for e in done["error"]["errors"])


@pytest.mark.parametrize("name, message", [
    ("../escape.csv", "climbs out of the folder"),
    ("/etc/escape.csv", "an absolute path"),
    ("a/b/deep.csv", "at the zip's root or in one top folder"),
])
def test_an_unsafe_zip_is_refused_and_nothing_is_kept(api, tmp_path, name, message):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("schools.csv", "x\n")
        archive.writestr(name, "x\n")
    problem = is_problem(upload(api, out.getvalue()), 400)
    assert message in json.dumps(problem), problem
    assert job_count(api.engine) == 1
    uploads = tmp_path / "rollover-uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_an_upload_over_the_limit_is_413(api, tmp_path, monkeypatch):
    from rollover.entrypoints.web import transfers

    monkeypatch.setattr(transfers, "MAX_UPLOAD_BYTES", 1000)
    monkeypatch.setattr("rollover.services.uploads.MAX_UPLOAD_BYTES", 1000)
    problem = is_problem(upload(api, bundle_zip(tmp_path)), 413)
    assert "over the limit of 1,000 bytes" in problem["detail"]
    assert job_count(api.engine) == 1


def test_an_export_is_a_zip_of_the_bundle(api):
    answer = api.client.get(f"{V1}/exports?format=bundle", headers=admin(api))
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        names = archive.namelist()
        assert "schools.csv" in names and "students.csv" in names
        assert archive.read("schools.csv").decode().count("HS") >= 2

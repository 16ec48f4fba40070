"""`GET /api/v1/exports?format=bundle` (docs/serve.md, "Export"): a small district's zip at once;
a large one's (over `EXPORT_JOB_ROWS`, lowered here) an `export` job whose succeeded job object
links to the zip, served to a signed-in user while the server keeps it (404 once removed).  Either
zip holds the files `rollover export` writes, byte for byte.  SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from rollover.services import exports

from .api_setup import api, is_problem, quick_hashes  # noqa: F401 - fixtures
from .security_setup import rollover
from .test_api_jobs import V1, admin, job_count, queued, work


@pytest.fixture(autouse=True)
def exports_folder(tmp_path, monkeypatch):
    folder = tmp_path / "exports"
    monkeypatch.setenv(exports.DIR_VARIABLE, str(folder))
    return folder


@pytest.fixture
def large(monkeypatch):
    """Every district is large: an export is a job."""
    monkeypatch.setattr(exports, "EXPORT_JOB_ROWS", 0)


def zip_files(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def cli_export(db_url: str, tmp_path) -> dict[str, bytes]:
    out = tmp_path / "cli-export"
    result = rollover(db_url, "export", str(out))
    assert result.exit_code == 0, result.stderr
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


def test_a_small_district_is_answered_at_once_as_rollover_export_writes_it(api, db_url,
                                                                           tmp_path):
    answer = api.client.get(f"{V1}/exports?format=bundle", headers=admin(api))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert zip_files(answer.content) == cli_export(db_url, tmp_path)
    assert job_count(api.engine) == 1  # the fixture's only: no job


def test_a_large_district_is_a_job_then_a_download_link(api, db_url, tmp_path, large,
                                                        exports_folder):
    job = queued(api.client.get(f"{V1}/exports?format=bundle&year=2027", headers=admin(api)))
    assert job["kind"] == "export" and job["result"] is None
    link = f"{V1}/exports/{job['job_id']}.zip"
    is_problem(api.client.get(link, headers=admin(api)), 404)  # not written yet
    done = work(api)
    assert (done["state"], done["error"], done["run_id"]) == ("succeeded", None, None), done
    assert done["result"] == {"download": link}
    answer = api.client.get(link, headers=admin(api))
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    assert zip_files(answer.content) == cli_export(db_url, tmp_path)
    is_problem(api.client.get(link), 401)  # only to a signed-in user
    assert [p.name for p in exports_folder.iterdir()] == [p.name for p in
                                                         exports_folder.glob("export-*.zip")]


def test_an_export_is_kept_for_a_while_then_its_link_is_404(api, large, monkeypatch):
    queued(api.client.get(f"{V1}/exports", headers=admin(api)))
    first = work(api)
    link = first["result"]["download"]
    assert api.client.get(link, headers=admin(api)).status_code == 200
    monkeypatch.setattr(exports, "EXPORT_KEEP", dt.timedelta(0))
    queued(api.client.get(f"{V1}/exports", headers=admin(api)))
    second = work(api)  # removes the zips older than EXPORT_KEEP
    problem = is_problem(api.client.get(link, headers=admin(api)), 404)
    assert "no longer kept" in problem["detail"], problem
    assert api.client.get(second["result"]["download"], headers=admin(api)).status_code == 200


def test_a_link_of_a_job_that_is_no_export_is_404(api):
    problem = is_problem(api.client.get(f"{V1}/exports/{api.job_id}.zip", headers=admin(api)),
                         404)
    assert problem["detail"] == f"job {api.job_id!r} is no finished export"
    is_problem(api.client.get(f"{V1}/exports/job-nope.zip", headers=admin(api)), 404)


def test_a_reviewer_exports_a_large_district_while_it_is_locked(api, large):
    """An export is a read: the read-only reviewer of a locked district may have it."""
    locked = api.client.put(f"{V1}/lock", json={"locked": True}, headers=api.as_user("keeper"))
    assert locked.status_code == 200, locked.text
    job = queued(api.client.get(f"{V1}/exports", headers=api.as_user("reader")))
    assert job["user"] == "reader"
    done = work(api)
    assert done["state"] == "succeeded", done["error"]
    assert api.client.get(done["result"]["download"],
                          headers=api.as_user("reader")).status_code == 200


@pytest.mark.parametrize("fmt", ["csv", "xml"])
def test_other_formats_are_400_naming_the_supported_ones(api, large, fmt):
    problem = is_problem(api.client.get(f"{V1}/exports?format={fmt}", headers=admin(api)), 400)
    assert problem["detail"] == f"format {fmt!r}: input should be 'bundle', 'edfi' or " \
                                "'oneroster'"
    assert job_count(api.engine) == 1

"""What a request checks before it queues a job (docs/jobs.md, "Checked at the request"), as
service functions: a lock held now named with its holder's run id, an undo's rows changed since,
a module's missing prerequisites, the user first; and an uploaded zip unpacked safely.

The district of tests/security_setup.py, on SQLite and PostgreSQL (`engine`).
"""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import text

from rollover.domain.forward.options import ForwardOptions
from rollover.pause_points import hold_at
from rollover.services.forward import FORWARD, roll_forward
from rollover.services.jobs import check_job, submit_checked
from rollover.services.process import MissingPrerequisites, NeedsConfirmation
from rollover.services.security import NotPermitted
from rollover.services.undo import RunNotFound
from rollover.services.unit_of_work import refuse_if_busy
from rollover.services.uploads import (
    MARK, UploadRefused, UploadTooLarge, discard_upload, unpack_bundle_zip,
)
from rollover.store.locks import AlreadyRunning

from .security_setup import ADMIN, add_users, load_district

RUN = ForwardOptions(source_calendars=("HSA27", "HSB27"))


@pytest.fixture
def district(engine, tmp_path):
    load_district(engine, tmp_path)
    return engine


def test_a_lock_held_now_is_refused_naming_the_holders_run(district):
    refused = []

    def meanwhile():
        with pytest.raises(AlreadyRunning) as caught:
            refuse_if_busy(district, FORWARD, test=True)
        refused.append(str(caught.value))

    with hold_at("forward:planned", meanwhile):
        report = roll_forward(district, RUN, user="ann")
    [message] = refused
    assert message.startswith("Enrollment roll forward is already in process (roll forward "
                              "Run, started by ann at "), message
    assert message.endswith(f" UTC, run {report.run.run_id})"), message
    refuse_if_busy(district, FORWARD)  # free again: nothing refused


def test_an_undo_of_rows_changed_since_needs_confirmation(district):
    run_id = roll_forward(district, RUN).run.run_id
    check_job(district, "undo", {"run_id": run_id})  # nothing changed since
    with district.begin() as conn:
        conn.execute(text("UPDATE enrollments SET grade = '12' WHERE rolled_from = 'EA'"))
    with pytest.raises(NeedsConfirmation) as refused:
        check_job(district, "undo", {"run_id": run_id})
    assert refused.value.http_status == 409
    assert [e["what"] for e in refused.value.problem_extensions()["changed_after"]] == [
        "changed after the run: grade"]
    check_job(district, "undo", {"run_id": run_id, "confirm": True})
    check_job(district, "undo", {"run_id": run_id, "test": True})
    with pytest.raises(RunNotFound):
        check_job(district, "undo", {"run_id": "nope"})


def test_a_module_run_without_its_prerequisites_is_409(district):
    with pytest.raises(MissingPrerequisites, match="needs calendar to have run") as refused:
        check_job(district, "module", {"module": "registration", "test": True})
    assert refused.value.http_status == 409
    check_job(district, "module", {"module": "calendar", "test": True})


def test_the_user_is_refused_before_the_district_is_looked_at(district):
    add_users(district, plain=[("calendar",)])
    with pytest.raises(NotPermitted, match="'registration' right"):
        submit_checked(district, "forward", {"source_calendars": ["NOPE27"]}, user="plain")
    job = submit_checked(district, "forward", {"source_year": 2027}, user=ADMIN)
    assert job.state == "queued"


# -- uploads ----------------------------------------------------------------------------------

def zipped(*entries: tuple[str, bytes], symlink: str | None = None) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, "/etc/passwd")
    out.seek(0)
    return out


def test_a_zip_in_one_top_folder_is_unpacked_flat_and_discarded_once_read(tmp_path):
    folder = unpack_bundle_zip(zipped(("d/schools.csv", b"a\n"), ("d/students.csv", b"b\n"),
                                      ("__MACOSX/d/._schools.csv", b"")), tmp_path / "up")
    assert sorted(p.name for p in folder.iterdir()) == ["schools.csv", "students.csv"]
    assert (folder.parent / MARK).is_file()
    discard_upload(folder)
    assert not folder.parent.exists()
    elsewhere = tmp_path / "mine"
    (elsewhere / "bundle").mkdir(parents=True)
    discard_upload(elsewhere / "bundle")  # not an upload: left alone
    assert elsewhere.exists()


@pytest.mark.parametrize("entries, symlink, message", [
    ([("../x.csv", b"")], None, "climbs out of the folder"),
    ([("/x.csv", b"")], None, "an absolute path"),
    ([("C:/x.csv", b"")], None, "not a plain relative name"),
    ([("x.csv", b"")], "link.csv", "a link or a special file"),
    ([("x.csv", b""), ("a/y.csv", b"")], None, "at the zip's root or in one top folder"),
    ([("a/x.csv", b""), ("b/y.csv", b"")], None, "at the zip's root or in one top folder"),
    ([], None, "holds no file"),
])
def test_an_unsafe_zip_is_refused_and_leaves_nothing(tmp_path, entries, symlink, message):
    with pytest.raises(UploadRefused) as refused:
        unpack_bundle_zip(zipped(*entries, symlink=symlink), tmp_path / "up")
    assert message in str(refused.value) + " ".join(refused.value.details())
    assert not (tmp_path / "up").exists() or not any((tmp_path / "up").iterdir())


def test_not_a_zip_is_refused(tmp_path):
    with pytest.raises(UploadRefused, match="not a zip file"):
        unpack_bundle_zip(io.BytesIO(b"schools.csv\n"), tmp_path / "up")


def test_a_zip_that_unpacks_over_the_limit_is_refused_before_it_unpacks(tmp_path):
    bomb = zipped(("x.csv", b"0" * 5_000_000))  # a few kilobytes, zipped
    with pytest.raises(UploadTooLarge) as refused:
        unpack_bundle_zip(bomb, tmp_path / "up", max_unpacked=1_000_000)
    assert refused.value.http_status == 413
    assert not (tmp_path / "up").exists()

"""One roll forward: `rollover forward` and the registration module of the year-end process go
through the same decision, writing and per-student report (services/forward.py), so they place
the same students the same way, and `rollover report RUN_ID` works for both.

On SQLite and PostgreSQL; commands in process.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from rollover.services.process import prepare, run_module

from .districts import District, stored_rows
from .security_setup import rollover


def district() -> District:
    """HSA closes 2026-27 (its 2027-28 calendar is the calendar module's); S1 moves up, S2 is
    retained, S3 graduates."""
    d = District(source_year=2027)
    d.school("HSA")
    d.calendar("HSA27", "HSA", 2027, ["10", "11", "12"])
    for student, grade, action in (("S1", "10", "promote"), ("S2", "11", "retain"),
                                   ("S3", "12", "promote")):
        d.student(student)
        d.enroll(f"{student}-27", student, "HSA27", grade, end_action=action)
    return d


def report(db_url, run_id: str, output: str):
    result = rollover(db_url, "report", run_id, "--format", output)
    assert result.exit_code == 0, (result.exit_code, result.stderr)
    return result.stdout


def placements(db_url, run_id: str) -> list[tuple]:
    """What the run decided, student by student, without its own ids."""
    rolled = json.loads(report(db_url, run_id, "json"))["rolled"]
    return sorted((r["student_id"], r["source_enrollment_id"], r["calendar_id"], r["grade"],
                   r["start_date"]) for r in rolled)


@pytest.fixture
def loaded(engine, tmp_path):
    district().load(engine, tmp_path / "bundle")
    return engine


def test_a_registration_run_places_like_forward_and_reports_alike(loaded, db_url, tmp_path):
    prepare(loaded, year=2027, backup_folder=tmp_path / "backups", use_pg_dump=False)
    run_module(loaded, "calendar")
    tested = json.loads(rollover(db_url, "forward", "--source-year", "2027", "--test",
                                 "--json").stdout)
    registration = run_module(loaded, "registration").run_id

    assert placements(db_url, registration) == placements(db_url, tested["run_id"])
    assert [p[0] for p in placements(db_url, registration)] == ["S1", "S2"]

    rows = list(csv.reader(io.StringIO(report(db_url, registration, "csv"))))
    rolled = [r for r in rows[1:] if r[0] == "rolled"]
    new_ids = {r[6] for r in rolled}
    stored = {row[0] for row in stored_rows(loaded, "enrollments")["enrollments"]}
    assert new_ids and new_ids <= stored  # the report names the enrollments written
    text = report(db_url, registration, "text")
    assert registration in text and "S1" in text


def test_a_registration_run_test_keeps_its_report_too(loaded, db_url, tmp_path):
    prepare(loaded, year=2027, backup_folder=tmp_path / "backups", use_pg_dump=False)
    run_module(loaded, "calendar")
    registration = json.loads(rollover(db_url, "process", "run", "registration", "--test",
                                       "--json").stdout)
    rolled = json.loads(report(db_url, registration["run_id"], "json"))["rolled"]
    assert [r["enrollment_id"] for r in rolled] == [None, None]  # a test names none

"""The year-end process and next-year exceptions pages answered in process (fastapi's
TestClient), where no browser is needed: a form without its CSRF token writes nothing; a
refusal is a page naming the bad value beside what it concerns (a module's missing
prerequisite, an unknown calendar beside its field, every problem of a file with its line), never
a stack trace; a user without the right is refused, naming it; a registration run's pages
lead to its roll forward results.  On SQLite and PostgreSQL, on the
two-school district of tests/security_setup.py."""

from __future__ import annotations

import re

from rollover.services import process
from rollover.services.exceptions import NEXT_YEAR_FIELDS
from rollover.services.run_pages import school_grade_totals

from .api_setup import quick_hashes  # noqa: F401 - fixture
from .districts import stored_rows
from .test_web_signin import signed_in_as, site, visitor  # noqa: F401 - fixtures

BAD_FILE = b"enrollment_id,end_action\nNOPE,retain\nEA,stay\n"


def upload(client, token: str | None, content: bytes = BAD_FILE):
    data = {"csrf_token": token} if token else {}
    return client.post("/exceptions/upload", data=data,
                       files={"file": ("bad.csv", content, "text/csv")})


def test_an_upload_without_the_csrf_token_writes_nothing(visitor, site):
    signed_in_as(visitor, "admin")
    before = stored_rows(site)
    answer = upload(visitor, None, b"enrollment_id,end_action\nEA,retain\n")
    assert answer.status_code == 403
    assert stored_rows(site) == before


def test_a_bad_file_lists_every_problem_with_its_line_and_writes_nothing(visitor, site):
    token = signed_in_as(visitor, "admin")
    before = stored_rows(site)
    answer = upload(visitor, token)
    assert answer.status_code == 400
    assert "2 problems in bad.csv; nothing was written" in answer.text
    assert "bad.csv:2: no enrollment &#39;NOPE&#39;" in answer.text
    assert "bad.csv:3: end_action: &#39;stay&#39; is not one of promote, retain, demote" in \
        answer.text
    assert "Traceback" not in answer.text
    assert stored_rows(site) == before


def test_a_user_without_the_right_is_refused_naming_it(visitor, site):
    token = signed_in_as(visitor, "ann")
    answer = upload(visitor, token, b"enrollment_id,end_action\nEA,retain\n")
    assert answer.status_code == 403
    assert "registration" in answer.text and "right" in answer.text


def test_an_unknown_calendar_is_refused_beside_its_field(visitor, site):
    token = signed_in_as(visitor, "admin")
    before = stored_rows(site)
    form = {name: "" for name in NEXT_YEAR_FIELDS}
    answer = visitor.post("/exceptions/enrollments/EA", data={
        **form, "next_calendar_id": "NOPE", "student_id": "SA", "csrf_token": token})
    assert answer.status_code == 400
    beside = re.search(r'id="error-EA-next_calendar_id">([^<]*)<', answer.text)
    assert beside, answer.text
    assert beside.group(1) == ("enrollments.next_calendar_id: &#39;NOPE&#39; does not exist in "
                               "calendars.calendar_id")
    assert stored_rows(site) == before


def test_the_next_year_fields_are_set_and_the_page_says_so(visitor, site):
    token = signed_in_as(visitor, "admin")
    answer = visitor.post("/exceptions/enrollments/EA", data={
        "end_action": "retain", "next_calendar_id": "", "next_structure_id": "",
        "next_grade": "", "student_id": "SA", "csrf_token": token})
    assert answer.status_code == 200
    assert re.search(r"Saved \(run <a href=\"/tasks/(edit-[^\"]+)\">\1</a>", answer.text), answer.text
    assert '<option value="retain" selected>' in answer.text


def test_a_student_is_found_by_name_and_an_unknown_one_is_a_page(visitor, site):
    signed_in_as(visitor, "admin")
    found = visitor.get("/exceptions", params={"q": "x" * 101})
    assert found.status_code == 400 and 'id="q-error"' in found.text
    missing = visitor.get("/exceptions/students/NOPE")
    assert missing.status_code == 404 and "unknown student &#39;NOPE&#39;" in missing.text


def test_a_module_before_its_prerequisite_is_refused_beside_it(visitor, site):
    token = signed_in_as(visitor, "admin")
    answer = visitor.post("/process/modules/registration/runs",
                          data={"mode": "test", "csrf_token": token})
    assert answer.status_code == 409
    beside = re.search(r'id="error-registration" role="alert">\s*<p class="error">([^<]*)<',
                       answer.text)
    assert beside and "needs calendar to have run for 2027 first" in beside.group(1)


def test_a_restore_of_an_unknown_run_is_a_page(visitor, site):
    token = signed_in_as(visitor, "admin")
    answer = visitor.post("/process/runs/nope/restore", data={"csrf_token": token})
    assert answer.status_code in (400, 404)
    assert "nope" in answer.text and "Traceback" not in answer.text


def test_a_registration_runs_pages_lead_to_its_roll_forward_results(visitor, site, tmp_path):
    """The registration module is the roll forward: its run's page and its task page link to
    the results page, whose totals per school and grade are the run's; a calendar run places no
    students and has no such link."""
    signed_in_as(visitor, "admin")
    process.prepare(site, user="admin", backup_folder=tmp_path / "backups")
    calendar = process.run_module(site, "calendar", user="admin")
    registration = process.run_module(site, "registration", user="admin")
    results = f'<a href="/forward/runs/{registration.run_id}">The roll forward results of this run</a>'
    for page in (f"/process/runs/{registration.run_id}", f"/tasks/{registration.run_id}"):
        answer = visitor.get(page)
        assert answer.status_code == 200 and results in answer.text, page
    for page in (f"/process/runs/{calendar.run_id}", f"/tasks/{calendar.run_id}"):
        assert "The roll forward results" not in visitor.get(page).text, page

    shown = visitor.get(f"/forward/runs/{registration.run_id}")
    assert shown.status_code == 200
    totals = school_grade_totals(site, registration.run_id)
    assert totals  # every enrollment the run decided: here, none placed (two calendars fit)
    placed = sum(row["next_year"] for row in totals)
    assert f'id="total-rolled">{placed:,}<' in shown.text
    for row in totals:
        assert re.search(rf'data-school="{row["school_id"]}" data-grade="{row["grade"]}">'
                         rf'.*?<td class="num">{row["this_year"]:,}</td>'
                         rf'<td class="num">{row["next_year"]:,}</td>', shown.text), row

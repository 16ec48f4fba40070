"""The next-year exceptions page in a real browser (Chromium): a student found by number, set to
retain, and a Run Test of that student alone (a roll forward job) shows them next year in the
same grade; an exception saved is undone from its run's task page; a CSV file of exceptions with
one bad row is refused naming its file and line, and writes nothing.  No console error and no serious accessibility violation on any page.  On
SQLite and PostgreSQL (tests/browser_setup.py)."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from rollover.store.schema import calendars, enrollments, students

from .browser_setup import assert_page_is_clean, site, watch  # noqa: F401 - fixture

JOB_TIMEOUT = 120_000


def current_enrollments(engine, limit: int) -> list[dict]:
    """Primary enrollments of 2027 in grades 2 to 5 without an end action, with their
    students."""
    e, s, c = enrollments.c, students.c, calendars.c
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(e.enrollment_id, e.grade, e.end_action, s.student_id, s.student_number,
                   s.first_name, s.last_name)
            .join(students, s.student_id == e.student_id)
            .join(calendars, c.calendar_id == e.calendar_id)
            .where(c.school_year == 2027, e.service_type == "primary", e.end_action.is_(None),
                   e.end_date.is_(None), e.grade.in_(("02", "03", "04", "05")))
            .order_by(e.enrollment_id).limit(limit)).mappings()]


def end_action_of(engine, enrollment_id: str):
    with engine.connect() as conn:
        return conn.execute(select(enrollments.c.end_action).where(
            enrollments.c.enrollment_id == enrollment_id)).scalar_one()


def test_a_retained_student_stays_in_their_grade_in_the_run_test(site, page):
    student = current_enrollments(site.engine, 1)[0]
    name = f"{student['first_name']} {student['last_name']}"
    seen = watch(page)
    site.sign_in(page)
    page.goto(f"{site.url}/exceptions")
    assert_page_is_clean(page, seen)
    page.get_by_label("Name or student number").fill(student["student_number"])
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=f"{student['last_name']}, {student['first_name']}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert_page_is_clean(page, seen)

    page.get_by_label("End action").select_option("retain")
    page.get_by_role("button", name=f"Save the next year of grade {student['grade']}").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    assert end_action_of(site.engine, student["enrollment_id"]) == "retain"
    expect(page.get_by_label("End action")).to_have_value("retain")
    assert_page_is_clean(page, seen)

    page.get_by_role("button", name=f"Run Test of {name}").click()
    decision = page.locator("#decision-job")
    expect(decision).to_contain_text("done.", timeout=JOB_TIMEOUT)
    row = page.get_by_role("table", name="Next year, as the rules decide").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td.grade")).to_have_text(student["grade"])
    expect(row).to_contain_text(re.compile(r"RF-\d+"))
    assert_page_is_clean(page, seen)


def test_a_file_with_one_bad_row_is_refused_naming_its_line_and_writes_nothing(site, page,
                                                                               tmp_path):
    good = current_enrollments(site.engine, 2)
    upload = tmp_path / "exceptions.csv"
    upload.write_text("enrollment_id,end_action,next_grade\n"
                      f"{good[0]['enrollment_id']},retain,\n"
                      "NOPE,demote,\n"
                      f"{good[1]['enrollment_id']},demote,\n", encoding="utf-8")
    seen = watch(page)
    site.sign_in(page)
    page.goto(f"{site.url}/exceptions")
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Upload").click()
    refusal = page.locator("#upload-error")
    expect(refusal).to_contain_text("1 problem in exceptions.csv; nothing was written")
    expect(refusal.get_by_role("listitem")).to_have_text(
        ["exceptions.csv:3: no enrollment 'NOPE'"])
    assert [end_action_of(site.engine, e["enrollment_id"]) for e in good] == [None, None]
    assert_page_is_clean(page, seen)

    upload.write_text("enrollment_id,end_action\n"
                      f"{good[0]['enrollment_id']},retain\n"
                      f"{good[1]['enrollment_id']},demote\n", encoding="utf-8")
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status").filter(has_text="exceptions.csv: 2 enrollments changed")
           ).to_be_visible()
    assert [end_action_of(site.engine, e["enrollment_id"]) for e in good] == ["retain",
                                                                              "demote"]
    assert_page_is_clean(page, seen)


def test_an_exception_is_undone_from_its_task_page(site, page):
    student = current_enrollments(site.engine, 2)[1]
    seen = watch(page)
    site.sign_in(page)
    page.goto(f"{site.url}/exceptions")
    page.get_by_label("Name or student number").fill(student["student_number"])
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=f"{student['last_name']}, {student['first_name']}").click()
    page.get_by_label("End action").select_option("retain")
    page.get_by_role("button", name=f"Save the next year of grade {student['grade']}").click()
    saved = page.get_by_role("status").filter(has_text="Saved")
    expect(saved).to_be_visible()
    assert end_action_of(site.engine, student["enrollment_id"]) == "retain"

    saved.get_by_role("link").click()  # the edit's run, on its task page
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Run edit-"))
    assert_page_is_clean(page, seen)
    page.get_by_role("link", name="Undo this run…").click()
    expect(page.locator("#changed-since")).to_have_text("No row has changed since the run.")
    assert_page_is_clean(page, seen)
    page.get_by_role("button", name="Undo the run").click()
    expect(page.locator("#status")).to_have_text("restored", timeout=JOB_TIMEOUT)
    expect(page.get_by_role("link", name="Undo this run…")).to_have_count(0)
    assert end_action_of(site.engine, student["enrollment_id"]) is None
    assert_page_is_clean(page, seen)

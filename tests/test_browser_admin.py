"""The district's administration pages in a real browser (Chromium), on SQLite and PostgreSQL
(tests/browser_setup.py): the projection draws its pictures and its tables hold the API's
numbers, and the maps of the district's attendance areas when it has some; an import with one bad row lists it by file and line and writes nothing; a backup is
made, listed, kept while its year is current, and restored once confirmed; a user added and
granted a right signs in; the district locked and unlocked.  Every page opened is checked clean
(no script error, no serious accessibility violation)."""

from __future__ import annotations


import json
import shutil
import zipfile

from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect

from rollover.domain.forward.options import ForwardOptions
from rollover.services.bundles import export_bundle
from rollover.services.forward import roll_forward, source_calendars_of_year
from rollover.services.security import lock_status
from rollover.store.bulk import insert_rows
from rollover.store.schema import boundary_areas

from .browser_setup import PASSWORD, assert_page_is_clean, site, watch  # noqa: F401 - fixture
from .bundle_edits import counts, read_csv, set_cell
from .security_setup import ADMIN

JOB_TIMEOUT = 60_000


def cells(rows) -> list[list[str]]:
    return [[c.strip() for c in row] for row in rows.evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.innerText))")]


def test_the_projection_draws_and_its_tables_hold_the_apis_numbers(site, page):
    year = 2027
    roll_forward(site.engine, ForwardOptions(
        source_calendars=tuple(source_calendars_of_year(site.engine, year))), user=ADMIN)
    seen = watch(page)
    site.sign_in(page)
    page.goto(f"{site.url}/projection")
    for chart in ("#grade-chart", "#flow-chart"):
        expect(page.locator(f"{chart} canvas, {chart} svg").first).to_be_visible()
        expect(page.locator(chart)).to_have_attribute("role", "img")
    api = page.request.get(f"{site.url}/api/v1/projection").json()
    assert api["year"] == year + 1 and api["flows"], api
    names = {s["school_id"]: s["name"] for s in api["schools"]}
    assert cells(page.locator("#grade-table tbody tr")) == [
        [s["name"], g["grade"], str(g["current"]), str(g["projected"]),
         f"{g['projected'] - g['current']:+d}" if g["projected"] != g["current"] else "0"]
        for s in api["schools"] for g in s["grades"]]
    assert cells(page.locator("#flow-table tbody tr")) == [
        [names[f["from_school_id"]], names[f["to_school_id"]], str(f["count"])]
        for f in api["flows"]]
    assert_page_is_clean(page, seen)

    page.get_by_label("Projected school year").fill("2040")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#year-error")).to_contain_text("2040")
    assert_page_is_clean(page, seen)


def test_the_projection_draws_the_attendance_areas_within_the_pages_policy(site, page):
    """The demo's schools given areas (the elementary's with a hole, the high school's in two
    parts): a map per grade span, each area's path named by its school, on a page that stays
    clean (its Content-Security-Policy refuses no style, no accessibility violation) and fits a
    phone's and a laptop's width."""
    roll_forward(site.engine, ForwardOptions(
        source_calendars=tuple(source_calendars_of_year(site.engine, 2027))), user=ADMIN)

    def ring(west, south, side):
        return [[west, south], [west + side, south], [west + side, south + side],
                [west, south + side], [west, south]]
    shapes = {
        "ELM0001": ("KG", "05", 2, 7, {"type": "Polygon", "coordinates": [
            ring(-122.40, 47.50, 0.20), ring(-122.35, 47.55, 0.05)]}),
        "MID0001": ("06", "08", 8, 10, {"type": "Polygon",
                                        "coordinates": [ring(-122.40, 47.50, 0.20)]}),
        "HIG0001": ("09", "12", 11, 14, {"type": "MultiPolygon", "coordinates": [
            [ring(-122.40, 47.50, 0.10)], [ring(-122.25, 47.60, 0.10)]]}),
    }
    with site.engine.begin() as conn:
        insert_rows(conn, boundary_areas, ["school_id", "name", "low_grade", "high_grade",
                                           "low_sequence", "high_sequence", "geometry"],
                    [(school, school, low, high, low_seq, high_seq, json.dumps(geometry))
                     for school, (low, high, low_seq, high_seq, geometry) in shapes.items()])
    seen = watch(page)
    site.sign_in(page)
    page.goto(f"{site.url}/projection")
    maps = page.locator("svg.area-map-picture")
    expect(maps).to_have_count(3)
    for number in range(3):
        expect(maps.nth(number)).to_be_visible()
        expect(maps.nth(number)).to_have_attribute("role", "img")
    api = page.request.get(f"{site.url}/api/v1/projection").json()
    names = {s["school_id"]: s["name"] for s in api["schools"]}
    titles = page.locator("svg.area-map-picture path > title").all_text_contents()
    assert [title.split(":")[0] for title in titles] == [names[school] for school in shapes]
    assert all(f"students projected for {api['year']}" in title for title in titles), titles
    # The borders and fills come from the stylesheet (none inline): a drawn area is filled.
    fill = page.locator("svg.area-map-picture path").first.evaluate(
        "path => getComputedStyle(path).fill")
    assert fill not in ("", "none", "rgb(0, 0, 0)"), fill
    assert_page_is_clean(page, seen)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 844})
        # The charts redraw at the new width in their resize handler (projection.js), which a
        # loaded machine may run a moment after the resize: the page must come to fit.
        fits = "() => document.documentElement.scrollWidth <= window.innerWidth"
        try:
            page.wait_for_function(fits, timeout=30_000)
        except PlaywrightTimeout:
            pass  # measured below, to name the overflow
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (width, overflow)
    assert_page_is_clean(page, seen)


def test_an_import_with_one_bad_row_lists_it_by_file_and_line_and_writes_nothing(
        site, page, tmp_path):
    stored = tmp_path / "stored"
    export_bundle(site.engine, stored)
    bundle = tmp_path / "bundle"
    shutil.copytree(stored, bundle)
    line = 4
    set_cell(bundle, "students.csv", line, "birth_date", "2011-02-30")
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        for path in sorted(bundle.iterdir()):
            packed.write(path, path.name)
    before = counts(site.engine)
    seen = watch(page)
    site.sign_in(page)
    page.goto(f"{site.url}/transfers")
    assert_page_is_clean(page, seen)
    page.get_by_label("Bundle zip").set_input_files(archive)
    page.get_by_label("Replace the stored rows").check()
    page.get_by_role("button", name="Import").click()
    outcome = page.locator("#import-outcome .job[data-state=failed]")
    expect(outcome).to_be_visible(timeout=JOB_TIMEOUT)
    expect(outcome.get_by_role("alert")).to_contain_text("nothing was written")
    expect(outcome.locator(".problems li")).to_have_count(1)
    expect(outcome.locator(".problems li")).to_contain_text(f"students.csv:{line}")
    expect(outcome.locator(".problems li")).to_contain_text("2011-02-30")
    assert counts(site.engine) == before
    export_bundle(site.engine, tmp_path / "after")
    for path in stored.iterdir():  # every row as it was
        assert read_csv(tmp_path / "after", path.name) == read_csv(stored, path.name), path.name
    assert_page_is_clean(page, seen)


def test_a_backup_is_made_listed_kept_for_the_current_year_and_restored(
        site, page, tmp_path, monkeypatch):
    monkeypatch.setenv("ROLLOVER_BACKUP_DIR", str(tmp_path / "backups"))
    seen = watch(page)
    site.sign_in(page)
    page.goto(f"{site.url}/backups")
    expect(page.get_by_text("No backup yet.")).to_be_visible()
    assert_page_is_clean(page, seen)
    page.get_by_label("Label (optional)").fill("before the year end")
    page.get_by_role("button", name="Make a backup").click()
    expect(page.locator(".job[data-state=succeeded]")).to_be_visible(timeout=JOB_TIMEOUT)
    listed = page.locator("#backup-list tbody tr")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("before the year end")
    assert_page_is_clean(page, seen)

    listed.get_by_role("button", name="Delete").click()  # YE-5: the current year's is kept
    expect(page.get_by_role("alert")).to_contain_text("cannot be deleted")
    expect(page.locator("#backup-list tbody tr")).to_have_count(1)
    assert_page_is_clean(page, seen)

    page.locator("#backup-list").get_by_role("link", name="Restore").click()
    expect(page.locator(".notice")).to_contain_text("rows")  # what the restore replaces
    assert_page_is_clean(page, seen)
    page.get_by_role("button", name="Restore the backup").click()
    expect(page.locator("#confirm-error")).to_be_visible()  # not confirmed: nothing queued
    page.get_by_label("I understand that every change since this backup is lost").check()
    page.get_by_role("button", name="Restore the backup").click()
    expect(page.locator(".job[data-state=succeeded]")).to_contain_text(
        "Restore", timeout=JOB_TIMEOUT)
    assert_page_is_clean(page, seen)


def test_a_user_added_and_granted_a_right_signs_in(site, page):
    seen = watch(page)
    site.sign_in(page)
    page.goto(f"{site.url}/users")
    assert_page_is_clean(page, seen)
    page.get_by_label("User name").fill("dana")
    page.get_by_label("Full name (optional)").fill("Dana Clerk")
    page.get_by_label("Password (at least 8 characters)").fill("short")
    page.get_by_role("button", name="Add the user").click()
    expect(page.locator("#add-error")).to_contain_text("at least 8 characters")
    page.get_by_label("Password (at least 8 characters)").fill(PASSWORD)
    page.get_by_role("button", name="Add the user").click()
    expect(page.get_by_role("status")).to_contain_text("User dana added.")

    school = page.request.get(f"{site.url}/api/v1/schools").json()["items"][0]["school_id"]
    for right, at in (("registration", school), ("calendar", "")):
        page.get_by_label("User", exact=True).select_option("dana")
        page.get_by_label("Right", exact=True).select_option(right)
        page.get_by_label("School id (blank: all schools)").fill(at)
        page.get_by_label("Read-only").check()
        page.get_by_role("button", name="Grant").click()
        expect(page.get_by_role("status")).to_contain_text(f"dana has {right} (read)")
    rows = page.locator("#users tbody tr[data-user=dana]")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="registration")).to_contain_text(school)
    assert_page_is_clean(page, seen)
    page.get_by_role("button", name="Revoke calendar at all schools from dana").click()
    expect(page.get_by_role("status")).to_contain_text("calendar at all schools taken from dana")
    expect(rows).to_have_count(1)
    assert_page_is_clean(page, seen)

    page.get_by_role("button", name="Sign out").click()
    site.sign_in(page, user="dana")
    expect(page.locator("form.signout")).to_contain_text("Signed in as dana")
    assert_page_is_clean(page, seen)


def test_the_district_is_locked_and_unlocked_after_a_confirmation(site, page):
    seen = watch(page)
    site.sign_in(page)
    page.goto(f"{site.url}/lock")
    expect(page.locator("#lock-state")).to_contain_text("not locked")
    assert_page_is_clean(page, seen)
    page.get_by_role("button", name="Lock the district").click()
    expect(page.locator("#lock-error")).to_contain_text("tick the box to confirm")
    assert not lock_status(site.engine).locked
    page.get_by_label("I confirm").check()
    page.get_by_role("button", name="Lock the district").click()
    expect(page.locator("#lock-state")).to_contain_text("locked for maintenance")
    expect(page.get_by_role("heading", name="Who can work while it is locked")).to_be_visible()
    expect(page.locator("main")).to_contain_text(ADMIN)
    assert lock_status(site.engine).locked
    assert_page_is_clean(page, seen)
    page.get_by_label("I confirm").check()
    page.get_by_role("button", name="Unlock the district").click()
    expect(page.locator("#lock-state")).to_contain_text("not locked")
    assert not lock_status(site.engine).locked
    assert_page_is_clean(page, seen)

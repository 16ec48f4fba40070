"""Signing in and out in a real browser (Chromium): a wrong password is refused, the pages
need a session, a locked district keeps an ordinary user out and lets the administrator in, and
every page the navigation reaches opens without a script error or a serious accessibility
violation.  On SQLite and PostgreSQL (tests/browser_setup.py)."""

from __future__ import annotations

from playwright.sync_api import expect

from rollover.services.security import set_lock

from .browser_setup import (  # noqa: F401 - fixture
    accessibility_violations, assert_page_is_clean, site, watch)
from .security_setup import ADMIN


def test_a_wrong_password_is_refused_and_the_right_one_signs_in(site, page):
    seen = watch(page)
    page.goto(f"{site.url}/")
    expect(page).to_have_url(f"{site.url}/signin")  # no session: the sign-in form
    assert_page_is_clean(page, seen)
    site.sign_in(page, password="not the password")
    expect(page.get_by_role("alert")).to_contain_text("wrong user name or password")
    site.sign_in(page)
    expect(page).to_have_url(f"{site.url}/")
    expect(page.locator("form.signout")).to_contain_text(f"Signed in as {ADMIN}")
    assert_page_is_clean(page, seen)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{site.url}/signin")
    page.goto(f"{site.url}/")
    expect(page).to_have_url(f"{site.url}/signin")  # the session ended on the server


def test_a_locked_district_keeps_an_ordinary_user_out_and_lets_the_administrator_in(site, page):
    set_lock(site.engine, True, user=ADMIN)
    seen = watch(page)
    page.goto(f"{site.url}/signin")
    expect(page.get_by_text("The system is locked for maintenance.")).to_be_visible()
    site.sign_in(page, user="clerk")
    expect(page.get_by_role("alert")).to_contain_text("the system is locked for maintenance")
    site.sign_in(page)
    expect(page).to_have_url(f"{site.url}/")
    assert_page_is_clean(page, seen)


def test_every_page_of_the_navigation_opens_cleanly(site, page):
    seen = watch(page)
    site.sign_in(page)
    navigation = page.get_by_role("navigation", name="Main")
    links = [(a.inner_text(), a.get_attribute("href"))
             for a in navigation.get_by_role("link").all()]
    assert links, "the navigation lists the pages"
    for name, href in links:
        answer = page.goto(f"{site.url}{href}")
        assert answer.status == 200, (name, href, answer.status)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_page_is_clean(page, seen)


def test_every_page_fits_a_phone_and_a_laptop_without_scrolling_sideways(site, page):
    """At 390 px (a phone) and 1,280 px: the page never scrolls sideways as a whole (a wide
    table scrolls inside its own box)."""
    site.sign_in(page)
    hrefs = [a.get_attribute("href") for a in
             page.get_by_role("navigation", name="Main").get_by_role("link").all()]
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 844})
        for href in hrefs:
            page.goto(f"{site.url}{href}")
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (width, href, overflow)


def test_the_checks_of_a_page_find_what_they_look_for(site, page):
    """The checks every page passes can fail: a control without a label is a serious
    violation, and a script the Content-Security-Policy forbids is a console error."""
    seen = watch(page)
    page.goto(f"{site.url}/signin")
    page.evaluate("""() => {
        const input = document.createElement("input");
        document.querySelector("main").append(input);
        const script = document.createElement("script");
        script.textContent = "window.ran = true";
        document.body.append(script);
    }""")
    assert "label" in {v["id"] for v in accessibility_violations(page)}
    assert not page.evaluate("() => window.ran === true")  # the inline script was refused
    assert any("Content Security Policy" in error for error in seen.errors), seen.errors

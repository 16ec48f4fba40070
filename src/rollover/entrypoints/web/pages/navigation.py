"""The pages the navigation lists, in the order a district works through its year end: (the
name a template's `active` gives, the path, the link's text).  Every page of the year end is
reachable from here; tests/test_browser_signin.py opens each."""

from __future__ import annotations

NAVIGATION: tuple[tuple[str, str, str], ...] = (
    ("home", "/", "Dashboard"),
    ("readiness", "/readiness", "Readiness"),
    ("forward", "/forward", "Roll forward"),
    ("exceptions", "/exceptions", "Next-year exceptions"),
    ("process", "/process", "Year-end process"),
    ("end-year", "/end-year", "End the old year"),
    ("tasks", "/tasks", "Tasks and reports"),
    ("projection", "/projection", "Projection"),
    ("transfers", "/transfers", "Import and export"),
    ("backups", "/backups", "Backups"),
    ("users", "/users", "Users and rights"),
    ("lock", "/lock", "Lock"),
)

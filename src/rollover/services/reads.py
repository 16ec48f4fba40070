"""What the read services share: lists read a page at a time (the HTTP API's paging rules:
`page` from 1, `per_page` from 1 to 1,000, 100 by default, and the answer `{"items", "page",
"per_page", "total"}`), and their refusals.

The refusals are of two kinds, so an entry point can tell them apart: a value a read cannot
answer (`ReadRefused`: a bad page, an unknown school to filter by ...) and a thing that does not
exist (`NotFound`: an unknown run).  Both name the value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..errors import RolloverError

DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 1_000
MAX_PAGE = 1_000_000_000  # far past any list's end, and its offset a 64-bit number


class ReadRefused(RolloverError):
    """A read asked with a value it cannot answer; the message names the value."""


class NotFound(RolloverError):
    """A read about something the district does not have; the message names it."""

    http_status = 404


@dataclass(frozen=True)
class Page:
    items: list[dict]
    page: int
    per_page: int
    total: int  # items over every page

    def as_json(self) -> dict:
        return {"items": [{key: _plain(value) for key, value in item.items()}
                          for item in self.items],
                "page": self.page, "per_page": self.per_page, "total": self.total}


def _plain(value):
    """A value as JSON holds it: dates as YYYY-MM-DD, lists and nested items as they are."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    return value


def check_paging(page: int, per_page: int) -> int:
    """The number of items before the page; refuses a page number or a page size out of range,
    naming it.  A page past the last one is no refusal: it is empty."""
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= MAX_PAGE:
        raise ReadRefused(f"page {page!r} is not a page number (1 to {MAX_PAGE:,})")
    if isinstance(per_page, bool) or not isinstance(per_page, int) or \
            not 1 <= per_page <= MAX_PER_PAGE:
        raise ReadRefused(f"per_page {per_page!r} is out of range (1 to {MAX_PER_PAGE:,})")
    return (page - 1) * per_page


def page_of(items: list, page: int, per_page: int) -> Page:
    """A page of a list read whole (a list that stays short: runs, users, backups), by the same
    paging rules as the lists read a page at a time."""
    offset = check_paging(page, per_page)
    return Page(items[offset:offset + per_page], page, per_page, len(items))


def check_year(year: int) -> int:
    """A school year given to a read (e.g. 2027); refuses what is not one, naming it."""
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
        raise ReadRefused(f"year {year!r} is not a school year (e.g. 2027)")
    return year

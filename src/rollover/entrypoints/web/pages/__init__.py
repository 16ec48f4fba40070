"""The web pages (docs/sign-in.md, "The pages"): server-rendered HTML over the same services as
the API, beside it on one app.  `install(app)` adds them: the sign-in form (`signin.py`), the
pages that need a session (`session.signed_in_pages()`: a session, and a CSRF token to write),
their stylesheet under /static, and the pages' answers to errors (a page, never a stack
trace)."""

from __future__ import annotations

import os
from importlib import import_module
from pkgutil import iter_modules

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from . import signin
from .rendering import STATIC, error_page
from .session import SignInNeeded, behind_proxy_setting, to_sign_in


def page_routers() -> list:
    """The `pages` router of every module of this package (one module a page or group of
    pages): a new page is a new module, found here without editing this file."""
    found = []
    for module in sorted(iter_modules(__path__), key=lambda m: m.name):
        imported = import_module(f"{__name__}.{module.name}")
        if module.name != "signin" and hasattr(imported, "pages"):
            found.append(imported.pages)
    return found


def install(app: FastAPI, *, behind_proxy: bool | None = None) -> None:
    """The pages on `app`.  `behind_proxy`: the server is reached through a proxy whose
    `X-Forwarded-Proto` says whether the browser used https (default: $ROLLOVER_BEHIND_PROXY,
    else no)."""
    if behind_proxy is None:
        behind_proxy = behind_proxy_setting(os.environ.get("ROLLOVER_BEHIND_PROXY"))
    app.state.behind_proxy = behind_proxy
    app.state.error_page = error_page  # problems.py answers a page outside the API
    for router in (signin.open_pages, signin.pages, *page_routers()):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(SignInNeeded, to_sign_in)

"""The home page: who is signed in, and whether the district is locked.  (The dashboard of the
year-end process takes its place.)"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from ....services.security import lock_status
from ..context import District
from .rendering import render
from .session import Session, signed_in_pages

pages = signed_in_pages()


@pages.get("/")
def home(request: Request, session: Session, engine: District) -> Response:
    return render(request, "home.html", {"title": "Home", "active": "home",
                                         "user": session.user,
                                         "locked": lock_status(engine).locked})

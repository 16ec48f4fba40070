"""The readiness page: the findings of the latest readiness check (YE-1) of the current year by
school and code, errors first, each naming its records; and POST /readiness/check, which runs
the check again as the signed-in user (it stores its own run, as `rollover check` does) and goes
back to the page that asked (this one or the dashboard)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from starlette.responses import RedirectResponse, Response

from ....errors import RolloverError
from ....services.school_readiness import check_year, year_readiness
from ..context import District
from .rendering import render
from .session import Session, signed_in_pages

pages = signed_in_pages()
READINESS = "/readiness"
GO_BACK_TO = ("/", READINESS)  # where the check's button may send the user back to
SHOWN = 200  # findings of one code shown at one school; the rest are counted


@pages.get(READINESS)
def readiness(request: Request, engine: District) -> Response:
    return _page(request, engine)


@pages.post(READINESS + "/check")
def run_check(request: Request, session: Session, engine: District,
              then: Annotated[str, Form()] = READINESS) -> Response:
    try:
        check_year(engine, user=session.user)
    except RolloverError as refused:
        return _page(request, engine, refused=str(refused), status=refused.http_status)
    return RedirectResponse(then if then in GO_BACK_TO else READINESS, status_code=303)


def _page(request: Request, engine: District, *, refused: str | None = None,
          status: int = 200) -> Response:
    found, problem = None, refused
    try:
        found = year_readiness(engine)
    except RolloverError as error:
        problem = problem or str(error)
    return render(request, "readiness.html", {"title": "Readiness", "active": "readiness",
                                              "readiness": found, "refused": problem,
                                              "shown": SHOWN}, status=status)

"""The dashboard: the year-end process as its steps (lock, quiet, backup, each module, switch)
with their states, as `GET /api/v1/process` gives them, and every school as not checked / not
ready / ready / done (services/school_readiness.py), with a button that runs the readiness check
again (readiness.py answers it).  A read the district cannot answer now (no current school
year ...) is said in place of its part."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from ....errors import RolloverError
from ....services import process
from ....services.school_readiness import year_readiness
from ....services.security import lock_status
from ..context import District
from .rendering import render
from .session import Session, signed_in_pages

pages = signed_in_pages()


@pages.get("/")
def home(request: Request, session: Session, engine: District) -> Response:
    steps, schools, refused = None, None, []
    try:
        steps = process.status(engine)
    except RolloverError as error:
        refused.append(str(error))
    try:
        schools = year_readiness(engine)
    except RolloverError as error:
        refused.append(str(error))
    return render(request, "home.html", {
        "title": "Dashboard", "active": "home", "user": session.user,
        "locked": lock_status(engine).locked, "process": steps, "readiness": schools,
        "refused": list(dict.fromkeys(refused))})

"""The lock page: whether the district is locked for maintenance, who can work while it is and
the scheduled tasks it disables (`services.security.lock_status`); locking and unlocking after
an explicit confirmation (`set_lock`, as the signed-in user)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from starlette.responses import Response

from ....errors import RolloverError
from ....services.security import lock_status, set_lock
from ..context import District
from .rendering import render
from .session import Session, signed_in_pages

pages = signed_in_pages()
NOT_CONFIRMED = "tick the box to confirm: {}"
ACTIONS = {"lock": True, "unlock": False}


@pages.get("/lock")
def lock(request: Request, engine: District) -> Response:
    return _page(request, engine)


@pages.post("/lock")
def change(request: Request, session: Session, engine: District,
           action: Annotated[str, Form()] = "", confirm: Annotated[str, Form()] = "") -> Response:
    """Lock (`action` lock) or unlock, once confirmed; a refusal shown beside the form."""
    if action not in ACTIONS:
        return _page(request, engine, status=400,
                     refused=f"action {action!r} is neither lock nor unlock")
    if confirm != "true":
        return _page(request, engine, status=400,
                     refused=NOT_CONFIRMED.format(_consequence(ACTIONS[action])))
    try:
        status = set_lock(engine, ACTIONS[action], user=session.user)
    except RolloverError as refused:
        return _page(request, engine, status=refused.http_status, refused=str(refused))
    return _page(request, engine, done="The district is locked for maintenance."
                 if status.locked else "The district is unlocked.")


def _consequence(locking: bool) -> str:
    return ("only the users listed here can sign in and work, and the scheduled tasks stop"
            if locking else "every user can sign in and work again, and the scheduled tasks "
            "run again")


def _page(request: Request, engine, *, status: int = 200, refused: str | None = None,
          done: str | None = None) -> Response:
    found = lock_status(engine)
    return render(request, "lock.html", {
        "title": "Lock", "active": "lock", "status": found.as_json(),
        "action": "unlock" if found.locked else "lock",
        "consequence": _consequence(not found.locked), "refused": refused, "done": done},
        status=status)

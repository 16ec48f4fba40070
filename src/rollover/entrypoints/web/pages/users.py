"""The users and rights page: every user with their rights; add a user with a password; grant a
right (all schools or one, read-only or write) and revoke one: `services.security`'s calls, as
the signed-in user, who needs the same rights as on the command line."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from starlette.responses import Response

from ....domain.security import READ, WRITE, known_rights
from ....errors import RolloverError
from ....services import security
from ..context import District
from .form_values import optional_text
from .rendering import render
from .session import Session, signed_in_pages

pages = signed_in_pages()
Text = Annotated[str, Form()]
ADD_FIELDS = {"name": "", "full_name": ""}
GRANT_FIELDS = {"user": "", "right": "", "school": "", "access": WRITE}


@pages.get("/users")
def users(request: Request, engine: District) -> Response:
    return _page(request, engine)


@pages.post("/users")
def add(request: Request, session: Session, engine: District, name: Text = "",
        full_name: Text = "", password: Text = "") -> Response:
    """Add a user with a password; a refusal is shown beside the form, its fields kept (never
    the password)."""
    try:
        added = security.add_user(engine, name.strip(), optional_text(full_name),
                                  user=session.user, password=password)
    except RolloverError as refused:
        return _page(request, engine, status=refused.http_status,
                     add_error=str(refused), add={"name": name, "full_name": full_name})
    return _page(request, engine, done=f"User {added.user_name} added.")


@pages.post("/users/rights")
def grant(request: Request, session: Session, engine: District, user: Text = "",
          right: Text = "", school: Text = "", access: Text = WRITE) -> Response:
    """Grant `right` to `user` at `school` (blank: all schools); granting again sets its
    access."""
    try:
        given = security.grant(engine, user, right, optional_text(school),
                               READ if access == READ else WRITE, user=session.user)
    except RolloverError as refused:
        return _page(request, engine, status=refused.http_status, grant_error=str(refused),
                     granted={"user": user, "right": right, "school": school,
                              "access": access})
    return _page(request, engine, done=f"{given.user_name} has {given.right} "
                 f"({given.access}) at {_where(given.school_id)}.")


@pages.post("/users/rights/revoke")
def revoke(request: Request, session: Session, engine: District, user: Text = "",
           right: Text = "", school: Text = "") -> Response:
    try:
        taken = security.revoke(engine, user, right, optional_text(school), user=session.user)
    except RolloverError as refused:
        return _page(request, engine, status=refused.http_status, refused=str(refused))
    return _page(request, engine, done=f"{taken.right} at {_where(taken.school_id)} taken from "
                 f"{taken.user_name}.")


def _where(school: str | None) -> str:
    return "all schools" if school is None else f"school {school}"


def _page(request: Request, engine, *, status: int = 200, done: str | None = None,
          refused: str | None = None, add_error: str | None = None, add: dict | None = None,
          grant_error: str | None = None, granted: dict | None = None) -> Response:
    return render(request, "users.html", {
        "title": "Users and rights", "active": "users",
        "users": [u.as_json() for u in security.list_users(engine)],
        "rights": known_rights(), "done": done, "refused": refused,
        "add_error": add_error, "add": add or ADD_FIELDS,
        "grant_error": grant_error, "granted": granted or GRANT_FIELDS}, status=status)

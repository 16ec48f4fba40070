"""Signing in and out of the pages: the sign-in form (GET, POST /signin) and POST /signout.

The sign-in form is the one form without a session, so its CSRF token is a double-submit one:
a random value in the `rollover_signin` cookie (SameSite=Strict, only for /signin) that the
form must repeat; another site can make a browser post the form but can neither read nor set
that cookie.  A signed-in request of the form goes to the home page."""

from __future__ import annotations

import re
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from ....errors import RolloverError
from ....services.security import lock_status
from ....services.sign_in import NotSignedIn, issue_token, revoke_token, signed_in
from ..context import District
from ..csrf import CSRF_FIELD, SESSION_COOKIE
from .rendering import render
from .session import SIGN_IN_PAGE, Session, forget_session, keep_session, over_https, \
    signed_in_pages

SIGN_IN_COOKIE = "rollover_signin"
HOME = "/"
_FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
EXPIRED_FORM = ("the sign-in form had expired, or the browser keeps no cookies for this site: "
                "sign in again")

open_pages = APIRouter(include_in_schema=False)
pages = signed_in_pages()


@open_pages.get(SIGN_IN_PAGE)
def sign_in_form(request: Request, engine: District) -> Response:
    if _has_session(request, engine):
        return RedirectResponse(HOME, status_code=303)
    return _form(request, engine)


@open_pages.post(SIGN_IN_PAGE)
def sign_in(request: Request, engine: District, user: Annotated[str, Form()] = "",
            password: Annotated[str, Form()] = "",
            csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    """Sign in: a session token in the session cookie, then the home page; a refusal shows the
    form again with its message (one for a wrong user name or password) and its status."""
    expected = request.cookies.get(SIGN_IN_COOKIE, "").encode()
    if not expected or not secrets.compare_digest(expected, csrf_token.encode("utf-8",
                                                                              "surrogatepass")):
        return _form(request, engine, status=403, message=EXPIRED_FORM, user=user)
    if not user.strip() or not password:
        return _form(request, engine, status=400, user=user,
                     message="enter your user name and your password")
    try:
        issued = issue_token(engine, user, password, kind="session")
    except RolloverError as refused:
        return _form(request, engine, status=refused.http_status, message=str(refused),
                     user=user)
    answer = RedirectResponse(HOME, status_code=303)
    keep_session(request, answer, issued.token)
    answer.delete_cookie(SIGN_IN_COOKIE, path=SIGN_IN_PAGE, httponly=True, samesite="strict",
                         secure=over_https(request))
    return answer


@pages.post("/signout")
def sign_out(request: Request, session: Session, engine: District) -> Response:
    """Sign out: the session's token is revoked on the server, the cookie forgotten."""
    try:
        revoke_token(engine, session.token)
    except NotSignedIn:  # ended meanwhile (another tab signed out): nothing left to end
        pass
    answer = RedirectResponse(SIGN_IN_PAGE, status_code=303)
    forget_session(request, answer)
    return answer


def _form(request: Request, engine, *, status: int = 200, message: str | None = None,
          user: str = "") -> Response:
    """The sign-in form, saying whether the district is locked, with the form's token (the one
    the browser has, else a new one) in its cookie and its hidden field."""
    token = request.cookies.get(SIGN_IN_COOKIE, "")
    if not _FORM_TOKEN.fullmatch(token):
        token = secrets.token_urlsafe(32)
    answer = render(request, "signin.html", {
        "title": "Sign in", "csrf_token": token, "locked": lock_status(engine).locked,
        "message": message, "user": user}, status=status)
    answer.set_cookie(SIGN_IN_COOKIE, token, path=SIGN_IN_PAGE, httponly=True,
                      samesite="strict", secure=over_https(request))
    return answer


def _has_session(request: Request, engine) -> bool:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return False
    try:
        return signed_in(engine, token).kind == "session"
    except NotSignedIn:
        return False

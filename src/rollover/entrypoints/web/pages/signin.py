"""Signing in and out of the pages: the sign-in form (GET, POST /signin) and POST /signout; and
in a district without users, the first administrator (POST /signin/first), made with the setup
code `rollover serve` printed when it started.

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
from ....services.security import add_user, lock_status
from ....services.sign_in import NotSignedIn, issue_token, revoke_token, signed_in
from ..context import District
from ..csrf import CSRF_FIELD, SESSION_COOKIE
from .rendering import render
from .session import SIGN_IN_PAGE, Session, forget_session, keep_session, over_https, \
    signed_in_pages

SIGN_IN_COOKIE = "rollover_signin"
FIRST_ADMINISTRATOR = SIGN_IN_PAGE + "/first"  # under /signin: the form's cookie goes with it
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
    if not _same(request.cookies.get(SIGN_IN_COOKIE, ""), csrf_token):
        return _form(request, engine, status=403, message=EXPIRED_FORM, user=user)
    if not user.strip() or not password:
        return _form(request, engine, status=400, user=user,
                     message="enter your user name and your password")
    try:
        issued = issue_token(engine, user, password, kind="session")
    except RolloverError as refused:
        return _form(request, engine, status=refused.http_status, message=str(refused),
                     user=user)
    return _signed_in(request, issued.token)


@open_pages.post(FIRST_ADMINISTRATOR)
def first_administrator(request: Request, engine: District,
                        setup_code: Annotated[str, Form()] = "",
                        user: Annotated[str, Form()] = "",
                        full_name: Annotated[str, Form()] = "",
                        password: Annotated[str, Form()] = "",
                        password_again: Annotated[str, Form()] = "",
                        csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    """The district's first user, with every right (as `rollover users add` makes the first),
    then signed in.  Needs the setup code this server printed when it started: whoever reaches
    the pages first must not become the administrator by being first."""
    def refused(status: int, message: str) -> Response:
        return _form(request, engine, status=status, message=message, user=user,
                     full_name=full_name)

    if not _same(request.cookies.get(SIGN_IN_COOKIE, ""), csrf_token):
        return refused(403, EXPIRED_FORM)
    expected = request.app.state.setup_code
    if expected is None:
        return refused(403, "this server has no setup code: start it with `rollover serve`, "
                            "which prints one while the district has no user")
    if not _same(expected, setup_code.strip()):
        return refused(403, "the setup code is not the one `rollover serve` printed when it "
                            "started")
    if password != password_again:
        return refused(400, "the two passwords differ")
    try:
        add_user(engine, user.strip(), full_name, user=None, password=password)
        issued = issue_token(engine, user.strip(), password, kind="session")
    except RolloverError as error:
        return refused(error.http_status, str(error))
    return _signed_in(request, issued.token)


def _same(expected: str, given: str) -> bool:
    """`given` is the non-empty `expected`, compared in constant time."""
    return bool(expected) and secrets.compare_digest(
        expected.encode(), given.encode("utf-8", "surrogatepass"))


def _signed_in(request: Request, token: str) -> Response:
    """The home page, with the new session in its cookie and the form's cookie gone."""
    answer = RedirectResponse(HOME, status_code=303)
    keep_session(request, answer, token)
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
          user: str = "", full_name: str = "") -> Response:
    """The sign-in form, saying whether the district is locked (in a district without users,
    the first administrator's form), with the form's token (the one the browser has, else a
    new one) in its cookie and its hidden field."""
    token = request.cookies.get(SIGN_IN_COOKIE, "")
    if not _FORM_TOKEN.fullmatch(token):
        token = secrets.token_urlsafe(32)
    status_now = lock_status(engine)
    first = status_now.open_district
    answer = render(request, "signin.html", {
        "title": "Create the first administrator" if first else "Sign in", "csrf_token": token,
        "locked": status_now.locked, "first": first, "message": message, "user": user,
        "full_name": full_name, "has_setup_code": request.app.state.setup_code is not None},
        status=status)
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

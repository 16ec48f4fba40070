"""Who is signed in (docs/sign-in.md): `Authorization: Bearer TOKEN` on every request to the API
but the two open ones, checked by `SignInGate` before the request is routed, so a request
without a valid token is answered 401 before its ids or its body are looked at.

The pages' scripts may call the API with the session cookie instead (`presented_token`, the one
place that finds the credentials of a request): a cookie signs in only a web session, and a
request that may write (POST, PUT, PATCH, DELETE) with it also needs the session's CSRF token in
`X-CSRF-Token` (`csrf.py`), else 403 before it is routed.  A bearer token needs none: no other
site can make a browser send it.

The acting user of every service call is the signed-in one (`current_user`), never a header or
a parameter."""

from __future__ import annotations

from typing import Annotated, NamedTuple

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from ...services.sign_in import NotSignedIn, SignedIn, signed_in
from . import problems
from .csrf import CSRF_HEADER, SESSION_COOKIE, UNSAFE_METHODS, CsrfRefused, check_csrf

API = "/api/v1"
# The only requests answered without a token: the API's description, and signing in.
OPEN = {("GET", f"{API}/openapi.json"), ("POST", f"{API}/tokens")}
STATE_KEY = "signed_in"

# Declares the bearer scheme in the OpenAPI; the gate below does the checking.
bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/tokens")


def needs_sign_in(method: str, path: str) -> bool:
    path = path.rstrip("/") or "/"
    return (path == API or path.startswith(API + "/")) and (method, path) not in OPEN


class Presented(NamedTuple):
    token: str
    by_cookie: bool  # the session cookie: a web session only, its CSRF token on writes


def presented_token(request: Request) -> Presented | None:
    """The token a request presents: `Authorization: Bearer TOKEN`, else the session cookie."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return Presented(token.strip(), by_cookie=False)
    cookie = request.cookies.get(SESSION_COOKIE)
    return Presented(cookie, by_cookie=True) if cookie else None


def _session_by_cookie(request: Request, who: SignedIn) -> None:
    """A cookie's token is a web session's, and a request that may write shows its CSRF token."""
    if who.kind != "session":
        raise NotSignedIn("not signed in: the session cookie holds no web session")
    if request.method in UNSAFE_METHODS:
        check_csrf(who.csrf_secret, request.headers.get(CSRF_HEADER),
                   where=f"the {CSRF_HEADER} header")


class SignInGate:
    """Answers 401 (a problem object) to any API request but the open ones that presents no
    valid token, and 403 to one that may write with the session cookie but without its CSRF
    token; otherwise records who signed in on the request's state."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not needs_sign_in(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        presented = presented_token(request)
        try:
            if presented is None:
                raise NotSignedIn("not signed in: send Authorization: Bearer TOKEN (a token "
                                  "from POST /api/v1/tokens)")
            # the application's engine, as every route reads it (app.state)
            who = await run_in_threadpool(signed_in, scope["app"].state.engine, presented.token)
            if presented.by_cookie:
                _session_by_cookie(request, who)
        except NotSignedIn as refused:
            answer = problems.response(problems.of_error(refused),
                                       headers={"WWW-Authenticate": "Bearer"})
            await answer(scope, receive, send)
            return
        except CsrfRefused as refused:
            await problems.response(problems.of_error(refused))(scope, receive, send)
            return
        scope.setdefault("state", {})[STATE_KEY] = (who, presented.token)
        await self.app(scope, receive, send)


def _signed_in(request: Request,
               _credentials: Annotated[HTTPAuthorizationCredentials | None,
                                       Depends(bearer)]) -> tuple[SignedIn, str]:
    found = getattr(request.state, STATE_KEY, None)
    if found is None:  # a route outside the gate's paths: never so for the API's own routes
        raise NotSignedIn("not signed in")
    return found


def current_user(found: Annotated[tuple[SignedIn, str], Depends(_signed_in)]) -> str:
    """The signed-in user's name: the acting user of every service the request calls."""
    return found[0].user_name


def current_token(found: Annotated[tuple[SignedIn, str], Depends(_signed_in)]) -> str:
    return found[1]


User = Annotated[str, Depends(current_user)]
Token = Annotated[str, Depends(current_token)]

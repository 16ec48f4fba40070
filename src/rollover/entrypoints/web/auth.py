"""Who is signed in (docs/sign-in.md): `Authorization: Bearer TOKEN` on every request to the API
but the two open ones, checked by `SignInGate` before the request is routed, so a request
without a valid token is answered 401 before its ids or its body are looked at.

The acting user of every service call is the signed-in one (`current_user`), never a header or
a parameter.  The web pages' session cookie will be read in `presented_token`, the one place
that finds the credentials of a request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from ...services.sign_in import NotSignedIn, SignedIn, signed_in
from . import problems

API = "/api/v1"
# The only requests answered without a token: the API's description, and signing in.
OPEN = {("GET", f"{API}/openapi.json"), ("POST", f"{API}/tokens")}
STATE_KEY = "signed_in"

# Declares the bearer scheme in the OpenAPI; the gate below does the checking.
bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/tokens")


def needs_sign_in(method: str, path: str) -> bool:
    path = path.rstrip("/") or "/"
    return (path == API or path.startswith(API + "/")) and (method, path) not in OPEN


def presented_token(headers) -> str | None:
    """The token a request presents: `Authorization: Bearer TOKEN`.  (The pages' session
    cookie is to be read here too.)"""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


class SignInGate:
    """Answers 401 (a problem object) to any API request but the open ones that presents no
    valid token; otherwise records who signed in on the request's state."""

    def __init__(self, app: ASGIApp, engine):
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not needs_sign_in(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        token = presented_token(request.headers)
        try:
            if token is None:
                raise NotSignedIn("not signed in: send Authorization: Bearer TOKEN (a token "
                                  "from POST /api/v1/tokens)")
            who = await run_in_threadpool(signed_in, self.engine, token)
        except NotSignedIn as refused:
            answer = problems.response(problems.of_error(refused),
                                       headers={"WWW-Authenticate": "Bearer"})
            await answer(scope, receive, send)
            return
        scope.setdefault("state", {})[STATE_KEY] = (who, token)
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

"""The web session of the pages (docs/sign-in.md, "The pages"): the `rollover_session` cookie
holding a `session` token, and the CSRF token every form that writes carries.

`signed_in_pages()` is the router of every page but the sign-in form: each of its routes needs a
valid session (else 303 to /signin; to htmx 401 with `HX-Redirect: /signin`) and, for a method that may write, the session's CSRF token
(form field `csrf_token` or header `X-CSRF-Token`; else a 403 page, before the route runs, so
nothing is written).  A page's forms get the token with `{{ csrf_field() }}`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from ....errors import RolloverError
from ....services.sign_in import NotSignedIn, signed_in
from ..auth import STATE_KEY
from ..csrf import (CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, UNSAFE_METHODS, check_csrf,
                    csrf_token)
from .rendering import SESSION_STATE

SIGN_IN_PAGE = "/signin"
HTMX_REQUEST, HTMX_REDIRECT = "HX-Request", "HX-Redirect"  # htmx's headers (htmx.org/reference)
TRUE, FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


class SignInNeeded(Exception):
    """A page asked for without a valid session: answered with the sign-in form."""

    def __init__(self, stale_cookie: bool):
        super().__init__("not signed in")
        self.stale_cookie = stale_cookie


@dataclass(frozen=True)
class PageSession:
    user: str
    token: str  # the session token: sign-out revokes it
    csrf_token: str


async def page_session(request: Request) -> PageSession:
    """The request's session, checked; and its CSRF token when the method may write."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInNeeded(stale_cookie=False)
    try:
        who = await run_in_threadpool(signed_in, request.app.state.engine, token)
    except NotSignedIn:
        raise SignInNeeded(stale_cookie=True) from None
    if who.kind != "session":
        raise SignInNeeded(stale_cookie=True)
    if request.method in UNSAFE_METHODS:
        presented, where = request.headers.get(CSRF_HEADER), f"the {CSRF_HEADER} header"
        if presented is None:
            field = (await request.form()).get(CSRF_FIELD)
            presented = field if isinstance(field, str) else None
            where = f"form field {CSRF_FIELD!r}"
        check_csrf(who.csrf_secret, presented, where=where)
    session = PageSession(who.user_name, token, csrf_token(who.csrf_secret))
    setattr(request.state, SESSION_STATE, session)
    setattr(request.state, STATE_KEY, (who, token))  # the request log names the user
    return session


Session = Annotated[PageSession, Depends(page_session)]


def signed_in_pages() -> APIRouter:
    """A router whose every route needs a session, and its CSRF token to write."""
    return APIRouter(dependencies=[Depends(page_session)], include_in_schema=False)


async def to_sign_in(request: Request, needed: SignInNeeded) -> Response:
    """To the sign-in form: a 303 for the browser; for a part of a page htmx asks for (a job's
    state it polls, a fragment it swaps in) a 401 telling htmx to take the whole page there,
    since following a redirect would put the sign-in form inside the part."""
    if request.headers.get(HTMX_REQUEST) == "true":
        answer = Response("not signed in", status_code=401, media_type="text/plain",
                          headers={HTMX_REDIRECT: SIGN_IN_PAGE})
    else:
        answer = RedirectResponse(SIGN_IN_PAGE, status_code=303)
    if needed.stale_cookie:
        forget_session(request, answer)
    return answer


# -- the cookie -------------------------------------------------------------------------------

def over_https(request: Request) -> bool:
    """Whether the browser reached the server over https: the request's scheme, or, only when
    the server is set to be behind a proxy, the proxy's `X-Forwarded-Proto`."""
    if request.app.state.behind_proxy:
        forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        if forwarded:
            return forwarded == "https"
    return request.url.scheme == "https"


def keep_session(request: Request, response: Response, token: str) -> None:
    """The session cookie: never read by scripts, not sent by other sites' forms or frames,
    only over https when the page came so; gone when the browser closes (the token expires on
    the server anyway)."""
    response.set_cookie(SESSION_COOKIE, token, path="/", httponly=True, samesite="lax",
                        secure=over_https(request))


def forget_session(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=over_https(request))


def behind_proxy_setting(value: str | None) -> bool:
    """`$ROLLOVER_BEHIND_PROXY`: 1/true/yes/on, or 0/false/no/off (unset: no proxy)."""
    said = (value or "").strip().lower()
    if said in TRUE or said in FALSE:
        return said in TRUE
    raise RolloverError(f"ROLLOVER_BEHIND_PROXY={value!r}: say 1, true, yes or on (the server is "
                     "behind a proxy that sets X-Forwarded-Proto), or 0, false, no or off")

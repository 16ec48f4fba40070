"""How a page is answered: a Jinja2 template (autoescaped) in `templates/`, with what every page
shows (who is signed in, the CSRF token of their forms), and the headers that keep a page to
itself (no caching, no framing, nothing loaded from elsewhere).  An error outside the API is a
page too (`error_page`): its message, never a stack trace."""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates
from starlette.types import Scope

from ..auth import API
from ..csrf import CSRF_FIELD
from .navigation import NAVIGATION

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
SESSION_STATE = "page_session"  # the request's PageSession, once `page_session` has checked it

HEADERS = {
    # A page carries a CSRF token and the district's data: kept by no cache.
    "Cache-Control": "no-store",
    # Everything from this server; no page inside another site's frame (clickjacking).
    "Content-Security-Policy": ("default-src 'self'; frame-ancestors 'none'; form-action 'self'; "
                                "base-uri 'none'; object-src 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@jinja2.pass_context
def csrf_field(context) -> Markup:
    """The hidden field every form that writes carries: `{{ csrf_field() }}`."""
    token = context.get("csrf_token")
    if not token:
        raise RuntimeError("csrf_field() in a page without a CSRF token")
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)


_environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                  trim_blocks=True, lstrip_blocks=True,
                                  undefined=jinja2.StrictUndefined)
_environment.globals["csrf_field"] = csrf_field
_environment.globals["navigation"] = NAVIGATION
templates = Jinja2Templates(env=_environment)


def render(request: Request, name: str, context: dict | None = None, *,
           status: int = 200) -> Response:
    """The page `name` with `context`, and the signed-in user and their CSRF token when the
    request has a session (a sign-in form passes its own `csrf_token`)."""
    session = getattr(request.state, SESSION_STATE, None)
    shown = {"signed_in_user": session.user if session else None,
             "csrf_token": session.csrf_token if session else None, "title": "",
             "active": None, **(context or {})}
    return templates.TemplateResponse(request, name, shown, status_code=status, headers=HEADERS)


def error_page(scope: Scope, problem: dict, headers: dict | None = None) -> Response | None:
    """A refusal or failure of a request outside the API as a page (None for the API's own,
    which answer problem objects): its title and message, and where to go on."""
    path = scope.get("path", "")
    if path == API or path.startswith(API + "/"):
        return None
    answer = render(Request(scope), "error.html",
                    {"title": problem["title"], "status": problem["status"],
                     "detail": problem["detail"],
                     "problems": [e["message"] for e in problem.get("errors", [])
                                  if e.get("message") != problem["detail"]]},
                    status=problem["status"])
    answer.headers.update(headers or {})
    return answer

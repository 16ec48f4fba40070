"""Every error the API answers is a problem object (RFC 9457, `application/problem+json`):
a refusal of a service (a RolloverError, its status from `http_status`), a request that does not
fit the endpoint (400, every problem listed), an unknown route (404), and anything unexpected
(500: logged here with its traceback, never shown).  Outside the API the same problem is
answered as a page (`answer`: the pages set `error_page` on the app's state)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from ...errors import TITLES, RolloverError, problem_details

log = logging.getLogger("rollover.web")

MEDIA_TYPE = "application/problem+json"
UNEXPECTED = ("the server failed unexpectedly; nothing of the request was written; the server's "
              "log has the details")


class ProblemEntry(BaseModel):
    """One problem found: its message, and where it applies the file, line, column, field and
    value."""

    model_config = ConfigDict(extra="allow")
    message: str
    file: str | None = None
    line: int | None = None
    column: int | str | None = None  # a bundle's problems name the column
    field: str | None = None
    value: Any = None


class Problem(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemEntry]


def problem_type(status: int) -> str:
    """A stable name for each status's problems: `urn:rollover:problem:not-signed-in` ..."""
    title = TITLES.get(status) or HTTPStatus(status).phrase
    return "urn:rollover:problem:" + title.lower().replace(" ", "-")


def problem_object(status: int, detail: str, errors: list[dict] | None = None) -> dict:
    return {"type": problem_type(status), "title": TITLES.get(status) or HTTPStatus(status).phrase,
            "status": status, "detail": detail, "errors": errors or [{"message": detail}]}


def of_error(error: RolloverError) -> dict:
    """A service's refusal as its problem object: `errors.problem_details` with its type."""
    return {"type": problem_type(error.http_status), **problem_details(error)}


def response(problem: dict, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(jsonable_encoder(problem), status_code=problem["status"],
                        media_type=MEDIA_TYPE, headers=headers)


def answer(scope: Scope, problem: dict, headers: dict | None = None) -> Response:
    """The problem object; for a request outside the API, the page the pages show for it."""
    error_page = getattr(scope["app"].state, "error_page", None) if "app" in scope else None
    page = error_page(scope, problem, headers) if error_page is not None else None
    return page if page is not None else response(problem, headers=headers)


# -- the handlers -----------------------------------------------------------------------------

async def _refused(request: Request, error: RolloverError) -> Response:
    return answer(request.scope, of_error(error))


async def _invalid(request: Request, error: RequestValidationError) -> Response:
    found = [_entry(e) for e in error.errors()]
    detail = found[0]["message"] if len(found) == 1 else \
        f"{len(found)} problems: " + "; ".join(f["message"] for f in found)
    return answer(request.scope, problem_object(400, detail, found))


def _entry(error: dict) -> dict:
    """A pydantic error as a problem entry naming the field and the value refused."""
    where = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path",
                                                                       "header")]
    field = ".".join(where) or "body"
    kind = error.get("type", "")
    reason = str(error.get("msg", "is refused"))
    if kind == "missing":
        return {"message": f"{field}: is required", "field": field}
    if "password" in field:  # a password is never said back, not even a wrong one
        return {"message": f"{field}: {reason[:1].lower()}{reason[1:]}", "field": field}
    value = jsonable_encoder(error.get("input"), custom_encoder={bytes: repr})
    if kind == "extra_forbidden" and error.get("loc", ("",))[0] == "query":
        return {"message": f"unknown query parameter {field!r} ({reason})", "field": field,
                "value": value}
    if kind == "extra_forbidden":
        return {"message": f"unknown field {field!r}", "field": field, "value": value}
    if kind == "value_error":  # a check of the whole body or field: its own message
        reason = str(error.get("ctx", {}).get("error", reason))
        return {"message": reason if field == "body" else f"{field}: {reason}", "field": field}
    if kind == "json_invalid":
        return {"message": f"the body is no JSON: {error.get('ctx', {}).get('error', reason)}",
                "field": "body"}
    return {"message": f"{field} {value!r}: {reason[:1].lower()}{reason[1:]}", "field": field,
            "value": value}


async def _http(request: Request, error: StarletteHTTPException) -> Response:
    if error.status_code == 404:
        detail = f"no such endpoint: {request.method} {request.url.path}"
    elif error.status_code == 405:
        allowed = methods_of(request.app, request.url.path)
        detail = f"{request.url.path} does not answer {request.method} (it answers " \
                 f"{', '.join(allowed)})"
        # Every method of the path: Starlette names only those of the first route matching it.
        return answer(request.scope, problem_object(405, detail),
                      headers={"Allow": ", ".join(allowed)})
    else:
        detail = str(error.detail)
    return answer(request.scope, problem_object(error.status_code, detail), headers=error.headers)


def methods_of(app: FastAPI, path: str) -> list[str]:
    """The methods some route of the app answers at `path` (HEAD with GET)."""
    methods: set[str] = set()
    for route in iter_route_contexts(app.routes):
        if route.methods and compile_path(route.path)[0].match(path):
            methods |= set(route.methods)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RolloverError, _refused)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_middleware(UnexpectedErrors)


class UnexpectedErrors:
    """Anything but a refusal: logged with its traceback, answered with a 500 problem that
    shows neither (no stack trace, no SQL).  Every write is one transaction, rolled back."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:  # noqa: BLE001 - the one place that answers the unexpected
            log.exception("%s %s failed unexpectedly", scope.get("method"), scope.get("path"))
            if started:
                raise
            await answer(scope, problem_object(500, UNEXPECTED))(scope, receive, send)


# The problem responses each route may give, for the OpenAPI document.
def responses(*statuses: int) -> dict:
    return {status: {"model": Problem, "description": TITLES.get(status, "Refused"),
                     "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            for status in statuses}

"""The HTTP API (the contract: docs/http-api.md): `create_app(engine)` serves it under /api/v1
on the district's engine, a thin layer over the same service functions as the command line.

Each router file is one group of endpoints; a new one is one `include_router` line below.  Every
route but the two open ones needs a signed-in user (`auth.SignInGate`, before routing); every
error is a problem object (`problems`); every request is logged (`logs`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy import Engine

from . import (
    backups, district, enrollments, jobs, problems, process, runs, security, tokens, transfers,
)
from ...errors import TITLES
from .auth import API, SignInGate, needs_sign_in
from .logs import RequestLog
from .queries import known_query_parameters
from .pages import install as install_pages

TITLE = "rollover"
DESCRIPTION = ("The year-end rollover of a K-12 student information system, over HTTP: the "
               "same rules, refusals, runs, lock and rights as the `rollover` command.")


def create_app(engine: Engine, *, backup_dir: str | Path | None = None,
               behind_proxy: bool | None = None, setup_code: str | None = None) -> FastAPI:
    """The API and the pages on `engine`.  `backup_dir`: the backup folder (default: as
    `rollover backup` finds it for this database); `behind_proxy`: trust `X-Forwarded-Proto`
    (default: $ROLLOVER_BEHIND_PROXY, see `pages.install`); `setup_code`: the code that makes
    the first administrator on the sign-in page while the district has no user (none: only
    `rollover users add` does)."""
    app = FastAPI(title=TITLE, description=DESCRIPTION, version="1",
                  openapi_url=f"{API}/openapi.json", docs_url=None, redoc_url=None,
                  dependencies=[Depends(known_query_parameters)])
    app.state.engine = engine
    app.state.backup_dir = backup_dir
    app.state.setup_code = setup_code
    for router in (tokens.router, district.router, runs.router, process.router,
                   security.router, enrollments.router, backups.router, jobs.router,
                   transfers.router):
        app.include_router(router, prefix=API)
    install_pages(app, behind_proxy=behind_proxy)
    problems.install(app)
    app.add_middleware(SignInGate)  # inside the log: a 401 is logged too
    app.add_middleware(RequestLog)
    app.openapi = lambda: _openapi(app)
    return app


def _openapi(app: FastAPI) -> dict:
    """FastAPI's document, true to what the server answers: problem responses as problem+json
    only; a refused request 400 (never FastAPI's 422); 401 on every route but the open ones;
    500 anywhere."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, openapi_version="3.1.0",
                             description=app.description, routes=app.routes)
        for path, methods in schema.get("paths", {}).items():
            for method, operation in methods.items():
                answers = operation.setdefault("responses", {})
                if answers.pop("422", None) is not None or operation.get("parameters"):
                    answers.setdefault("400", _problem(400))
                if needs_sign_in(method.upper(), path):
                    answers.setdefault("401", _problem(401))
                answers.setdefault("500", _problem(500))
                for answer in answers.values():
                    content = answer.get("content", {})
                    if problems.MEDIA_TYPE in content:
                        content.pop("application/json", None)
        for unused in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(unused, None)
        app.openapi_schema = schema
    return app.openapi_schema


def _problem(status: int) -> dict:
    return {"description": TITLES[status], "content": {problems.MEDIA_TYPE: {
        "schema": {"$ref": "#/components/schemas/Problem"}}}}

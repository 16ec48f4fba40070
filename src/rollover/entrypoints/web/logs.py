"""One log line per request on the `rollover.web` logger: method, path, status, the signed-in
user and, where the path names one, the run.  The query is left out: a search names students."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Receive, Scope, Send

from .auth import STATE_KEY

log = logging.getLogger("rollover.web")


class RequestLog:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.monotonic(), 500

        async def sending(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            signed = scope.get("state", {}).get(STATE_KEY)
            run_id = scope.get("path_params", {}).get("run_id")
            log.info("%s %s %d user=%s%s %.0fms", scope["method"], scope["path"], status,
                     signed[0].user_name if signed else "-",
                     f" run={run_id}" if run_id else "", (time.monotonic() - started) * 1000)

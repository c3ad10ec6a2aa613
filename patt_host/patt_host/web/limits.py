"""Request body size limit, enforced before the body is read (pure ASGI).

Every request body is capped at ``PATT_MAX_BODY_BYTES`` (default 1 MiB). A route that
needs more (an addon upload), or wants less (a small JSON form), declares its own limit with
``openapi_extra=body_limit(n)``; the route's limit then replaces the site's. A declared
``Content-Length`` over the limit is refused at once with 413; a chunked body is counted as
it streams and refused as soon as it passes the limit, so nothing large is buffered.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute

from patt_host.web.envelope import error_body

BODY_LIMIT_KEY = "x-patt-max-body-bytes"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def body_limit(max_bytes: int) -> dict[str, Any]:
    """``openapi_extra`` for a route that accepts bodies up to ``max_bytes`` (more or less than
    the site's ``PATT_MAX_BODY_BYTES``)."""
    if max_bytes < 1:
        raise ValueError("max_bytes must be positive")
    return {BODY_LIMIT_KEY: int(max_bytes)}


def route_body_limits(routes: list[BaseRoute]) -> list[tuple[re.Pattern[str], int]]:
    """(path pattern, limit) for the routes that declared their own limit with ``body_limit``."""
    found = []
    for route in routes:
        extra = getattr(route, "openapi_extra", None) or {}
        if BODY_LIMIT_KEY in extra and getattr(route, "path_regex", None) is not None:
            found.append((route.path_regex, int(extra[BODY_LIMIT_KEY])))
    return found


def _message(limit: int) -> str:
    return f"The request body is too large (at most {limit} bytes)."


def _refusal(limit: int) -> tuple[dict, dict]:
    body = json.dumps(error_body("payload_too_large", _message(limit))).encode()
    start = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class BodySizeLimitMiddleware:
    def __init__(self, app, *, max_bytes: int = DEFAULT_MAX_BODY_BYTES, routes_getter=None):
        self.app = app
        self.max_bytes = max_bytes
        self._routes_getter = routes_getter
        self._overrides: list[tuple[re.Pattern[str], int]] | None = None
        self._floor = max_bytes  # no route allows less: bodies up to this need no lookup

    def _load_overrides(self) -> list[tuple[re.Pattern[str], int]]:
        if self._overrides is None:
            self._overrides = route_body_limits(self._routes_getter()) if self._routes_getter else []
            self._floor = min([self.max_bytes, *(limit for _, limit in self._overrides)])
        return self._overrides

    def limit_for(self, path: str) -> int:
        for pattern, limit in self._load_overrides():
            if pattern.match(path):
                return limit
        return self.max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        declared = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
                break
        # The route table is consulted only for bodies over the smallest limit any route declared.
        self._load_overrides()
        if declared is not None and declared <= self._floor:
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope["path"])
        if declared is not None and declared > limit:
            start, body = _refusal(limit)
            await send(start)
            await send(body)
            return

        received = 0

        async def counting_receive():
            # Raised while the app reads the body; the app's error handler answers 413.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, detail=_message(limit))
            return message

        await self.app(scope, counting_receive, send)

"""Marks each HTTP/WebSocket request so the database uses its request timeouts (pure ASGI).

See ``sv_common.db.request_scope``: a visitor's request gets a 503 in seconds from a stalled
database, while jobs and the bot in the same process keep their longer limits.
"""

from __future__ import annotations

from typing import Any

from sv_common.db import request_scope


class RequestScopeMiddleware:
    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        with request_scope():
            await self.app(scope, receive, send)

"""Designed 409/422/503 answers end the request cleanly: no traceback, the connection stays open.

Starlette's catch-all ``Exception`` handler runs in ServerErrorMiddleware, which re-raises
after it has responded: uvicorn then logged "Exception in ASGI application" and closed the
keep-alive connection (behind nginx, a 502 for the next request on it, and a POST is not
retried). The failures here are real PostgreSQL refusals served by a real uvicorn.
"""

from __future__ import annotations

import asyncio
import http.client

import pytest
from fastapi import APIRouter
from sqlalchemy import text

from patt_host import hookimpl
from patt_host.testing import LiveServer, tracebacks
from patt_host.web import SessionDep, ok
from sv_common.auth.csrf import CSRF_HEADER, csrf_cookie_name, new_csrf_token


class Refusals:
    name = "refusals"

    @hookimpl
    def register_routers(self, host):
        router = APIRouter(prefix="/api/v1/refusals")

        @router.post("/duplicate", name="refusals.duplicate")
        async def duplicate(session: SessionDep):
            await session.execute(text("CREATE TEMP TABLE once (id int PRIMARY KEY) ON COMMIT DROP"))
            await session.execute(text("INSERT INTO once VALUES (1), (1)"))  # unique violation
            return ok({})

        @router.post("/out-of-range", name="refusals.out_of_range")
        async def out_of_range(session: SessionDep):
            await session.execute(text("SELECT 2147483647::int + 1"))  # integer out of range
            return ok({})

        @router.post("/stalled", name="refusals.stalled")
        async def stalled(session: SessionDep):
            await session.execute(text("SET LOCAL statement_timeout = '50ms'"))
            await session.execute(text("SELECT pg_sleep(2)"))  # canceled: statement_timeout
            return ok({})

        @router.get("/fine", name="refusals.fine")
        async def fine():
            return ok({"fine": True})

        return router


def two_requests_on_one_connection(server: LiveServer, host, path: str) -> list[tuple[int, str, object]]:
    """POST ``path`` (with a page's CSRF token) then GET /api/v1/refusals/fine over one connection."""
    token = new_csrf_token(host.secret)
    post_headers = {
        "Content-Length": "0",
        "Cookie": f"{csrf_cookie_name(host.settings.production)}={token}",
        CSRF_HEADER: token,
    }
    port = server.port
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.auto_open = 0  # a closed connection must fail the second request, not reopen
    connection.connect()
    answers = []
    try:
        for method, target in (("POST", path), ("GET", "/api/v1/refusals/fine")):
            connection.request(method, target, headers=post_headers if method == "POST" else {})
            response = connection.getresponse()
            answers.append((response.status, response.read().decode(), response.getheader("connection")))
    finally:
        connection.close()
    return answers


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/refusals/duplicate", 409, "conflict"),
        ("/api/v1/refusals/out-of-range", 422, "validation_failed"),
        ("/api/v1/refusals/stalled", 503, "service_unavailable"),
    ],
)
async def test_a_designed_failure_keeps_the_connection_and_logs_no_traceback(make_host, path, status, code):
    host = make_host(plugins=["refusals"], extra_plugins=[Refusals])
    server = LiveServer(host).start()
    try:
        with server.log() as log:
            answers = await asyncio.to_thread(two_requests_on_one_connection, server, host, path)
    finally:
        server.stop()
    (first_status, first_body, first_connection), (second_status, second_body, _) = answers
    assert first_status == status and f'"code":"{code}"' in first_body.replace(" ", ""), first_body
    assert first_connection != "close"
    assert second_status == 200 and '"fine":true' in second_body.replace(" ", "")
    assert not tracebacks(log)

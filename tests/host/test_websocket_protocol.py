"""uvicorn gets a WebSocket protocol only for a site that has a WebSocket route: the PATT site
has none (its start skips the websockets library and nothing can be upgraded), a plugin's
WebSocket route, however it is included, turns it on; a handshake carrying the login cookie is
accepted only from the site's own pages (cross-site WebSocket hijacking)."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import APIRouter, FastAPI, WebSocket
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidMessage, InvalidStatus

from patt_host import hookimpl
from patt_host.app import create_app, server_options, serves_websockets
from patt_host.testing.live import LiveServer
from sv_common.auth.constants import AUTH_COOKIE


class Echo:
    name = "echo"

    @hookimpl
    def register_routers(self, host):
        outer, inner = APIRouter(prefix="/api/v1/echo"), APIRouter()

        @inner.websocket("/socket")
        async def socket(websocket: WebSocket):
            await websocket.accept()
            await websocket.send_text(await websocket.receive_text())
            await websocket.close()

        outer.include_router(inner)  # nested: found through both included routers
        return outer


def test_only_a_site_with_a_websocket_route_gets_the_protocol(make_host):
    patt = make_host()
    assert server_options(patt, create_app(patt))["ws"] == "none"
    echo = make_host(plugins=["echo"], extra_plugins=[Echo])
    assert server_options(echo, create_app(echo))["ws"] == "auto"
    mounted = FastAPI()
    mounted.add_api_websocket_route("/ws", lambda websocket: None)
    outer = FastAPI()
    outer.mount("/sub", mounted)
    assert serves_websockets(outer.routes) and not serves_websockets(FastAPI().routes)


async def _exchange(server: LiveServer, path: str, **kwargs) -> str:
    async with connect(f"ws://127.0.0.1:{server.port}{path}", open_timeout=5, **kwargs) as socket:
        await socket.send("hello")
        return await socket.recv()


async def test_a_plugins_websocket_is_served_and_the_patt_site_upgrades_nothing(make_host):
    echo = LiveServer(make_host(plugins=["echo"], extra_plugins=[Echo])).start()
    try:
        assert await _exchange(echo, "/api/v1/echo/socket") == "hello"
        # With the login cookie (a browser): only from the site's own pages.
        cookie = {"Cookie": f"{AUTH_COOKIE}=anything"}
        own = f"http://127.0.0.1:{echo.port}"
        assert await _exchange(echo, "/api/v1/echo/socket", origin=own, additional_headers=cookie) == "hello"
        for origin in ("https://evil.example", None):
            with pytest.raises(InvalidStatus) as refused:
                await _exchange(echo, "/api/v1/echo/socket", origin=origin, additional_headers=cookie)
            assert refused.value.response.status_code == 403
        # The edge checks apply to a handshake's query too: refused, not a server error.
        with pytest.raises(InvalidStatus) as refused:
            await _exchange(echo, "/api/v1/echo/socket?name=a%00b")
        assert refused.value.response.status_code == 403
    finally:
        await asyncio.to_thread(echo.stop)
    patt = LiveServer(make_host()).start()
    try:
        with pytest.raises((InvalidStatus, InvalidMessage)):  # answered as plain HTTP, not upgraded
            await _exchange(patt, "/api/health")
    finally:
        await asyncio.to_thread(patt.stop)

"""uvicorn gets a WebSocket protocol only for a site that has a WebSocket route: the PATT site
has none (its start skips the websockets library and nothing can be upgraded, and an upgrade
request logs none of uvicorn's warnings about it), a plugin's WebSocket route, however it is
included, turns it on; a handshake carrying the login cookie is accepted only from the site's
own pages (cross-site WebSocket hijacking): scheme, host and port of ``BASE_URL`` when it is
configured, else of the handshake itself."""

from __future__ import annotations

import asyncio
import http.client
import json
import logging

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
    echo = LiveServer(make_host(plugins=["echo"], extra_plugins=[Echo], base_url=None)).start()
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


def upgrade_request(port: int, path: str) -> tuple[int, bytes]:
    """A browser's WebSocket handshake, sent as the plain HTTP request it is."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(
            "GET",
            path,
            headers={
                "Connection": "Upgrade",
                "Upgrade": "websocket",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            },
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


async def test_an_upgrade_request_to_a_site_without_websockets_is_answered_and_not_logged(make_host):
    server = LiveServer(make_host()).start()
    try:
        with server.log("uvicorn.error") as log:
            status, body = await asyncio.to_thread(upgrade_request, server.port, "/api/health")
            # The filter drops those two messages, nothing else.
            logging.getLogger("uvicorn.error").warning("another warning")
    finally:
        await asyncio.to_thread(server.stop)
    assert status == 200 and json.loads(body)["ok"] is True  # the normal answer, as plain HTTP
    messages = [r.getMessage() for r in log]
    assert not [m for m in messages if "upgrade" in m.lower() or "WebSocket" in m], messages
    assert "another warning" in messages


async def _opened(server: LiveServer, origin: str, **headers: str) -> bool:
    """Whether a handshake carrying the login cookie and ``origin`` is accepted (else a 403)."""
    try:
        reply = await _exchange(
            server,
            "/api/v1/echo/socket",
            origin=origin,
            additional_headers={"Cookie": f"{AUTH_COOKIE}=anything", **headers},
        )
    except InvalidStatus as refused:
        assert refused.response.status_code == 403
        return False
    return reply == "hello"


async def test_without_base_url_the_origin_must_match_the_handshakes_scheme_host_and_port(make_host):
    server = LiveServer(make_host(plugins=["echo"], extra_plugins=[Echo], base_url=None)).start()
    port = server.port
    try:
        assert await _opened(server, f"http://127.0.0.1:{port}")
        assert await _opened(server, f"HTTP://127.0.0.1:{port}/")  # scheme and host in any case
        for origin in (
            f"https://127.0.0.1:{port}",  # another scheme: another site
            f"http://127.0.0.1:{port + 1}",
            "http://127.0.0.1",  # port 80
            f"http://localhost:{port}",  # not the Host the handshake was sent to
            f"http://127.0.0.1:{port}.evil.example",
            "null",
        ):
            assert not await _opened(server, origin), origin
        # Behind a trusted proxy that terminates TLS (X-Forwarded-Proto), the page is https.
        assert await _opened(server, f"https://127.0.0.1:{port}", **{"X-Forwarded-Proto": "https"})
        assert not await _opened(server, f"http://127.0.0.1:{port}", **{"X-Forwarded-Proto": "https"})
    finally:
        await asyncio.to_thread(server.stop)


async def test_with_base_url_the_origin_must_be_the_configured_site(make_host):
    host = make_host(plugins=["echo"], extra_plugins=[Echo], base_url="https://guild.example/patt")
    server = LiveServer(host).start()
    try:
        # The proxy rewrote Host (the app sees 127.0.0.1:port): the handshake is still the site's.
        assert await _opened(server, "https://guild.example")
        assert await _opened(server, "https://guild.example:443")
        for origin in (
            "http://guild.example",
            "https://guild.example:8443",
            "https://evil.example",
            f"http://127.0.0.1:{server.port}",  # the Host it reached, but not the public site
        ):
            assert not await _opened(server, origin), origin
    finally:
        await asyncio.to_thread(server.stop)

"""Defect 8: request bodies are limited in the app, answered 413 before the body is read."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from patt_host import hookimpl
from patt_host.testing.live import LiveServer
from patt_host.web import body_limit, ok


class Uploads:
    name = "uploads"

    @hookimpl
    def register_routers(self, host):
        router = APIRouter()

        @router.post("/api/v1/uploads/echo", name="uploads.echo")
        async def echo(request: Request):
            return ok({"received": len(await request.body())})

        @router.post("/api/v1/uploads/big", name="uploads.big", openapi_extra=body_limit(3 * 1024 * 1024))
        async def big(request: Request):
            return ok({"received": len(await request.body())})

        @router.post("/api/v1/uploads/small", name="uploads.small", openapi_extra=body_limit(2048))
        async def small(request: Request):
            return ok({"received": len(await request.body())})

        return router


async def test_an_oversized_json_body_gets_413_in_the_envelope(client):
    body = b'{"username": "' + b"a" * (2 * 1024 * 1024) + b'", "password": "x"}'
    response = await client.post(
        "/api/v1/auth/login", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "payload_too_large" and "1048576 bytes" in error["message"]


async def test_a_chunked_body_is_cut_off_at_the_limit(make_client):
    client = await make_client(plugins=["uploads"], extra_plugins=[Uploads], patt_max_body_bytes=64 * 1024)

    async def chunks():
        for _ in range(100):
            yield b"x" * 1024

    response = await client.post("/api/v1/uploads/echo", content=chunks())
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"
    small = await client.post("/api/v1/uploads/echo", content=b"x" * 1000)
    assert client.data(small) == {"received": 1000}


async def test_a_route_may_declare_a_larger_limit(make_client):
    client = await make_client(plugins=["uploads"], extra_plugins=[Uploads])
    payload = b"x" * (2 * 1024 * 1024)
    assert (await client.post("/api/v1/uploads/echo", content=payload)).status_code == 413
    assert client.data(await client.post("/api/v1/uploads/big", content=payload)) == {
        "received": len(payload)
    }
    too_big = await client.post("/api/v1/uploads/big", content=b"x" * (3 * 1024 * 1024 + 1))
    assert too_big.status_code == 413


async def test_a_route_may_declare_a_smaller_limit(make_client):
    client = await make_client(plugins=["uploads"], extra_plugins=[Uploads])
    assert client.data(await client.post("/api/v1/uploads/small", content=b"x" * 2048)) == {"received": 2048}
    declared = await client.post("/api/v1/uploads/small", content=b"x" * 2049)
    assert declared.status_code == 413 and "2048 bytes" in declared.json()["error"]["message"]

    async def chunks():  # no Content-Length: counted as it streams
        for _ in range(3):
            yield b"x" * 1024

    streamed = await client.post("/api/v1/uploads/small", content=chunks())
    assert streamed.status_code == 413, streamed.text
    # Other routes keep the site's limit.
    assert client.data(await client.post("/api/v1/uploads/echo", content=b"x" * 4096)) == {"received": 4096}


async def test_the_refusal_comes_before_the_body_is_sent(make_host):
    """A client announcing 50 MB gets 413 at once, without sending a byte of the body."""
    server = LiveServer(make_host()).start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 52428800\r\n\r\n"
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
        writer.close()
    finally:
        server.stop()
    assert status_line.startswith(b"HTTP/1.1 413"), status_line

"""A plugin's WebSocket route reaches the host through the same public dependencies as an HTTP
route (``HostDep``, ``Member``, ``Officer``, ``require_rank``, ``SessionDep``, ``SiteSettingsDep``,
``plugin_state``): they take an ``HTTPConnection``, not a ``Request`` (which FastAPI hands to HTTP
routes only; a WebSocket handshake then failed with a 500 and a traceback). A refusal closes the
handshake with 1008, which uvicorn answers as an HTTP 403, and logs nothing; the session lives as
long as the connection and is committed or rolled back as for a request.

Served by a real uvicorn, logged in through identity's real login API."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from fastapi import APIRouter, Depends, WebSocket
from sqlalchemy import func, select
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from patt_host import hookimpl
from patt_host.testing import LiveServer, eventually, tracebacks
from patt_host.testing.members import TestMember
from patt_host.web import (
    HostDep,
    Member,
    Officer,
    SessionDep,
    SiteSettingsDep,
    plugin_state,
    require_rank,
)
from patt_sample.models import SampleItem
from sv_common.auth.constants import AUTH_COOKIE
from sv_common.errors import Conflict
from sv_common.identity.models import Player

PREFIX = "/api/v1/sockets"


class Sockets:
    name = "sockets"

    @hookimpl
    def register_routers(self, host):
        router = APIRouter(prefix=PREFIX)

        @router.websocket("/whoami")
        async def whoami(websocket: WebSocket, actor: Member, host: HostDep, session: SessionDep):
            # The name comes from the database through the route's session, not from the actor.
            name = await session.scalar(select(Player.display_name).where(Player.id == actor.player_id))
            await websocket.accept()
            await websocket.send_json({"name": name, "site": host.site.name})
            await websocket.close()

        @router.websocket("/officers")
        async def officers(websocket: WebSocket, actor: Officer, settings: SiteSettingsDep):
            await websocket.accept()
            await websocket.send_json({"officer": actor.display_name, "settings": isinstance(settings, dict)})
            await websocket.close()

        @router.websocket("/veterans", dependencies=[Depends(require_rank(3))])
        async def veterans(websocket: WebSocket, state=Depends(plugin_state("identity"))):
            await websocket.accept()
            await websocket.send_json({"state": type(state).__name__})
            await websocket.close()

        @router.websocket("/notes")
        async def notes(websocket: WebSocket, actor: Member, session: SessionDep):
            """Each message adds a row; "fail" refuses (a domain error after the accept)."""
            await websocket.accept()
            while (label := await websocket.receive_text()) != "done":
                if label == "fail":
                    raise Conflict("no more notes")
                session.add(SampleItem(label=label, owner_player_id=actor.player_id))
                await session.flush()
                await websocket.send_text("noted")
            await websocket.close()  # the host commits once the route returns

        return router


@pytest.fixture
async def server(make_host):
    host = make_host(plugins=["identity", "sockets"], extra_plugins=[Sockets], base_url=None)
    live = LiveServer(host).start()
    yield live
    await asyncio.to_thread(live.stop)


@pytest.fixture
def server_log(server):
    with server.log() as records:
        yield records


async def login(server: LiveServer, member: TestMember) -> str:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.post(
            "/api/v1/auth/login", json={"username": member.username, "password": member.password}
        )
    assert response.status_code == 200, response.text
    return response.json()["data"]["token"]


def as_cookie(server: LiveServer, token: str) -> dict:
    """How a browser on the site's own page opens the socket."""
    return {"origin": server.url, "additional_headers": {"Cookie": f"{AUTH_COOKIE}={token}"}}


def as_bearer(token: str) -> dict:
    return {"additional_headers": {"Authorization": f"Bearer {token}"}}


async def receive(server: LiveServer, path: str, **kwargs) -> dict:
    async with connect(f"ws://127.0.0.1:{server.port}{PREFIX}{path}", open_timeout=5, **kwargs) as socket:
        return json.loads(await socket.recv())


async def refused(server: LiveServer, path: str, **kwargs) -> int:
    with pytest.raises(InvalidStatus) as caught:
        await receive(server, path, **kwargs)
    return caught.value.response.status_code


async def test_the_host_dependencies_admit_and_refuse_on_a_websocket(server, server_log, guild_member):
    member = await guild_member("Member", name="Socket Member")
    officer = await guild_member("Officer", name="Socket Officer")
    member_token, officer_token = await login(server, member), await login(server, officer)

    # Anonymous: every checked route refuses the handshake (403), none of them as a server error.
    for path in ("/whoami", "/officers", "/veterans"):
        assert await refused(server, path) == 403
    # A member (cookie from the site's page, or bearer): in, and named from the database.
    expected = {"name": "Socket Member", "site": "patt"}
    assert await receive(server, "/whoami", **as_cookie(server, member_token)) == expected
    assert await receive(server, "/whoami", **as_bearer(member_token)) == expected
    # ... but not on the officers' route or a rank above theirs.
    assert await refused(server, "/officers", **as_cookie(server, member_token)) == 403
    assert await refused(server, "/veterans", **as_bearer(member_token)) == 403
    # An officer passes both, with the site settings and the plugin state at hand.
    assert await receive(server, "/officers", **as_bearer(officer_token)) == {
        "officer": "Socket Officer",
        "settings": True,
    }
    assert await receive(server, "/veterans", **as_cookie(server, officer_token)) == {
        "state": "IdentityState"
    }
    # A token that names nobody is anonymous.
    assert await refused(server, "/whoami", **as_bearer("not-a-token")) == 403

    assert not tracebacks(server_log), tracebacks(server_log)


async def test_the_session_lives_as_long_as_the_socket(server, server_log, guild_member, db):
    member = await guild_member("Member")
    token = await login(server, member)

    async def labels() -> list[str]:
        async with db.session() as session:
            rows = await session.scalars(
                select(SampleItem.label).where(SampleItem.owner_player_id == member.player_id)
            )
            return sorted(rows)

    url = f"ws://127.0.0.1:{server.port}{PREFIX}/notes"
    async with connect(url, open_timeout=5, **as_bearer(token)) as socket:
        for label in ("one", "two"):
            await socket.send(label)
            assert await socket.recv() == "noted"
        assert await labels() == []  # one transaction for the connection: nothing visible yet
        await socket.send("done")
        await socket.wait_closed()
    assert await eventually(labels) == ["one", "two"]  # committed when the route returned

    # A domain error after the accept closes the socket with 1008 and rolls the session back.
    async with connect(url, open_timeout=5, **as_bearer(token)) as socket:
        await socket.send("three")
        assert await socket.recv() == "noted"
        await socket.send("fail")
        with pytest.raises(ConnectionClosedError) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, "no more notes")
    async with db.session() as session:
        total = await session.scalar(
            select(func.count()).select_from(SampleItem).where(SampleItem.label == "three")
        )
    assert total == 0

    assert not tracebacks(server_log), tracebacks(server_log)

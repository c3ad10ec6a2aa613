"""The host-provided dependencies: SessionDep, SiteSettingsDep, plugin_state, Member."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import func, select

from patt_host import hookimpl
from patt_host.web import Member, SessionDep, SiteSettingsDep, ok, plugin_state
from patt_sample.models import SampleItem
from sv_common.errors import Conflict

BUILT: list[object] = []


class DepsState:
    def __init__(self, host, settings):
        self.host = host
        self.hits = 0
        BUILT.append(self)


StateDep = Annotated[DepsState, Depends(plugin_state("deps"))]


class DepsPlugin:
    name = "deps"
    requires = ("sample",)
    state_factory = DepsState

    @hookimpl
    def register_routers(self):
        router = APIRouter(prefix="/api/v1/deps")

        @router.post("/items", name="deps.add")
        async def add(session: SessionDep, label: str, fail: bool = False):
            session.add(SampleItem(label=label))
            await session.flush()
            if fail:
                raise Conflict("refused after the insert")
            return ok({"label": label})

        @router.get("/items", name="deps.count")
        async def count(session: SessionDep):
            return ok(await session.scalar(select(func.count()).select_from(SampleItem)))

        @router.get("/state", name="deps.state")
        async def state(state: StateDep, again: StateDep):
            state.hits += 1
            return ok({"same": state is again, "hits": state.hits, "id": id(state)})

        @router.get("/settings", name="deps.settings")
        async def settings(values: SiteSettingsDep):
            return ok(sorted(values))

        @router.get("/me", name="deps.me")
        async def me(actor: Member):
            return ok(actor.player_id)

        return router


def deps_client(make_client, **kwargs):
    return make_client(plugins=["identity", "sample", "deps"], extra_plugins=[DepsPlugin], **kwargs)


async def test_session_commits_before_the_response_and_rolls_back_on_error(make_client):
    client = await deps_client(make_client)
    added = await client.post("/api/v1/deps/items", params={"label": "kept"})
    assert added.status_code == 200, added.text
    # The next request (another session) already sees the row: committed before the answer.
    assert client.data(await client.get("/api/v1/deps/items")) == 1
    refused = await client.post("/api/v1/deps/items", params={"label": "dropped", "fail": "true"})
    assert refused.status_code == 409
    assert client.data(await client.get("/api/v1/deps/items")) == 1


async def test_plugin_state_is_built_once_per_open_host(make_client, make_host):
    BUILT.clear()
    host = make_host(plugins=["identity", "sample", "deps"], extra_plugins=[DepsPlugin])
    client = await make_client(host)
    first = client.data(await client.get("/api/v1/deps/state"))
    second = client.data(await client.get("/api/v1/deps/state"))
    assert first["same"] and second["hits"] == 2 and first["id"] == second["id"]
    assert len(BUILT) == 1 and BUILT[0].host is host
    assert host.plugin_state("deps") is BUILT[0]


async def test_plugin_state_is_dropped_when_the_host_closes(make_host):
    BUILT.clear()
    host = make_host(plugins=["identity", "sample", "deps"], extra_plugins=[DepsPlugin])
    async with host.running():
        first = host.plugin_state("deps")
    async with host.running():
        assert host.plugin_state("deps") is not first
    assert len(BUILT) == 2


async def test_site_settings_dependency(make_client):
    client = await deps_client(make_client)
    names = client.data(await client.get("/api/v1/deps/settings"))
    assert isinstance(names, list) and names == sorted(names)


async def test_member_needs_a_linked_account(make_client, guild_member):
    from patt_host.testing import log_in

    client = await deps_client(make_client)
    assert (await client.get("/api/v1/deps/me")).status_code == 401
    member = await guild_member("Member")
    await log_in(client, member)
    assert client.data(await client.get("/api/v1/deps/me")) == member.player_id

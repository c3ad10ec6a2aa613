"""Guild-sync test kit: a started fake Battle.net, a site with guild_sync pointed at it,
officer and member accounts made through the real services, and an upload key.

The fake server is the real one from ``sv_common.testing.fake_battlenet`` on loopback; the
plugin's real Blizzard client talks to it over HTTP.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from patt_guild_sync.services.apikeys import create_api_key
from patt_host import hookimpl
from sv_common.auth.service import create_invite, register_with_invite
from sv_common.identity import players as player_service
from sv_common.identity.characters import upsert_character
from sv_common.identity.models import GuildRank
from sv_common.identity.ranks import set_rank_override

PASSWORD = "correct horse battery"
REALM = "test-realm"
GUILD = "test-guild"
_serial = itertools.count(1)


@dataclass
class Account:
    player_id: int
    username: str


class Arrange:
    """Rows through the real services (each call commits)."""

    def __init__(self, db):
        self.db = db

    async def account(self, rank: str = "Officer") -> Account:
        async with self.db.session() as s:
            player = await player_service.create_player(s, display_name=f"Player {next(_serial)}")
            rank_id = await s.scalar(select(GuildRank.id).where(GuildRank.name == rank))
            await set_rank_override(s, player.id, rank_id)
            invite = await create_invite(s, player_id=player.id)
            username = f"user{next(_serial)}"
            await register_with_invite(s, code=invite.code, username=username, password=PASSWORD)
            return Account(player.id, username)

    async def character(self, name: str, realm: str = REALM, **fields) -> int:
        async with self.db.session() as s:
            character, _ = await upsert_character(s, name=name, realm_slug=realm, **fields)
            return character.id

    async def api_key(self, player_id: int | None = None, name: str = "companion") -> str:
        async with self.db.session() as s:
            return (await create_api_key(s, name=name, player_id=player_id)).key

    async def link(self, player_id: int, character_id: int) -> None:
        async with self.db.session() as s:
            await player_service.link_character(s, player_id=player_id, character_id=character_id)


@pytest.fixture
def arrange(db) -> Arrange:
    return Arrange(db)


class EventRecorder:
    """A test-only plugin that records every domain event the host delivers."""

    name = "event_recorder"
    requires = ()
    settings_model = None

    def __init__(self):
        self.events: list[tuple[str, dict]] = []

    @hookimpl
    def handle_event(self, event):
        self.events.append((event.name, dict(event.data)))

    def named(self, name: str) -> list[dict]:
        return [data for event, data in self.events if event == name]


@pytest.fixture
def recorder() -> EventRecorder:
    return EventRecorder()


PLUGINS = ["identity", "guild_sync", "event_recorder"]


@pytest.fixture
async def site(make_client, recorder):
    """A site with identity + guild_sync, no Blizzard configuration (uploads need none)."""
    return await make_client(plugins=PLUGINS, extra_plugins=[recorder])


@pytest.fixture
async def synced_site(blizzard_env, make_client, recorder):
    """The site with guild_sync configured against the fake Battle.net."""
    return await make_client(plugins=PLUGINS, extra_plugins=[recorder])


async def _log_in(client, account: Account) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"username": account.username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def log_in():
    """``await log_in(client, account)``: the client keeps the session cookie."""
    return _log_in

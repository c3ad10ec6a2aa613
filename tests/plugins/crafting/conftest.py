"""Crafting test kit: the fake Battle.net with a generated guild, guild_sync pointed at it,
the roster synced by the real roster job, and accounts made through the real services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from patt_host.jobs import run_job
from sv_common.auth.service import create_invite, register_with_invite
from sv_common.identity import players as player_service
from sv_common.identity.models import GuildRank, WowCharacter
from sv_common.identity.ranks import set_rank_override

PASSWORD = "correct horse battery"
REALM, GUILD = "craft-realm", "craft-guild"
PLUGINS = ["identity", "guild_sync", "crafting"]
SYNC = "crafting.sync_professions"
_serial = itertools.count(1)


@dataclass
class Account:
    player_id: int
    username: str


@pytest.fixture
def blizzard_guild() -> tuple[str, str]:
    return REALM, GUILD


@pytest.fixture
def blizzard_retries() -> int:
    return 1


@pytest.fixture
def guild(battlenet):
    return battlenet.generate_guild(REALM, GUILD, 8)


@pytest.fixture
async def site(blizzard_env, guild, make_client):
    """identity + guild_sync + crafting against the fake, with the roster synced."""
    client = await make_client(plugins=PLUGINS)
    run = await run_job(client.host, "guild_sync.sync_roster", trigger="manual")
    assert run.status == "succeeded", run.error
    return client


async def _sync(site, **kwargs):
    run = await run_job(site.host, SYNC, trigger=kwargs.pop("trigger", "manual"), kwargs=kwargs)
    assert run.status == "succeeded", run.error
    return run


async def _character_id(db, name: str) -> int:
    async with db.session() as s:
        return await s.scalar(select(WowCharacter.id).where(WowCharacter.character_name == name))


@pytest.fixture
def sync():
    """``await sync(site, **job_kwargs)``: run the profession sync job; it must succeed."""
    return _sync


@pytest.fixture
def character_id(db):
    """``await character_id(name)``: the row id of a synced character."""
    return lambda name: _character_id(db, name)


class Arrange:
    def __init__(self, db):
        self.db = db

    async def account(self, rank: str = "Member", *, ping: bool = False) -> Account:
        async with self.db.session() as s:
            player = await player_service.create_player(s, display_name=f"Player {next(_serial)}")
            rank_id = await s.scalar(select(GuildRank.id).where(GuildRank.name == rank))
            await set_rank_override(s, player.id, rank_id)
            player.crafting_notifications_enabled = ping
            invite = await create_invite(s, player_id=player.id)
            username = f"crafter{next(_serial)}"
            await register_with_invite(s, code=invite.code, username=username, password=PASSWORD)
            return Account(player.id, username)

    async def link(self, player_id: int, *character_names: str) -> None:
        for name in character_names:
            cid = await _character_id(self.db, name)
            async with self.db.session() as s:
                await player_service.link_character(s, player_id=player_id, character_id=cid)


@pytest.fixture
def arrange(db) -> Arrange:
    return Arrange(db)


async def _log_in(client, account: Account) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"username": account.username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def log_in():
    """``await log_in(client, account)``: the client keeps the session cookie."""
    return _log_in

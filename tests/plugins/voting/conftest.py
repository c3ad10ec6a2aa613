"""Voting test setup: members with accounts (through the real invite + registration services),
bearer tokens for them, an officer's shortcuts for building campaigns through the API, and the
guild's synced Discord channels (a campaign's channel must be one of them).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from patt_host.testing.pytest_plugin import TEST_SECRET
from sv_common.auth.service import create_invite, register_with_invite, token_for_user
from sv_common.identity.models import GuildRank
from sv_common.identity.players import create_player
from sv_common.identity.ranks import set_rank_override

_numbers = itertools.count(1)


@dataclass
class Voter:
    player_id: int
    user_id: int
    token: str
    username: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Members:
    def __init__(self, db):
        self.db = db

    async def add(self, rank: str | None = "Member", name: str | None = None) -> Voter:
        n = next(_numbers)
        async with self.db.session() as s:
            player = await create_player(s, display_name=name or f"Voter {n}")
            if rank is not None:
                await self._set_rank(s, player.id, rank)
            invite = await create_invite(s, player_id=player.id)
            user = await register_with_invite(
                s, code=invite.code, username=f"voter{n}", password="long enough pw 1"
            )
            token = token_for_user(user, secret=TEST_SECRET, expires_minutes=60)
            return Voter(player.id, user.id, token, f"voter{n}")

    @staticmethod
    async def _set_rank(session, player_id: int, rank: str) -> None:
        await set_rank_override(
            session, player_id, await session.scalar(select(GuildRank.id).where(GuildRank.name == rank))
        )

    async def set_rank(self, player_id: int, rank: str) -> None:
        """An officer's override: promotes or demotes the member at once."""
        async with self.db.session() as s:
            await self._set_rank(s, player_id, rank)

    async def rankless_player(self) -> int:
        async with self.db.session() as s:
            return (await create_player(s, display_name=f"No account {next(_numbers)}")).id


@pytest.fixture
def members(db) -> Members:
    return Members(db)


@pytest.fixture
async def text_channel(synced_channels) -> str:
    """The id of a synced text channel, for campaigns that post."""
    await synced_channels({"123456789012345678": "text"})
    return "123456789012345678"


@pytest.fixture
async def api(make_client):
    return await make_client(plugins=["identity", "voting"])


class Officer:
    """Builds campaigns through the officers' API and asserts each step succeeded."""

    def __init__(self, client, voter: Voter):
        self.client, self.voter = client, voter

    async def call(self, method: str, url: str, expect: int = 200, **kwargs):
        response = await self.client.request(method, url, headers=self.voter.auth, **kwargs)
        assert response.status_code == expect, response.text
        return response.json()["data"]

    async def campaign(self, entries=("Alder", "Birch", "Cedar"), activate=True, **fields) -> dict:
        body = {
            "title": "Guild art",
            "start_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "duration_hours": 72,
            "picks_per_voter": min(3, len(entries)),
        } | fields
        campaign = await self.call("POST", "/api/v1/admin/campaigns", 201, json=body)
        for order, name in enumerate(entries):
            await self.call(
                "POST",
                f"/api/v1/admin/campaigns/{campaign['id']}/entries",
                201,
                json={"name": name, "sort_order": order},
            )
        if activate:
            await self.call("POST", f"/api/v1/admin/campaigns/{campaign['id']}/activate")
        return await self.call("GET", f"/api/v1/campaigns/{campaign['id']}")


@pytest.fixture
async def officer(api, members) -> Officer:
    return Officer(api, await members.add("Officer", name="Officer Ona"))


@pytest.fixture
def officer_on(members):
    """``await officer_on(client)``: an officer for a client of another site."""

    async def make(client) -> Officer:
        return Officer(client, await members.add("Officer"))

    return make


@pytest.fixture
def cast(api):
    """``await cast(voter, campaign, ["Alder", "Birch"], expect=201)`` -> the response."""

    async def submit(voter: Voter, campaign: dict, names: list[str], expect: int | None = None):
        ids = {e["name"]: e["id"] for e in campaign["entries"]}
        response = await api.post(
            f"/api/v1/campaigns/{campaign['id']}/vote",
            headers=voter.auth,
            json={"entry_ids": [ids[n] for n in names]},
        )
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    return submit

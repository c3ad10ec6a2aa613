"""Arranging identity data through the real services, and logging in through HTTP.

``guild`` builds players, characters and accounts with ``sv_common.identity`` /
``sv_common.auth`` services on the migrated test database; the tests then act only
through the app's HTTP surface.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from sv_common.auth.service import create_invite, register_with_invite
from sv_common.identity import players as player_service
from sv_common.identity.characters import upsert_character
from sv_common.identity.models import GuildRank, Specialization, WowClass
from sv_common.identity.ranks import set_rank_override

PASSWORD = "correct horse battery"
_serial = itertools.count(1)


@dataclass
class Member:
    player_id: int
    username: str
    password: str = PASSWORD


class Guild:
    """Factory for guild rows (each call commits its own transaction)."""

    def __init__(self, db):
        self.db = db

    async def rank_id(self, name: str) -> int:
        async with self.db.session() as s:
            return await s.scalar(select(GuildRank.id).where(GuildRank.name == name))

    async def class_id(self, name: str) -> int:
        async with self.db.session() as s:
            return await s.scalar(select(WowClass.id).where(WowClass.name == name))

    async def spec_id(self, class_name: str, spec_name: str) -> int:
        async with self.db.session() as s:
            return await s.scalar(
                select(Specialization.id)
                .join(WowClass, WowClass.id == Specialization.class_id)
                .where(WowClass.name == class_name, Specialization.name == spec_name)
            )

    async def player(self, name: str | None = None, *, rank: str | None = None) -> int:
        async with self.db.session() as s:
            player = await player_service.create_player(s, display_name=name or f"Player {next(_serial)}")
            if rank is not None:
                rank_id = await s.scalar(select(GuildRank.id).where(GuildRank.name == rank))
                await set_rank_override(s, player.id, rank_id)
            return player.id

    async def character(
        self,
        name: str,
        *,
        class_name: str = "Mage",
        spec: str | None = None,
        player_id: int | None = None,
        realm: str = "test-realm",
        **fields,
    ) -> int:
        async with self.db.session() as s:
            class_id = await s.scalar(select(WowClass.id).where(WowClass.name == class_name))
            if spec is not None:
                fields["active_spec_id"] = await s.scalar(
                    select(Specialization.id).where(
                        Specialization.class_id == class_id, Specialization.name == spec
                    )
                )
            character, _ = await upsert_character(s, name=name, realm_slug=realm, class_id=class_id, **fields)
            if player_id is not None:
                await player_service.link_character(s, player_id=player_id, character_id=character.id)
            return character.id

    async def set_main(
        self, player_id: int, character_id: int, spec_id: int | None = None, **offspec
    ) -> None:
        async with self.db.session() as s:
            await player_service.set_main_and_offspec(
                s, player_id=player_id, main_character_id=character_id, main_spec_id=spec_id, **offspec
            )

    async def invite(self, player_id: int, **kwargs) -> str:
        async with self.db.session() as s:
            return (await create_invite(s, player_id=player_id, **kwargs)).code

    async def member(self, rank: str | None = "Member", *, name: str | None = None) -> Member:
        """A player with an account (registered through the real invite service)."""
        player_id = await self.player(name, rank=rank)
        code = await self.invite(player_id)
        username = f"user{next(_serial)}"
        async with self.db.session() as s:
            await register_with_invite(s, code=code, username=username, password=PASSWORD)
        return Member(player_id, username)


@pytest.fixture
def guild(db) -> Guild:
    return Guild(db)


async def login(client, member: Member) -> str:
    """Log in through the JSON API; the client keeps the session cookie. Returns the token."""
    response = await client.post(
        "/api/v1/auth/login", json={"username": member.username, "password": member.password}
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def log_in():
    return login

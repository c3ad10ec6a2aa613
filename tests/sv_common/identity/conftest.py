"""Helpers for the identity-service tests: rows are created through the services themselves.

Ranks are the seeded ones (from the sv_common reference-seed migration), looked up by their
in-game rank index so the tests do not depend on rank names.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from sv_common.identity import characters, discord_users
from sv_common.identity.models import GuildRank

_snowflakes = itertools.count(310000000000000001)


@pytest.fixture
def rank_at(db):
    """``await rank_at(wow_index)`` -> the seeded GuildRank (0 = guild leader ... 4 = initiate)."""

    async def lookup(wow_index: int) -> GuildRank:
        async with db.session() as s:
            return await s.scalar(select(GuildRank).where(GuildRank.wow_rank_index == wow_index))

    return lookup


@pytest.fixture
def map_discord_role(db):
    """``await map_discord_role(rank_id, role_id)``: officers map a Discord role to a rank."""

    async def setter(rank_id: int, role_id: str) -> None:
        async with db.session() as s:
            (await s.get(GuildRank, rank_id)).discord_role_id = role_id

    return setter


@pytest.fixture
def make_character(db):
    async def factory(name: str, realm: str = "stormrage", **fields):
        async with db.session() as s:
            character, _created = await characters.upsert_character(s, name=name, realm_slug=realm, **fields)
        return character

    return factory


@pytest.fixture
def make_discord_user(db):
    async def factory(username: str, display_name: str | None = None, role_ids=(), **fields):
        async with db.session() as s:
            user, _changes = await discord_users.upsert_discord_user(
                s,
                discord_id=str(next(_snowflakes)),
                username=username,
                display_name=display_name,
                role_ids=role_ids,
                **fields,
            )
        return user

    return factory

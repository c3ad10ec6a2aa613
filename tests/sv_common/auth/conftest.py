"""Rows the account-service tests need, created directly with the models.

Ranks get names and levels far from any seeded ones so these tests never collide with
the reference data (whether or not the seed migration is present).
"""

from __future__ import annotations

import itertools
import secrets

import pytest

from sv_common.identity.models import GuildRank, Player

_levels = itertools.count(9100)


@pytest.fixture
def make_rank(db):
    async def factory(name: str | None = None, level: int | None = None) -> GuildRank:
        async with db.session() as s:
            rank = GuildRank(name=name or f"AuthTest {secrets.token_hex(4)}", level=level or next(_levels))
            s.add(rank)
        return rank

    return factory


@pytest.fixture
def make_player(db):
    async def factory(display_name: str | None = None, *, rank: GuildRank | None = None, **fields) -> Player:
        # Distinct names: active players' names are unique.
        name = display_name or f"Trogdor {secrets.token_hex(3)}"
        async with db.session() as s:
            player = Player(display_name=name, guild_rank_id=rank.id if rank else None, **fields)
            s.add(player)
        return player

    return factory

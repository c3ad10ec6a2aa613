"""Logged-in members for tests: real players, accounts and logins (the identity plugin's API).

- ``await create_member(db, rank="Member", name=None, *, username=None)``: a player with that
  rank (the seed ladder: Initiate 1, Member 2, Veteran 3, Officer 4, Guild Leader 5) and an
  account registered through the real invite service with :data:`PASSWORD`. ``name`` is the
  display name (default ``"<rank> <serial>"``), ``username`` the login (default
  ``member<serial>``). Returns a :class:`TestMember`.
- ``guild_member(rank="Member", name=None, *, username=None)`` (fixture, async factory):
  ``create_member`` on the test's ``db``.
- ``await log_in(client, member)``: logs ``client`` in through ``POST /api/v1/auth/login``
  (the client keeps the session cookie); returns the token.
- ``member_client`` / ``officer_client``: a fresh app client (``make_client(**patt_client_kwargs)``)
  logged in as a Member / an Officer; ``.member`` is who it is. Override the
  ``patt_client_kwargs`` fixture to choose the plugins, e.g. ``{"plugins": ["identity", "mito"]}``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

PASSWORD = "correct horse battery"
_serial = itertools.count(1)


@dataclass(frozen=True)
class TestMember:
    __test__ = False  # not a test class, despite the name

    player_id: int
    username: str
    rank: str
    password: str = PASSWORD


async def create_member(
    db: Any, rank: str = "Member", name: str | None = None, *, username: str | None = None
) -> TestMember:
    """A player ranked ``rank`` with an account (login ``username``, password :data:`PASSWORD`),
    made through the real identity and invite services; see the module docstring."""
    from sv_common.auth.service import create_invite, register_with_invite
    from sv_common.identity import players
    from sv_common.identity.models import GuildRank
    from sv_common.identity.ranks import set_rank_override

    serial = next(_serial)
    username = username or f"member{serial}"
    async with db.session() as session:
        player = await players.create_player(session, display_name=name or f"{rank} {serial}")
        rank_id = await session.scalar(select(GuildRank.id).where(GuildRank.name == rank))
        if rank_id is None:
            raise LookupError(f"no rank named {rank!r} in the test database")
        await set_rank_override(session, player.id, rank_id)
        code = (await create_invite(session, player_id=player.id)).code
        await register_with_invite(session, code=code, username=username, password=PASSWORD)
    return TestMember(player.id, username, rank)


async def log_in(client: Any, member: TestMember) -> str:
    """Log ``client`` in as ``member`` through the login API; returns the bearer token."""
    response = await client.post(
        "/api/v1/auth/login", json={"username": member.username, "password": member.password}
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["token"]


@pytest.fixture
def guild_member(db):
    async def factory(
        rank: str = "Member", name: str | None = None, *, username: str | None = None
    ) -> TestMember:
        return await create_member(db, rank, name, username=username)

    return factory


@pytest.fixture
def patt_client_kwargs() -> dict[str, Any]:
    """What ``member_client`` / ``officer_client`` pass to ``make_client`` (default: the PATT site)."""
    return {}


async def _logged_in(make_client, guild_member, kwargs: dict[str, Any], rank: str):
    client = await make_client(**kwargs)
    client.member = await guild_member(rank)
    await log_in(client, client.member)
    return client


@pytest.fixture
async def member_client(make_client, guild_member, patt_client_kwargs):
    """An app client logged in as a Member (rank level 2)."""
    return await _logged_in(make_client, guild_member, patt_client_kwargs, "Member")


@pytest.fixture
async def officer_client(make_client, guild_member, patt_client_kwargs):
    """An app client logged in as an Officer (rank level 4, the PATT site's officer level)."""
    return await _logged_in(make_client, guild_member, patt_client_kwargs, "Officer")

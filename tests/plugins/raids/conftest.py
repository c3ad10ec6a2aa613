"""Raids test kit: raiders (a player with a rank, a main character and a spec, optionally an
account, availability and the auto-invite flag) made through the real identity services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import time

import pytest
from sqlalchemy import select

from patt_host import hookimpl
from patt_host.testing import create_member, log_in
from patt_identity.models import PlayerAvailability
from patt_raids.services.raiders import set_auto_invite
from sv_common.identity import players as player_service
from sv_common.identity.models import GuildRank, Player, Specialization, WowCharacter, WowClass
from sv_common.identity.ranks import set_rank_override

_serial = itertools.count(1)

# A spec of each role (class, spec).
TANK = ("Warrior", "Protection")
HEALER = ("Priest", "Holy")
MELEE = ("Rogue", "Outlaw")
RANGED = ("Mage", "Frost")


@dataclass
class RaiderRef:
    player_id: int
    name: str
    character_id: int
    username: str | None = None
    password: str | None = None


async def make_raider(
    db,
    *,
    rank: str = "Member",
    name: str | None = None,
    spec: tuple[str, str] = MELEE,
    tz: str = "UTC",
    auto_invite: bool = False,
    availability: dict[int, tuple[time, float]] | None = None,
    account: bool = False,
    main: bool = True,
) -> RaiderRef:
    serial = next(_serial)
    name = name or f"Raider{serial}"
    username = password = None
    if account:
        member = await create_member(db, rank, name)
        player_id, username, password = member.player_id, member.username, member.password
    async with db.session() as session:
        if not account:
            player = await player_service.create_player(session, display_name=name)
            player_id = player.id
            rank_id = await session.scalar(select(GuildRank.id).where(GuildRank.name == rank))
            await set_rank_override(session, player_id, rank_id)
        class_name, spec_name = spec
        class_id, spec_id = (
            await session.execute(
                select(WowClass.id, Specialization.id)
                .join(Specialization, Specialization.class_id == WowClass.id)
                .where(WowClass.name == class_name, Specialization.name == spec_name)
            )
        ).one()
        character = WowCharacter(
            character_name=f"{name}char"[:50],
            realm_slug="test-realm",
            class_id=class_id,
            active_spec_id=spec_id,
        )
        session.add(character)
        await session.flush()
        player = await session.get(Player, player_id)
        player.timezone = tz
        if main:
            player.main_character_id = character.id
            player.main_spec_id = spec_id
        for day, (start, hours) in (availability or {}).items():
            session.add(
                PlayerAvailability(
                    player_id=player_id, day_of_week=day, earliest_start=start, available_hours=hours
                )
            )
        if auto_invite:
            await set_auto_invite(session, player_id, True)
        await session.commit()
        return RaiderRef(player_id, name, character.id, username, password)


@pytest.fixture
def raider(db):
    async def factory(**kwargs) -> RaiderRef:
        return await make_raider(db, **kwargs)

    return factory


class EventRecorder:
    """A test plugin (``recorder``) that records the domain events it receives."""

    name = "recorder"

    def __init__(self):
        self.events = []

    @hookimpl
    def handle_event(self, event):
        self.events.append(event)


#: The site of the route tests: identity, raids and the event recorder.
WEB_PLUGINS = ["identity", "raids", "recorder"]


@pytest.fixture
async def site(make_client):
    return await make_client(plugins=WEB_PLUGINS, extra_plugins=[EventRecorder])


async def _logged_in(site, make_client, ref):
    client = await make_client(host=site.host)
    await log_in(client, ref)
    client.ref = ref
    return client


@pytest.fixture
async def officer(site, raider, make_client):
    """An officer's client on ``site`` (a healer raider with an account; ``client.ref``)."""
    return await _logged_in(
        site, make_client, await raider(rank="Officer", account=True, spec=("Priest", "Holy"))
    )


@pytest.fixture
async def member(site, raider, make_client):
    """A member's client on ``site`` (a tank raider with an account; ``client.ref``)."""
    return await _logged_in(
        site, make_client, await raider(rank="Member", account=True, spec=("Warrior", "Protection"))
    )

"""Who can raid: active players with a main character, their rank, role and preferences.

One set-based query feeds event signups, the availability view and composition, so every
page agrees on who counts as a raider.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from patt_raids.models import RaidPlayerSettings
from sv_common.identity.models import (
    GuildRank,
    Player,
    Role,
    Specialization,
    WowCharacter,
    WowClass,
)

# guild_identity.roles names -> the four composition slots.
ROLE_KEYS = {"tank": "tank", "healer": "healer", "melee dps": "melee", "ranged dps": "ranged"}
ROLES = ("tank", "healer", "melee", "ranged")


def role_key(name: str | None) -> str | None:
    return ROLE_KEYS.get((name or "").strip().lower())


@dataclass(frozen=True, slots=True)
class Raider:
    player_id: int
    display_name: str
    timezone: str
    rank_name: str | None
    rank_level: int | None
    scheduling_weight: int
    main_character_id: int
    character_name: str
    class_name: str | None
    role: str | None  # tank / healer / melee / ranged, from the main spec
    spec_name: str | None
    auto_invite: bool


async def raiders(session: AsyncSession, player_ids: list[int] | None = None) -> list[Raider]:
    """Active players with a main character (optionally only ``player_ids``), by name."""
    spec = aliased(Specialization)
    char_spec = aliased(Specialization)
    query = (
        select(
            Player.id,
            Player.display_name,
            Player.timezone,
            GuildRank.name,
            GuildRank.level,
            func.coalesce(GuildRank.scheduling_weight, 0),
            WowCharacter.id,
            WowCharacter.character_name,
            WowClass.name,
            Role.name,
            func.coalesce(spec.name, char_spec.name),
            func.coalesce(RaidPlayerSettings.auto_invite_events, False),
        )
        .join(WowCharacter, WowCharacter.id == Player.main_character_id)
        .outerjoin(GuildRank, GuildRank.id == Player.guild_rank_id)
        .outerjoin(WowClass, WowClass.id == WowCharacter.class_id)
        # The player's chosen main spec wins over the character's current one.
        .outerjoin(spec, spec.id == Player.main_spec_id)
        .outerjoin(char_spec, char_spec.id == WowCharacter.active_spec_id)
        .outerjoin(Role, Role.id == func.coalesce(spec.default_role_id, char_spec.default_role_id))
        .outerjoin(RaidPlayerSettings, RaidPlayerSettings.player_id == Player.id)
        .where(Player.is_active.is_(True))
        .order_by(func.lower(Player.display_name), Player.id)
    )
    if player_ids is not None:
        query = query.where(Player.id.in_(player_ids))
    rows = await session.execute(query)
    return [
        Raider(
            player_id=r[0],
            display_name=r[1],
            timezone=r[2] or "UTC",
            rank_name=r[3],
            rank_level=r[4],
            scheduling_weight=int(r[5] or 0),
            main_character_id=r[6],
            character_name=r[7],
            class_name=r[8],
            role=role_key(r[9]),
            spec_name=r[10],
            auto_invite=bool(r[11]),
        )
        for r in rows
    ]


async def lowest_rank_level(session: AsyncSession) -> int | None:
    """The guild's lowest rank level (Initiate): its members start on the bench."""
    return await session.scalar(select(func.min(GuildRank.level)))


async def auto_invite(session: AsyncSession, player_id: int) -> bool:
    return bool(
        await session.scalar(
            select(RaidPlayerSettings.auto_invite_events).where(RaidPlayerSettings.player_id == player_id)
        )
    )


async def set_auto_invite(session: AsyncSession, player_id: int, enabled: bool) -> bool:
    """The member's own switch: accepted (on) or tentative (off) on new events."""
    statement = insert(RaidPlayerSettings).values(player_id=player_id, auto_invite_events=enabled)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[RaidPlayerSettings.player_id],
            set_={"auto_invite_events": enabled, "updated_at": func.now()},
        )
    )
    return enabled

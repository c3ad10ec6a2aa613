"""The member's opt-in to mentions for guild orders (``players.crafting_notifications_enabled``,
the seed's column; the original showed it on the profile and then ignored it)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from sv_common.errors import NotFound
from sv_common.identity.models import Player


async def ping_enabled(session: AsyncSession, player_id: int) -> bool:
    player = await session.get(Player, player_id)
    if player is None:
        raise NotFound("That player does not exist.")
    return bool(player.crafting_notifications_enabled)


async def set_ping(session: AsyncSession, player_id: int, enabled: bool) -> None:
    result = await session.execute(
        update(Player).where(Player.id == player_id).values(crafting_notifications_enabled=bool(enabled))
    )
    if not result.rowcount:
        raise NotFound("That player does not exist.")

"""The rank ceiling shared by every plugin whose officers act on other players' things.

An officer may act on players strictly below their own rank (never on themselves through
this check), and the holder of the highest rank any active player holds (the guild leader)
on everyone. Identity's authority rules and guild_sync's key revocation both use it, so
the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sv_common.auth import Actor
from sv_common.identity.models import GuildRank, Player


async def holds_top_rank(session: AsyncSession, actor: Actor) -> bool:
    """True for whoever holds the highest rank any active player holds (the guild leader;
    a rank nobody holds, e.g. one just created above everyone, does not change who leads)."""
    top = await session.scalar(
        select(func.max(GuildRank.level))
        .join(Player, Player.guild_rank_id == GuildRank.id)
        .where(Player.is_active)
    )
    return top is not None and actor.rank_level >= top


async def players_below(session: AsyncSession, actor: Actor, player_ids: Iterable[int | None]) -> set[int]:
    """The existing players among ``player_ids`` under the actor's ceiling: ranked below
    the actor and not the actor (all of them for the guild leader). One query for a list."""
    ids = {pid for pid in player_ids if pid is not None}
    if not ids:
        return set()
    if await holds_top_rank(session, actor):
        return ids
    rows = await session.execute(
        select(Player.id, GuildRank.level)
        .outerjoin(GuildRank, GuildRank.id == Player.guild_rank_id)
        .where(Player.id.in_(ids))
    )
    return {pid for pid, level in rows.all() if pid != actor.player_id and (level or 0) < actor.rank_level}

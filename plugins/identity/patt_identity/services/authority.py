"""Who may change whom: the rank ceiling of every officer action.

The rule: nobody edits a player (or invites, links or moves characters to one) whose rank
is at or above their own, and nobody grants a rank above their own, whether directly (a
rank override), through a rank edit (level, in-game index, Discord role) or as a side
effect (a character or Discord link that the rank rule turns into a higher rank).
Holders of the highest rank any active player holds (the guild leader) are the only exception.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sv_common.auth import Actor
from sv_common.errors import Forbidden, NotFound
from sv_common.identity.ceiling import holds_top_rank as _is_top
from sv_common.identity.ceiling import players_below
from sv_common.identity.models import GuildRank, Player, WowCharacter
from sv_common.identity.ranks import RankChange

ABOVE_YOU = "You cannot change a player whose rank is at or above your own."
GRANT_ABOVE = "You cannot grant a rank above your own."
RANK_ABOVE = "You cannot change a rank at or above your own."


async def _rank_level(session: AsyncSession, rank_id: int | None) -> int:
    if rank_id is None:
        return 0
    rank = await session.get(GuildRank, rank_id)
    if rank is None:
        raise NotFound("That rank does not exist.")
    return rank.level


async def check_may_manage_player(session: AsyncSession, actor: Actor, player_id: int) -> None:
    """Refuse when the player's current rank is at or above the actor's (themselves included)."""
    if await session.get(Player, player_id) is None:
        raise NotFound("That player does not exist.")
    if player_id not in await players_below(session, actor, [player_id]):
        raise Forbidden(ABOVE_YOU, code="rank_too_high")


async def manageable_players(
    session: AsyncSession, actor: Actor, player_ids: Iterable[int | None]
) -> set[int]:
    """The players among ``player_ids`` that ``check_may_manage_player`` would let the actor
    change (one query for a whole list)."""
    return await players_below(session, actor, player_ids)


async def refused_links(session: AsyncSession, actor: Actor, planned: Iterable[Any]) -> dict[int, str]:
    """Bulk links (``PlannedLink``: suggestion_id, character_id, player_id or None for a
    player to be created) the actor may not make, with why: a player at or above the actor,
    or a character whose in-game rank would lift its (unoverridden) player above the actor.
    A fixed number of queries for the lot."""
    planned = list(planned)
    if await _is_top(session, actor):
        return {}
    targets = {p.player_id for p in planned if p.player_id is not None}
    allowed = await players_below(session, actor, targets)
    overridden = set(
        await session.scalars(
            select(Player.id).where(Player.id.in_(targets), Player.rank_override_id.is_not(None))
        )
    )
    levels = dict(
        (
            await session.execute(
                select(WowCharacter.id, GuildRank.level)
                .join(GuildRank, GuildRank.id == WowCharacter.guild_rank_id)
                .where(
                    WowCharacter.id.in_({p.character_id for p in planned}), WowCharacter.removed_at.is_(None)
                )
            )
        ).all()
    )
    refused = {}
    for p in planned:
        if p.player_id is not None and p.player_id not in allowed:
            refused[p.suggestion_id] = ABOVE_YOU
        elif p.player_id not in overridden and levels.get(p.character_id, 0) > actor.rank_level:
            refused[p.suggestion_id] = GRANT_ABOVE
    return refused


async def check_may_grant(session: AsyncSession, actor: Actor, rank_id: int | None) -> None:
    """Refuse a rank above the actor's own."""
    if await _rank_level(session, rank_id) > actor.rank_level and not await _is_top(session, actor):
        raise Forbidden(GRANT_ABOVE, code="rank_too_high")


async def rank_edit_ceiling(session: AsyncSession, actor: Actor) -> int | None:
    """The lowest rank level ``check_may_edit_rank`` refuses the actor (their own level), or
    None when nothing is refused (the guild leader): pages disable what would be refused."""
    return None if await _is_top(session, actor) else actor.rank_level


async def check_may_edit_rank(
    session: AsyncSession, actor: Actor, rank_id: int | None, new_level: int | None
) -> None:
    """Rank edits: only ranks below the actor's, and never moved to the actor's level or above."""
    if await _is_top(session, actor):
        return
    levels = [new_level] if new_level is not None else []
    if rank_id is not None:
        levels.append(await _rank_level(session, rank_id))
    if any(level >= actor.rank_level for level in levels):
        raise Forbidden(RANK_ABOVE, code="rank_too_high")


async def check_rank_changes(session: AsyncSession, actor: Actor, changes: Iterable[RankChange]) -> None:
    """The safety net after any unit of work: no player may end above the actor's rank."""
    new_ids = {change.new_rank_id for change in changes if change.new_rank_id is not None}
    if not new_ids or await _is_top(session, actor):
        return
    highest = await session.scalar(select(func.max(GuildRank.level)).where(GuildRank.id.in_(new_ids)))
    if highest is not None and highest > actor.rank_level:
        raise Forbidden(GRANT_ABOVE, code="rank_too_high")

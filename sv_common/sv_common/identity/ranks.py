"""THE rank rule: how a player's site rank (``players.guild_rank_id``) is decided.

A player's rank is computed, never set by hand. In order:

1. **Officer override** — ``players.rank_override_id``, when set, wins.
2. **In game** — else the highest rank (by ``guild_ranks.level``) among the player's
   *active* characters (``wow_characters.removed_at IS NULL``; their ``guild_rank_id``,
   which comes from the in-game rank index through ``guild_ranks.wow_rank_index``).
3. **Discord** — else the highest rank whose ``guild_ranks.discord_role_id`` is among the
   ``role_ids`` of the player's Discord user (only while that user is in the server).
4. **None** — else no rank (``guild_rank_id`` NULL, source NULL).

``players.guild_rank_source`` records which step decided: ``admin_override``,
``wow_character``, ``discord`` or NULL.

Every service that changes an input of the rule (override, character rank, removal,
ownership, Discord link or roles) calls :func:`recompute_player_rank`. Each change is
returned as a :class:`RankChange` and also recorded on the session, so a caller that has
the host can emit ``player.rank_changed`` for everything a unit of work changed with
:func:`drain_rank_changes`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sv_common.errors import NotFound
from sv_common.identity.models import DiscordUser, GuildRank, Player, PlayerCharacter, WowCharacter

SOURCE_OVERRIDE = "admin_override"
SOURCE_CHARACTER = "wow_character"
SOURCE_DISCORD = "discord"

_SESSION_KEY = "sv_common.identity.rank_changes"


@dataclass(frozen=True)
class RankChange:
    """A player's computed rank moved from ``old_rank_id`` to ``new_rank_id`` (``source`` = rule step)."""

    player_id: int
    old_rank_id: int | None
    new_rank_id: int | None
    source: str | None


@dataclass(frozen=True)
class RankDecision:
    """What the rule decides for a player right now, without writing it."""

    rank_id: int | None
    source: str | None


# --- look-ups -----------------------------------------------------------------------------


async def ranks(session: AsyncSession) -> list[GuildRank]:
    """Every rank, lowest level first."""
    return list((await session.scalars(select(GuildRank).order_by(GuildRank.level))).all())


async def rank_for_wow_index(session: AsyncSession, index: int | None) -> GuildRank | None:
    """The rank mapped to an in-game rank index (0 = guild master), or None."""
    if index is None:
        return None
    return await session.scalar(select(GuildRank).where(GuildRank.wow_rank_index == index))


async def rank_for_discord_roles(session: AsyncSession, role_ids: Iterable[str]) -> GuildRank | None:
    """The highest rank whose Discord role id is in ``role_ids``, or None."""
    ids = [str(r) for r in role_ids or () if r]
    if not ids:
        return None
    return await session.scalar(
        select(GuildRank).where(GuildRank.discord_role_id.in_(ids)).order_by(GuildRank.level.desc()).limit(1)
    )


async def discord_role_for_rank(session: AsyncSession, rank_id: int) -> str | None:
    """The Discord role id mapped to a rank (None when unmapped or unknown)."""
    return await session.scalar(select(GuildRank.discord_role_id).where(GuildRank.id == rank_id))


# --- the rule -------------------------------------------------------------------------------


async def decide_rank(session: AsyncSession, player: Player) -> RankDecision:
    """Apply the rule (see the module docstring) to ``player`` without changing anything."""
    if player.rank_override_id is not None:
        return RankDecision(player.rank_override_id, SOURCE_OVERRIDE)

    best_character_rank = await session.scalar(
        select(GuildRank.id)
        .join(WowCharacter, WowCharacter.guild_rank_id == GuildRank.id)
        .join(PlayerCharacter, PlayerCharacter.character_id == WowCharacter.id)
        .where(PlayerCharacter.player_id == player.id, WowCharacter.removed_at.is_(None))
        .order_by(GuildRank.level.desc())
        .limit(1)
    )
    if best_character_rank is not None:
        return RankDecision(best_character_rank, SOURCE_CHARACTER)

    if player.discord_user_id is not None:
        discord_user = await session.get(DiscordUser, player.discord_user_id)
        if discord_user is not None and discord_user.is_present:
            rank = await rank_for_discord_roles(session, discord_user.role_ids or ())
            if rank is not None:
                return RankDecision(rank.id, SOURCE_DISCORD)

    return RankDecision(None, None)


async def recompute_player_rank(session: AsyncSession, player_id: int) -> RankChange | None:
    """Re-run the rule for one player and store the result; the change, or None if the rank is unchanged."""
    player = await session.get(Player, player_id)
    if player is None:
        raise NotFound("That player does not exist.")
    decision = await decide_rank(session, player)
    old_rank_id = player.guild_rank_id
    player.guild_rank_source = decision.source
    if decision.rank_id == old_rank_id:
        await session.flush()
        return None
    player.guild_rank_id = decision.rank_id
    await session.flush()
    change = RankChange(player.id, old_rank_id, decision.rank_id, decision.source)
    session.info.setdefault(_SESSION_KEY, []).append(change)
    return change


async def _recompute_many(session: AsyncSession, player_ids: Iterable[int]) -> list[RankChange]:
    changes = []
    for player_id in sorted(set(player_ids)):
        change = await recompute_player_rank(session, player_id)
        if change is not None:
            changes.append(change)
    return changes


async def recompute_for_characters(session: AsyncSession, character_ids: Iterable[int]) -> list[RankChange]:
    """Recompute the owners of these characters (unowned characters are skipped)."""
    ids = list(set(character_ids))
    if not ids:
        return []
    owners = await session.scalars(
        select(PlayerCharacter.player_id).where(PlayerCharacter.character_id.in_(ids))
    )
    return await _recompute_many(session, owners.all())


async def recompute_for_discord_user(session: AsyncSession, discord_user_id: int | str) -> list[RankChange]:
    """Recompute the player linked to a Discord user.

    ``discord_user_id`` is the ``discord_users.id`` row id (int) or the Discord snowflake (str).
    """
    query = select(Player.id).join(DiscordUser, Player.discord_user_id == DiscordUser.id)
    if isinstance(discord_user_id, str):
        query = query.where(DiscordUser.discord_id == discord_user_id)
    else:
        query = query.where(DiscordUser.id == discord_user_id)
    return await _recompute_many(session, (await session.scalars(query)).all())


async def recompute_all(session: AsyncSession) -> list[RankChange]:
    """Recompute every player (a reconciliation pass, e.g. after officers remap ranks)."""
    return await _recompute_many(session, (await session.scalars(select(Player.id))).all())


# --- changing inputs ------------------------------------------------------------------------


async def set_character_wow_rank(
    session: AsyncSession, character_id: int, wow_rank_index: int | None
) -> list[RankChange]:
    """Record a character's in-game rank index, map it to a rank, and recompute its owner."""
    character = await session.get(WowCharacter, character_id)
    if character is None:
        raise NotFound("That character does not exist.")
    rank = await rank_for_wow_index(session, wow_rank_index)
    character.wow_rank_index = wow_rank_index
    character.guild_rank_id = rank.id if rank is not None else None
    await session.flush()
    return await recompute_for_characters(session, [character_id])


async def set_rank_override(session: AsyncSession, player_id: int, rank_id: int | None) -> RankChange | None:
    """Set (or clear with None) an officer's explicit rank for a player, then recompute."""
    player = await session.get(Player, player_id)
    if player is None:
        raise NotFound("That player does not exist.")
    if rank_id is not None and await session.get(GuildRank, rank_id) is None:
        raise NotFound("That rank does not exist.")
    player.rank_override_id = rank_id
    await session.flush()
    return await recompute_player_rank(session, player_id)


async def recompute_player_ranks(session: AsyncSession, player_ids: Iterable[int]) -> list[RankChange]:
    """:func:`recompute_player_rank` for many players in a fixed number of statements (bulk
    linking: one per player would cost a round trip each). The same rule, decided in Python
    from three reads; only changed players are written, in one executemany."""
    ids = sorted(set(player_ids))
    if not ids:
        return []
    players = (
        await session.execute(
            select(
                Player.id,
                Player.rank_override_id,
                Player.guild_rank_id,
                Player.guild_rank_source,
                DiscordUser.is_present,
                DiscordUser.role_ids,
            )
            .outerjoin(DiscordUser, DiscordUser.id == Player.discord_user_id)
            .where(Player.id.in_(ids))
        )
    ).all()
    best_character: dict[int, int] = {}
    for player_id, rank_id in (
        await session.execute(
            select(PlayerCharacter.player_id, GuildRank.id)
            .join(WowCharacter, WowCharacter.id == PlayerCharacter.character_id)
            .join(GuildRank, GuildRank.id == WowCharacter.guild_rank_id)
            .where(PlayerCharacter.player_id.in_(ids), WowCharacter.removed_at.is_(None))
            .order_by(PlayerCharacter.player_id, GuildRank.level.desc())
        )
    ).all():
        best_character.setdefault(player_id, rank_id)  # the first is the highest
    role_ranks = (
        await session.execute(
            select(GuildRank.discord_role_id, GuildRank.id)
            .where(GuildRank.discord_role_id.is_not(None))
            .order_by(GuildRank.level.desc())
        )
    ).all()
    updates, changes = [], []
    for player_id, override, old_rank_id, old_source, present, role_ids in players:
        if override is not None:
            decision = RankDecision(override, SOURCE_OVERRIDE)
        elif player_id in best_character:
            decision = RankDecision(best_character[player_id], SOURCE_CHARACTER)
        else:
            roles = {str(r) for r in role_ids or () if r} if present else set()
            by_role = next((rank_id for role, rank_id in role_ranks if role in roles), None)
            decision = (
                RankDecision(by_role, SOURCE_DISCORD) if by_role is not None else RankDecision(None, None)
            )
        if (decision.rank_id, decision.source) == (old_rank_id, old_source):
            continue
        updates.append(
            {"id": player_id, "guild_rank_id": decision.rank_id, "guild_rank_source": decision.source}
        )
        if decision.rank_id != old_rank_id:
            changes.append(RankChange(player_id, old_rank_id, decision.rank_id, decision.source))
    if updates:
        await session.execute(update(Player), updates)
    session.info.setdefault(_SESSION_KEY, []).extend(changes)
    return changes


def drain_rank_changes(session: AsyncSession) -> list[RankChange]:
    """Every rank change recorded on ``session`` since the last drain, one per player.

    Several changes of one player collapse into one (first old rank -> last new rank);
    a player who ended where they started is left out. Call it after the services of a
    unit of work, to emit ``player.rank_changed`` once per player.
    """
    recorded: list[RankChange] = session.info.pop(_SESSION_KEY, [])
    merged: dict[int, RankChange] = {}
    for change in recorded:
        first = merged.get(change.player_id)
        old = first.old_rank_id if first is not None else change.old_rank_id
        merged[change.player_id] = RankChange(change.player_id, old, change.new_rank_id, change.source)
    return [c for c in merged.values() if c.old_rank_id != c.new_rank_id]

"""The officers' Player Manager: the three lists (players, characters, Discord users),
player edits, links and invites. Every change goes through ``sv_common.identity`` /
``sv_common.auth`` services, so ranks are recomputed by THE rank rule.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from sv_common.auth.service import issue_invite
from sv_common.identity import players as player_service
from sv_common.identity.models import (
    DiscordUser,
    GuildRank,
    Player,
    PlayerCharacter,
    Specialization,
    User,
    WowCharacter,
    WowClass,
)
from sv_common.identity.ranks import set_rank_override

if TYPE_CHECKING:
    from patt_host import HostAPI


def last_login(timestamp_ms: int | None, now: datetime | None = None) -> dict[str, Any]:
    """A character's last login (``last_login_timestamp``, Blizzard's epoch milliseconds) as
    ``last_login_at`` and whole ``last_login_days_ago``; both None when it was never seen."""
    at = None
    if timestamp_ms and timestamp_ms > 0:
        try:
            at = datetime.fromtimestamp(timestamp_ms / 1000, UTC)
        except (OverflowError, OSError, ValueError):  # a nonsense value from an import
            at = None
    if at is None:
        return {"last_login_at": None, "last_login_days_ago": None}
    return {"last_login_at": at, "last_login_days_ago": max(0, ((now or datetime.now(UTC)) - at).days)}


def rank_ref(rank_id: int | None, ranks: dict[int, GuildRank]) -> dict[str, Any] | None:
    rank = ranks.get(rank_id) if rank_id is not None else None
    return None if rank is None else {"id": rank.id, "name": rank.name, "level": rank.level}


async def overview(session: AsyncSession) -> dict[str, Any]:
    """Players, current characters and Discord users in three queries (plus the ranks)."""
    ranks = {rank.id: rank for rank in await session.scalars(select(GuildRank).order_by(GuildRank.level))}
    player_rows = await session.execute(
        select(Player, DiscordUser.username, User.email)
        .outerjoin(DiscordUser, DiscordUser.id == Player.discord_user_id)
        .outerjoin(User, User.id == Player.website_user_id)
        .order_by(Player.is_active.desc(), Player.display_name)
    )
    players = [
        {
            "id": p.id,
            "display_name": p.display_name,
            "is_active": p.is_active,
            "rank": rank_ref(p.guild_rank_id, ranks),
            "rank_source": p.guild_rank_source,
            "rank_override_id": p.rank_override_id,
            "discord_user_id": p.discord_user_id,
            "discord_username": discord_name,
            "registered": p.website_user_id is not None,
            "username": username,
            "main_character_id": p.main_character_id,
            "offspec_character_id": p.offspec_character_id,
            "notes": p.notes,
        }
        for p, discord_name, username in player_rows.all()
    ]
    spec = aliased(Specialization)
    now = datetime.now(UTC)
    character_rows = await session.execute(
        select(WowCharacter, WowClass.name, WowClass.color_hex, spec.name, PlayerCharacter)
        .outerjoin(WowClass, WowClass.id == WowCharacter.class_id)
        .outerjoin(spec, spec.id == WowCharacter.active_spec_id)
        .outerjoin(PlayerCharacter, PlayerCharacter.character_id == WowCharacter.id)
        .where(WowCharacter.removed_at.is_(None))
        .order_by(WowCharacter.character_name, WowCharacter.realm_slug)
    )
    characters = [
        {
            "id": c.id,
            "name": c.character_name,
            "realm_slug": c.realm_slug,
            "class_name": class_name,
            "class_colour": colour,
            "spec_name": spec_name,
            "item_level": c.item_level,
            "level": c.level,
            "guild_rank": rank_ref(c.guild_rank_id, ranks),
            "guild_note": c.guild_note,
            **last_login(c.last_login_timestamp, now),
            "player_id": link.player_id if link else None,
            "link_source": link.link_source if link else None,
            "confidence": link.confidence if link else None,
        }
        for c, class_name, colour, spec_name, link in character_rows.all()
    ]
    discord_rows = await session.execute(
        select(DiscordUser, Player.id)
        .outerjoin(Player, Player.discord_user_id == DiscordUser.id)
        .order_by(DiscordUser.is_present.desc(), DiscordUser.username)
    )
    discord_users = [
        {
            "id": d.id,
            "discord_id": d.discord_id,
            "username": d.username,
            "display_name": d.display_name,
            "highest_guild_role": d.highest_guild_role,
            "is_present": d.is_present,
            "player_id": player_id,
        }
        for d, player_id in discord_rows.all()
    ]
    return {
        "players": players,
        "characters": characters,
        "discord_users": discord_users,
        "ranks": [rank_ref(rank_id, ranks) for rank_id in ranks],
    }


async def create_player(session: AsyncSession, *, display_name: str, notes: str | None) -> Player:
    return await player_service.create_player(session, display_name=display_name, notes=notes)


async def update_player(session: AsyncSession, player_id: int, changes: dict[str, Any]) -> Player:
    """Apply the fields an officer sent: name, active flag, rank override, notes."""
    player = await player_service.get_player(session, player_id)
    if "display_name" in changes and changes["display_name"] is not None:
        await player_service.rename_player(session, player_id, changes["display_name"])
    if "notes" in changes:
        player.notes = changes["notes"] or None
    if "is_active" in changes and changes["is_active"] is not None:
        if changes["is_active"]:
            await player_service.reactivate_player(session, player_id)
        else:
            await player_service.deactivate_player(session, player_id)
    if "rank_override_id" in changes:
        await set_rank_override(session, player_id, changes["rank_override_id"])
    await session.flush()
    return player


async def set_discord(session: AsyncSession, player_id: int, discord_user_id: int | None) -> Player:
    return await player_service.link_discord(session, player_id=player_id, discord_user_id=discord_user_id)


async def character_players(session: AsyncSession, character_id: int, new_player_id: int | None) -> list[int]:
    """The players a move of this character touches: its current owner and the new one."""
    current = await session.scalar(
        select(PlayerCharacter.player_id).where(PlayerCharacter.character_id == character_id)
    )
    return [pid for pid in {current, new_player_id} if pid is not None]


async def set_character_owner(session: AsyncSession, character_id: int, player_id: int | None) -> int | None:
    """Link the character to ``player_id`` (moving it), or unlink it with None."""
    if player_id is None:
        await player_service.unlink_character(session, character_id=character_id)
    else:
        await player_service.link_character(session, player_id=player_id, character_id=character_id)
    return player_id


async def new_invite(
    session: AsyncSession, *, player_id: int, created_by_player_id: int | None, expiry_hours: int
) -> dict[str, Any]:
    """A new invite for the player; ``replaced``: it replaced an earlier code that still worked."""
    issued = await issue_invite(
        session,
        player_id=player_id,
        created_by_player_id=created_by_player_id,
        expires_in=timedelta(hours=expiry_hours),
        generated_by="manual",
    )
    invite = issued.invite
    return {
        "id": invite.id,
        "code": invite.code,
        "expires_at": invite.expires_at,
        "player_id": player_id,
        "replaced": issued.replaced,
    }


def invite_message(site_title: str, code: str, url: str, hours: int) -> str:
    return (
        f"You have been invited to register on the {site_title} site.\n"
        f"Your registration code: **{code}**\nRegister here: {url}\n"
        f"The code expires in {hours} hours."
    )


async def queue_invite_dm(
    session: AsyncSession, host: HostAPI, *, player_id: int, message: str, invite_id: int
):
    """Ask ``sv_common.notify`` to DM the invite; returns ``(queued, reason)``."""
    return await queue_dm(
        session,
        host,
        player_id=player_id,
        message=message,
        dedupe_key=f"invite:{invite_id}",  # the id, not the code: officers see dedupe keys
        feature="invite",
        shown_as="Registration invite (the code is hidden)",
    )


async def queue_dm(
    session: AsyncSession,
    host: HostAPI,
    *,
    player_id: int,
    message: str,
    dedupe_key: str,
    feature: str,
    shown_as: str,
):
    """DM an account message under the DM switch ``feature`` (``invite`` or ``password_reset``);
    returns ``(queued, reason)``. The message holds a secret: the outbox shows officers
    ``shown_as`` instead and drops the secret once the DM is done with.

    The outbox decides with the officers' DM switches; we only skip it when no bot is
    configured at all (then nothing could ever deliver it).
    """
    if host.settings.discord_bot_token is None:
        return False, "The Discord bot is not configured (DISCORD_BOT_TOKEN), so nothing was sent."
    try:
        from sv_common import notify
    except ImportError:  # pragma: no cover - notify ships with sv_common; kept for partial installs
        return False, "Discord notifications are not available on this installation."
    row = await notify.dm_player(
        session,
        player_id=player_id,
        content=message,
        feature=feature,
        dedupe_key=dedupe_key,
        shown_as=shown_as,
    )
    if row.status == "skipped":
        return False, row.last_error or "The DM was not sent."
    return True, None

"""Discord users of the guild's server (``guild_identity.discord_users``), as the bot sees them.

Roles are stored by id (``role_ids``, the input of the rank rule) and by name
(``all_guild_roles``, for display). A change of roles or presence re-runs the rank rule for
the linked player.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sv_common.db import utcnow
from sv_common.errors import ValidationFailed
from sv_common.identity.models import DiscordUser
from sv_common.identity.ranks import RankChange, rank_for_discord_roles, recompute_for_discord_user

NAME_LENGTH = 50
ROLE_NAME_LENGTH = 30


async def find_discord_user(session: AsyncSession, discord_id: str) -> DiscordUser | None:
    """The Discord user with this snowflake, or None."""
    return await session.scalar(select(DiscordUser).where(DiscordUser.discord_id == str(discord_id)))


async def upsert_discord_user(
    session: AsyncSession,
    *,
    discord_id: str,
    username: str,
    display_name: str | None,
    role_ids: Iterable[str],
    role_names: Iterable[str] = (),
    joined_at: datetime | None = None,
    is_present: bool = True,
) -> tuple[DiscordUser, list[RankChange]]:
    """Create or update a Discord user; re-runs the rank rule when roles or presence changed.

    Returns the user and the rank changes of its linked player (empty when none).
    """
    discord_id = str(discord_id or "").strip()
    if not discord_id.isdigit():
        raise ValidationFailed("A Discord id is a number.")
    username = (username or "").strip()[:NAME_LENGTH]
    if not username:
        raise ValidationFailed("A Discord username is required.")
    new_role_ids = sorted({str(r) for r in role_ids if r})

    user = await find_discord_user(session, discord_id)
    created = user is None
    if user is None:
        user = DiscordUser(discord_id=discord_id, username=username)
        session.add(user)
    rule_inputs_changed = (
        created or sorted(user.role_ids or []) != new_role_ids or user.is_present != is_present
    )

    user.username = username
    user.display_name = (display_name or "").strip()[:NAME_LENGTH] or None
    user.role_ids = new_role_ids
    user.all_guild_roles = [name for name in role_names if name]
    top_rank = await rank_for_discord_roles(session, new_role_ids)
    user.highest_guild_role = top_rank.name[:ROLE_NAME_LENGTH] if top_rank is not None else None
    if joined_at is not None:
        user.joined_server_at = joined_at
    user.is_present = is_present
    user.removed_at = None if is_present else (user.removed_at or utcnow())
    user.last_sync = utcnow()
    await session.flush()

    changes = (
        await recompute_for_discord_user(session, user.id) if rule_inputs_changed and not created else []
    )
    return user, changes


async def discord_user_left(
    session: AsyncSession, discord_id: str
) -> tuple[DiscordUser | None, list[RankChange]]:
    """Mark a user as gone from the server; returns the user and its player's rank changes."""
    user = await find_discord_user(session, discord_id)
    if user is None:
        return None, []
    if not user.is_present and user.removed_at is not None:
        return user, []
    user.is_present = False
    user.removed_at = user.removed_at or utcnow()
    user.last_sync = utcnow()
    await session.flush()
    return user, await recompute_for_discord_user(session, user.id)


async def mark_discord_user_left(session: AsyncSession, discord_id: str) -> DiscordUser | None:
    """Mark a user as gone from the server (None if unknown); rank changes go to ``drain_rank_changes``."""
    user, _changes = await discord_user_left(session, discord_id)
    return user

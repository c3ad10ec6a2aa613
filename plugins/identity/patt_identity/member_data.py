"""A member's data: export and deletion across every plugin (``export_member_data`` /
``delete_member_data`` hooks), plus identity's own part of both.

Deleting keeps the guild's roster facts (characters stay, unlinked) but removes what
identifies the person: their profile, availability, Discord link and login. The account
row stays deactivated with an unusable password so foreign keys elsewhere stay valid.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from patt_identity.auth.services import accounts
from patt_identity.deps import limit_key
from patt_identity.models import PlayerAvailability, RevokedToken
from sv_common.auth.passwords import verify_password_async
from sv_common.auth.service import revoke_all_tokens
from sv_common.errors import Forbidden
from sv_common.identity import players as player_service
from sv_common.identity.models import (
    DiscordUser,
    Player,
    PlayerCharacter,
    PlayerNoteAlias,
    User,
    WowCharacter,
)

if TYPE_CHECKING:
    from patt_host import HostAPI
    from patt_identity.state import IdentityState


async def export_identity(session: AsyncSession, player_id: int) -> dict[str, Any] | None:
    """Identity's share of an export: profile, account, Discord link, characters, availability,
    the guild-note aliases officers or matching recorded for the player."""
    player = await session.get(Player, player_id)
    if player is None:
        return None
    user = await session.get(User, player.website_user_id) if player.website_user_id else None
    discord = await session.get(DiscordUser, player.discord_user_id) if player.discord_user_id else None
    characters = await session.execute(
        select(WowCharacter.character_name, WowCharacter.realm_slug, PlayerCharacter.link_source)
        .join(PlayerCharacter, PlayerCharacter.character_id == WowCharacter.id)
        .where(PlayerCharacter.player_id == player_id)
        .order_by(WowCharacter.character_name)
    )
    availability = await session.scalars(
        select(PlayerAvailability)
        .where(PlayerAvailability.player_id == player_id)
        .order_by(PlayerAvailability.day_of_week)
    )
    aliases = await session.scalars(
        select(PlayerNoteAlias.alias)
        .where(PlayerNoteAlias.player_id == player_id)
        .order_by(PlayerNoteAlias.alias)
    )
    return {
        "player": {
            "id": player.id,
            "display_name": player.display_name,
            "timezone": player.timezone,
            "is_active": player.is_active,
            "created_at": player.created_at,
        },
        "account": None
        if user is None
        else {"username": user.email, "created_at": user.created_at, "last_login_at": user.last_login_at},
        "discord": None
        if discord is None
        else {
            "discord_id": discord.discord_id,
            "username": discord.username,
            "display_name": discord.display_name,
        },
        "characters": [
            {"name": name, "realm_slug": realm, "link_source": source}
            for name, realm, source in characters.all()
        ],
        "availability": [
            {
                "day_of_week": row.day_of_week,
                "available": row.available,
                "earliest_start": row.earliest_start.isoformat(timespec="minutes")
                if row.earliest_start
                else None,
                "available_hours": row.available_hours,
            }
            for row in availability
        ],
        "note_aliases": list(aliases.all()),
    }


async def delete_identity(session: AsyncSession, player_id: int) -> int:
    """Identity's own tables: the player's availability, their note aliases (nicknames that
    name the person) and their revoked-token entries."""
    deleted = await session.execute(
        delete(PlayerAvailability).where(PlayerAvailability.player_id == player_id)
    )
    count = deleted.rowcount or 0
    aliases = await session.execute(delete(PlayerNoteAlias).where(PlayerNoteAlias.player_id == player_id))
    count += aliases.rowcount or 0
    user_id = await session.scalar(select(Player.website_user_id).where(Player.id == player_id))
    if user_id is not None:
        tokens = await session.execute(delete(RevokedToken).where(RevokedToken.user_id == user_id))
        count += tokens.rowcount or 0
    return count


async def export_my_data(session: AsyncSession, host: HostAPI, actor) -> dict[str, Any]:
    user = await accounts.current_user(session, actor)
    plugins = {}
    if actor.player_id is not None:
        plugins = await host.hooks.export_member_data(session, actor.player_id)
    return {
        "account": {"username": user.email, "created_at": user.created_at},
        "player_id": actor.player_id,
        "plugins": plugins,
    }


async def anonymise_player(session: AsyncSession, player_id: int) -> None:
    """Remove what identifies the person and take the player off every roster."""
    character_ids = await session.scalars(
        select(PlayerCharacter.character_id).where(PlayerCharacter.player_id == player_id)
    )
    for character_id in list(character_ids):
        await player_service.unlink_character(session, character_id=character_id)
    player = await session.get(Player, player_id)
    if player.discord_user_id is not None:
        await player_service.link_discord(session, player_id=player_id, discord_user_id=None)
    await session.execute(
        update(Player)
        .where(Player.id == player_id)
        .values(
            display_name=f"Former member {player_id}",
            notes=None,
            timezone="UTC",
            main_character_id=None,
            main_spec_id=None,
            offspec_character_id=None,
            offspec_spec_id=None,
            crafting_notifications_enabled=False,
            is_active=False,
        )
    )


async def close_user(session: AsyncSession, user: User) -> None:
    """Deactivate the login: name freed, password unusable, every token revoked."""
    user.email = f"deleted-{user.id}-{secrets.token_hex(4)}"
    user.phone = None
    user.password_hash = "!"  # never a valid bcrypt hash
    user.is_active = False
    await session.flush()
    await revoke_all_tokens(session, user=user)


async def delete_my_account(
    session: AsyncSession, state: IdentityState, actor, password: str
) -> dict[str, Any]:
    """Check the password, then run every plugin's deletion and close the account. The caller
    commits, then calls :func:`account_deleted`."""
    await state.hit(limit_key("password-user", str(actor.user_id)), state.settings.password_per_user)
    user = await accounts.current_user(session, actor)
    if not await verify_password_async(password, user.password_hash):
        raise Forbidden("Your password is not correct.", code="wrong_password")
    per_plugin: dict[str, Any] = {}
    if actor.player_id is not None:
        per_plugin = await state.host.hooks.delete_member_data(session, actor.player_id)
        await anonymise_player(session, actor.player_id)
    await close_user(session, user)
    return {"deleted": True, "plugins": per_plugin}


async def account_deleted(state: IdentityState, actor) -> None:
    """After the deletion is committed: drop the cached roster and tell the other plugins."""
    state.roster.invalidate()
    if actor.player_id is not None:
        await state.host.emit("member.deleted", player_id=actor.player_id)

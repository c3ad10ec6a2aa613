"""Officer checks for slash commands, by the rank mapping, never by role names.

A member is an officer when they hold the Discord role mapped
(``guild_ranks.discord_role_id``) to any rank at or above the site's officer level.
Use the reusable check on any plugin command::

    from sv_common.discord.checks import officer_only

    @app_commands.command()
    @officer_only()
    async def resolve(self, interaction): ...

The check reads ``interaction.client.host`` (the PATT bot's host: ``db`` and
``officer_level``). A refusal raises :class:`NotAnOfficer`, which the bot answers with
an ephemeral message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import discord
from discord import app_commands
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sv_common.identity.models import GuildRank


class NotAnOfficer(app_commands.CheckFailure):
    """The caller holds no Discord role mapped to an officer rank."""

    def __init__(self, message: str = "Only officers can use this command."):
        super().__init__(message)


async def officer_role_ids(session: AsyncSession, officer_level: int) -> set[str]:
    """Discord role ids mapped to ranks with level >= ``officer_level``."""
    rows = await session.scalars(
        select(GuildRank.discord_role_id).where(
            GuildRank.level >= officer_level, GuildRank.discord_role_id.is_not(None)
        )
    )
    return {str(r) for r in rows}


def holds_officer_role(role_ids: Iterable[int | str], officer_roles: set[str]) -> bool:
    return any(str(r) in officer_roles for r in role_ids)


async def interaction_is_officer(interaction: discord.Interaction) -> bool:
    host: Any = getattr(interaction.client, "host", None)
    user = interaction.user
    if host is None or not getattr(host, "is_open", False) or not isinstance(user, discord.Member):
        return False  # outside a guild (DMs) there are no roles to check
    async with host.db.session() as session:
        officer_roles = await officer_role_ids(session, host.officer_level)
    return holds_officer_role((r.id for r in user.roles), officer_roles)


def officer_only():
    """An ``app_commands.check``: the caller must hold a role mapped to an officer rank."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if await interaction_is_officer(interaction):
            return True
        raise NotAnOfficer()

    return app_commands.check(predicate)

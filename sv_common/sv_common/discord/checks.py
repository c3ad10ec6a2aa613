"""Officer checks for slash commands, by the rank mapping, never by role names.

A member is an officer when they hold the Discord role mapped
(``guild_ranks.discord_role_id``) to any rank at or above the site's officer level.
Use the reusable check on any plugin command::

    from sv_common.discord.checks import officer_only

    @app_commands.command()
    @officer_only()
    async def resolve(self, interaction): ...

The check asks the bot: a bot that can tell officers apart is an
:class:`OfficerRoleSource` (the PATT bot is one) and answers ``officer_role_ids()``.
Another bot passes its own resolver: ``officer_only(resolver)``, an async callable
returning the officer role ids. A refusal raises :class:`NotAnOfficer`, which the PATT
bot answers with an ephemeral message.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Iterable

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


class OfficerRoleSource(abc.ABC):
    """A Discord client that knows which roles make an officer (mix it into the bot class)."""

    @abc.abstractmethod
    async def officer_role_ids(self) -> set[str]:
        """The Discord role ids mapped to officer ranks (empty when that cannot be known)."""


OfficerResolver = Callable[[discord.Interaction], Awaitable[set[str]]]


async def _bot_officer_roles(interaction: discord.Interaction) -> set[str]:
    client = interaction.client
    return await client.officer_role_ids() if isinstance(client, OfficerRoleSource) else set()


async def interaction_is_officer(
    interaction: discord.Interaction, resolver: OfficerResolver = _bot_officer_roles
) -> bool:
    user = interaction.user
    if not isinstance(user, discord.Member):
        return False  # outside a guild (DMs) there are no roles to check
    return holds_officer_role((r.id for r in user.roles), await resolver(interaction))


def officer_only(resolver: OfficerResolver | None = None):
    """An ``app_commands.check``: the caller must hold a role mapped to an officer rank.

    ``resolver(interaction)`` returns the officer role ids; by default the bot is asked
    (it must be an :class:`OfficerRoleSource`, else nobody passes)."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if await interaction_is_officer(interaction, resolver or _bot_officer_roles):
            return True
        raise NotAnOfficer()

    return app_commands.check(predicate)

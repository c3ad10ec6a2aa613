"""Reading the guild over REST: members (with roles) and channels.

REST rather than the gateway cache, so the same code runs in the bot, in a worker
and in the CLI, and it sees Discord's truth even right after a reconnect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sv_common.discord.channel_sync import ChannelSnapshot
from sv_common.discord.client import DiscordUnavailable
from sv_common.discord.member_sync import MemberSnapshot

if TYPE_CHECKING:
    import discord


class MembersIntentMissing(DiscordUnavailable):
    """Discord refused the member list: the Server Members Intent is off in the portal."""


MEMBERS_INTENT_TEXT = (
    "Discord refused the member list (403, code 50001 Missing Access): switch on the Server Members "
    "Intent in the Discord Developer Portal → your application → Bot → Privileged Gateway Intents."
)


async def fetch_member_snapshots(client: discord.Client, guild_id: int) -> list[MemberSnapshot]:
    """Every member of the guild (1 request per 1000 members), bots included and flagged.

    Raises :class:`MembersIntentMissing` (before anything is changed) when Discord refuses
    the list for want of the privileged intent.
    """
    import discord

    guild = await client.fetch_guild(guild_id)  # carries the roles, so member.roles resolve
    try:
        return [MemberSnapshot.from_member(member) async for member in guild.fetch_members(limit=None)]
    except discord.Forbidden as exc:
        if exc.code == 50001:
            raise MembersIntentMissing(MEMBERS_INTENT_TEXT) from exc
        raise


async def fetch_channel_snapshots(client: discord.Client, guild_id: int) -> list[ChannelSnapshot]:
    import discord

    guild = await client.fetch_guild(guild_id)
    channels = await guild.fetch_channels()
    categories = {c.id: c.name for c in channels if isinstance(c, discord.CategoryChannel)}
    return [ChannelSnapshot.from_channel(c, categories) for c in channels]

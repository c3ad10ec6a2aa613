"""Reading the guild over REST: members (with roles) and channels.

REST rather than the gateway cache, so the same code runs in the bot, in a worker
and in the CLI, and it sees Discord's truth even right after a reconnect.
"""

from __future__ import annotations

import discord

from sv_common.discord.channel_sync import ChannelSnapshot
from sv_common.discord.member_sync import MemberSnapshot


async def fetch_member_snapshots(client: discord.Client, guild_id: int) -> list[MemberSnapshot]:
    """Every member of the guild (1 request per 1000 members), bots included and flagged."""
    guild = await client.fetch_guild(guild_id)  # carries the roles, so member.roles resolve
    return [MemberSnapshot.from_member(member) async for member in guild.fetch_members(limit=None)]


async def fetch_channel_snapshots(client: discord.Client, guild_id: int) -> list[ChannelSnapshot]:
    guild = await client.fetch_guild(guild_id)
    channels = await guild.fetch_channels()
    categories = {c.id: c.name for c in channels if isinstance(c, discord.CategoryChannel)}
    return [ChannelSnapshot.from_channel(c, categories) for c in channels]

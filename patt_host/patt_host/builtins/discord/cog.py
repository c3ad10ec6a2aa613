"""Gateway listeners of the built-in ``discord`` plugin: members, channels, reconnects.

Each event is applied in its own transaction and its domain events are emitted after
the commit. A failure is logged and never stops the bot; the periodic full syncs
repair anything an event missed.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from sv_common.discord import channel_sync, member_sync
from sv_common.discord.member_sync import MemberSnapshot
from sv_common.discord.operations import emit_events

if TYPE_CHECKING:
    from patt_host.api import HostAPI


log = logging.getLogger("patt.discord")


def _guarded(handler):
    """Log a failing listener with its event name; the bot keeps running."""

    @functools.wraps(handler)
    async def wrapper(self, *args: Any) -> None:
        try:
            await handler(self, *args)
        except Exception:  # noqa: BLE001
            log.exception("discord listener %s failed", handler.__name__)

    return wrapper


class DiscordSyncCog(commands.Cog, name="DiscordSync"):
    """Keeps discord_users and discord_channels current; flushes notifications on reconnect."""

    def __init__(self, host: HostAPI, runtime: Any):
        self.host = host
        self.runtime = runtime

    async def _ours(self, guild_id: int) -> bool:
        configured = await self.runtime.guild_id()
        return configured is None or configured == guild_id

    async def _apply_member(self, call, *args: Any) -> None:
        async with self.host.db.session() as session:
            outcome = await call(session, *args)
        await emit_events(self.host.emit, outcome.events)

    # -- connection -------------------------------------------------------------------

    @commands.Cog.listener()
    @_guarded
    async def on_ready(self) -> None:
        # Whatever happened while we were away: repair members and channels, send the queue.
        for job in ("discord.channel_sync", "discord.member_sync"):
            self.runtime.spawn_job(job)
        self.runtime.kick_delivery(flush=True)

    @commands.Cog.listener()
    @_guarded
    async def on_resumed(self) -> None:
        self.runtime.kick_delivery(flush=True)

    # -- members ----------------------------------------------------------------------

    @commands.Cog.listener()
    @_guarded
    async def on_member_join(self, member: discord.Member) -> None:
        if not member.bot and await self._ours(member.guild.id):
            await self._apply_member(member_sync.member_joined, MemberSnapshot.from_member(member))

    @commands.Cog.listener()
    @_guarded
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if after.bot or not await self._ours(after.guild.id):
            return
        if (before.roles, before.display_name, before.name) != (after.roles, after.display_name, after.name):
            await self._apply_member(member_sync.member_updated, MemberSnapshot.from_member(after))

    @commands.Cog.listener()
    @_guarded
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        # The raw event fires even when the member was not in the cache.
        if not payload.user.bot and await self._ours(payload.guild_id):
            await self._apply_member(member_sync.member_left, str(payload.user.id))

    # -- channels ---------------------------------------------------------------------

    async def _upsert_channel(self, channel: discord.abc.GuildChannel) -> None:
        if await self._ours(channel.guild.id):
            async with self.host.db.session() as session:
                await channel_sync.upsert_channel(session, channel_sync.ChannelSnapshot.from_channel(channel))

    @commands.Cog.listener()
    @_guarded
    async def on_guild_channel_create(self, channel: discord.abc.GuildChannel) -> None:
        await self._upsert_channel(channel)

    @commands.Cog.listener()
    @_guarded
    async def on_guild_channel_update(self, before: Any, after: discord.abc.GuildChannel) -> None:
        await self._upsert_channel(after)
        if isinstance(after, discord.CategoryChannel) and before.name != after.name:
            for child in after.channels:  # children show the category's name
                await self._upsert_channel(child)

    @commands.Cog.listener()
    @_guarded
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        if await self._ours(channel.guild.id):
            async with self.host.db.session() as session:
                await channel_sync.remove_channel(session, str(channel.id))

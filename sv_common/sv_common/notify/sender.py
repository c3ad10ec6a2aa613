"""Sending outbox rows with a logged-in discord.py client's HTTP layer.

Uses the client's REST API only (``client.http``), so it works in the bot process and
in a worker that logged in without a gateway connection. discord.py handles per-route
buckets, 429 ``retry_after`` and the global limit; what it gives up on is classified
by the worker.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import discord


# Our clock and Discord's may differ a little; look a bit before the uncertain attempt.
CLOCK_SKEW = timedelta(seconds=30)


def allowed_mentions() -> discord.AllowedMentions:
    """Mentions in content may ping users and roles, never @everyone/@here by accident."""
    import discord

    return discord.AllowedMentions(everyone=False, users=True, roles=True, replied_user=False)


class DiscordSender:
    """A :class:`sv_common.notify.delivery.Sender` over ``client.http``."""

    def __init__(self, client: discord.Client):
        self.client = client
        self.http = client.http
        self._dm_channels: dict[str, str] = {}

    async def _dm_channel(self, user_id: str) -> str:
        if user_id not in self._dm_channels:
            channel = await self.http.start_private_message(int(user_id))
            self._dm_channels[user_id] = str(channel["id"])
        return self._dm_channels[user_id]

    async def find_sent(
        self, kind: str, target: str, payload: dict[str, Any], *, since: datetime
    ) -> str | None:
        """A message of the bot's in the target channel since ``since`` with this content and
        these embed titles: an earlier attempt that Discord did post (the newest 100 looked at)."""
        import discord

        channel_id = await self._dm_channel(target) if kind == "dm" else target
        after = discord.utils.time_snowflake(since - CLOCK_SKEW)
        messages = await self.http.logs_from(int(channel_id), 100, after=after)
        me = str(self.client.user.id) if self.client.user else None
        wanted = _shape(payload.get("content"), payload.get("embeds"))
        for message in messages:
            if (
                message["author"]["id"] == me
                and _shape(message.get("content"), message.get("embeds")) == wanted
            ):
                return str(message["id"])
        return None

    async def send(self, kind: str, target: str, payload: dict[str, Any], *, nonce: str) -> str:
        import discord
        from discord.http import handle_message_parameters

        channel_id = await self._dm_channel(target) if kind == "dm" else target
        embeds = [discord.Embed.from_dict(e) for e in payload.get("embeds") or []]
        params = handle_message_parameters(
            content=payload.get("content"),
            embeds=embeds,
            nonce=nonce,
            allowed_mentions=allowed_mentions(),
        )
        if params.payload is not None:
            # Discord drops a second message with the same nonce (a retry after a lost reply).
            params.payload["enforce_nonce"] = True
            if payload.get("components"):
                params.payload["components"] = payload["components"]
        with params:
            message = await self.http.send_message(int(channel_id), params=params)
        return str(message["id"])

    async def edit(self, channel_id: str, message_id: str, payload: dict[str, Any]) -> None:
        import discord
        from discord.http import handle_message_parameters

        params = handle_message_parameters(
            content=payload.get("content"),
            embeds=[discord.Embed.from_dict(e) for e in payload.get("embeds") or []],
            allowed_mentions=allowed_mentions(),
        )
        if params.payload is not None and "components" in payload:
            params.payload["components"] = payload["components"]  # [] removes the buttons
        with params:
            await self.http.edit_message(int(channel_id), int(message_id), params=params)


def _shape(content: str | None, embeds: list[dict] | None) -> tuple:
    """What identifies one of our posts: its text and its embeds' titles and descriptions."""
    return (content or "", [((e.get("title") or ""), (e.get("description") or "")) for e in embeds or []])

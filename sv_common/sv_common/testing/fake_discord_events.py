"""Gateway events, shared mutations and interactions of :class:`~.fake_discord.FakeDiscord`.

A mixin so the fake's lifecycle, state builders and inspection stay in one module and
what it *sends* (DISPATCHes to sessions, interaction bookkeeping) in this one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any

from .fake_discord_interaction_builder import DMInteractionBuilder, InteractionBuilder
from .fake_discord_interactions import InteractionRecord, wait_for_interaction
from .fake_discord_state import (
    DIRECT_MESSAGES_INTENT,
    GUILD_MEMBERS_INTENT,
    GUILD_MESSAGES_INTENT,
    attachment_payload,
    dm_channel_payload,
    message_payload,
)

_MISSING: Any = object()


class FakeDiscordEvents:
    """Methods of FakeDiscord that emit gateway events or answer interactions."""

    # Provided by FakeDiscord.
    guilds: dict
    users: dict
    dm_channels: dict
    messages: dict
    sent_messages: list
    interactions: dict
    bot_user_id: int
    host: str
    port: int | None
    identify_count: int
    _states: dict
    _sessions: set
    _identify_cond: asyncio.Condition
    _interaction_cond: asyncio.Condition
    snowflake: Any
    add_member: Any

    # ------------------------------------------------------------------ interactions

    def interaction_builder(self, guild_id: int, channel_id: int) -> InteractionBuilder:
        """Builds slash command, autocomplete, button, select and modal interactions."""
        return InteractionBuilder(self, guild_id=guild_id, channel_id=channel_id)

    def dm_interaction_builder(self, user_id: int) -> DMInteractionBuilder:
        """Builds button, select and modal interactions in the bot's DM with ``user_id``."""
        return DMInteractionBuilder(self, user_id=user_id)

    async def interact(
        self,
        payload: dict,
        *,
        until: str = "reply",
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> InteractionRecord:
        """Send a built interaction to every connected bot and wait for its answer.

        ``until="reply"`` (default) waits until the bot acknowledged it and, if it
        deferred, until it followed up or edited the deferred reply; ``until="ack"``
        only for the acknowledgement. Raises ``TimeoutError`` after ``timeout`` seconds
        (the returned record's ``callbacks`` show refused attempts). The record keeps
        filling in as the bot sends more follow-ups.
        """
        if until not in ("ack", "reply"):
            raise ValueError("until must be 'ack' or 'reply'")
        record = self.interactions[int(payload["id"])]
        record.sent_at = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", payload)
        await wait_for_interaction(self, record, until, timeout)
        return record

    async def _note_interaction(self) -> None:
        async with self._interaction_cond:
            self._interaction_cond.notify_all()

    # ------------------------------------------------------------------ gateway events

    async def dispatch(self, event_name: str, data: dict) -> None:
        """Send a raw DISPATCH to every identified client, ignoring intents."""
        await self._broadcast(event_name, data, intents=None)

    async def _broadcast(self, event_name: str, data: dict, *, intents: int | None) -> None:
        """Dispatch to every identified session with a matching intent (real Discord withholds
        the others); a disconnected session buffers the event for its RESUME."""
        for state in list(self._states.values()):
            if state.identified and state.wants(intents):
                await state.dispatch(event_name, data)

    async def reconnect_clients(self) -> None:
        """Send op 7 RECONNECT: clients drop the socket and RESUME at once (no backoff).

        Events dispatched from now until a client resumes are buffered and replayed."""
        for session in list(self._sessions):
            if session.ready:
                session.detach()
                await session.send(7, None)

    def dispatched(self, event_name: str) -> list[dict]:
        """Payloads of every ``event_name`` DISPATCH sent to any session (oldest first)."""
        frames = [f for state in self._states.values() for f in state.sent if f["t"] == event_name]
        return [f["d"] for f in frames]

    async def member_join(self, guild_id: int, user_id: int, username: str, **kw: Any) -> dict:
        member = self.add_member(guild_id, user_id, username, **kw)
        await self._broadcast(
            "GUILD_MEMBER_ADD", dict(member, guild_id=str(guild_id)), intents=GUILD_MEMBERS_INTENT
        )
        return member

    async def user_dm(self, user_id: int, content: str) -> dict:
        """``user_id`` writes ``content`` to the bot in their DM channel: MESSAGE_CREATE to the
        clients with the direct-messages intent. A DM's content reaches a bot without the
        message-content intent (Discord exempts DMs to the bot), and there is no guild_id."""
        channel = self._dm_channel(user_id)
        message = message_payload(
            self.snowflake(), channel["id"], self.users[user_id], {"content": content}, []
        )
        channel["last_message_id"] = message["id"]
        self.messages[int(message["id"])] = message
        await self._announce_message(message)
        return message

    async def member_remove(self, guild_id: int, user_id: int) -> None:
        member = self.guilds[guild_id].members.pop(user_id)
        await self._broadcast(
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(guild_id), "user": member["user"]},
            intents=GUILD_MEMBERS_INTENT,
        )

    async def member_update(
        self, guild_id: int, user_id: int, *, roles: Iterable[int] | None = None, nick: Any = _MISSING
    ) -> dict:
        changes: dict[str, Any] = {}
        if roles is not None:
            changes["roles"] = list(roles)
        if nick is not _MISSING:
            changes["nick"] = nick
        return await self._set_member(guild_id, user_id, **changes)

    async def wait_for_identify(self, timeout: float = 5, *, count: int = 1) -> None:  # noqa: ASYNC109
        """Wait until ``count`` IDENTIFYs in total were answered with READY + GUILD_CREATEs."""

        async def _wait() -> None:
            async with self._identify_cond:
                await self._identify_cond.wait_for(lambda: self.identify_count >= count)

        await asyncio.wait_for(_wait(), timeout)

    async def _note_identify(self) -> None:
        async with self._identify_cond:
            self.identify_count += 1
            self._identify_cond.notify_all()

    # ------------------------------------------------------------------ shared mutations (REST + events)

    async def _set_member(self, guild_id: int, user_id: int, **changes: Any) -> dict:
        """Apply a member change and emit GUILD_MEMBER_UPDATE before returning.

        Sending the event before the REST reply means the client cache is
        current when e.g. ``add_roles`` returns; Discord usually, though not
        strictly always, behaves the same way.
        """
        member = self.guilds[guild_id].members[user_id]
        if "roles" in changes:
            member["roles"] = [str(r) for r in changes["roles"]]
        if "nick" in changes:
            member["nick"] = changes["nick"]
        await self._broadcast(
            "GUILD_MEMBER_UPDATE", dict(member, guild_id=str(guild_id)), intents=GUILD_MEMBERS_INTENT
        )
        return member

    def _find_channel(self, channel_id: int) -> dict | None:
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild.channels[channel_id]
        for channel in self.dm_channels.values():
            if int(channel["id"]) == channel_id:
                return channel
        return None

    def _dm_channel(self, user_id: int) -> dict:
        if user_id not in self.dm_channels:
            self.dm_channels[user_id] = dm_channel_payload(self.snowflake(), self.users[user_id])
        return self.dm_channels[user_id]

    async def _create_message(self, channel: dict, body: dict, files: list[dict]) -> dict:
        mid = self.snowflake()
        files_url = f"http://{self.host}:{self.port}/attachments"
        attachments = [attachment_payload(self.snowflake(), f, files_url) for f in files if f["filename"]]
        message = message_payload(mid, channel["id"], self.users[self.bot_user_id], body, attachments)
        channel["last_message_id"] = message["id"]
        self.messages[mid] = message
        self.sent_messages.append(message)
        await self._announce_message(message)
        return message

    async def _announce_message(self, message: dict, event_name: str = "MESSAGE_CREATE") -> None:
        """MESSAGE_CREATE (or ``event_name``) to clients with the guild- or direct-messages intent."""
        channel = self._find_channel(int(message["channel_id"]))
        if channel is None:
            return
        payload = dict(message)
        if channel.get("guild_id"):
            guild = self.guilds[int(channel["guild_id"])]
            payload["guild_id"] = channel["guild_id"]
            me = guild.members.get(self.bot_user_id)
            if me is not None:
                payload["member"] = {k: v for k, v in me.items() if k != "user"}
            await self._broadcast(event_name, payload, intents=GUILD_MESSAGES_INTENT)
        else:
            await self._broadcast(event_name, payload, intents=DIRECT_MESSAGES_INTENT)

"""Gateway side of the fake Discord: one :class:`GatewaySession` per websocket.

Frames are always sent as uncompressed JSON text. discord.py asks for
``compress=zlib-stream`` (or ``zstd-stream`` when a zstd module is present)
in the URL, but ``DiscordWebSocket.received_message`` only runs its
decompressor on *binary* frames and parses text frames as-is, so plain text is
accepted by every 2.x transport-compression mode and keeps frames readable
when debugging.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .fake_discord_state import PRIVILEGED_INTENTS, iso

if TYPE_CHECKING:
    from .fake_discord import FakeDiscord

HEARTBEAT_INTERVAL_MS = 41250


class GatewaySession:
    """State of one client connection: sequence numbers, intents, session id."""

    def __init__(self, fake: FakeDiscord, ws: web.WebSocketResponse) -> None:
        self.fake = fake
        self.ws = ws
        self.seq = 0
        self.intents: int | None = None
        self.session_id: str | None = None
        self.ready = False
        self._send_lock = asyncio.Lock()

    async def send(self, op: int, d: Any, t: str | None = None) -> None:
        frame: dict[str, Any] = {"op": op, "d": d, "s": None, "t": t}
        async with self._send_lock:  # seq must reach the wire in order
            if op == 0:
                self.seq += 1
                frame["s"] = self.seq
            if not self.ws.closed:
                await self.ws.send_str(json.dumps(frame))

    async def close(self, code: int, reason: str) -> None:
        """Close with one of Discord's gateway close codes (recorded in ``fake.gateway_closes``)."""
        self.fake.gateway_closes.append(code)
        self.ready = False
        await self.ws.close(code=code, message=reason.encode())

    async def run(self) -> None:
        await self.send(10, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS, "_trace": ["fake-discord"]})
        async for msg in self.ws:
            if msg.type is not WSMsgType.TEXT:
                if msg.type is WSMsgType.BINARY:
                    await self.close(4002, "Error while decoding payload.")
                break
            try:
                payload = json.loads(msg.data)
            except ValueError:
                await self.close(4002, "Error while decoding payload.")
                break
            await self._on_frame(payload.get("op"), payload.get("d"))

    async def _on_frame(self, op: Any, d: Any) -> None:
        if op == 1:
            await self.send(11, None)
        elif op == 2:
            await self._identify(d or {})
        elif op == 6:
            await self._resume(d or {})
        elif op == 8:
            await self._request_members(d or {})
        elif op in (3, 4):
            pass  # presence / voice state updates need no answer
        else:
            await self.close(4001, "Unknown opcode.")

    async def _identify(self, d: dict) -> None:
        fake = self.fake
        token = str(d.get("token") or "")
        if not fake.token_ok(token[4:] if token.startswith("Bot ") else token):
            await self.close(4004, "Authentication failed.")
            return
        if int(d.get("intents") or 0) & PRIVILEGED_INTENTS & ~fake.portal_intents:
            await self.close(4014, "Disallowed intent(s).")
            return
        self.intents = d.get("intents")
        self.session_id = secrets.token_hex(16)
        fake._known_sessions.add(self.session_id)
        ready = {
            "v": 10,
            "user": dict(fake.users[fake.bot_user_id], verified=True, mfa_enabled=False, flags=0),
            "guilds": [{"id": str(gid), "unavailable": True} for gid in fake.guilds],
            "session_id": self.session_id,
            "session_type": "normal",
            "resume_gateway_url": fake.gateway_url,
            "application": {"id": str(fake.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "_trace": ["fake-discord"],
        }
        if "shard" in d:
            ready["shard"] = d["shard"]
        await self.send(0, ready, "READY")
        joined = iso()
        for guild in list(fake.guilds.values()):
            await self.send(0, guild.create_payload(joined), "GUILD_CREATE")
        self.ready = True
        await fake._note_identify()

    async def _resume(self, d: dict) -> None:
        if d.get("session_id") in self.fake._known_sessions:
            self.session_id = d["session_id"]
            self.seq = int(d.get("seq") or 0)
            self.ready = True
            await self.send(0, {"_trace": ["fake-discord"]}, "RESUMED")
        else:
            await self.send(9, False)

    async def _request_members(self, d: dict) -> None:
        guild = self.fake.guilds.get(int(d.get("guild_id", 0)))
        if guild is None:
            return
        members = list(guild.members.values())
        not_found: list[str] = []
        if d.get("user_ids"):
            wanted = [int(u) for u in d["user_ids"]]
            members = [guild.members[u] for u in wanted if u in guild.members]
            not_found = [str(u) for u in wanted if u not in guild.members]
        elif d.get("query"):
            q = d["query"].lower()
            members = [
                m
                for m in members
                if m["user"]["username"].lower().startswith(q) or (m.get("nick") or "").lower().startswith(q)
            ]
        if d.get("limit"):
            members = members[: int(d["limit"])]
        chunk = {
            "guild_id": str(guild.id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": not_found,
        }
        if d.get("presences"):
            chunk["presences"] = []
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        await self.send(0, chunk, "GUILD_MEMBERS_CHUNK")


async def handle_gateway(fake: FakeDiscord, request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(max_msg_size=0, autoping=True, timeout=2.0)  # bounded close handshake
    await ws.prepare(request)
    session = GatewaySession(fake, ws)
    fake._sessions.add(session)
    try:
        await session.run()
    finally:
        fake._sessions.discard(session)
        if not ws.closed:
            await ws.close()
    return ws

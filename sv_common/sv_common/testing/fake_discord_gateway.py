"""Gateway side of the fake Discord: a :class:`GatewaySession` per websocket, a
:class:`SessionState` per Discord session (it outlives connections, for RESUME).

Frames are always sent as uncompressed JSON text. discord.py asks for
``compress=zlib-stream`` (or ``zstd-stream`` when a zstd module is present)
in the URL, but ``DiscordWebSocket.received_message`` only runs its
decompressor on *binary* frames and parses text frames as-is, so plain text is
accepted by every 2.x transport-compression mode and keeps frames readable
when debugging.

Heartbeats are acknowledged after ``fake.heartbeat_ack_delay`` (a network round trip),
not at once. discord.py's keep-alive thread records when a heartbeat went out only after
the event loop has sent it and the thread has been scheduled again; an ACK from a server
in the same process and on the same loop can be handled before that, and discord.py then
measures the ACK against the *previous* heartbeat: a latency of one whole interval and
"Can't keep up, shard ID None websocket is 41.3s behind" in the log. Discord's ACK crosses
a network and never wins that race.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import deque
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .fake_discord_state import GUILD_PRESENCES_INTENT, PRIVILEGED_INTENTS, iso

if TYPE_CHECKING:
    from .fake_discord import FakeDiscord

HEARTBEAT_INTERVAL_MS = 41250  # what Discord's HELLO says (``fake.heartbeat_interval_ms``)
HEARTBEAT_ACK_DELAY = 0.03  # seconds; a round trip to Discord (``fake.heartbeat_ack_delay``)
REPLAY_BUFFER = 1000  # dispatches kept per session for RESUME
CHUNK_SIZE = 1000  # Discord's cap on members per GUILD_MEMBERS_CHUNK
QUERY_CAP = 100  # most members a prefix query or a user_ids request returns


class SessionState:
    """A session as Discord keeps it across connections: sequence, intents, sent events.

    Events for a session are buffered while its client is disconnected and replayed
    after the ``seq`` the client gives in its RESUME, as Discord does.
    """

    def __init__(self, session_id: str, intents: int, large_threshold: int) -> None:
        self.session_id = session_id
        self.intents = intents
        self.large_threshold = large_threshold
        self.seq = 0
        self.sent: deque[dict] = deque(maxlen=REPLAY_BUFFER)
        self.connection: GatewaySession | None = None
        self.identified = False  # READY and the GUILD_CREATEs went out

    def wants(self, intents: int | None) -> bool:
        return intents is None or bool(self.intents & intents)

    async def dispatch(self, event_name: str, data: Any) -> None:
        self.seq += 1
        frame = {"op": 0, "d": data, "s": self.seq, "t": event_name}
        self.sent.append(frame)
        if self.connection is not None:
            await self.connection.send_frame(frame)


class GatewaySession:
    """One websocket connection; it carries a :class:`SessionState` after IDENTIFY or RESUME."""

    def __init__(self, fake: FakeDiscord, ws: web.WebSocketResponse) -> None:
        self.fake = fake
        self.ws = ws
        self.state: SessionState | None = None
        self.closed_by_server = False
        self._send_lock = asyncio.Lock()
        self._acks: set[asyncio.Task] = set()  # heartbeat ACKs on their way

    @property
    def ready(self) -> bool:
        return self.state is not None and self.state.identified and self.state.connection is self

    async def send(self, op: int, d: Any, t: str | None = None) -> None:
        if op == 0:
            if self.state is None:
                raise RuntimeError("dispatch before IDENTIFY")
            await self.state.dispatch(t or "", d)
        else:
            await self.send_frame({"op": op, "d": d, "s": None, "t": t})

    async def send_frame(self, frame: dict) -> None:
        async with self._send_lock:  # seq must reach the wire in order
            if not self.ws.closed:
                await self.ws.send_str(json.dumps(frame))

    async def close(self, code: int, reason: str) -> None:
        """Close with one of Discord's gateway close codes (recorded in ``fake.gateway_closes``)."""
        self.fake.gateway_closes.append(code)
        self.closed_by_server = True
        self.detach()
        await self.ws.close(code=code, message=reason.encode())

    def detach(self) -> None:
        if self.state is not None and self.state.connection is self:
            self.state.connection = None

    def cancel_acks(self) -> None:
        for task in list(self._acks):
            task.cancel()

    def _ack_heartbeat(self) -> None:
        """op 11 after the simulated round trip; later frames are not held up meanwhile."""
        self.fake.heartbeats += 1
        task = asyncio.create_task(self._send_ack(self.fake.heartbeat_ack_delay))
        self._acks.add(task)
        task.add_done_callback(self._acks.discard)

    async def _send_ack(self, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.send(11, None)

    async def run(self) -> None:
        hello = {"heartbeat_interval": self.fake.heartbeat_interval_ms, "_trace": ["fake-discord"]}
        await self.send(10, hello)
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
            self._ack_heartbeat()
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
        intents = int(d.get("intents") or 0)
        if intents & PRIVILEGED_INTENTS & ~fake.portal_intents:
            await self.close(4014, "Disallowed intent(s).")
            return
        state = SessionState(secrets.token_hex(16), intents, int(d.get("large_threshold") or 50))
        fake._states[state.session_id] = state
        self.state, state.connection = state, self
        ready = {
            "v": 10,
            "user": dict(fake.users[fake.bot_user_id], verified=True, mfa_enabled=False, flags=0),
            "guilds": [{"id": str(gid), "unavailable": True} for gid in fake.guilds],
            "session_id": state.session_id,
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
            large = len(guild.members) > state.large_threshold
            payload = guild.create_payload(joined, self._initial_members(guild, large), large=large)
            await self.send(0, payload, "GUILD_CREATE")
        state.identified = True
        await fake._note_identify()

    def _initial_members(self, guild: Any, large: bool) -> list[dict]:
        """Without the presences intent, or for a large guild, GUILD_CREATE carries only the
        bot's own member; clients fetch the rest with op 8 REQUEST_GUILD_MEMBERS."""
        assert self.state is not None
        if self.state.intents & GUILD_PRESENCES_INTENT and not large:
            return list(guild.members.values())
        me = guild.members.get(self.fake.bot_user_id)
        return [me] if me is not None else []

    async def _resume(self, d: dict) -> None:
        state = self.fake._states.get(str(d.get("session_id")))
        if state is None or not self.fake.token_ok(str(d.get("token") or "")):
            await self.send(9, False)
            return
        if state.connection is not None and state.connection is not self:
            state.connection.detach()
        self.state, state.connection = state, self
        after = int(d.get("seq") or 0)
        for frame in list(state.sent):  # what the client missed while away
            if frame["s"] > after:
                await self.send_frame(frame)
        await self.send(0, {"_trace": ["fake-discord"]}, "RESUMED")

    async def _request_members(self, d: dict) -> None:
        """op 8: user ids and prefix queries return at most 100 members; a request for the
        whole list (empty query, limit 0) is allowed once per guild per bot every
        ``fake.member_request_interval`` seconds (30), else answered with RATE_LIMITED."""
        fake = self.fake
        guild = fake.guilds.get(int(d.get("guild_id", 0)))
        if guild is None or self.state is None:
            return
        members = list(guild.members.values())
        not_found: list[str] = []
        user_ids = d.get("user_ids")
        if user_ids:
            wanted = [int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])]
            members = [guild.members[u] for u in wanted if u in guild.members][:QUERY_CAP]
            not_found = [str(u) for u in wanted if u not in guild.members]
        elif d.get("query"):
            q = d["query"].lower()
            members = [
                m
                for m in members
                if m["user"]["username"].lower().startswith(q) or (m.get("nick") or "").lower().startswith(q)
            ]
            members = members[: min(QUERY_CAP, int(d.get("limit") or QUERY_CAP))]
        else:
            wait = fake.take_member_request(guild.id)
            if wait is not None:
                meta = {"guild_id": str(guild.id)}
                if d.get("nonce") is not None:
                    meta["nonce"] = d["nonce"]
                await self.send(0, {"opcode": 8, "retry_after": round(wait, 3), "meta": meta}, "RATE_LIMITED")
                return
            if d.get("limit"):
                members = members[: int(d["limit"])]
        chunks = [members[i : i + CHUNK_SIZE] for i in range(0, len(members), CHUNK_SIZE)] or [[]]
        for index, part in enumerate(chunks):
            chunk = {
                "guild_id": str(guild.id),
                "members": part,
                "chunk_index": index,
                "chunk_count": len(chunks),
                "not_found": not_found if index == 0 else [],
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
        session.cancel_acks()
        session.detach()
        # A client closing with 1000/1001 ends its session; other closes keep it resumable.
        if not session.closed_by_server and ws.close_code in (1000, 1001) and session.state is not None:
            fake._states.pop(session.state.session_id, None)
        if not ws.closed:
            await ws.close()
    return ws

"""A loopback fake of Discord's REST API and gateway for tests.

The point is to exercise the *real* discord.py client (HTTPClient, bucket
and 429 handling, gateway handshake, cache building from GUILD_CREATE) rather
than mocks of it; only discord.py's base URLs are redirected, by
:meth:`FakeDiscord.patch_client`.

Typical fixture (``pytest_asyncio.fixture`` unless asyncio_mode=auto)::

    @pytest.fixture
    async def fake_discord():
        fake = FakeDiscord()
        fake.add_guild(GUILD_ID)
        await fake.start()
        with fake.patch_client():
            yield fake
        await fake.stop()  # close discord.py clients before this

Build clients with ``discord.Client(..., guild_ready_timeout=0.05)``: the
2 s default is how long discord.py waits for further GUILD_CREATEs before
firing on_ready, and would dominate test time.

Stored objects are Discord-shaped JSON dicts (string ids); builder arguments
and inspection helpers use ints.

It refuses what Discord refuses, with Discord's codes:

* tokens: ``FakeDiscord(token=...)`` checks REST (401) and IDENTIFY (close 4004);
  :meth:`revoke_token` resets it mid-run;
* privileged intents off in the "portal" (:meth:`disable_intents`): IDENTIFY asking
  for them is closed with 4014, the member list answers 403 50001;
* roles: a role above (or equal to) the bot's highest, managed, @everyone, or without
  Manage Roles: 403 50013 (see :mod:`.fake_discord_permissions`);
* messages: a channel the bot cannot see 403 50001, cannot send in 403 50013, a
  category 400 50008, empty or whitespace-only 400 50006, unknown 404 10003; a DM to a
  user who closed DMs, is a bot or shares no guild with the bot 403 50007; payloads
  (sends and edits) past Discord's limits 400 50035 (:mod:`.fake_discord_validation`:
  content, embeds, nonce, components); ``enforce_nonce`` returns the earlier message
  instead of a duplicate for :attr:`nonce_ttl` seconds (:meth:`expire_nonces`);
* interactions: see :mod:`.fake_discord_interactions` (callback, follow-ups, builder);
  only commands the bot synced can be sent;
* rate limits: per-route buckets with real counters (:meth:`set_rate_limit`), the
  shared scope, the global 50/s (:meth:`set_global_rate_limit`), the ban after too many
  invalid requests (:meth:`set_invalid_request_limit`) and Cloudflare's 429
  (``fail_next(..., cloudflare=True)``);
* gateway: without the presences intent (or for a large guild) GUILD_CREATE carries only
  the bot's member and clients fetch the rest with op 8 (chunks of at most 1,000; 100
  for a query or user ids; the whole list once per guild every 30 s, else RATE_LIMITED);
  a RESUME replays the events sent while the client was away; heartbeats are acknowledged
  after a round trip (``heartbeat_ack_delay``, 30 ms), at the interval HELLO gave
  (``heartbeat_interval_ms``: Discord's 41,250 unless a test shortens it).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from aiohttp import web

from . import fake_discord_rest as rest
from .fake_discord_events import FakeDiscordEvents
from .fake_discord_gateway import (
    HEARTBEAT_ACK_DELAY,
    HEARTBEAT_INTERVAL_MS,
    GatewaySession,
    SessionState,
    handle_gateway,
)
from .fake_discord_interaction_builder import InteractionBuilder
from .fake_discord_interactions import InteractionRecord
from .fake_discord_permissions import base_permissions
from .fake_discord_ratelimits import RateLimiter
from .fake_discord_state import (
    DEFAULT_EVERYONE_PERMISSIONS,
    GUILD_MEMBERS_INTENT,
    GUILD_PRESENCES_INTENT,
    MESSAGE_CONTENT_INTENT,
    PRIVILEGED_INTENTS,
    FakeGuild,
    InjectedFailure,
    RecordedRequest,
    SnowflakeFactory,
    application_payload,
    channel_payload,
    member_payload,
    role_payload,
    user_payload,
)

NONCE_TTL = 180.0  # seconds; Discord documents "a few minutes"

__all__ = [
    "FakeDiscord",
    "FakeGuild",
    "InteractionBuilder",
    "InteractionRecord",
    "RecordedRequest",
    "connected",
]


class FakeDiscord(FakeDiscordEvents):
    """Discord on 127.0.0.1: REST under ``base_url``, gateway at ``gateway_url``."""

    def __init__(
        self,
        *,
        bot_user_id: int = 111111111111111111,
        application_id: int | None = None,
        bot_username: str = "PATT Bot",
        token: str | None = None,
    ) -> None:
        """``token``: the bot token Discord accepts (None: any); see :meth:`revoke_token`."""
        self.bot_user_id = bot_user_id
        self.token = token
        # Privileged intents switched on in the developer portal; IDENTIFY asking for
        # one that is off is closed with 4014 (see :meth:`disable_intents`).
        self.portal_intents = PRIVILEGED_INTENTS
        # Modern bot applications share their id with the bot user.
        self.application_id = application_id if application_id is not None else bot_user_id
        self.snowflake = SnowflakeFactory()
        self.users: dict[int, dict] = {bot_user_id: user_payload(bot_user_id, bot_username, bot=True)}
        self.guilds: dict[int, FakeGuild] = {}
        self.dm_channels: dict[int, dict] = {}  # recipient user id -> DM channel
        self.dms_closed: set[int] = set()
        self.messages: dict[int, dict] = {}  # live messages (deletes remove them)
        self.sent_messages: list[dict] = []  # append-only log of every created message
        self.global_commands: dict[int, dict] = {}
        # nonce -> (monotonic time, message the bot created with it); Discord checks
        # enforce_nonce "in the past few minutes" only (see :meth:`expire_nonces`).
        self.nonces: dict[str, tuple[float, dict]] = {}
        self.nonce_ttl = NONCE_TTL
        self.gateway_closes: list[int] = []  # close codes the fake sent, in order
        self.requests: list[RecordedRequest] = []
        self.interactions: dict[int, InteractionRecord] = {}
        self.rate_limiter = RateLimiter()
        # Discord forgets an interaction not acknowledged within 3 s (10062 afterwards).
        self.interaction_ack_timeout = 3.0
        self._interaction_cond = asyncio.Condition()
        self.identify_count = 0
        # HELLO's interval (Discord's 41.25 s; a test can shorten it before clients connect) and
        # how long a heartbeat's ACK takes to come back (see fake_discord_gateway's docstring).
        self.heartbeat_interval_ms = HEARTBEAT_INTERVAL_MS
        self.heartbeat_ack_delay = HEARTBEAT_ACK_DELAY
        self.heartbeats = 0  # op 1 frames received, all connections
        # op 8 for a whole member list: once per guild per bot every 30 s (RATE_LIMITED otherwise).
        self.member_request_interval = 30.0
        self._member_requests: dict[int, float] = {}
        self.host = "127.0.0.1"
        self.port: int | None = None
        self._failures: list[InjectedFailure] = []
        self._sessions: set[GatewaySession] = set()  # open connections
        self._states: dict[str, SessionState] = {}  # resumable sessions by id
        self._identify_cond = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._require_port()}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self._require_port()}/gateway"

    @property
    def is_up(self) -> bool:
        return self._runner is not None

    def _require_port(self) -> int:
        if self.port is None:
            raise RuntimeError("FakeDiscord.start() has not been awaited yet")
        return self.port

    async def start(self) -> None:
        """Bind an ephemeral port on first start; later starts reuse it."""
        if self._runner is not None:
            return
        app = web.Application(client_max_size=64 * 1024 * 1024)

        async def gateway(request: web.Request) -> web.StreamResponse:
            return await handle_gateway(self, request)

        async def api(request: web.Request) -> web.StreamResponse:
            return await rest.handle(self, request)

        app.router.add_get("/gateway", gateway)
        app.router.add_get("/gateway/", gateway)
        app.router.add_route("*", "/{tail:.*}", api)
        try:
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        except TypeError:  # aiohttp < 3.9 has no runner-level shutdown_timeout
            runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port or 0, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self.port = runner.addresses[0][1]
        self._runner = runner

    async def stop(self) -> None:
        await self._shutdown()

    async def go_down(self) -> None:
        """Simulate an outage: gateway sockets dropped, REST refuses connections."""
        await self._shutdown()

    async def come_back(self) -> None:
        """End an outage on the same port, so clients' cached URLs stay valid."""
        if self._runner is None:
            await self.start()

    async def _shutdown(self) -> None:
        sessions = list(self._sessions)
        for session in sessions:
            session.closed_by_server = True
            session.detach()
        await asyncio.gather(
            *(s.ws.close(code=1001, message=b"going away") for s in sessions), return_exceptions=True
        )
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[FakeDiscord]:
        """Started and patched into discord.py for the block; stopped afterwards."""
        await self.start()
        try:
            with self.patch_client():
                yield self
        finally:
            await self.stop()

    @contextlib.contextmanager
    def patch_client(self) -> Iterator[FakeDiscord]:
        """Point discord.py's REST base and default gateway at this fake.

        The plain ``Client`` never calls /gateway/bot (only AutoShardedClient
        does); it dials ``DiscordWebSocket.DEFAULT_GATEWAY``, so that class
        attribute is redirected as well as ``Route.BASE``.
        """
        import yarl
        from discord.gateway import DiscordWebSocket
        from discord.http import Route
        from discord.webhook import async_ as webhook_async

        # Interaction callbacks and follow-ups go through the webhook module's own Route.
        old = Route.BASE, webhook_async.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
        Route.BASE = webhook_async.Route.BASE = self.base_url
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield self
        finally:
            Route.BASE, webhook_async.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old

    # ------------------------------------------------------------------ state builders

    def add_guild(self, guild_id: int, name: str = "PATT", owner_id: int | None = None) -> FakeGuild:
        """Creates @everyone and the bot's own member, which every real guild has."""
        if guild_id in self.guilds:
            raise ValueError(f"guild {guild_id} already exists")
        guild = FakeGuild(
            id=guild_id, name=name, owner_id=owner_id if owner_id is not None else self.snowflake()
        )
        self.guilds[guild_id] = guild
        self.add_role(guild_id, guild_id, "@everyone", position=0, permissions=DEFAULT_EVERYONE_PERMISSIONS)
        bot = self.users[self.bot_user_id]
        guild.members[self.bot_user_id] = member_payload(bot, nick=None, roles=(), joined_at=None)
        return guild

    def add_role(
        self,
        guild_id: int,
        role_id: int,
        name: str,
        position: int = 1,
        permissions: int = 0,
        managed: bool = False,
    ) -> dict:
        role = role_payload(role_id, name, position=position, permissions=permissions, managed=managed)
        self.guilds[guild_id].roles[role_id] = role
        return role

    def add_channel(
        self,
        guild_id: int,
        channel_id: int,
        name: str,
        type: int = 0,
        parent_id: int | None = None,
        position: int = 0,
        permission_overwrites: Iterable[Any] = (),
    ) -> dict:
        channel = channel_payload(
            guild_id,
            channel_id,
            name,
            type=type,
            parent_id=parent_id,
            position=position,
            permission_overwrites=permission_overwrites,
        )
        self.guilds[guild_id].channels[channel_id] = channel
        return channel

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        username: str,
        *,
        global_name: str | None = None,
        nick: str | None = None,
        roles: Iterable[int] = (),
        bot: bool = False,
        joined_at: Any = None,
        dms_open: bool = True,
    ) -> dict:
        """Insert or replace a member (use the bot's id to give the bot roles)."""
        guild = self.guilds[guild_id]
        roles = list(roles)
        unknown = [r for r in roles if r not in guild.roles]
        if unknown:
            raise ValueError(f"unknown role ids for guild {guild_id}: {unknown}")
        user = self.users.get(user_id)
        fresh = user_payload(
            user_id, username, global_name=global_name, bot=bot or user_id == self.bot_user_id
        )
        if user is None:
            user = self.users[user_id] = fresh
        else:
            user.update(fresh)  # shared by this user's members in every guild
        (self.dms_closed.discard if dms_open else self.dms_closed.add)(user_id)
        member = member_payload(user, nick=nick, roles=roles, joined_at=joined_at)
        guild.members[user_id] = member
        return member

    def can_dm(self, user_id: int) -> bool:
        """Discord delivers a DM only to a human who shares a guild with the bot and has
        not closed their DMs; otherwise the send is refused with 403 50007."""
        user = self.users.get(user_id)
        if user is None or user.get("bot") or user_id in self.dms_closed:
            return False
        return any(user_id in g.members and self.bot_user_id in g.members for g in self.guilds.values())

    def take_member_request(self, guild_id: int) -> float | None:
        """Count an op 8 request for every member of a guild; the wait when it came too soon."""
        now = time.monotonic()
        last = self._member_requests.get(guild_id)
        if last is not None and now - last < self.member_request_interval:
            return self.member_request_interval - (now - last)
        self._member_requests[guild_id] = now
        return None

    def expire_nonces(self) -> None:
        """Let "a few minutes" pass for ``enforce_nonce``: a resend now creates a new message."""
        self.nonces.clear()

    def disable_intents(
        self, *, members: bool = False, presences: bool = False, message_content: bool = False
    ) -> None:
        """Switch privileged intents off in the "developer portal"."""
        for off, bit in (
            (members, GUILD_MEMBERS_INTENT),
            (presences, GUILD_PRESENCES_INTENT),
            (message_content, MESSAGE_CONTENT_INTENT),
        ):
            if off:
                self.portal_intents &= ~bit

    def token_ok(self, token: str | None) -> bool:
        return token is not None and (self.token is None or token == self.token)

    async def revoke_token(self) -> None:
        """The token was reset in the portal: REST answers 401, the gateway closes with 4004."""
        self.token = f"revoked-{self.snowflake()}"
        for session in list(self._sessions):
            await session.close(4004, "Authentication failed.")

    # ------------------------------------------------------------------ inspection

    def requests_matching(self, method: str, path_regex: str) -> list[RecordedRequest]:
        """Full-match on the path (relative to base_url, no query string)."""
        pattern = re.compile(path_regex)
        return [r for r in self.requests if r.method == method.upper() and pattern.fullmatch(r.path)]

    def member_role_ids(self, guild_id: int, user_id: int) -> set[int]:
        return {int(r) for r in self.guilds[guild_id].members[user_id]["roles"]}

    def dms_to(self, user_id: int) -> list[dict]:
        channel = self.dm_channels.get(user_id)
        return [] if channel is None else [m for m in self.sent_messages if m["channel_id"] == channel["id"]]

    def messages_in(self, channel_id: int) -> list[dict]:
        return [m for m in self.sent_messages if m["channel_id"] == str(channel_id)]

    def member_permissions(self, guild_id: int, user_id: int) -> int:
        """Guild-level permissions of a member (no channel overwrites)."""
        return base_permissions(self.guilds[guild_id], user_id)

    def application_payload(self) -> dict:
        return application_payload(self.application_id, self.users[self.bot_user_id], self.snowflake())

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self,
        method: str,
        path_regex: str,
        *,
        status: int = 429,
        retry_after: float = 0.05,
        is_global: bool = False,
        times: int = 1,
        json: dict | None = None,
        cloudflare: bool = False,
        processed: bool = False,
    ) -> None:
        """Answer the next ``times`` matching requests (path full-match) with an error.

        ``cloudflare=True``: a 429 from Cloudflare (HTML, no ``Via``), which clients
        must not retry. ``processed=True``: Discord did the work (e.g. created the
        message) and the error came back all the same, like a 5xx from a proxy after the
        fact, so the client cannot tell whether its request took effect."""
        self._failures.append(
            InjectedFailure(
                method.upper(),
                re.compile(path_regex),
                status,
                retry_after,
                is_global,
                times,
                json,
                cloudflare,
                processed,
            )
        )

    def set_rate_limit(
        self, method: str, path_regex: str, *, limit: int, window: float, scope: str = "user"
    ) -> None:
        """Allow ``limit`` requests per ``window`` seconds on matching routes (per major
        parameter); ``scope="shared"`` marks a limit shared by everyone using the resource."""
        self.rate_limiter.set(method, path_regex, limit, window, scope)

    def set_global_rate_limit(self, *, limit: int, window: float = 1.0) -> None:
        """Discord's global limit (50 requests a second per bot; interaction routes exempt)."""
        self.rate_limiter.global_limit, self.rate_limiter.global_window = limit, window

    def set_invalid_request_limit(
        self, *, limit: int, window: float = 600.0, ban_seconds: float = 3600.0
    ) -> None:
        """After ``limit`` 401/403/429 answers within ``window`` seconds (Discord: 10,000 in
        10 minutes) every request meets Cloudflare's ban for ``ban_seconds``."""
        limiter = self.rate_limiter
        limiter.invalid_limit, limiter.invalid_window, limiter.ban_seconds = limit, window, ban_seconds

    def _take_failure(self, method: str, path: str) -> InjectedFailure | None:
        for failure in self._failures:
            if failure.method == method and failure.pattern.fullmatch(path):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None


@contextlib.asynccontextmanager
async def connected(
    client: Any,
    token: str = "fake-token",  # noqa: S107 - the fake accepts any token unless given one
    timeout: float = 5.0,  # noqa: ASYNC109
) -> AsyncIterator[Any]:
    """Log ``client`` in and connect it like ``client.start()``; yield once it is ready.

    A refusal (bad token on REST or the gateway, disallowed intents) is raised here. On exit,
    a refused login included, the client is closed (its aiohttp session and connector with
    it) and its connect task reaped.
    """
    task: asyncio.Task | None = None
    ready: asyncio.Future | None = None
    try:
        await client.login(token)  # opens the client's HTTP session, even when it is refused
        task = asyncio.create_task(client.connect())
        ready = asyncio.ensure_future(client.wait_until_ready())
        done, _ = await asyncio.wait([task, ready], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()
        if ready not in done:
            raise TimeoutError("the client did not become ready")
        yield client
    finally:
        if ready is not None:
            ready.cancel()
        await client.close()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

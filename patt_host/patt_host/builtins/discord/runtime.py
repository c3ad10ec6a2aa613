"""Per-host Discord plumbing of the built-in ``discord`` plugin.

Which guild, how to get a logged-in client (the connected bot, or a REST-only login
in a worker or CLI process), pacing settings, and starting jobs from bot events and
from enqueued notifications without blocking the caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from sv_common.discord.client import discord_rest_client
from sv_common.discord.config import load_discord_config
from sv_common.discord.pacing import Pacer

if TYPE_CHECKING:
    from patt_host.api import HostAPI


log = logging.getLogger("patt.discord")

DELIVERY_JOB = "discord.deliver_notifications"
# "Send pending now" waits this long for its delivery run before it answers "still running"
# (a reverse proxy typically gives up on a request after 30-60 s).
FLUSH_WAIT_SECONDS = 10.0


class DiscordSettings(BaseSettings):
    """Pacing of bulk Discord work (env prefix ``PATT_DISCORD_``); discord.py handles 429s itself."""

    model_config = SettingsConfigDict(env_prefix="PATT_DISCORD_", extra="ignore")

    role_sync_concurrency: int = 2
    role_sync_min_interval: float = 0.25
    notify_min_interval: float = 0.25
    notify_batch: int = 100
    # A 429 asking for a longer wait than this is recorded and retried by a later run.
    max_ratelimit_timeout: float = 60.0
    # PATT_DISCORD_FLUSH_WAIT_SECONDS: capped below the 30 s the strictest proxies allow.
    flush_wait_seconds: float = Field(FLUSH_WAIT_SECONDS, ge=0, le=25)


class DiscordRuntime:
    def __init__(self, host: HostAPI, settings: DiscordSettings):
        self.host = host
        self.settings = settings
        self._tasks: set[asyncio.Task] = set()
        self._delivery: asyncio.Task | None = None
        self._deliver_again = False
        self._flush_again = False
        self.spawned = 0  # jobs started here (tests wait for the first ones after READY)

    # -- configuration ----------------------------------------------------------------

    @property
    def token(self) -> str | None:
        secret = self.host.settings.discord_bot_token
        return secret.get_secret_value() if secret is not None else None

    @property
    def enabled(self) -> bool:
        return self.token is not None

    async def guild_id(self) -> int | None:
        """The officers' setting, else DISCORD_GUILD_ID, else the bot's only guild."""
        async with self.host.db.session() as session:
            configured = (await load_discord_config(session)).guild_discord_id
        if configured:
            return int(configured)
        if self.host.settings.discord_guild_id is not None:
            return int(self.host.settings.discord_guild_id)
        bot = self.host.bot
        if bot is not None and len(getattr(bot, "guilds", ())) == 1:
            return bot.guilds[0].id
        return None

    @asynccontextmanager
    async def client(self):
        async with discord_rest_client(
            self.token, existing=self.host.bot, max_ratelimit_timeout=self.settings.max_ratelimit_timeout
        ) as client:
            yield client

    def role_pacer(self) -> Pacer:
        return Pacer(
            concurrency=self.settings.role_sync_concurrency, min_interval=self.settings.role_sync_min_interval
        )

    # -- background work --------------------------------------------------------------

    def spawn_job(
        self,
        name: str,
        *,
        trigger: str = "event",
        triggered_by: str | None = None,
        on_start: Callable[[int], None] | None = None,
        **kwargs: Any,
    ) -> asyncio.Task:
        """Run a job now in this process (recorded like any run), without waiting for it; the
        task is kept until it ends, so a caller that stops waiting does not end the run."""
        from patt_host.jobs.runner import run_job_in_background

        task = run_job_in_background(
            self.host,
            name,
            trigger=trigger,
            triggered_by=triggered_by,
            kwargs=kwargs or None,
            on_start=on_start,
        )
        self.spawned += 1
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def flush(self, *, triggered_by: str | None) -> tuple[Any | None, int | None]:
        """Start a delivery run that sends every pending notification now (backoff ignored) and
        wait for it up to ``flush_wait_seconds``: ``(its finished record, None)``, or ``(None,
        its run id)`` while it is still sending. The run goes on after the caller stops waiting
        (or is cancelled) and records how it ended, failures included, like any run."""
        started: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def on_start(run_id: int) -> None:
            if not started.done():
                started.set_result(run_id)

        task = self.spawn_job(
            DELIVERY_JOB, trigger="manual", triggered_by=triggered_by, on_start=on_start, flush=True
        )
        done, _ = await asyncio.wait({task}, timeout=self.settings.flush_wait_seconds)
        if done:
            return task.result(), None
        return None, started.result() if started.done() else None

    def kick_delivery(self, *, flush: bool = False) -> None:
        """Start a delivery run soon; a kick during a run causes one more run afterwards."""
        if not self.enabled:
            return
        if self.host.settings.redis_url:
            from patt_host.jobs.dispatch import trigger_job

            coro = trigger_job(self.host, DELIVERY_JOB, triggered_by="enqueue", kwargs={"flush": flush})
            task = asyncio.get_running_loop().create_task(coro)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        if self._delivery is not None and not self._delivery.done():
            self._deliver_again = True
            self._flush_again = self._flush_again or flush
            return
        self._delivery = asyncio.get_running_loop().create_task(self._deliver_loop(flush))

    async def _deliver_loop(self, flush: bool) -> None:
        from patt_host.jobs.runner import run_job

        while True:
            self._deliver_again, self._flush_again = False, False
            try:
                await run_job(self.host, DELIVERY_JOB, trigger="event", kwargs={"flush": flush})
            except Exception:  # noqa: BLE001 - the cron run will try again
                log.exception("notification delivery run failed")
            if not self._deliver_again:
                return
            flush = self._flush_again

    async def wait_idle(self) -> None:
        """Wait for background runs this runtime started (tests, shutdown)."""
        while True:
            pending = [t for t in (*self._tasks, self._delivery) if t is not None and not t.done()]
            if not pending:
                return
            await asyncio.gather(*pending, return_exceptions=True)

    async def close(self) -> None:
        for task in [*self._tasks, self._delivery]:
            if task is not None and not task.done():
                task.cancel()
        await asyncio.gather(
            *[t for t in (*self._tasks, self._delivery) if t is not None], return_exceptions=True
        )
        self._tasks.clear()
        self._delivery = None

"""The Host: one per process. Settings, site, plugins, hooks, database, jobs, status.

It is what every hook receives as ``host``. Building it validates the whole plugin
set (allowlist, dependencies, hooks, namespaces) without creating the web app, so the
CLI and Alembic can use it too.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from patt_host.config import HostSettings
from patt_host.hooks import Hooks
from patt_host.jobs.registry import JobRegistry
from patt_host.plugins import LoadedPlugin, PluginLoadError, PluginManager, Problems
from patt_host.runtime import Services
from patt_host.site import Site, load_site
from patt_host.types import Event

if TYPE_CHECKING:
    from datetime import datetime

    from redis.asyncio import Redis

    from sv_common.db import Database

REDIS_TIMEOUT = 0.5  # seconds; see open()

log = logging.getLogger("patt.host")


class HostNotOpenError(RuntimeError):
    """``host.db`` was used outside ``async with host.running(...)`` (or before ``open()``)."""


class Host:
    """The concrete host; plugins see it through :class:`patt_host.HostAPI`."""

    def __init__(
        self,
        settings: HostSettings | None = None,
        site: Site | str | None = None,
        *,
        extra_plugins: Iterable[Any] = (),
        builtins: dict[str, Any] | None = None,
        env_file: str | Path | None = ".env",
    ):
        self.settings = settings or HostSettings()
        if site is None or isinstance(site, str):
            site = load_site(site or self.settings.patt_site)
        self.site: Site = site
        self.manager = PluginManager(
            site, self.settings, builtins=builtins, extra=extra_plugins, env_file=env_file
        ).load()
        self.hooks = Hooks(self.manager, self, trace=self.settings.patt_trace_plugins)
        self.jobs = self._collect_jobs()
        self._db: Database | None = None
        self._secret: str | None = None
        self.redis: Redis | None = None
        self.bot: Any = None
        self.demo_discord: Any = None  # `patt demo`: the in-process fake Discord (builtins/discord/demo.py)
        from patt_host.jobs.scheduler import InProcessScheduler

        # Always present: runs manual triggers in-process; its cron loop starts only in `serve`.
        self.scheduler = InProcessScheduler(self)
        self.embedded_pg = None
        self._plugin_states: dict[str, Any] = {}
        # Component states shown by /api/health and the admin pages.
        self.status: dict[str, str] = {"bot": "off", "scheduler": "off"}

    # -- plugins ----------------------------------------------------------------------

    @property
    def plugins(self) -> list[LoadedPlugin]:
        return self.manager.plugins

    def plugin(self, name: str) -> LoadedPlugin:
        return self.manager.by_name[name]

    def has_plugin(self, name: str) -> bool:
        return name in self.manager.by_name

    def plugin_settings(self, name: str) -> Any:
        return self.manager.by_name[name].settings

    def plugin_state(self, name: str) -> Any:
        """The state of plugin ``name``: built by its manifest's ``state_factory(host, settings)``
        on first use while the host is open, then kept until the host closes (Redis and the
        database are known by then, so limiters and caches are built against them)."""
        if name in self._plugin_states:
            return self._plugin_states[name]
        plugin = self.manager.by_name[name]
        if plugin.state_factory is None:
            raise LookupError(f"plugin {name!r} declares no state_factory")
        if not self.is_open:
            raise HostNotOpenError(f"plugin {name!r}'s state exists only while the host is open")
        state = self._plugin_states[name] = plugin.state_factory(self, plugin.settings)
        return state

    @property
    def officer_level(self) -> int:
        return self.site.officer_rank_level

    @property
    def secret(self) -> str:
        if self._secret is None:
            self._secret = self.settings.secret_key()
        return self._secret

    def _collect_jobs(self) -> JobRegistry:
        problems = Problems()
        registry = JobRegistry()
        for plugin, job in self.hooks.register_jobs():
            registry.add(plugin.name, job, problems)
        for plugin, cron_job in self.hooks.register_cron_jobs():
            registry.add_cron(plugin.name, cron_job, problems)
        if problems:
            raise PluginLoadError(problems.items)
        return registry

    # -- resources --------------------------------------------------------------------

    def database_url(self) -> str:
        if self.settings.database_url:
            from sv_common.db import async_url

            return async_url(self.settings.database_url)
        if self.embedded_pg is None:
            from sv_common.db.embedded import EmbeddedPostgres

            self.embedded_pg = EmbeddedPostgres(self.settings.patt_data_dir / "pg")
        return self.embedded_pg.url("patt")

    @property
    def db(self) -> Database:
        if self._db is None:
            raise HostNotOpenError(
                "the host is not open: the database exists inside `async with host.running(...)` "
                "(every patt process, job, CLI command and test fixture runs there)"
            )
        return self._db

    @property
    def is_open(self) -> bool:
        return self._db is not None

    async def open(self) -> None:
        """Connect to the database (and Redis when configured)."""
        if self._db is None:
            from sv_common.db import Database

            self._db = Database(
                self.database_url(),
                pool_size=self.settings.database_pool_size,
                max_overflow=self.settings.database_max_overflow,
                connect_timeout=self.settings.database_connect_timeout,
                pool_timeout=self.settings.database_pool_timeout,
                command_timeout=self.settings.database_command_timeout,
                request_pool_timeout=self.settings.database_request_pool_timeout,
                request_command_timeout=self.settings.database_request_command_timeout,
            )
        if self.settings.redis_url and self.redis is None:
            from redis.asyncio import Redis

            # Bounded socket waits: a stalled Redis fails fast (rate limits then fall back
            # to in-process counting) instead of hanging logins.
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff

            self.redis = Redis.from_url(
                self.settings.redis_url,
                socket_timeout=REDIS_TIMEOUT,
                socket_connect_timeout=REDIS_TIMEOUT,
                retry=Retry(NoBackoff(), 0),  # the callers fall back; retries only multiply the wait
            )

    @asynccontextmanager
    async def running(self, app: Any = None, *, services: bool = False) -> AsyncIterator[Host]:
        """The one lifecycle of every process: open, ``startup`` hooks, (services), yield, undo.

        ``patt serve`` (through the app's lifespan), ``patt worker``, ``patt bot``, plugin CLI
        commands, ``patt jobs run`` and the test fixtures all run inside it, so every plugin
        sees the same thing: an open database and its ``startup`` hook called once, and its
        ``shutdown`` hook called once on the way out, even after a failure. ``services``
        starts the in-process scheduler and the bot (``patt serve`` only).
        """
        await self.open()
        try:
            await self.hooks.startup(app)
            try:
                started = await Services(self).start() if services else None
                try:
                    yield self
                finally:
                    if started is not None:
                        await started.stop()
                    # Jobs triggered in this process (an event's follow-up scan, an officer's
                    # "sync now") end with it: left running, they would use a closed database.
                    await self.scheduler.stop()
            finally:
                await self.hooks.shutdown(app)
        finally:
            await self.close()

    async def close(self) -> None:
        self._plugin_states.clear()
        if self.redis is not None:
            await self.redis.aclose()
            self.redis = None
        if self._db is not None:
            await self._db.dispose()
            self._db = None

    async def site_settings(self) -> dict[str, Any]:
        """The site's officer-edited settings (``Site.settings``): stored values, else defaults."""
        from patt_host import site_settings

        return await site_settings.load(self)

    async def site_settings_changed_at(self) -> datetime | None:
        """When the site settings were last saved, by any process (None: never)."""
        from patt_host import site_settings

        return await site_settings.changed_at(self)

    # -- events -----------------------------------------------------------------------

    async def emit(self, name: str, **data: Any) -> Event:
        """Deliver a domain event to every plugin's ``handle_event`` (failures are logged)."""
        event = Event(name=name, data=data)
        await self.hooks.handle_event(event)
        return event

"""The Host: one per process. Settings, site, plugins, hooks, database, jobs, status.

It is what every hook receives as ``host``. Building it validates the whole plugin
set (allowlist, dependencies, hooks, namespaces) without creating the web app, so the
CLI and Alembic can use it too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from patt_host.config import HostSettings
from patt_host.hooks import Hooks
from patt_host.jobs.registry import JobRegistry
from patt_host.plugins import LoadedPlugin, PluginLoadError, PluginManager, Problems
from patt_host.site import Site, load_site
from patt_host.types import Event

log = logging.getLogger("patt.host")


class Host:
    def __init__(
        self,
        settings: HostSettings | None = None,
        site: Site | str | None = None,
        *,
        extra_plugins: Iterable[Any] = (),
        builtins: dict[str, Any] | None = None,
    ):
        self.settings = settings or HostSettings()
        if site is None or isinstance(site, str):
            site = load_site(site or self.settings.patt_site)
        self.site: Site = site
        self.manager = PluginManager(site, self.settings, builtins=builtins, extra=extra_plugins).load()
        self.hooks = Hooks(self.manager, self, trace=self.settings.patt_trace_plugins)
        self.jobs = self._collect_jobs()
        self.db = None
        self.redis = None
        self.bot = None
        self.demo_discord = None  # `patt demo`: the in-process fake Discord (builtins/discord/demo.py)
        from patt_host.jobs.scheduler import InProcessScheduler

        # Always present: runs manual triggers in-process; its cron loop starts only in `serve`.
        self.scheduler = InProcessScheduler(self)
        self.embedded_pg = None
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

    @property
    def officer_level(self) -> int:
        return self.site.officer_rank_level

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

    async def open(self) -> None:
        """Connect to the database (and Redis when configured)."""
        if self.db is None:
            from sv_common.db import Database

            self.db = Database(self.database_url())
        if self.settings.redis_url and self.redis is None:
            from redis.asyncio import Redis

            self.redis = Redis.from_url(self.settings.redis_url)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
            self.redis = None
        if self.db is not None:
            await self.db.dispose()
            self.db = None

    # -- events -----------------------------------------------------------------------

    async def emit(self, name: str, **data: Any) -> Event:
        """Deliver a domain event to every plugin's ``handle_event`` (failures are logged)."""
        event = Event(name=name, data=data)
        await self.hooks.handle_event(event)
        return event

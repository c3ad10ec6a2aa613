"""``HostAPI``: the typed view of the host that every hook, job and route receives.

Plugins annotate ``host: HostAPI`` (``from patt_host import HostAPI``) and use only what
is declared here; the concrete class lives in the host's internals and may change. The
protocol is structural: anything with these members (a test double, an embedding host)
is a ``HostAPI``.

Everything its members return is public too: :class:`PluginInfo`, :class:`HookCalls`,
:class:`JobListing` (with :class:`JobInfo` and :class:`ScheduleInfo`) are protocols
exported from ``patt_host``; the host's own classes satisfy them and stay internal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from datetime import datetime

    from redis.asyncio import Redis

    from patt_host.config import HostSettings
    from patt_host.jobs import Cron, Job
    from patt_host.site import Site
    from patt_host.types import Event, Permission
    from sv_common.db import Database


@runtime_checkable
class PluginInfo(Protocol):
    """What anyone may read about an enabled plugin (``host.plugins``, ``host.plugin(name)``,
    and the plugin in the ``(plugin, item)`` pairs of :class:`HookCalls`)."""

    #: The entry-point name, which namespaces routes, jobs, templates, static files and the CLI.
    name: str
    #: The distribution's version ("" when unknown).
    version: str
    #: The installed distribution that provides it ("" for a test plugin given directly).
    distribution: str
    #: A built-in host feature (``core``, ``health``, ``admin`` ...).
    internal: bool
    #: The site bundle's own hooks (always loaded last).
    is_site: bool
    #: The plugins it requires (loaded before it).
    requires: tuple[str, ...]
    #: Its validated settings object (its ``settings_model``), or None.
    settings: Any
    #: The names of the hooks it implements.
    hooks: list[str]

    def describe(self) -> dict[str, Any]:
        """A JSON-able summary (what ``/-/plugins`` and ``patt plugins`` show)."""
        ...


@runtime_checkable
class HookCalls(Protocol):
    """The hook calls a plugin may make itself (``host.hooks``): the member-data hooks for a
    profile page's export and delete, demo data, the schedule line (onboarding's welcome DM),
    and the rule hooks whose collector is a plugin (identity collects ``matching_rules``,
    drift ``data_quality_rules``). Pairs are
    ``(plugin, item)`` in call order, lists flattened."""

    async def export_member_data(self, session: Any, player_id: int) -> dict[str, Any]:
        """Every plugin's export for ``player_id``, by plugin name (``None`` answers left out)."""
        ...

    async def delete_member_data(self, session: Any, player_id: int) -> dict[str, Any]:
        """Every plugin's deletion count for ``player_id``, by plugin name, in the caller's transaction."""
        ...

    async def seed_demo_data(self, session: Any) -> dict[str, Any]:
        """Every plugin's demo summary, requirements first."""
        ...

    async def schedule_summary(self, session: Any) -> str | None:
        """The guild's regular weekly schedule in one line, from the first plugin that knows
        it (raids: its public weekly nights), or None when no plugin answers."""
        ...

    def matching_rules(self) -> list[tuple[PluginInfo, Any]]:
        """Every plugin's identity matching rules."""
        ...

    def data_quality_rules(self) -> list[tuple[PluginInfo, Any]]:
        """Every plugin's data-quality rules."""
        ...

    def permissions(self) -> list[tuple[PluginInfo, Permission]]:
        """Every plugin's declared permissions."""
        ...


class JobInfo(Protocol):
    """One registered job: ``<plugin>.<name>``, its plugin, and the ``Job`` it declared."""

    name: str
    plugin: str
    job: Job


class ScheduleInfo(Protocol):
    """One cron schedule of a job (UTC)."""

    job_name: str
    cron: Cron
    kwargs: dict


@runtime_checkable
class JobListing(Protocol):
    """The jobs and schedules the enabled plugins registered (``host.jobs``)."""

    def get(self, name: str) -> JobInfo | None:
        """The job called ``name`` (``<plugin>.<fn>``), or None."""
        ...

    def schedules_for(self, name: str) -> list[ScheduleInfo]:
        """The cron schedules of job ``name``."""
        ...

    def names(self) -> list[str]:
        """Every registered job's name, sorted."""
        ...


@runtime_checkable
class HostAPI(Protocol):
    """What a plugin may rely on. ``db`` and ``redis`` exist while the host is open
    (inside ``async with host.running(...)``, which every ``patt`` process uses)."""

    #: The host's settings (``DATABASE_URL``, ``APP_ENV``, ``JWT_*`` ...), read from env and ``.env``.
    settings: HostSettings
    #: The site bundle being served: name, title, texts, config, officer rank level.
    site: Site
    #: Redis when ``REDIS_URL`` is set (shared rate limits, the arq queue), else None.
    redis: Redis | None
    #: The running discord.py bot in processes that run one, else None.
    bot: Any
    #: Component states shown by ``/api/health`` and the admin pages (``bot``, ``scheduler``).
    status: dict[str, str]
    #: The hook calls a plugin may make (e.g. ``export_member_data`` for the export page).
    hooks: HookCalls
    #: Every job and schedule the enabled plugins registered.
    jobs: JobListing

    @property
    def db(self) -> Database:
        """The database (``async with host.db.session() as session``); raises if the host is not open."""
        ...

    @property
    def is_open(self) -> bool:
        """True between opening and closing the host (database and Redis connected)."""
        ...

    @property
    def secret(self) -> str:
        """The signing secret (JWT, CSRF): ``JWT_SECRET_KEY``, or a per-install file in development."""
        ...

    @property
    def officer_level(self) -> int:
        """The rank level from which a player counts as an officer on this site."""
        ...

    @property
    def plugins(self) -> list[PluginInfo]:
        """The enabled plugins in load order (requirements first, the site last)."""
        ...

    def plugin(self, name: str) -> PluginInfo:
        """One enabled plugin (``KeyError`` if it is not enabled)."""
        ...

    def has_plugin(self, name: str) -> bool:
        """Whether ``name`` is enabled on this site."""
        ...

    def plugin_settings(self, name: str) -> Any:
        """The validated settings object of plugin ``name`` (its ``settings_model``), or None."""
        ...

    def plugin_state(self, name: str) -> Any:
        """Plugin ``name``'s state, built by its manifest's ``state_factory(host, settings)`` on
        first use while the host is open and dropped when it closes (routes: ``plugin_state``)."""
        ...

    async def site_settings(self) -> dict[str, Any]:
        """The officer-edited site settings (``Site.settings``): stored values, else defaults."""
        ...

    async def site_settings_changed_at(self) -> datetime | None:
        """When an officer last saved the site settings, through any process (None: never).
        A cache that holds values drawn from them compares it, as ``site.settings_changed``
        reaches only the process that saved."""
        ...

    async def emit(self, name: str, **data: Any) -> Event:
        """Deliver a domain event to every plugin's ``handle_event``; failures are logged, not raised."""
        ...

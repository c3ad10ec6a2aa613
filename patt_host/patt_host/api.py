"""``HostAPI``: the typed view of the host that every hook, job and route receives.

Plugins annotate ``host: HostAPI`` (``from patt_host import HostAPI``) and use only what
is declared here; the concrete class lives in the host's internals and may change. The
protocol is structural: anything with these members (a test double, an embedding host)
is a ``HostAPI``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from patt_host.config import HostSettings
    from patt_host.hooks import Hooks
    from patt_host.jobs.registry import JobRegistry
    from patt_host.plugins import LoadedPlugin
    from patt_host.site import Site
    from patt_host.types import Event
    from sv_common.db import Database


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
    #: The typed facade over every plugin's hooks (e.g. ``export_member_data`` for the export page).
    hooks: Hooks
    #: Every job and schedule the enabled plugins registered.
    jobs: JobRegistry

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
    def plugins(self) -> list[LoadedPlugin]:
        """The enabled plugins in load order (requirements first, the site last)."""
        ...

    def plugin(self, name: str) -> LoadedPlugin:
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

    async def emit(self, name: str, **data: Any) -> Event:
        """Deliver a domain event to every plugin's ``handle_event``; failures are logged, not raised."""
        ...

"""Host-provided FastAPI dependencies: the request's database session, the site settings
and each plugin's state. Plugins use the ``Annotated`` aliases re-exported by
``patt_host.web`` and never reach into ``request.app``. All of them work on WebSocket routes
too (they reach the host through ``get_host``, which takes any ``HTTPConnection``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from patt_host.web.auth import HostDep


async def db_session(host: HostDep) -> AsyncIterator[AsyncSession]:
    """One session per request, in one transaction: committed when the route returns,
    rolled back when it raises. ``scope="function"`` (in the alias) makes the commit
    happen before the response is sent, so a client never sees a 2xx for a write that
    then failed to commit. On a WebSocket route it is one session for the connection's
    lifetime: committed when the route function returns, rolled back when it raises
    (a ``WebSocketDisconnect`` it lets through included)."""
    async with host.db.session() as session:
        yield session


async def current_site_settings(host: HostDep) -> dict[str, Any]:
    """The officer-edited site settings (stored values, else the site's defaults)."""
    return await host.site_settings()


def plugin_state(name: str) -> Callable[..., Any]:
    """Dependency factory: the host-owned state of plugin ``name`` (its manifest's
    ``state_factory(host, settings)``, built once per open host)."""

    async def dependency(host: HostDep) -> Any:
        return host.plugin_state(name)

    dependency.__name__ = f"plugin_state_{name}"
    return dependency


SessionDep = Annotated[AsyncSession, Depends(db_session, scope="function")]
SiteSettingsDep = Annotated[dict[str, Any], Depends(current_site_settings)]

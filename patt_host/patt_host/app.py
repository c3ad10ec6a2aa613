"""The app factory: a FastAPI app assembled from the host's enabled plugins."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute, Mount, WebSocketRoute

from patt_host.config import HostSettings
from patt_host.host import Host
from patt_host.plugins import PluginLoadError, Problems
from patt_host.web import dependency_reuse
from patt_host.web.errors import install_error_handlers
from patt_host.web.limits import BodySizeLimitMiddleware
from patt_host.web.request_scope import RequestScopeMiddleware
from patt_host.web.security import SecurityHeadersMiddleware, csrf_protect
from patt_host.web.templates import build_environment
from patt_host.web.validation import validate_edge

log = logging.getLogger("patt.app")


def _route_key(route: BaseRoute) -> list[tuple[str, str]]:
    methods = getattr(route, "methods", None) or {"*"}
    return [(m, getattr(route, "path", "")) for m in methods if m != "HEAD"]


def _walk_routes(router: Any) -> list[BaseRoute]:
    """Every route of a router, including routers it included (FastAPI keeps those lazy)."""
    found: list[BaseRoute] = []
    for route in getattr(router, "routes", []):
        nested = getattr(route, "original_router", None)
        if nested is not None:
            found.extend(_walk_routes(nested))
        else:
            found.append(route)
    return found


def _mount_plugin_routers(app: FastAPI, host: Host, problems: Problems) -> None:
    names: dict[str, str] = {}
    paths: dict[tuple[str, str], str] = {}
    # Mounted in load order (built-ins and dependencies first), not hook call order, so a
    # clash is reported on the later plugin and never shadows a route of an earlier one.
    rank = {p.name: i for i, p in enumerate(host.plugins)}
    collected = sorted(host.hooks.register_routers(), key=lambda pair: rank[pair[0].name])
    for plugin, router in collected:
        for route in _walk_routes(router):
            name = getattr(route, "name", None)
            if name:
                if "." not in name:
                    # Unqualified names get the plugin prefix: url_for("identity.login").
                    route.name = name = f"{plugin.name}.{name}"
                elif name.split(".", 1)[0] != plugin.name:
                    problems.add(
                        plugin.name, f"route name {name!r} is outside its namespace '{plugin.name}.*'"
                    )
                if name in names:
                    problems.add(
                        plugin.name, f"route name {name!r} is already used by plugin {names[name]!r}"
                    )
                names[name] = plugin.name
            for key in _route_key(route):
                if key in paths and paths[key] != plugin.name:
                    problems.add(
                        plugin.name, f"route {key[0]} {key[1]} is already served by plugin {paths[key]!r}"
                    )
                paths[key] = plugin.name
        app.include_router(router)


def _mount_static(app: FastAPI, host: Host) -> None:
    for plugin in host.plugins:
        if plugin.static_dir is not None:
            app.mount(
                f"/static/plugins/{plugin.name}",
                StaticFiles(directory=str(plugin.static_dir)),
                name=f"static:{plugin.name}",
            )
    if host.site.static_dir is not None:
        app.mount("/static/site", StaticFiles(directory=str(host.site.static_dir)), name="static:site")


def create_app(
    host: Host | None = None,
    *,
    settings: HostSettings | None = None,
    site: Any = None,
    extra_plugins: Iterable[Any] = (),
    start_services: bool = True,
) -> FastAPI:
    """Build the app. ``start_services`` False skips the bot and scheduler (tests, workers)."""
    # Before any plugin router is built: the routes share a few dependencies, which FastAPI
    # would otherwise analyse again for every route (patt_host.web.dependency_reuse).
    dependency_reuse.install()
    host = host or Host(settings=settings, site=site, extra_plugins=extra_plugins)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with host.running(app, services=start_services):
            yield

    docs = host.settings.api_docs_enabled
    app = FastAPI(
        title=host.site.title,
        version=_version(),
        lifespan=lifespan,
        docs_url="/api/docs" if docs else None,
        redoc_url=None,
        openapi_url="/api/openapi.json" if docs else None,
        dependencies=[Depends(csrf_protect), Depends(validate_edge)],
    )
    app.state.host = host
    host.secret  # noqa: B018 - fail at build time, not on the first request, without JWT_SECRET_KEY in production
    install_error_handlers(app, redis=bool(host.settings.redis_url))
    app.add_middleware(SecurityHeadersMiddleware, hsts=host.settings.production)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=host.settings.patt_max_body_bytes,
        routes_getter=lambda: _walk_routes(app.router),
    )
    app.add_middleware(RequestScopeMiddleware)

    problems = Problems()
    _mount_plugin_routers(app, host, problems)
    if problems:
        raise PluginLoadError(problems.items)
    _mount_static(app, host)
    app.state.jinja = build_environment(host)
    # Pages needing a login redirect there, but only if some plugin serves it (sites without
    # the identity plugin get a plain 401 page instead of a redirect to a 404).
    login_path = host.site.config.get("login_path", "/login")
    served = {getattr(r, "path", None) for r in _walk_routes(app.router)}
    app.state.login_path = login_path if login_path in served else None
    return app


def server_options(host: Host, app: FastAPI) -> dict[str, Any]:
    """uvicorn's options for serving ``host``'s ``app`` (``patt serve``, the live test server):
    proxy headers are believed only from ``TRUSTED_PROXIES``, so a client cannot pick the
    address its rate limits count against, and clients behind a trusted proxy are told apart.
    A site without a WebSocket route gets no WebSocket protocol: nothing to upgrade to, and
    its start does not load the websockets library (about 1 % of it)."""
    return {
        "proxy_headers": True,
        "forwarded_allow_ips": host.settings.trusted_proxies,
        "ws": "auto" if serves_websockets(app.routes) else "none",
    }


class _PlainHttpUpgradeFilter(logging.Filter):
    """Drops uvicorn's two warnings for an upgrade request to a server without a WebSocket
    protocol. Anyone can send one (log noise on demand), the advice to install
    ``uvicorn[standard]`` is wrong here, and the request is still answered as plain HTTP."""

    UNSUPPORTED = "Unsupported upgrade request."
    NO_LIBRARY = "No supported WebSocket library detected."

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg
        return not (
            record.levelno == logging.WARNING
            and isinstance(message, str)
            and (message == self.UNSUPPORTED or message.startswith(self.NO_LIBRARY))
        )


def quiet_upgrade_warnings(options: dict[str, Any]) -> None:
    """Install :class:`_PlainHttpUpgradeFilter` on ``uvicorn.error`` when ``options`` (from
    :func:`server_options`) run uvicorn without a WebSocket protocol; once per process (the
    filter stays: logging is process-wide, and a server with a protocol never logs the
    second warning; the first only for a non-WebSocket upgrade such as ``h2c``)."""
    if options.get("ws") != "none":
        return
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _PlainHttpUpgradeFilter) for f in logger.filters):
        logger.addFilter(_PlainHttpUpgradeFilter())


def serves_websockets(routes: Iterable[Any]) -> bool:
    """Whether any route, in included routers and mounted apps too, is a WebSocket route."""
    for route in routes:
        if isinstance(route, WebSocketRoute):  # FastAPI's APIWebSocketRoute is one too
            return True
        # An included router (FastAPI keeps it as a route that holds the router) or a Mount.
        inner = getattr(getattr(route, "original_router", None), "routes", None)
        if inner is None and isinstance(route, Mount):
            inner = route.routes
        if inner and serves_websockets(inner):
            return True
    return False


def _version() -> str:
    from patt_host import __version__

    return __version__


def app_factory() -> FastAPI:
    """Entry for ``uvicorn --factory patt_host.app:app_factory``."""
    return create_app()

"""``/-/plugins`` (HTML) and ``/-/plugins.json``: what this site runs, for operators and authors.

The JSON and ``patt plugins list --json`` are the same document (:func:`inventory`):
each enabled plugin's manifest, hooks, routes, jobs and (in a process running the bot)
cogs and slash commands. Officers only, unless ``PATT_PUBLIC_INTROSPECTION=1``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request

from patt_host.hookspecs import hookimpl
from patt_host.web.auth import require_officer
from patt_host.web.envelope import ok
from patt_host.web.templates import render

if TYPE_CHECKING:
    from patt_host.host import Host


def _routes(host: Host) -> dict[str, list[dict[str, Any]]]:
    """Every plugin's routes as the app mounts them (unqualified names get the plugin prefix)."""
    from patt_host.app import _walk_routes

    found: dict[str, list[dict[str, Any]]] = {}
    for plugin, router in host.hooks.register_routers():
        for route in _walk_routes(router):
            name = getattr(route, "name", None) or ""
            if name and "." not in name:
                name = f"{plugin.name}.{name}"
            methods = sorted(m for m in (getattr(route, "methods", None) or ()) if m != "HEAD")
            found.setdefault(plugin.name, []).append(
                {"path": getattr(route, "path", ""), "methods": methods, "name": name}
            )
    return found


def inventory(host: Host) -> dict[str, Any]:
    """The one description of a site's plugins, shared by ``/-/plugins.json`` and the CLI."""
    from patt_host.plugins import plugin_entry_points

    routes = _routes(host)
    bot = host.bot
    rows = []
    for plugin in host.plugins:
        row = plugin.describe()
        row["routes"] = sorted(routes.get(plugin.name, []), key=lambda r: (r["path"], r["methods"]))
        row["jobs"] = [
            {
                "name": name,
                "description": registered.job.description,
                "exclusive": registered.job.exclusive,
                "schedules": [s.cron.expression for s in host.jobs.schedules_for(name)],
            }
            for name, registered in sorted(host.jobs.jobs.items())
            if registered.plugin == plugin.name
        ]
        # Cogs exist only in a process that runs the bot; elsewhere they are unknown (null).
        status = bot.cog_status.get(plugin.name) if bot is not None else None
        row["cogs"] = None if bot is None else list((status or {}).get("cogs", []))
        row["slash_commands"] = None if bot is None else list(bot.plugin_commands.get(plugin.name, []))
        rows.append(row)
    enabled = {r["name"] for r in rows}
    return {
        "site": host.site.name,
        "plugins": rows,
        "installed_not_enabled": sorted(set(plugin_entry_points()) - enabled),
    }


class IntrospectionPlugin:
    name = "introspection"

    @hookimpl
    def register_routers(self, host):
        guard = [] if host.settings.patt_public_introspection else [Depends(require_officer)]
        router = APIRouter(tags=["introspection"], dependencies=guard)

        @router.get("/-/plugins.json", name="introspection.plugins_json")
        async def plugins_json():
            return ok(inventory(host))

        @router.get("/-/plugins", name="introspection.plugins", include_in_schema=False)
        async def plugins_page(request: Request):
            document = inventory(host)
            # Not **document: its "site" (a name) would shadow the template global ``site``.
            return await render(
                request,
                "introspection/plugins.html",
                {"plugins": document["plugins"], "installed_not_enabled": document["installed_not_enabled"]},
            )

        return router

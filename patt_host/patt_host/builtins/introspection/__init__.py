"""``/-/plugins`` (HTML) and ``/-/plugins.json``: what this site runs, for operators and authors."""

from __future__ import annotations

from fastapi import APIRouter, Request

from patt_host.hookspecs import hookimpl
from patt_host.web.envelope import ok
from patt_host.web.templates import render


def describe(host) -> list[dict]:
    return [plugin.describe() for plugin in host.plugins]


class IntrospectionPlugin:
    name = "introspection"

    @hookimpl
    def register_routers(self, host):
        router = APIRouter(tags=["introspection"])

        @router.get("/-/plugins.json", name="introspection.plugins_json")
        async def plugins_json():
            return ok({"site": host.site.name, "plugins": describe(host)})

        @router.get("/-/plugins", name="introspection.plugins")
        async def plugins_page(request: Request):
            return await render(request, "introspection/plugins.html", {"plugins": describe(host)})

        return router

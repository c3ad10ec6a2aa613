"""The landing page every site needs: ``/`` rendered from a template, with the ``home`` slot.

A site package passes ``LandingPage()`` (or a subclass with more hooks) as ``Site.hooks``.
``patt demo`` stores the demo values its settings declare (``SiteSetting.demo``).
``site.config["legacy_redirects"]`` (old path -> new path) answers a previous site's
URLs with a permanent redirect, so old bookmarks and search results keep working.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from patt_host.hookspecs import hookimpl


class LandingPage:
    name = "site"

    def __init__(self, template: str = "core/home.html"):
        self.template = template

    async def home_context(self, request: Request, host: Any) -> dict[str, Any]:
        """Extra template variables for the home page; subclasses add theirs."""
        return {}

    @hookimpl
    def register_routers(self, host):
        from patt_host.web.templates import render

        router = APIRouter(include_in_schema=False)

        @router.get("/", name="site.home")
        async def home(request: Request):
            return await render(request, self.template, await self.home_context(request, host))

        for number, (old, new) in enumerate(sorted(host.site.config.get("legacy_redirects", {}).items())):
            router.add_api_route(
                old,
                legacy_redirect(new),
                methods=["GET"],
                name=f"site.legacy_{number}",
                include_in_schema=False,
            )
        return router

    @hookimpl
    async def seed_demo_data(self, session, host):
        """The site's settings that declare a ``demo`` value get it (``patt demo``)."""
        from patt_host import site_settings

        stored = await site_settings.seed_demo(session, host)
        return f"demo settings: {', '.join(stored)}" if stored else None


def legacy_redirect(target: str):
    async def redirect() -> RedirectResponse:
        return RedirectResponse(target, status_code=301)

    return redirect

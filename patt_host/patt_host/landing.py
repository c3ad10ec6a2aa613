"""The landing page every site needs: ``/`` rendered from a template, with the ``home`` slot.

A site package passes ``LandingPage()`` (or a subclass with more hooks) as ``Site.hooks``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from patt_host.hookspecs import hookimpl


class LandingPage:
    name = "site"

    def __init__(self, template: str = "core/home.html"):
        self.template = template

    @hookimpl
    def register_routers(self):
        from patt_host.web.templates import render

        router = APIRouter(include_in_schema=False)

        @router.get("/", name="site.home")
        async def home(request: Request):
            return await render(request, self.template)

        return router

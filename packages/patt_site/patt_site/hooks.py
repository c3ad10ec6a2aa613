"""Site-only hooks: the landing page. Plugins add sections through the ``home`` slot."""

from fastapi import APIRouter, Request

from patt_host import hookimpl
from patt_host.web.templates import render


class PattSiteHooks:
    name = "site"

    @hookimpl
    def register_routers(self, host):
        router = APIRouter(include_in_schema=False)

        @router.get("/", name="site.home")
        async def home(request: Request):
            return await render(request, "patt_site/home.html")

        return router

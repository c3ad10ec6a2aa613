"""The Salt All The Things site bundle: a sister site that reuses sv_common and a subset of the plugins."""

from pathlib import Path

from fastapi import APIRouter, Request

from patt_host import Site, hookimpl
from patt_host.web.templates import render

HERE = Path(__file__).parent


class SiteHooks:
    name = "site"

    @hookimpl
    def register_routers(self, host):
        router = APIRouter(include_in_schema=False)

        @router.get("/", name="site.home")
        async def home(request: Request):
            return await render(request, "salt_site/home.html")

        return router


site = Site(
    name="salt",
    title="Salt All The Things",
    tagline="A podcast from the Pull All The Things guild",
    plugins=["identity"],
    hooks=SiteHooks,
    templates_dir=HERE / "templates",
)

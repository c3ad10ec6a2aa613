"""Base layout, theme, navigation and the favicon."""

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from patt_host.hookspecs import hookimpl
from patt_host.types import MenuLink
from patt_host.web.templates import static_url


class CorePlugin:
    name = "core"

    @hookimpl
    def menu_links(self, actor, host):
        links = [MenuLink("Home", "/", order=0)]
        if actor is not None and actor.rank_level >= host.officer_level:
            links.append(MenuLink("Admin", "/admin", order=900, min_rank_level=host.officer_level))
        return links

    @hookimpl
    def register_routers(self, host):
        router = APIRouter(include_in_schema=False)
        # A site package may ship its own static/favicon.svg; the theme's is the fallback.
        site_icon = host.site.static_dir is not None and (host.site.static_dir / "favicon.svg").is_file()
        icon = "/static/site/favicon.svg" if site_icon else static_url("core", "favicon.svg")

        @router.get("/favicon.ico", name="core.favicon")
        async def favicon():
            # Browsers ask for /favicon.ico before reading <link rel=icon>; answer instead of 404.
            return RedirectResponse(icon, status_code=301)

        return router

"""Base layout, theme and navigation."""

from patt_host.hookspecs import hookimpl
from patt_host.types import MenuLink


class CorePlugin:
    name = "core"

    @hookimpl
    def menu_links(self, actor, host):
        links = [MenuLink("Home", "/", order=0)]
        if actor is not None and actor.rank_level >= host.officer_level:
            links.append(MenuLink("Admin", "/admin", order=900, min_rank_level=host.officer_level))
        return links

"""Mito's corner, the page: ``/mito`` (everyone reads; officers also get the edit forms, whose
buttons call the JSON API through ``static/mito.js``), and the home page's quote fragment."""

from fastapi import APIRouter, Request
from markupsafe import Markup

from patt_host import HostAPI
from patt_host.web import SessionDep, SiteSettingsDep, render, render_fragment
from patt_mito import service

router = APIRouter(include_in_schema=False)


@router.get("/mito", name="corner")
async def corner(request: Request, session: SessionDep, site_settings: SiteSettingsDep):
    data = await service.list_all(session)
    saying = await service.saying_of_the_day(
        session, service.guild_day(site_settings.get(service.ZONE_SETTING))
    )
    return await render(request, "mito/corner.html", {"saying": saying, **data})


async def home_quote(request: Request, host: HostAPI) -> Markup:
    """The day's quote signed with the day's title, for the home page's ``home_quote`` slot (a
    template slot is not a route, so it opens its own session)."""
    day = service.guild_day((await host.site_settings()).get(service.ZONE_SETTING))
    async with host.db.session() as session:
        saying = await service.saying_of_the_day(session, day)
    return await render_fragment(request, "mito/_saying.html", {"saying": saying})

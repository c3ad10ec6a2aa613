"""Mito's corner, the page: ``/mito`` (everyone reads; officers also get the edit forms, whose
buttons call the JSON API through ``static/mito.js``), and the home page's quote fragment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request

from patt_host.web import SessionDep, render, render_fragment
from patt_mito import service

if TYPE_CHECKING:
    from markupsafe import Markup

    from patt_host import HostAPI

router = APIRouter(include_in_schema=False)


@router.get("/mito", name="corner")
async def corner(request: Request, session: SessionDep):
    data = await service.list_all(session)
    saying = await service.random_saying(session)
    return await render(request, "mito/corner.html", {"saying": saying, **data})


async def home_quote(request: Request, host: HostAPI) -> Markup:
    """A random quote signed with a random title, for the home page's ``home_quote`` slot (a
    template slot is not a route, so it opens its own session)."""
    async with host.db.session() as session:
        saying = await service.random_saying(session)
    return await render_fragment(request, "mito/_saying.html", {"saying": saying})

"""The guild's seasons (``sv_common.seasons``, one table every plugin reads): the officers' page
``/admin/seasons`` and ``/api/v1/admin/seasons``.

Served by the host, not by a plugin that reads seasons, so a site with raids but no crafting
(or the reverse) can still edit them. The admin menu shows the page when a plugin lists it
(``MenuLink("Seasons", SEASONS_PAGE)``): a site without such a plugin has no use for it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from patt_host.web.auth import Officer, require_officer
from patt_host.web.envelope import ok
from patt_host.web.templates import render
from sv_common import seasons
from sv_common.validation import INT32_MAX, NonBlankStr

SEASONS_PAGE = "/admin/seasons"

SeasonId = Annotated[int, Path(ge=1, le=INT32_MAX)]
Expansion = Annotated[NonBlankStr, Field(max_length=seasons.EXPANSION_MAX)]


class NewSeason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expansion_name: Expansion
    season_number: int = Field(ge=1, le=seasons.SEASON_NUMBER_MAX)
    start_date: date
    is_new_expansion: bool = False
    is_active: bool = True


class SeasonChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expansion_name: Expansion | None = None
    season_number: int | None = Field(None, ge=1, le=seasons.SEASON_NUMBER_MAX)
    is_new_expansion: bool | None = None
    is_active: bool | None = None
    # Present only to be refused with a clear 409 (a season's start date is fixed).
    start_date: date | None = None


async def _listed(session: Any) -> list[dict[str, Any]]:
    current = await seasons.current_season(session)
    return [
        {**seasons.season_dict(s), "is_current": current is not None and s.id == current.id}
        for s in await seasons.list_seasons(session)
    ]


def build_routers(host: Any) -> list[APIRouter]:
    pages = APIRouter(dependencies=[Depends(require_officer)], include_in_schema=False)
    api = APIRouter(prefix="/api/v1/admin/seasons", tags=["seasons"])

    @pages.get(SEASONS_PAGE, name="admin.seasons")
    async def seasons_page(request: Request):
        async with host.db.session() as session:
            rows = await _listed(session)
        return await render(request, "admin/seasons.html", {"seasons": rows})

    @api.get("", name="admin.seasons_api")
    async def list_seasons(actor: Officer):
        """Every season, newest start first, with ``is_current``."""
        async with host.db.session() as session:
            return ok(await _listed(session))

    @api.post("", name="admin.season_create", status_code=201)
    async def create_season(body: NewSeason, actor: Officer):
        """409 when that expansion's season number exists already (whatever its case)."""
        async with host.db.session() as session:
            season = await seasons.create_season(session, **body.model_dump())
            return ok(seasons.season_dict(season), status_code=201)

    @api.patch("/{season_id}", name="admin.season_update")
    async def update_season(season_id: SeasonId, body: SeasonChange, actor: Officer):
        """Name, number and flags; a start date cannot change (409)."""
        async with host.db.session() as session:
            season = await seasons.update_season(session, season_id, **body.model_dump(exclude_unset=True))
            return ok(seasons.season_dict(season))

    return [pages, api]

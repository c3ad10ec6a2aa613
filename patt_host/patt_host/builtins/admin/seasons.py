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
from sv_common.validation import INT32_MAX, GameDate, JsonBool, JsonInt, NonBlankStr

SEASONS_PAGE = "/admin/seasons"

SeasonId = Annotated[int, Path(ge=1, le=INT32_MAX)]
Expansion = Annotated[NonBlankStr, Field(max_length=seasons.EXPANSION_MAX)]


class NewSeason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expansion_name: Expansion
    season_number: JsonInt = Field(ge=1, le=seasons.SEASON_NUMBER_MAX)
    # A "YYYY-MM-DD" string from WoW's release to five years ahead (a number is refused).
    start_date: GameDate
    # true or false only: not null, nor the "no" or 0 lax parsing would read as false.
    is_new_expansion: JsonBool = False
    is_active: JsonBool = True


class SeasonChange(BaseModel):
    """Only the fields sent change; a field sent as null is a 422 (an unset default is not
    validated, so ``None`` here only means "not sent")."""

    model_config = ConfigDict(extra="forbid")

    expansion_name: Expansion = None  # type: ignore[assignment]
    season_number: JsonInt = Field(None, ge=1, le=seasons.SEASON_NUMBER_MAX)
    is_new_expansion: JsonBool = None  # type: ignore[assignment]
    is_active: JsonBool = None  # type: ignore[assignment]
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
        """409 when that expansion's season number exists already (whatever its case, spacing
        or invisible characters); 422 for a start date outside WoW's release .. five years ahead."""
        async with host.db.session() as session:
            season = await seasons.create_season(session, **body.model_dump())
            return ok(seasons.season_dict(season), status_code=201)

    @api.patch("/{season_id}", name="admin.season_update")
    async def update_season(season_id: SeasonId, body: SeasonChange, actor: Officer):
        """Name, number and flags (null is a 422); a start date cannot change (409)."""
        async with host.db.session() as session:
            season = await seasons.update_season(session, season_id, **body.model_dump(exclude_unset=True))
            return ok(seasons.season_dict(season))

    return [pages, api]

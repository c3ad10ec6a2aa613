"""Mito's API (public read, officers write) and the corner page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from patt_host.web import Officer, ok, render
from patt_mito import service

if TYPE_CHECKING:
    from patt_host import HostAPI

Kind = Literal["quotes", "titles"]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class NewEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=1000)
    context: str | None = Field(None, max_length=1000)


class EditEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=1000)


def build_router(host: HostAPI) -> APIRouter:
    router = APIRouter()

    @router.get("/api/v1/mito", name="api_list", tags=["mito"])
    async def list_entries():
        """Every quote and title (public)."""
        async with host.db.session() as session:
            return ok(await service.list_all(session))

    @router.get("/api/v1/mito/random", name="api_random", tags=["mito"])
    async def random_entry():
        """A random quote signed with a random title (public)."""
        async with host.db.session() as session:
            saying = await service.random_saying(session)
        return ok({"quote": saying.quote, "title": saying.title, "text": saying.text()})

    @router.post("/api/v1/mito/{kind}", name="api_add", tags=["mito"], status_code=201)
    async def add_entry(kind: Kind, body: NewEntry, actor: Officer):
        """Add a quote or title (officers). 409 if it exists already."""
        async with host.db.session() as session:
            row = await service.add(session, kind, body.text, player_id=actor.player_id, context=body.context)
            return ok(service.row_dict(row), status_code=201)

    @router.put("/api/v1/mito/{kind}/{row_id}", name="api_edit", tags=["mito"])
    async def edit_entry(kind: Kind, row_id: RowId, body: EditEntry, actor: Officer):
        """Change the text of a quote or title (officers)."""
        async with host.db.session() as session:
            return ok(service.row_dict(await service.edit(session, kind, row_id, body.text)))

    @router.delete("/api/v1/mito/{kind}/{row_id}", name="api_delete", tags=["mito"])
    async def delete_entry(kind: Kind, row_id: RowId, actor: Officer):
        """Remove a quote or title (officers)."""
        async with host.db.session() as session:
            await service.remove(session, kind, row_id)
        return ok({"deleted": row_id})

    @router.get("/mito", name="corner", include_in_schema=False)
    async def corner(request: Request):
        async with host.db.session() as session:
            data = await service.list_all(session)
            saying = await service.random_saying(session)
        return await render(request, "mito/corner.html", {"saying": saying, **data})

    return router

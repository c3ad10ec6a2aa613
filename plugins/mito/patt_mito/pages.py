"""Mito's corner, the page: ``/mito`` (everyone reads; officers also get the edit forms, whose
buttons call the JSON API through ``static/mito.js``)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from patt_host.web import SessionDep, render
from patt_mito import service

router = APIRouter(include_in_schema=False)


@router.get("/mito", name="corner")
async def corner(request: Request, session: SessionDep):
    data = await service.list_all(session)
    saying = await service.random_saying(session)
    return await render(request, "mito/corner.html", {"saying": saying, **data})

"""Public guild data over JSON.

- ``GET /api/v1/guild/roster``: active players with a main (cached, gzipped, ETag).
- ``GET /api/v1/guild/ranks``: the rank ladder.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from patt_host.web import ok
from patt_identity.roster.services.snapshot import json_reply, roster_snapshot
from patt_identity.state import RuntimeDep
from sv_common.identity.ranks import ranks


def rank_dict(rank) -> dict:
    return {"id": rank.id, "name": rank.name, "level": rank.level, "description": rank.description}


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["guild"])

    @router.get("/guild/roster", name="api_roster")
    async def roster(request: Request, rt: RuntimeDep):
        """Active players with a main character: rank, main (class colour, spec, role, item
        level, armory link), offspec, and the roster's role/class composition."""
        return json_reply(request, await roster_snapshot(rt))

    @router.get("/guild/ranks", name="api_ranks")
    async def guild_ranks(rt: RuntimeDep):
        """The guild's ranks, lowest level first."""
        async with rt.host.db.session() as session:
            return ok([rank_dict(rank) for rank in await ranks(session)])

    return router

"""Public guild data and a member's own data over JSON.

- ``GET /api/v1/guild/roster``: active players with a main (cached, gzipped, ETag).
- ``GET /api/v1/guild/ranks``: the rank ladder.
- ``GET /api/v1/me/export`` / ``POST /api/v1/me/delete``: the member's data across plugins.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from patt_host.web import LoggedIn, ok
from patt_identity import member_data
from patt_identity.roster_service import json_reply, roster_snapshot
from patt_identity.runtime import RuntimeDep
from patt_identity.schemas import DeleteAccount
from patt_identity.web import clear_session_cookie
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

    @router.get("/me/export", name="api_me_export")
    async def export_my_data(actor: LoggedIn, rt: RuntimeDep):
        """Everything every enabled plugin stores about you, as one JSON document."""
        data = await member_data.export_my_data(rt, actor)
        return ok(data, headers={"Content-Disposition": 'attachment; filename="my-guild-data.json"'})

    @router.post("/me/delete", name="api_me_delete")
    async def delete_my_data(body: DeleteAccount, actor: LoggedIn, rt: RuntimeDep):
        """Delete or anonymise your data in every plugin and close the account (password required)."""
        result = await member_data.delete_my_account(rt, actor, body.password)
        response = ok(result)
        clear_session_cookie(response, host=rt.host)
        return response

    return router

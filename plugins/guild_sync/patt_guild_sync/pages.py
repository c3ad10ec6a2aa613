"""The officers' sync page: ``/admin/guild-sync`` (status, trigger with progress, removals, keys)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from patt_guild_sync.services import status as status_service
from patt_guild_sync.services.apikeys import list_api_keys
from patt_guild_sync.state import RuntimeDep
from patt_host.web import Officer, render, require_officer


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False, dependencies=[Depends(require_officer)])

    @router.get("/admin/guild-sync", name="admin_sync_page")
    async def sync_page(request: Request, actor: Officer, rt: RuntimeDep):
        overview = await status_service.overview(rt)
        async with rt.host.db.session() as session:
            keys = await list_api_keys(session, actor)
        return await render(request, "guild_sync/admin.html", {"status": overview, "keys": keys})

    return router

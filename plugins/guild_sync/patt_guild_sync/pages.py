"""The officers' sync page: ``/admin/guild-sync`` (status, trigger with progress, removals, keys)."""

from fastapi import APIRouter, Depends, Request

from patt_guild_sync.services import status as status_service
from patt_guild_sync.services.apikeys import list_api_keys
from patt_guild_sync.state import StateDep
from patt_host.web import Officer, SessionDep, render, require_officer


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False, dependencies=[Depends(require_officer)])

    @router.get("/admin/guild-sync", name="admin_sync_page")
    async def sync_page(request: Request, actor: Officer, session: SessionDep, state: StateDep):
        overview = await status_service.overview(session, state.settings)
        keys = await list_api_keys(session, actor)
        context = {"status": overview, "keys": keys, "demo": state.battlenet_demo}
        return await render(request, "guild_sync/admin.html", context)

    return router

"""Officers' JSON API under ``/api/v1/admin/guild-sync`` (rank checked on every route)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from patt_guild_sync import status as status_service
from patt_guild_sync.apikeys import create_api_key, list_api_keys, revoke_api_key
from patt_guild_sync.runtime import RuntimeDep
from patt_guild_sync.schemas import ApiKeyCreate, SyncTrigger
from patt_guild_sync.sync_control import confirm_removal, dismiss_removal, start_sync
from patt_host.web import Officer, ok, require_officer

RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def build_router() -> APIRouter:
    router = APIRouter(
        prefix="/api/v1/admin/guild-sync",
        tags=["admin: guild sync"],
        dependencies=[Depends(require_officer)],
    )

    @router.get("/status", name="admin_sync_status")
    async def sync_status(rt: RuntimeDep):
        """Configuration, the running sync's progress, recent runs, pending removals, next run."""
        return ok(await status_service.overview(rt))

    @router.post("/sync", name="admin_sync_trigger", status_code=202)
    async def trigger(actor: Officer, rt: RuntimeDep, body: SyncTrigger | None = None):
        """Start a roster sync now (409 while one is running)."""
        started = await start_sync(
            rt, triggered_by=actor.display_name, player_id=actor.player_id, full=bool(body and body.full)
        )
        return ok(started, status_code=202)

    @router.post("/removals/{log_id}/confirm", name="admin_removal_confirm")
    async def confirm(log_id: RowId, actor: Officer, rt: RuntimeDep):
        """Apply the removals a guarded run held back (characters seen since are kept)."""
        return ok(
            await confirm_removal(rt, log_id, confirmed_by=actor.display_name, player_id=actor.player_id)
        )

    @router.post("/removals/{log_id}/dismiss", name="admin_removal_dismiss")
    async def dismiss(log_id: RowId, actor: Officer, rt: RuntimeDep):
        """Keep everyone: drop the pending removal."""
        return ok(
            await dismiss_removal(rt, log_id, dismissed_by=actor.display_name, player_id=actor.player_id)
        )

    @router.get("/api-keys", name="admin_api_keys")
    async def keys(actor: Officer, rt: RuntimeDep):
        """Every key's name, owner and use (never a secret or hash), and whether you may revoke it."""
        async with rt.host.db.session() as session:
            return ok(await list_api_keys(session, actor))

    @router.post("/api-keys", name="admin_api_key_create", status_code=201)
    async def create_key(body: ApiKeyCreate, actor: Officer, rt: RuntimeDep):
        """Create a key for the calling officer; the secret is in this response only."""
        async with rt.host.db.session() as session:
            new = await create_api_key(session, name=body.name, player_id=actor.player_id)
        return ok(
            {"id": new.id, "name": new.name, "key": new.key, "key_prefix": new.key_prefix}, status_code=201
        )

    @router.delete("/api-keys/{key_id}", name="admin_api_key_revoke")
    async def revoke_key(key_id: RowId, actor: Officer, rt: RuntimeDep):
        """Revoke your own key or one of a player ranked below you (operator keys: guild leader)."""
        async with rt.host.db.session() as session:
            row = await revoke_api_key(session, key_id, actor)
        return ok({"id": row.id, "revoked_at": row.revoked_at})

    return router

"""Officers' JSON API for identity matching: ``/api/v1/admin/matching/...`` (rank checked
server-side; route names start with ``admin_``).
"""

from fastapi import APIRouter, Depends

from patt_host.web import HostDep, Officer, SessionDep, ok, require_officer
from patt_identity.deps import PathId
from patt_identity.matching import service as matching_service
from patt_identity.schemas import BulkApply, MinRankLevel, NoteAliasCreate


def matching_router() -> APIRouter:
    router = APIRouter(
        prefix="/api/v1/admin/matching", tags=["admin: matching"], dependencies=[Depends(require_officer)]
    )

    @router.post("/run", name="admin_matching_run")
    async def run(actor: Officer, host: HostDep, session: SessionDep, min_rank_level: MinRankLevel = None):
        """Run the ``identity.run_matching`` job now (recorded in the job runs) and report;
        ``?min_rank_level=`` looks only at unlinked characters of that in-game rank or above."""
        result = await matching_service.run_now(
            session, host, triggered_by=actor.display_name, min_rank_level=min_rank_level
        )
        return ok(result)

    @router.get("/suggestions", name="admin_matching_suggestions")
    async def suggestions(session: SessionDep):
        return ok(await matching_service.pending(session))

    @router.post("/suggestions/apply", name="admin_matching_apply_many")
    async def apply_many(body: BulkApply, actor: Officer, session: SessionDep, host: HostDep):
        """Apply the listed suggestions in one transaction; rows that cannot be applied are
        reported one by one (``errors``) and the rest are applied."""
        return ok(await matching_service.apply_many(session, host, body.suggestion_ids, actor))

    @router.post("/suggestions/{suggestion_id}/apply", name="admin_matching_apply")
    async def apply(suggestion_id: int, actor: Officer, session: SessionDep, host: HostDep):
        return ok(await matching_service.decide(session, host, suggestion_id, actor, apply=True))

    @router.post("/suggestions/{suggestion_id}/reject", name="admin_matching_reject")
    async def reject(suggestion_id: int, actor: Officer, session: SessionDep, host: HostDep):
        return ok(await matching_service.decide(session, host, suggestion_id, actor, apply=False))

    @router.post("/aliases", name="admin_matching_alias_add", status_code=201)
    async def add_alias(body: NoteAliasCreate, actor: Officer, session: SessionDep):
        """Record that a guild-note key means this player (the matcher reads it next run)."""
        result = await matching_service.add_alias(session, actor, body.player_id, body.alias)
        await session.commit()
        return ok(result, status_code=201)

    @router.delete("/aliases/{alias_id}", name="admin_matching_alias_remove")
    async def remove_alias(alias_id: PathId, actor: Officer, session: SessionDep):
        result = await matching_service.remove_alias(session, actor, alias_id)
        await session.commit()
        return ok(result)

    return router

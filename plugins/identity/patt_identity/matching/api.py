"""Officers' JSON API for identity matching: ``/api/v1/admin/matching/...`` (rank checked
server-side; route names start with ``admin_``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from patt_host.web import Officer, ok, require_officer
from patt_identity.matching import service as matching_service
from patt_identity.state import RuntimeDep


def matching_router() -> APIRouter:
    router = APIRouter(
        prefix="/api/v1/admin/matching", tags=["admin: matching"], dependencies=[Depends(require_officer)]
    )

    @router.post("/run", name="admin_matching_run")
    async def run(actor: Officer, rt: RuntimeDep):
        """Run the ``identity.run_matching`` job now (recorded in the job runs) and report."""
        return ok(await matching_service.run_now(rt.host, triggered_by=actor.display_name))

    @router.get("/suggestions", name="admin_matching_suggestions")
    async def suggestions(rt: RuntimeDep):
        async with rt.host.db.session() as session:
            return ok(await matching_service.pending(session))

    @router.post("/suggestions/{suggestion_id}/apply", name="admin_matching_apply")
    async def apply(suggestion_id: int, actor: Officer, rt: RuntimeDep):
        return ok(await matching_service.decide(rt, suggestion_id, actor, apply=True))

    @router.post("/suggestions/{suggestion_id}/reject", name="admin_matching_reject")
    async def reject(suggestion_id: int, actor: Officer, rt: RuntimeDep):
        return ok(await matching_service.decide(rt, suggestion_id, actor, apply=False))

    return router

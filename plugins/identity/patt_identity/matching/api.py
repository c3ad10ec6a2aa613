"""Officers' JSON API for identity matching: ``/api/v1/admin/matching/...`` (rank checked
server-side; route names start with ``admin_``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from patt_host.web import HostDep, Officer, SessionDep, ok, require_officer
from patt_identity.matching import service as matching_service


def matching_router() -> APIRouter:
    router = APIRouter(
        prefix="/api/v1/admin/matching", tags=["admin: matching"], dependencies=[Depends(require_officer)]
    )

    @router.post("/run", name="admin_matching_run")
    async def run(actor: Officer, host: HostDep):
        """Run the ``identity.run_matching`` job now (recorded in the job runs) and report."""
        return ok(await matching_service.run_now(host, triggered_by=actor.display_name))

    @router.get("/suggestions", name="admin_matching_suggestions")
    async def suggestions(session: SessionDep):
        return ok(await matching_service.pending(session))

    @router.post("/suggestions/{suggestion_id}/apply", name="admin_matching_apply")
    async def apply(suggestion_id: int, actor: Officer, session: SessionDep, host: HostDep):
        return ok(await matching_service.decide(session, host, suggestion_id, actor, apply=True))

    @router.post("/suggestions/{suggestion_id}/reject", name="admin_matching_reject")
    async def reject(suggestion_id: int, actor: Officer, session: SessionDep, host: HostDep):
        return ok(await matching_service.decide(session, host, suggestion_id, actor, apply=False))

    return router

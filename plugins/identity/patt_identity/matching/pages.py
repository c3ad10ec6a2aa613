"""The officers' matching page ``/admin/matching``: pending suggestions (apply or reject through
``/api/v1/admin/matching/...``) and the rules that made them.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from patt_host.web import SessionDep, render, require_officer
from patt_identity.matching import service as matching_service
from patt_identity.state import StateDep


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False, dependencies=[Depends(require_officer)])

    @router.get("/admin/matching", name="admin_matching")
    async def matching(request: Request, session: SessionDep, state: StateDep):
        suggestions = await matching_service.pending(session)
        context = {
            "suggestions": suggestions,
            "auto_apply": state.settings.auto_apply_high_confidence,
            "rules": [rule.name for rule in matching_service.rules_for(state.host)],
        }
        return await render(request, "identity/admin/matching.html", context)

    return router

"""The officers' matching page ``/admin/matching``: pending suggestions (apply or reject through
``/api/v1/admin/matching/...``) and the rules that made them.
"""

from fastapi import APIRouter, Depends, Request

from patt_host.web import SessionDep, render, require_officer
from patt_identity.matching import service as matching_service
from patt_identity.players.services import manager as player_manager
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
            "ranks": await matching_service.rank_levels(session),
        }
        return await render(request, "identity/admin/matching.html", context)

    @router.get("/admin/matching/aliases", name="admin_matching_aliases")
    async def aliases(request: Request, session: SessionDep):
        search = " ".join(str(request.query_params.get("q", ""))[:100].split())
        search = "".join(ch for ch in search if ch.isprintable())
        player_options, _discord = await player_manager.picker_options(session)
        context = {
            "aliases": await matching_service.alias_list(session, search),
            "search": search,
            "limit": matching_service.ALIASES_PER_PAGE,
            "player_options": player_options,
        }
        return await render(request, "identity/admin/aliases.html", context)

    return router

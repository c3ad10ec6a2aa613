"""Officers' pages: ranks & reference tables, invites.

Each page renders its data server-side; the buttons call the ``/api/v1/admin/...`` JSON
routes through ``window.patt.api`` (CSRF header) and re-render. Anonymous visitors are
sent to ``/login?next=...``; members get 403.
"""

from fastapi import APIRouter, Depends, Request

from patt_host.web import Officer, SessionDep, render, require_officer
from patt_identity.admin.services import reference as admin_reference
from patt_identity.services import authority
from patt_identity.state import StateDep
from sv_common.discord.role_access import cached_role_access


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False, dependencies=[Depends(require_officer)])

    @router.get("/admin/ranks", name="admin_ranks")
    async def ranks(request: Request, actor: Officer, session: SessionDep, state: StateDep):
        ranks = await admin_reference.list_ranks(session)
        # Ranks at or above the officer's own are shown locked, with why (the API refuses them).
        ceiling = await authority.rank_edit_ceiling(session, actor)
        context = {
            "ranks": ranks,
            "rank_ceiling": ceiling,
            "locked_reason": authority.RANK_ABOVE,
            # Whether the bot can assign each mapped role, from a connected bot's cache.
            "role_access": cached_role_access(
                state.host.bot, [r["discord_role_id"] for r in ranks if r["discord_role_id"]]
            ),
            "roles": await admin_reference.list_roles(session),
            **await admin_reference.list_classes_and_specs(session),
        }
        return await render(request, "identity/admin/ranks.html", context)

    @router.get("/admin/invites", name="admin_invites")
    async def invites(request: Request, actor: Officer, session: SessionDep):
        rows = await admin_reference.invites(session, actor, include_used=True)
        return await render(request, "identity/admin/invites.html", {"invites": rows})

    return router

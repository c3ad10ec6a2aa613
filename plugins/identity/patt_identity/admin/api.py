"""Officers' JSON API for the reference tables and invites: ``/api/v1/admin/ranks|roles|classes|invites``
(every route: rank checked server-side; route names start with ``admin_``).
"""

from typing import Any

from fastapi import APIRouter, Depends

from patt_host.web import Officer, SessionDep, ok, require_officer
from patt_identity.admin.services import reference as admin_reference
from patt_identity.deps import PathId, unit_of_work
from patt_identity.schemas import RankCreate, RankUpdate, RoleRename
from patt_identity.services import authority
from patt_identity.state import StateDep
from sv_common.auth.service import revoke_invite
from sv_common.discord.role_access import never_assignable
from sv_common.errors import Conflict
from sv_common.identity.models import InviteCode


def reference_router() -> APIRouter:
    router = APIRouter(
        prefix="/api/v1/admin", tags=["admin: reference"], dependencies=[Depends(require_officer)]
    )

    @router.get("/ranks", name="admin_ranks_data")
    async def ranks(session: SessionDep):
        return ok(await admin_reference.list_ranks(session))

    def refuse_unassignable_role(state: Any, role_id: str | None) -> None:
        """A rank mapped to a role the bot can never assign would fail every role sync."""
        if role_id:
            problem = never_assignable(state.host.bot, state.host.settings.discord_guild_id, role_id)
            if problem:
                raise Conflict(f"The bot can never assign that Discord role: {problem}")

    @router.post("/ranks", name="admin_rank_create", status_code=201)
    async def create_rank(body: RankCreate, actor: Officer, session: SessionDep, state: StateDep):
        refuse_unassignable_role(state, body.discord_role_id)

        async def work(session):
            await authority.check_may_edit_rank(session, actor, None, body.level)
            rank, changes = await admin_reference.create_rank(session, body.model_dump())
            return {**admin_reference.rank_dict(rank), "players_changed": len(changes)}

        return ok(await unit_of_work(session, state, actor, work), status_code=201)

    @router.patch("/ranks/{rank_id}", name="admin_rank_update")
    async def update_rank(
        rank_id: int, body: RankUpdate, actor: Officer, session: SessionDep, state: StateDep
    ):
        """Edit a rank; changing level, WoW rank index or Discord role recomputes every player."""
        changes = body.model_dump(include=body.model_fields_set)
        refuse_unassignable_role(state, changes.get("discord_role_id"))

        async def work(session):
            await authority.check_may_edit_rank(session, actor, rank_id, changes.get("level"))
            rank, rank_changes = await admin_reference.update_rank(session, rank_id, changes)
            return {**admin_reference.rank_dict(rank), "players_changed": len(rank_changes)}

        return ok(await unit_of_work(session, state, actor, work))

    @router.delete("/ranks/{rank_id}", name="admin_rank_delete")
    async def delete_rank(rank_id: int, actor: Officer, session: SessionDep, state: StateDep):
        async def work(session):
            await authority.check_may_edit_rank(session, actor, rank_id, None)
            await admin_reference.delete_rank(session, rank_id)

        await unit_of_work(session, state, actor, work)
        return ok({"id": rank_id, "deleted": True})

    @router.get("/roles", name="admin_roles_data")
    async def roles(session: SessionDep):
        return ok(await admin_reference.list_roles(session))

    @router.patch("/roles/{role_id}", name="admin_role_rename")
    async def rename_role(
        role_id: int, body: RoleRename, actor: Officer, session: SessionDep, state: StateDep
    ):
        return ok(
            await unit_of_work(
                session,
                state,
                actor,
                lambda session: admin_reference.rename_role(session, role_id, body.name),
            )
        )

    @router.get("/classes", name="admin_classes_data")
    async def classes(session: SessionDep):
        """Classes and specializations (read-only: they follow the game)."""
        return ok(await admin_reference.list_classes_and_specs(session))

    @router.get("/invites", name="admin_invites_data")
    async def invites(actor: Officer, session: SessionDep, include_used: bool = True):
        return ok(await admin_reference.invites(session, actor, include_used=include_used))

    @router.delete("/invites/{invite_id}", name="admin_invite_revoke")
    async def revoke(invite_id: PathId, actor: Officer, session: SessionDep):
        """Delete an unused invite so it can no longer be redeemed (within the rank ceiling)."""
        invite = await session.get(InviteCode, invite_id)
        if invite is not None and invite.player_id is not None:
            await authority.check_may_manage_player(session, actor, invite.player_id)
        await revoke_invite(session, invite_id)
        return ok({"id": invite_id, "revoked": True})

    return router

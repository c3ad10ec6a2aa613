"""Officers' JSON API under ``/api/v1/admin/...`` (every route: rank checked server-side).

Route names all start with ``admin_`` (so ``identity.admin_*``); the test suite walks
them and proves each refuses members and anonymous callers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from patt_host.web import Officer, ok, require_officer
from patt_identity import (
    admin_players,
    admin_reference,
    authority,
    matching_service,
    password_reset,
    player_manager,
)
from patt_identity.events import emit_rank_changes
from patt_identity.runtime import IdentityRuntime, RuntimeDep
from patt_identity.schemas import (
    CharacterOwner,
    CharacterRole,
    DiscordLink,
    PlayerCreate,
    PlayerUpdate,
    RankCreate,
    RankUpdate,
    RoleRename,
)
from patt_identity.web import limit_key
from sv_common.auth import Actor
from sv_common.auth.service import revoke_invite
from sv_common.discord.role_access import never_assignable
from sv_common.errors import Conflict
from sv_common.identity.models import InviteCode
from sv_common.identity.ranks import drain_rank_changes

# Path ids are PostgreSQL integers: anything larger is a 422, never a database error.
PathId = Annotated[int, Path(ge=1, le=2**31 - 1)]


async def unit_of_work(rt: IdentityRuntime, actor: Actor, work: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run ``work(session)`` in one transaction, then refresh the roster and emit rank events.

    Before committing, no player may have ended above the actor's rank (whatever the
    path: override, link, rank remap); otherwise the whole change rolls back.
    """
    async with rt.host.db.session() as session:
        result = await work(session)
        changes = drain_rank_changes(session)
        await authority.check_rank_changes(session, actor, changes)
    rt.roster.invalidate()
    await emit_rank_changes(rt.host, changes)
    return result


def players_router() -> APIRouter:
    router = APIRouter(
        prefix="/api/v1/admin", tags=["admin: players"], dependencies=[Depends(require_officer)]
    )

    @router.get("/players", name="admin_players_data")
    async def players_data(rt: RuntimeDep):
        """Players, current characters and Discord users for the Player Manager."""
        async with rt.host.db.session() as session:
            return ok(await admin_players.overview(session))

    @router.post("/players", name="admin_player_create", status_code=201)
    async def create_player(body: PlayerCreate, actor: Officer, rt: RuntimeDep):
        async def work(session):
            player = await admin_players.create_player(
                session, display_name=body.display_name, notes=body.notes
            )
            return {"id": player.id, "display_name": player.display_name}

        return ok(await unit_of_work(rt, actor, work), status_code=201)

    @router.patch("/players/{player_id}", name="admin_player_update")
    async def update_player(player_id: int, body: PlayerUpdate, actor: Officer, rt: RuntimeDep):
        """Rename, (de)activate, set or clear the rank override, edit notes."""
        changes = body.model_dump(include=body.model_fields_set)

        async def work(session):
            await authority.check_may_manage_player(session, actor, player_id)
            if "rank_override_id" in changes:
                await authority.check_may_grant(session, actor, changes["rank_override_id"])
            player = await admin_players.update_player(session, player_id, changes)
            return {"id": player.id, "display_name": player.display_name, "is_active": player.is_active}

        return ok(await unit_of_work(rt, actor, work))

    @router.put("/players/{player_id}/discord", name="admin_player_discord")
    async def link_discord(player_id: int, body: DiscordLink, actor: Officer, rt: RuntimeDep):
        async def work(session):
            await authority.check_may_manage_player(session, actor, player_id)
            await admin_players.set_discord(session, player_id, body.discord_user_id)
            return {"player_id": player_id, "discord_user_id": body.discord_user_id}

        return ok(await unit_of_work(rt, actor, work))

    @router.put("/players/{player_id}/characters/{character_id}/role", name="admin_character_role")
    async def character_role(
        player_id: PathId, character_id: PathId, body: CharacterRole, actor: Officer, rt: RuntimeDep
    ):
        """Mark one of the player's characters as main, offspec or alt."""

        async def work(session):
            await authority.check_may_manage_player(session, actor, player_id)
            player = await player_manager.set_character_role(session, player_id, character_id, body.role)
            return {
                "player_id": player_id,
                "main_character_id": player.main_character_id,
                "offspec_character_id": player.offspec_character_id,
            }

        return ok(await unit_of_work(rt, actor, work))

    @router.delete("/players/{player_id}", name="admin_player_delete")
    async def delete_player(player_id: PathId, actor: Officer, rt: RuntimeDep):
        """Delete a player without an account (409 for a registered one: deactivate instead)."""

        async def work(session):
            await authority.check_may_manage_player(session, actor, player_id)
            return await player_manager.delete_player(session, rt.host, player_id)

        result = await unit_of_work(rt, actor, work)
        await rt.host.emit("member.deleted", player_id=player_id)
        return ok(result)

    @router.put("/characters/{character_id}/player", name="admin_character_owner")
    async def character_owner(character_id: int, body: CharacterOwner, actor: Officer, rt: RuntimeDep):
        """Assign a character to a player (moving it from any other), or unlink it."""

        async def work(session):
            for player_id in await admin_players.character_players(session, character_id, body.player_id):
                await authority.check_may_manage_player(session, actor, player_id)
            return await admin_players.set_character_owner(session, character_id, body.player_id)

        result = await unit_of_work(rt, actor, work)
        if result is not None:
            await rt.host.emit("player.linked", player_id=result, character_id=character_id)
        return ok({"character_id": character_id, "player_id": result})

    @router.post("/players/{player_id}/invite", name="admin_player_invite", status_code=201)
    async def send_invite(player_id: int, actor: Officer, rt: RuntimeDep):
        """Create an invite code; DM it through the notification outbox when Discord allows."""
        hours = rt.settings.invite_expiry_hours
        async with rt.host.db.session() as session:
            await authority.check_may_manage_player(session, actor, player_id)
            invite = await admin_players.new_invite(
                session, player_id=player_id, created_by_player_id=actor.player_id, expiry_hours=hours
            )
            url = f"{rt.host.settings.public_base_url}/register?code={invite['code']}"
            message = admin_players.invite_message(rt.host.site.title, invite["code"], url, hours)
            dm_sent, reason = await admin_players.queue_invite_dm(
                session, rt.host, player_id=player_id, message=message, invite_id=invite["id"]
            )
        return ok({**invite, "register_url": url, "dm_sent": dm_sent, "reason": reason}, status_code=201)

    @router.post("/players/{player_id}/password-reset", name="admin_player_password_reset", status_code=201)
    async def password_reset_link(player_id: PathId, actor: Officer, rt: RuntimeDep):
        """A single-use, expiring reset link for the player's account; DMed when Discord allows."""
        await rt.hit(limit_key("reset-officer", str(actor.user_id)), rt.settings.reset_per_ip)
        hours = rt.settings.reset_expiry_hours
        async with rt.host.db.session() as session:
            # The officer sees the link: above their rank it would be an account takeover.
            await authority.check_may_manage_player(session, actor, player_id)
            token, row, _player = await password_reset.issue_for_player(
                session, player_id=player_id, created_by=actor.display_name, lifetime=timedelta(hours=hours)
            )
            url = password_reset.reset_url(rt.host, token)
            message = password_reset.reset_message(rt.host.site.title, url, hours, by_officer=True)
            dm_sent, reason = await admin_players.queue_dm(
                session,
                rt.host,
                player_id=player_id,
                message=message,
                dedupe_key=f"reset:{row.id}",
                feature=password_reset.DM_FEATURE,
                shown_as=password_reset.SHOWN_AS,
            )
        body = {"player_id": player_id, "reset_url": url, "expires_at": row.expires_at, "dm_sent": dm_sent}
        return ok({**body, "reason": reason}, status_code=201)

    @router.get("/invites", name="admin_invites_data")
    async def invites(actor: Officer, rt: RuntimeDep, include_used: bool = True):
        async with rt.host.db.session() as session:
            return ok(await admin_reference.invites(session, actor, include_used=include_used))

    @router.delete("/invites/{invite_id}", name="admin_invite_revoke")
    async def revoke(invite_id: PathId, actor: Officer, rt: RuntimeDep):
        """Delete an unused invite so it can no longer be redeemed (within the rank ceiling)."""
        async with rt.host.db.session() as session:
            invite = await session.get(InviteCode, invite_id)
            if invite is not None and invite.player_id is not None:
                await authority.check_may_manage_player(session, actor, invite.player_id)
            await revoke_invite(session, invite_id)
        return ok({"id": invite_id, "revoked": True})

    return router


def reference_router() -> APIRouter:
    router = APIRouter(
        prefix="/api/v1/admin", tags=["admin: reference"], dependencies=[Depends(require_officer)]
    )

    @router.get("/ranks", name="admin_ranks_data")
    async def ranks(rt: RuntimeDep):
        async with rt.host.db.session() as session:
            return ok(await admin_reference.list_ranks(session))

    def refuse_unassignable_role(rt: Any, role_id: str | None) -> None:
        """A rank mapped to a role the bot can never assign would fail every role sync."""
        if role_id:
            problem = never_assignable(rt.host.bot, rt.host.settings.discord_guild_id, role_id)
            if problem:
                raise Conflict(f"The bot can never assign that Discord role: {problem}")

    @router.post("/ranks", name="admin_rank_create", status_code=201)
    async def create_rank(body: RankCreate, actor: Officer, rt: RuntimeDep):
        refuse_unassignable_role(rt, body.discord_role_id)

        async def work(session):
            await authority.check_may_edit_rank(session, actor, None, body.level)
            rank, changes = await admin_reference.create_rank(session, body.model_dump())
            return {**admin_reference.rank_dict(rank), "players_changed": len(changes)}

        return ok(await unit_of_work(rt, actor, work), status_code=201)

    @router.patch("/ranks/{rank_id}", name="admin_rank_update")
    async def update_rank(rank_id: int, body: RankUpdate, actor: Officer, rt: RuntimeDep):
        """Edit a rank; changing level, WoW rank index or Discord role recomputes every player."""
        changes = body.model_dump(include=body.model_fields_set)
        refuse_unassignable_role(rt, changes.get("discord_role_id"))

        async def work(session):
            await authority.check_may_edit_rank(session, actor, rank_id, changes.get("level"))
            rank, rank_changes = await admin_reference.update_rank(session, rank_id, changes)
            return {**admin_reference.rank_dict(rank), "players_changed": len(rank_changes)}

        return ok(await unit_of_work(rt, actor, work))

    @router.delete("/ranks/{rank_id}", name="admin_rank_delete")
    async def delete_rank(rank_id: int, actor: Officer, rt: RuntimeDep):
        async def work(session):
            await authority.check_may_edit_rank(session, actor, rank_id, None)
            await admin_reference.delete_rank(session, rank_id)

        await unit_of_work(rt, actor, work)
        return ok({"id": rank_id, "deleted": True})

    @router.get("/roles", name="admin_roles_data")
    async def roles(rt: RuntimeDep):
        async with rt.host.db.session() as session:
            return ok(await admin_reference.list_roles(session))

    @router.patch("/roles/{role_id}", name="admin_role_rename")
    async def rename_role(role_id: int, body: RoleRename, actor: Officer, rt: RuntimeDep):
        return ok(
            await unit_of_work(
                rt, actor, lambda session: admin_reference.rename_role(session, role_id, body.name)
            )
        )

    @router.get("/classes", name="admin_classes_data")
    async def classes(rt: RuntimeDep):
        """Classes and specializations (read-only: they follow the game)."""
        async with rt.host.db.session() as session:
            return ok(await admin_reference.list_classes_and_specs(session))

    return router


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


def build_routers() -> list[APIRouter]:
    return [players_router(), reference_router(), matching_router()]

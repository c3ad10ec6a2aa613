"""The officers' Player Manager over JSON (``/api/v1/admin/players...``), and a member's own
data: ``GET /api/v1/me/export`` / ``POST /api/v1/me/delete`` (the member's data across plugins).

Officer route names all start with ``admin_`` (so ``identity.admin_*``); the test suite walks
them and proves each refuses members and anonymous callers.
"""

from fastapi import APIRouter, Depends

from patt_host.web import HostDep, LoggedIn, Officer, SessionDep, ok, require_officer
from patt_identity import member_data
from patt_identity.deps import PathId, clear_session_cookie, limit_key, unit_of_work
from patt_identity.players.services import delivery
from patt_identity.players.services import manager as player_manager
from patt_identity.players.services import records as admin_players
from patt_identity.schemas import (
    BulkRank,
    CharacterOwner,
    CharacterRole,
    DeleteAccount,
    DiscordLink,
    PlayerCreate,
    PlayerUpdate,
)
from patt_identity.services import authority
from patt_identity.state import StateDep


def players_router() -> APIRouter:
    router = APIRouter(
        prefix="/api/v1/admin", tags=["admin: players"], dependencies=[Depends(require_officer)]
    )

    @router.get("/players", name="admin_players_data")
    async def players_data(session: SessionDep):
        """Players, current characters and Discord users for the Player Manager."""
        return ok(await admin_players.overview(session))

    @router.post("/players", name="admin_player_create", status_code=201)
    async def create_player(body: PlayerCreate, actor: Officer, session: SessionDep, state: StateDep):
        async def work(session):
            player = await admin_players.create_player(
                session, display_name=body.display_name, notes=body.notes
            )
            return {"id": player.id, "display_name": player.display_name}

        return ok(await unit_of_work(session, state, actor, work), status_code=201)

    @router.patch("/players/{player_id}", name="admin_player_update")
    async def update_player(
        player_id: int, body: PlayerUpdate, actor: Officer, session: SessionDep, state: StateDep
    ):
        """Rename, (de)activate, set or clear the rank override, edit notes."""
        changes = body.model_dump(include=body.model_fields_set)

        async def work(session):
            await authority.check_may_manage_player(session, actor, player_id)
            if "rank_override_id" in changes:
                await authority.check_may_grant(session, actor, changes["rank_override_id"])
            player = await admin_players.update_player(session, player_id, changes)
            return {"id": player.id, "display_name": player.display_name, "is_active": player.is_active}

        return ok(await unit_of_work(session, state, actor, work))

    @router.put("/players/{player_id}/discord", name="admin_player_discord")
    async def link_discord(
        player_id: int, body: DiscordLink, actor: Officer, session: SessionDep, state: StateDep
    ):
        async def work(session):
            await authority.check_may_manage_player(session, actor, player_id)
            await admin_players.set_discord(session, player_id, body.discord_user_id)
            return {"player_id": player_id, "discord_user_id": body.discord_user_id}

        return ok(await unit_of_work(session, state, actor, work))

    @router.put("/players/{player_id}/characters/{character_id}/role", name="admin_character_role")
    async def character_role(
        player_id: PathId,
        character_id: PathId,
        body: CharacterRole,
        actor: Officer,
        session: SessionDep,
        state: StateDep,
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

        return ok(await unit_of_work(session, state, actor, work))

    @router.delete("/players/{player_id}", name="admin_player_delete")
    async def delete_player(player_id: PathId, actor: Officer, session: SessionDep, state: StateDep):
        """Delete a player without an account (409 for a registered one: deactivate instead)."""

        async def work(session):
            await authority.check_may_manage_player(session, actor, player_id)
            return await player_manager.delete_player(session, state.host, player_id)

        result = await unit_of_work(session, state, actor, work)
        await state.host.emit("member.deleted", player_id=player_id)
        return ok(result)

    @router.put("/characters/{character_id}/player", name="admin_character_owner")
    async def character_owner(
        character_id: int, body: CharacterOwner, actor: Officer, session: SessionDep, state: StateDep
    ):
        """Assign a character to a player (moving it from any other), or unlink it."""

        async def work(session):
            for player_id in await admin_players.character_players(session, character_id, body.player_id):
                await authority.check_may_manage_player(session, actor, player_id)
            return await admin_players.set_character_owner(session, character_id, body.player_id)

        result = await unit_of_work(session, state, actor, work)
        if result is not None:
            await state.host.emit("player.linked", player_id=result, character_id=character_id)
        return ok({"character_id": character_id, "player_id": result})

    @router.post("/players/rank", name="admin_players_bulk_rank")
    async def bulk_rank(body: BulkRank, actor: Officer, session: SessionDep, state: StateDep):
        """One rank override (null: back to automatic) for the selected players, all or none."""

        async def work(session):
            players = await player_manager.set_ranks(session, actor, body.player_ids, body.rank_override_id)
            return {"players": players, "rank_override_id": body.rank_override_id}

        return ok(await unit_of_work(session, state, actor, work))

    @router.delete("/characters/{character_id}", name="admin_character_remove")
    async def remove_character(character_id: PathId, actor: Officer, session: SessionDep, state: StateDep):
        """Hide a stray character no player owns (a roster sync that still finds it brings it back)."""

        async def work(session):
            return await player_manager.remove_stray_character(session, character_id)

        return ok(await unit_of_work(session, state, actor, work))

    @router.post("/players/{player_id}/invite", name="admin_player_invite", status_code=201)
    async def send_invite(player_id: PathId, actor: Officer, session: SessionDep, state: StateDep):
        """Create an invite and DM it to the player; the code is in the answer only when no DM is possible."""
        await authority.check_may_manage_player(session, actor, player_id)
        answer = await delivery.deliver_invite(
            session, state.host, actor, player_id=player_id, hours=state.settings.invite_expiry_hours
        )
        return ok(answer, status_code=201)

    @router.post("/players/{player_id}/password-reset", name="admin_player_password_reset", status_code=201)
    async def password_reset_link(player_id: PathId, actor: Officer, session: SessionDep, state: StateDep):
        """A single-use, expiring reset link DMed to the player; in the answer only when no DM is possible."""
        await state.hit(limit_key("reset-officer", str(actor.user_id)), state.settings.reset_per_ip)
        # Even shown only as a fallback, a link above the officer's rank would be a takeover.
        await authority.check_may_manage_player(session, actor, player_id)
        answer = await delivery.deliver_reset_link(
            session, state.host, actor, player_id=player_id, hours=state.settings.reset_expiry_hours
        )
        return ok(answer, status_code=201)

    return router


def me_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["guild"])

    @router.get("/me/export", name="api_me_export")
    async def export_my_data(actor: LoggedIn, session: SessionDep, host: HostDep):
        """Everything every enabled plugin stores about you, as one JSON document."""
        data = await member_data.export_my_data(session, host, actor)
        return ok(data, headers={"Content-Disposition": 'attachment; filename="my-guild-data.json"'})

    @router.post("/me/delete", name="api_me_delete")
    async def delete_my_data(body: DeleteAccount, actor: LoggedIn, session: SessionDep, state: StateDep):
        """Delete or anonymise your data in every plugin and close the account (password required)."""
        result = await member_data.delete_my_account(session, state, actor, body.password)
        await session.commit()  # before the event: other plugins' handlers read the result
        await member_data.account_deleted(state, actor)
        response = ok(result)
        clear_session_cookie(response, host=state.host)
        return response

    return router

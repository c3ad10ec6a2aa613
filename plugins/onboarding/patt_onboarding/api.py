"""Onboarding's JSON routes (officers only): the queue, and resolve / dismiss / retry a session."""

from fastapi import APIRouter, Depends

from patt_host.web import HostDep, Officer, SessionDep, ok, require_officer
from patt_onboarding.schemas import SessionId
from patt_onboarding.services import provision, queue, sessions
from sv_common.errors import Conflict

router = APIRouter(prefix="/api/v1/onboarding", tags=["onboarding"], dependencies=[Depends(require_officer)])


async def _member(host, session_id: int) -> tuple[str, str]:
    """(Discord id, name) of a session; 404 when there is none."""
    async with host.db.session() as session:
        onboarding = await sessions.get_by_id(session, session_id)
        return onboarding.discord_id, await sessions.member_name(session, onboarding)


@router.get("/sessions", name="queue")
async def queue_list(session: SessionDep, actor: Officer):
    """Open sessions (overdue first) and recently closed ones, each with its history."""
    return ok(
        {
            "counts": await queue.counts(session),
            "open": await queue.open_queue(session),
            "closed": await queue.recently_closed(session),
        }
    )


@router.post("/sessions/{session_id}/resolve", name="resolve")
async def resolve(session_id: SessionId, actor: Officer, host: HostDep):
    """Link and set up the member; their invite goes to them by DM. The code is in the answer
    (and the message) only when no DM is possible, with the reason."""
    discord_id, name = await _member(host, session_id)
    async with provision.discord_client(host) as client:
        result = await provision.resolve(
            host,
            client,
            discord_id,
            name,
            actor.display_name or "officer",
            officer_player_id=actor.player_id,
        )
    return ok({"state": "manually_resolved", **result.answer(host)})


@router.post("/sessions/{session_id}/dismiss", name="dismiss")
async def dismiss(session_id: SessionId, actor: Officer, session: SessionDep):
    onboarding = await sessions.get_by_id(session, session_id, lock=True)
    await sessions.dismiss(session, onboarding, officer=actor.display_name or "officer")
    return ok({"state": onboarding.state, "message": "Dismissed: closed without linking."})


@router.post("/sessions/{session_id}/retry", name="retry")
async def retry(session_id: SessionId, actor: Officer, host: HostDep):
    discord_id, name = await _member(host, session_id)
    async with host.db.session() as session:
        state = (await sessions.get_by_id(session, session_id)).state
    if state != "pending_verification":
        raise Conflict(f"Only a member waiting for verification can be checked again (this one is {state}).")
    async with provision.discord_client(host) as client:
        status = await provision.recheck_member(host, client, discord_id, name)
    state = state if status is None else "provisioned"
    return ok({"state": state, "message": provision.recheck_text(status)})

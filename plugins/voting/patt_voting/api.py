"""The voting JSON API: campaigns and ballots (``/api/v1/campaigns``), officers' admin
(``/api/v1/admin/...``, every route officer-only), results and BLT audit files.

Handlers are thin: parse, call a service in one transaction, return the envelope.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from patt_host.web import ActorDep, HostDep, LoggedIn, Officer, SessionDep, body_limit, ok, require_officer
from patt_voting.models import STATUSES, Campaign, CampaignEntry
from patt_voting.schemas import MAX_ID, BallotIn, CampaignCreate, CampaignFields, EntryCreate, EntryFields
from patt_voting.services import ballots, campaigns, lifecycle, recount, results
from patt_voting.services.blt import write_blt
from patt_voting.services.counting import EQUAL_RANKINGS, METHODS
from patt_voting.state import StateDep
from sv_common.errors import Conflict, NotFound, ValidationFailed

CampaignId = Annotated[int, Path(ge=1, le=MAX_ID)]
EntryId = Annotated[int, Path(ge=1, le=MAX_ID)]
MAX_BODY = 64 * 1024
MAX_BLT = recount.MAX_BYTES


def entry_dict(entry: CampaignEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "name": entry.name,
        "description": entry.description,
        "image_url": entry.image_url,
        "sort_order": entry.sort_order,
        "associated_member_id": entry.player_id,
    }


# Where and how the contest agent posts, and who made the campaign: officers' business only.
ADMIN_FIELDS = ("discord_channel_id", "agent_enabled", "agent_chattiness", "created_by")


def campaign_dict(
    campaign: Campaign, entries: list[CampaignEntry] | None = None, *, admin: bool = True
) -> dict[str, Any]:
    data = {
        "id": campaign.id,
        "title": campaign.title,
        "description": campaign.description,
        "type": campaign.type,
        "status": campaign.status,
        "counting_method": campaign.counting_method,
        "picks_per_voter": campaign.picks_per_voter,
        "exact_picks": campaign.exact_picks,
        "allow_ballot_change": campaign.allow_ballot_change,
        "min_rank_to_vote": campaign.min_rank_to_vote,
        "min_rank_to_view": campaign.min_rank_to_view,
        "start_at": campaign.start_at.isoformat(),
        "ends_at": campaigns.ends_at(campaign).isoformat(),
        "duration_hours": campaign.duration_hours,
        "early_close_if_all_voted": campaign.early_close_if_all_voted,
        "discord_channel_id": campaign.discord_channel_id,
        "agent_enabled": campaign.agent_enabled,
        "agent_chattiness": campaign.agent_chattiness,
        "created_by": campaign.created_by_player_id,
        "closed_at": campaign.closed_at.isoformat() if campaign.closed_at else None,
        "close_reason": campaign.close_reason,
        "live_results_every": campaign.live_results_every,
    }
    if not admin:
        for field in ADMIN_FIELDS:
            del data[field]
    if entries is not None:
        data["entries"] = [entry_dict(e) for e in entries]
    return data


async def _campaign_with_entries(session, campaign: Campaign, *, admin: bool = True) -> dict[str, Any]:
    return campaign_dict(campaign, await campaigns.list_entries(session, campaign.id), admin=admin)


def _is_officer(actor, host) -> bool:
    return actor is not None and actor.rank_level >= host.officer_level


def _voters_only(host) -> bool:
    return host.plugin_settings("voting").live_results_for_voters_only


def public_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/campaigns", tags=["voting"])

    @router.get("", name="campaigns")
    async def list_campaigns(
        session: SessionDep,
        host: HostDep,
        actor: ActorDep,
        status: Annotated[str | None, Query(max_length=20)] = None,
    ):
        """Campaigns the caller may view (drafts only for officers)."""
        if status is not None and status not in STATUSES:
            raise ValidationFailed(f"status must be one of {', '.join(STATUSES)}.")
        rows = await ballots.visible_campaigns(session, actor, host.officer_level, status)
        admin = _is_officer(actor, host)
        return ok([campaign_dict(c, admin=admin) for c in rows])

    @router.get("/{campaign_id}", name="campaign")
    async def get_campaign(campaign_id: CampaignId, session: SessionDep, host: HostDep, actor: ActorDep):
        campaign = await campaigns.get_campaign(session, campaign_id)
        ballots.require_view(campaign, actor, host.officer_level)
        data = await _campaign_with_entries(session, campaign, admin=_is_officer(actor, host))
        data["turnout"] = (await campaigns.turnout(session, campaign)).as_dict()
        data["can_vote"] = ballots.can_vote(campaign, actor)
        return ok(data)

    @router.get("/{campaign_id}/results", name="results")
    async def get_results(campaign_id: CampaignId, session: SessionDep, host: HostDep, actor: ActorDep):
        """Final results to viewers; live standings only to voters (unless configured otherwise)."""
        campaign = await campaigns.get_campaign(session, campaign_id)
        return ok(
            await results.results_for(
                session, campaign, actor, officer_level=host.officer_level, voters_only=_voters_only(host)
            )
        )

    @router.post("/{campaign_id}/vote", name="vote", openapi_extra=body_limit(MAX_BODY))
    async def vote(
        campaign_id: CampaignId,
        body: BallotIn,
        session: SessionDep,
        host: HostDep,
        state: StateDep,
        actor: LoggedIn,
    ):
        """Cast (or, where allowed, change) the caller's ballot."""
        await state.ballot_cast(actor.user_id)
        data = await ballots.cast_ballot(
            session, campaign_id, actor, body.ranking(), officer_level=host.officer_level
        )
        return ok(data, status_code=200 if data["changed"] else 201)

    @router.get("/{campaign_id}/my-vote", name="my_vote")
    async def my_vote(campaign_id: CampaignId, session: SessionDep, host: HostDep, actor: LoggedIn):
        campaign = await campaigns.get_campaign(session, campaign_id)
        ballots.require_view(campaign, actor, host.officer_level)
        ranking = await ballots.my_ballot(session, campaign_id, actor.player_id)
        if ranking is None:
            raise NotFound("You have not voted in this campaign.", code="no_ballot")
        return ok(
            {
                "campaign_id": campaign_id,
                "entry_ids": ranking,
                "votes": [{"entry_id": e, "rank": i} for i, e in enumerate(ranking, 1)],
            }
        )

    @router.get("/{campaign_id}/ballots.blt", name="ballots_blt")
    async def ballots_blt(campaign_id: CampaignId, session: SessionDep, host: HostDep, actor: ActorDep):
        """The anonymous ballots of a closed campaign in BLT, for an independent recount."""
        campaign = await campaigns.get_campaign(session, campaign_id)
        ballots.require_view(campaign, actor, host.officer_level)
        if campaign.status not in ("closed", "archived"):
            raise Conflict("Ballots are published once the campaign has closed.", code="campaign_not_closed")
        election, _ = await results.load_election(session, campaign)
        return Response(
            write_blt(election),
            media_type="text/plain; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id}.blt"'},
        )

    return router


def admin_router() -> APIRouter:
    router = APIRouter(
        prefix="/api/v1/admin", tags=["voting: admin"], dependencies=[Depends(require_officer)]
    )
    limited = body_limit(MAX_BODY)

    @router.post("/campaigns", name="admin_campaign_create", status_code=201, openapi_extra=limited)
    async def create(body: CampaignCreate, session: SessionDep, actor: Officer):
        async def work(session):
            campaign = await campaigns.create_campaign(session, body.values(), actor.player_id)
            return await _campaign_with_entries(session, campaign)

        return ok(await work(session), status_code=201)

    @router.patch("/campaigns/{campaign_id}", name="admin_campaign_update", openapi_extra=limited)
    async def update(campaign_id: CampaignId, body: CampaignFields, session: SessionDep):
        async def work(session):
            campaign = await campaigns.update_campaign(session, campaign_id, body.changes())
            return await _campaign_with_entries(session, campaign)

        return ok(await work(session))

    @router.delete("/campaigns/{campaign_id}", name="admin_campaign_delete")
    async def delete(campaign_id: CampaignId, session: SessionDep, actor: Officer):
        """Drafts: any officer. Closed or archived campaigns: the guild leader only (403
        ``leader_only``; officers archive them). Every deletion is recorded (who, when)."""
        record = await campaigns.delete_campaign(session, campaign_id, actor)
        return ok(
            {
                "id": campaign_id,
                "deleted": True,
                "ballots": record.ballots,
                "deleted_by": record.deleted_by_player_id,
            }
        )

    @router.post(
        "/campaigns/{campaign_id}/entries", name="admin_entry_create", status_code=201, openapi_extra=limited
    )
    async def add_entry(campaign_id: CampaignId, body: EntryCreate, session: SessionDep):
        async def work(session):
            return entry_dict(await campaigns.add_entry(session, campaign_id, body.values()))

        return ok(await work(session), status_code=201)

    @router.patch("/campaign-entries/{entry_id}", name="admin_entry_update", openapi_extra=limited)
    async def update_entry(entry_id: EntryId, body: EntryFields, session: SessionDep):
        async def work(session):
            return entry_dict(await campaigns.update_entry(session, entry_id, body.changes()))

        return ok(await work(session))

    @router.delete("/campaigns/{campaign_id}/entries/{entry_id}", name="admin_entry_delete")
    async def delete_entry(campaign_id: CampaignId, entry_id: EntryId, session: SessionDep):
        await campaigns.delete_entry(session, entry_id, campaign_id)
        return ok({"id": entry_id, "deleted": True})

    def transition(path: str, name: str, service):
        @router.post(f"/campaigns/{{campaign_id}}/{path}", name=name)
        async def change_state(campaign_id: CampaignId, session: SessionDep):
            async def work(session):
                return campaign_dict(await service(session, campaign_id))

            return ok(await work(session))

        change_state.__doc__ = f"{path.capitalize()} the campaign."

    transition("activate", "admin_campaign_activate", lifecycle.activate)
    transition("close", "admin_campaign_close", lifecycle.close)
    transition("archive", "admin_campaign_archive", lifecycle.archive)

    @router.get("/campaigns/{campaign_id}/stats", name="admin_campaign_stats")
    async def stats(campaign_id: CampaignId, session: SessionDep):
        """Live turnout: counts, never choices."""

        async def work(session):
            campaign = await campaigns.get_campaign(session, campaign_id)
            return (await campaigns.turnout(session, campaign)).as_dict()

        return ok(await work(session))

    @router.post("/voting/tally", name="admin_tally_blt", openapi_extra=body_limit(MAX_BLT))
    async def tally_blt(
        request: Request,
        state: StateDep,
        method: Annotated[str, Query(max_length=20)] = "instant_runoff",
        equal_rankings: Annotated[str, Query(max_length=20)] = "exhaust",
    ):
        """Count an uploaded BLT file (the web twin of ``patt voting tally``); nothing is stored.

        The count runs in a child process with size and time limits (``patt_voting.services.recount``),
        so a large file never holds up the site."""
        if method not in METHODS:
            raise ValidationFailed(f"method must be one of {', '.join(METHODS)}.")
        if equal_rankings not in EQUAL_RANKINGS:
            raise ValidationFailed(f"equal_rankings must be one of {', '.join(EQUAL_RANKINGS)}.")
        data = await recount.count_blt(
            await request.body(),
            method,
            equal_rankings,
            time_limit=state.settings.tally_time_limit_seconds,
            max_condorcet=campaigns.MAX_CONDORCET,
        )
        return ok(data | {"equal_rankings": equal_rankings})

    return router

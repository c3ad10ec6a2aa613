"""Member pages: ``/vote`` (campaigns), ``/vote/{id}`` (rank and submit), ``/vote/{id}/results``.

The ballot form works without JavaScript (a rank select per entry); ``vote.js`` turns it
into a drag-and-drop list with keyboard controls that fills the same fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse

from patt_host.web import ActorDep, HostDep, LoggedIn, render
from patt_voting import ballots, campaigns, results
from patt_voting.charts import bar_chart, round_table
from patt_voting.schemas import MAX_ID, form_int
from sv_common.errors import DomainError, ValidationFailed

CampaignId = Annotated[int, Path(ge=1, le=MAX_ID)]
SAVED = {"ballot": "Your ballot is saved.", "changed": "Your ballot is updated."}


def human_time(moment: datetime | None) -> str:
    """UTC fallback text; ``vote.js`` rewrites ``<time>`` elements into the viewer's zone."""
    return moment.strftime("%b %d, %Y %H:%M UTC") if moment else ""


def results_view(data: dict[str, Any]) -> dict[str, Any]:
    """What the results template needs: chart, rounds (instant runoff), matrix (Condorcet)."""
    method = data["method"]
    if method == "instant_runoff":
        final = data["rounds"][-1]["counts"]
        rows = [(s["candidate"], final.get(s["candidate"], s["score"])) for s in data["standings"]]
        chart = bar_chart(rows, title="Votes in the final round", unit="")
    elif method == "condorcet":
        chart = bar_chart(
            [(s["candidate"], s["score"]) for s in data["standings"]], title="Opponents beaten (Schulze)"
        )
    else:
        chart = bar_chart([(s["candidate"], s["score"]) for s in data["standings"]], title="Points")
    view = {"data": data, "chart": chart, "method": method}
    if method == "instant_runoff":
        view["table"] = round_table(data)
    if method == "condorcet":
        view["matrix"] = data["pairwise"]
        view["names"] = data["candidates"]
    return view


async def vote_page_context(session, host, campaign, actor) -> dict[str, Any]:
    entries = await campaigns.list_entries(session, campaign.id)
    mine = await ballots.my_ballot(session, campaign.id, actor.player_id if actor else None)
    voters_only = host.plugin_settings("voting").live_results_for_voters_only
    visible = await results.results_visible(session, campaign, actor, voters_only=voters_only)
    # Past its end a live campaign is closed by the job within a minute: no form that can only fail.
    ended = campaign.status == "live" and campaigns.ends_at(campaign) <= campaigns.now_utc()
    context: dict[str, Any] = {
        "campaign": campaign,
        "entries": entries,
        "entry_names": {e.id: e.name for e in entries},
        "ends_at": campaigns.ends_at(campaign),
        "human_time": human_time,
        "turnout": await campaigns.turnout(session, campaign),
        "my_ballot": mine or [],
        "ended": ended,
        "can_vote": campaign.status == "live" and not ended and ballots.can_vote(campaign, actor),
        "can_change": mine is None or campaign.allow_ballot_change,
        "ranks": list(range(1, campaign.picks_per_voter + 1)),
    }
    if visible and campaign.status != "draft":
        data = await results.results_for(
            session, campaign, actor, officer_level=host.officer_level, voters_only=voters_only
        )
        context["results"] = results_view(data)
    return context


def ranking_from_form(form, entry_ids: list[int], picks: int) -> list[int]:
    """``rank_<entry id>`` fields -> entry ids in rank order (ranks 1..n, no gaps or repeats)."""
    chosen: dict[int, int] = {}
    for entry_id in entry_ids:
        value = str(form.get(f"rank_{entry_id}", "") or "")
        if not value:
            continue
        rank = form_int(value)
        if rank is None or not 1 <= rank <= picks:
            raise ValidationFailed(f"Ranks go from 1 to {picks}.", code="invalid_rank")
        if rank in chosen:
            raise ValidationFailed(
                f"Two entries have rank {rank}; give each rank once.", code="duplicate_rank"
            )
        chosen[rank] = entry_id
    if sorted(chosen) != list(range(1, len(chosen) + 1)):
        raise ValidationFailed("Use ranks 1, 2, 3 … without gaps.", code="rank_gap")
    return [chosen[r] for r in sorted(chosen)]


def build_router() -> APIRouter:
    router = APIRouter(tags=["voting pages"])

    @router.get("/vote", name="list_page")
    async def list_page(request: Request, host: HostDep, actor: ActorDep):
        async with host.db.session() as session:
            rows = await ballots.visible_campaigns(session, actor, host.officer_level)
            groups = {"live": [], "draft": [], "closed": []}
            for c in rows:
                groups["closed" if c.status == "archived" else c.status].append(c)
        return await render(
            request,
            "voting/list.html",
            {"groups": groups, "ends_at": campaigns.ends_at, "human_time": human_time},
        )

    async def show(request, host, actor, campaign_id, *, error=None, status_code=200):
        async with host.db.session() as session:
            campaign = await campaigns.get_campaign(session, campaign_id)
            ballots.require_view(campaign, actor, host.officer_level)
            context = await vote_page_context(session, host, campaign, actor)
        context["ballot_error"] = error
        saved = request.query_params.get("saved")
        if error is None and saved in SAVED:
            context["ballot_saved"] = SAVED[saved]
        return await render(request, "voting/vote.html", context, status_code=status_code)

    @router.get("/vote/{campaign_id}", name="vote_page")
    async def vote_page(campaign_id: CampaignId, request: Request, host: HostDep, actor: ActorDep):
        return await show(request, host, actor, campaign_id)

    @router.post("/vote/{campaign_id}", name="vote_submit")
    async def vote_submit(campaign_id: CampaignId, request: Request, host: HostDep, actor: LoggedIn):
        """The ballot form (no-JS fallback and the drag-and-drop list post the same fields)."""
        form = await request.form(max_fields=200, max_files=0)
        try:
            limit = host.plugin_settings("voting").ballot_rate_limit
            await host.plugin("voting").obj.limiter.hit(
                f"voting:ballot:{actor.user_id}", limit=limit, window_seconds=60
            )
            async with host.db.session() as session:
                campaign = await campaigns.get_campaign(session, campaign_id)
                entry_ids = [e.id for e in await campaigns.list_entries(session, campaign_id)]
                ranking = ranking_from_form(form, entry_ids, campaign.picks_per_voter)
                stored = await ballots.cast_ballot(
                    session, campaign_id, actor, ranking, officer_level=host.officer_level
                )
        except DomainError as exc:
            if exc.status in (401, 404):
                raise
            return await show(request, host, actor, campaign_id, error=exc.message, status_code=exc.status)
        saved = "changed" if stored["changed"] else "ballot"
        return RedirectResponse(f"/vote/{campaign_id}?saved={saved}#ballot", status_code=303)

    @router.get("/vote/{campaign_id}/results", name="results_page")
    async def results_page(campaign_id: CampaignId, request: Request, host: HostDep, actor: ActorDep):
        async with host.db.session() as session:
            campaign = await campaigns.get_campaign(session, campaign_id)
            voters_only = host.plugin_settings("voting").live_results_for_voters_only
            data = await results.results_for(
                session, campaign, actor, officer_level=host.officer_level, voters_only=voters_only
            )
            turnout = await campaigns.turnout(session, campaign)
        context = {"campaign": campaign, "turnout": turnout, "human_time": human_time, **results_view(data)}
        return await render(request, "voting/results.html", context)

    return router

"""The voting pages.

Member pages: ``/vote`` (campaigns), ``/vote/{id}`` (rank and submit), ``/vote/{id}/results``.
The ballot form works without JavaScript (a rank select per entry); ``vote.js`` turns it
into a drag-and-drop list with keyboard controls that fills the same fields.

Officers' pages: ``/admin/campaigns`` (list, create) and ``/admin/campaigns/{id}`` (edit the
draft and its entries, activate / close / archive / delete, live turnout: counts, never choices).
Plain HTML forms (post, redirect, get) validated with the API's schemas; errors are shown
next to the form they came from.

The home-page panel: the open campaign(s) and the last result, contributed to the
``home_vote`` slot (the landing page's place for it, falling back to ``home``) or, on sites
whose home page only has the generic ``home`` slot, there; the host asks once per page.
"""

import re
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup, escape
from pydantic import ValidationError
from sqlalchemy import func, select

from patt_host import HostAPI
from patt_host.web import (
    ActorDep,
    HostDep,
    LoggedIn,
    Officer,
    SessionDep,
    human_time,
    render,
    require_officer,
)
from patt_voting.models import Campaign, CampaignResult
from patt_voting.schemas import MAX_ID, CampaignCreate, CampaignFields, EntryCreate, EntryFields, form_int
from patt_voting.services import ballots, campaigns, lifecycle, results
from patt_voting.services.agent import agent_log
from patt_voting.services.charts import bar_chart, round_table
from patt_voting.services.counting import METHODS
from patt_voting.state import StateDep
from sv_common.discord.channel_sync import channel_dict, list_channels
from sv_common.errors import DomainError, ValidationFailed
from sv_common.identity.models import GuildRank, Player

CampaignId = Annotated[int, Path(ge=1, le=MAX_ID)]
EntryId = Annotated[int, Path(ge=1, le=MAX_ID)]
SAVED = {"ballot": "Your ballot is saved.", "changed": "Your ballot is updated."}


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
        "turnout": await campaigns.turnout(session, campaign),
        "my_ballot": mine or [],
        "ended": ended,
        "can_vote": campaign.status == "live" and not ended and ballots.can_vote(campaign, actor),
        "can_change": mine is None or campaign.allow_ballot_change,
        "ranks": list(range(1, campaign.picks_per_voter + 1)),
    }
    if visible and campaign.status != "draft":
        try:
            data = await results.results_for(
                session, campaign, actor, officer_level=host.officer_level, voters_only=voters_only
            )
        except results.LiveStandingsHidden as exc:
            context["results_note"] = exc.message  # shown where the standings would be
        else:
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
    async def list_page(request: Request, session: SessionDep, host: HostDep, actor: ActorDep):
        rows = await ballots.visible_campaigns(session, actor, host.officer_level)
        groups = {"live": [], "draft": [], "closed": []}
        for c in rows:
            groups["closed" if c.status == "archived" else c.status].append(c)
        return await render(
            request,
            "voting/list.html",
            {"groups": groups, "ends_at": campaigns.ends_at},
        )

    async def show(request, session, host, actor, campaign_id, *, error=None, status_code=200):
        campaign = await campaigns.get_campaign(session, campaign_id)
        ballots.require_view(campaign, actor, host.officer_level)
        context = await vote_page_context(session, host, campaign, actor)
        context["ballot_error"] = error
        saved = request.query_params.get("saved")
        if error is None and saved in SAVED:
            context["ballot_saved"] = SAVED[saved]
        return await render(request, "voting/vote.html", context, status_code=status_code)

    @router.get("/vote/{campaign_id}", name="vote_page")
    async def vote_page(
        campaign_id: CampaignId, request: Request, session: SessionDep, host: HostDep, actor: ActorDep
    ):
        return await show(request, session, host, actor, campaign_id)

    @router.post("/vote/{campaign_id}", name="vote_submit")
    async def vote_submit(
        campaign_id: CampaignId,
        request: Request,
        session: SessionDep,
        host: HostDep,
        state: StateDep,
        actor: LoggedIn,
    ):
        """The ballot form (no-JS fallback and the drag-and-drop list post the same fields)."""
        form = await request.form(max_fields=200, max_files=0)
        try:
            await state.ballot_cast(actor.user_id)
            # A savepoint: a refused ballot leaves nothing behind while the page re-renders.
            async with session.begin_nested():
                campaign = await campaigns.get_campaign(session, campaign_id)
                entry_ids = [e.id for e in await campaigns.list_entries(session, campaign_id)]
                ranking = ranking_from_form(form, entry_ids, campaign.picks_per_voter)
                stored = await ballots.cast_ballot(
                    session, campaign_id, actor, ranking, officer_level=host.officer_level
                )
        except DomainError as exc:
            if exc.status in (401, 404):
                raise
            return await show(
                request, session, host, actor, campaign_id, error=exc.message, status_code=exc.status
            )
        saved = "changed" if stored["changed"] else "ballot"
        return RedirectResponse(f"/vote/{campaign_id}?saved={saved}#ballot", status_code=303)

    @router.get("/vote/{campaign_id}/results", name="results_page")
    async def results_page(
        campaign_id: CampaignId, request: Request, session: SessionDep, host: HostDep, actor: ActorDep
    ):
        campaign = await campaigns.get_campaign(session, campaign_id)
        voters_only = host.plugin_settings("voting").live_results_for_voters_only
        try:
            data = await results.results_for(
                session, campaign, actor, officer_level=host.officer_level, voters_only=voters_only
            )
            view = results_view(data)
        except results.LiveStandingsHidden as exc:
            view = {"data": {"final": False}, "note": exc.message}
        turnout = await campaigns.turnout(session, campaign)
        context = {"campaign": campaign, "turnout": turnout, **view}
        return await render(request, "voting/results.html", context)

    return router


# Officers' pages

CHECKBOXES = ("early_close_if_all_voted", "agent_enabled", "exact_picks", "allow_ballot_change")
DONE = {
    "created": "Campaign created. Add entries, then activate it.",
    "saved": "Saved.",
    "entry": "Entry added.",
    "entry_saved": "Entry saved.",
    "entry_deleted": "Entry deleted.",
    "activate": "The campaign is live.",
    "close": "The campaign is closed and the results are counted.",
    "archive": "The campaign is archived.",
}
# Which part of the page each outcome belongs to: the message is shown there, next to the form.
SECTION = {
    "created": "settings",
    "saved": "settings",
    "entry": "entries",
    "entry_saved": "entries",
    "entry_deleted": "entries",
    "activate": "status",
    "close": "status",
    "archive": "status",
    "delete": "status",
}
ACTIONS = {"activate": lifecycle.activate, "close": lifecycle.close, "archive": lifecycle.archive}


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ()))
        return f"{field}: {first.get('msg', 'invalid')}" if field else first.get("msg", "Invalid input.")
    return getattr(exc, "message", str(exc))


def campaign_form(form, *, partial: bool) -> dict[str, Any]:
    """Form strings -> the API schema's input (checkboxes, numbers, local time + offset)."""
    data: dict[str, Any] = {}
    for key in ("title", "description", "counting_method", "agent_chattiness", "discord_channel_id"):
        value = str(form.get(key, "") or "")
        if value or not partial:
            data[key] = value or None
        elif key == "discord_channel_id" and key in form:
            data[key] = None  # "The default announcement channel": the edit clears the channel
    for key in (
        "picks_per_voter",
        "min_rank_to_vote",
        "min_rank_to_view",
        "duration_hours",
        "live_results_every",
    ):
        value = str(form.get(key, "") or "").strip()
        if value:
            data[key] = _whole_number(value, key)
        elif key == "min_rank_to_view":
            data[key] = None
    for key in CHECKBOXES:
        data[key] = form.get(key) == "on"
    start = str(form.get("start_at", "") or "")
    if start:
        offset = str(form.get("tz_offset", "0") or "0")
        minutes = form_int(offset)
        minutes = minutes if minutes is not None and abs(minutes) <= 900 else 0
        try:
            # datetime-local has no zone: the browser sends its UTC offset (minutes, JS sign).
            utc = datetime.fromisoformat(start) + timedelta(minutes=minutes)
        except (ValueError, OverflowError):  # year 9999 plus an offset overflows
            raise ValidationFailed("The start time is not a date and time.") from None
        data["start_at"] = utc.replace(tzinfo=None).isoformat() + "+00:00"
    nullable = ("min_rank_to_view", "description", "discord_channel_id")
    return {k: v for k, v in data.items() if v is not None or k in nullable}


def _whole_number(value: str, key: str) -> int:
    number = form_int(value)
    if number is None:
        raise ValidationFailed(f"{key.replace('_', ' ')} must be a whole number.")
    return number


_PICKED = re.compile(r"#([0-9]{1,10})\s*$")


def entry_form(form) -> dict[str, Any]:
    data: dict[str, Any] = {"name": str(form.get("name", "") or "")}
    for key in ("description", "image_url"):
        data[key] = str(form.get(key, "") or "") or None
    value = str(form.get("sort_order", "") or "").strip()
    if value:
        data["sort_order"] = _whole_number(value, "sort_order")
    # The player picker sends "Name #id" (a pick from the list); the API takes the id.
    player = str(form.get("player", "") or "").strip()
    if player:
        picked = _PICKED.search(player)
        if picked is None:
            raise ValidationFailed("Pick the player from the list (start typing their name).")
        data["player_id"] = int(picked.group(1))
    return data


async def form_pickers(session, campaign: Campaign | None = None) -> dict[str, Any]:
    """What the officers' forms offer instead of raw ids: ranks by name, the synced Discord
    channels, active players (for an entry's author)."""
    ranks = (await session.execute(select(GuildRank.name, GuildRank.level).order_by(GuildRank.level))).all()
    channels = [channel_dict(row) for row in await list_channels(session, postable_only=True)]
    players = (
        await session.execute(
            select(Player.id, Player.display_name)
            .where(Player.is_active)
            .order_by(func.lower(Player.display_name))
        )
    ).all()
    channel_name = None
    if campaign is not None and campaign.discord_channel_id:
        found = next((ch for ch in channels if ch["id"] == campaign.discord_channel_id), None)
        channel_name = f"#{found['name']}" if found else f"channel {campaign.discord_channel_id} (not synced)"
    levels = [level for _name, level in ranks]
    return {
        "ranks": [{"name": name, "level": level} for name, level in ranks],
        "levels": levels,
        "lowest_level": levels[0] if levels else 1,
        "channels": channels,
        "channel_ids": [ch["id"] for ch in channels],
        "players": [tuple(row) for row in players],
        "channel_name": channel_name,
    }


def admin_router() -> APIRouter:
    router = APIRouter(tags=["voting admin pages"], dependencies=[Depends(require_officer)])

    async def list_view(request, session, *, error=None, status_code=200):
        rows = (await session.scalars(select(Campaign).order_by(Campaign.id.desc()))).all()
        turnouts = {c.id: await campaigns.turnout(session, c) for c in rows}
        context = {
            "campaigns": rows,
            "turnouts": turnouts,
            "methods": METHODS,
            "ends_at": campaigns.ends_at,
            "notice": {"section": "create", "kind": "error", "text": error} if error else None,
            "pickers": await form_pickers(session),
        }
        return await render(request, "voting/admin/campaigns.html", context, status_code=status_code)

    async def detail_view(request, session, campaign_id, *, error=None, section="status", status_code=200):
        campaign = await campaigns.get_campaign(session, campaign_id)
        context = {
            "campaign": campaign,
            "entries": await campaigns.list_entries(session, campaign_id),
            "turnout": await campaigns.turnout(session, campaign),
            "problems": await lifecycle.activation_problems(session, campaign)
            if campaign.status == "draft"
            else [],
            "methods": METHODS,
            "agent_posts": await agent_log(session, campaign_id),
            "ends_at": campaigns.ends_at(campaign),
            "notice": {"section": section, "kind": "error", "text": error} if error else None,
            "pickers": await form_pickers(session, campaign),
        }
        done = request.query_params.get("done")
        if error is None and done in DONE:
            context["notice"] = {"section": SECTION[done], "kind": "success", "text": DONE[done]}
        return await render(request, "voting/admin/campaign.html", context, status_code=status_code)

    def back(campaign_id: int, done: str) -> RedirectResponse:
        return RedirectResponse(
            f"/admin/campaigns/{campaign_id}?done={done}#{SECTION[done]}", status_code=303
        )

    def status_of(exc: Exception) -> int:
        return exc.status if isinstance(exc, DomainError) else 422

    @router.get("/admin/campaigns", name="admin_campaigns_page")
    async def campaigns_page(request: Request, session: SessionDep):
        return await list_view(request, session)

    @router.post("/admin/campaigns", name="admin_campaigns_create_form")
    async def create_form(request: Request, session: SessionDep, actor: Officer):
        form = await request.form(max_fields=50, max_files=0)
        try:
            body = CampaignCreate(**campaign_form(form, partial=False))
            async with session.begin_nested():  # a refused form leaves nothing behind
                campaign = await campaigns.create_campaign(session, body.values(), actor.player_id)
            campaign_id = campaign.id
        except (DomainError, ValidationError) as exc:
            return await list_view(request, session, error=_message(exc), status_code=status_of(exc))
        return back(campaign_id, "created")

    @router.get("/admin/campaigns/{campaign_id}", name="admin_campaign_page")
    async def campaign_page(campaign_id: CampaignId, request: Request, session: SessionDep):
        return await detail_view(request, session, campaign_id)

    async def run(request, session, campaign_id, work, done):
        """Run ``work(session, form)`` in a savepoint: a refused form leaves nothing behind while
        the page re-renders from the same session."""
        form = await request.form(max_fields=50, max_files=0)
        try:
            async with session.begin_nested():
                await work(session, form)
        except (DomainError, ValidationError) as exc:
            if isinstance(exc, DomainError) and exc.status == 404:
                raise
            return await detail_view(
                request,
                session,
                campaign_id,
                error=_message(exc),
                section=SECTION[done],
                status_code=status_of(exc),
            )
        return back(campaign_id, done)

    @router.post("/admin/campaigns/{campaign_id}", name="admin_campaign_update_form")
    async def update_form(campaign_id: CampaignId, request: Request, session: SessionDep):
        async def work(session, form):
            body = CampaignFields(**campaign_form(form, partial=True))
            await campaigns.update_campaign(session, campaign_id, body.changes())

        return await run(request, session, campaign_id, work, "saved")

    @router.post("/admin/campaigns/{campaign_id}/entries", name="admin_entry_create_form")
    async def entry_create_form(campaign_id: CampaignId, request: Request, session: SessionDep):
        async def work(session, form):
            await campaigns.add_entry(session, campaign_id, EntryCreate(**entry_form(form)).values())

        return await run(request, session, campaign_id, work, "entry")

    @router.post("/admin/campaigns/{campaign_id}/entries/{entry_id}", name="admin_entry_update_form")
    async def entry_update_form(
        campaign_id: CampaignId, entry_id: EntryId, request: Request, session: SessionDep
    ):
        async def work(session, form):
            changes = EntryFields(**entry_form(form)).changes()
            await campaigns.update_entry(session, entry_id, changes, campaign_id)

        return await run(request, session, campaign_id, work, "entry_saved")

    @router.post("/admin/campaigns/{campaign_id}/entries/{entry_id}/delete", name="admin_entry_delete_form")
    async def entry_delete_form(
        campaign_id: CampaignId, entry_id: EntryId, request: Request, session: SessionDep
    ):
        async def work(session, form):
            await campaigns.delete_entry(session, entry_id, campaign_id)

        return await run(request, session, campaign_id, work, "entry_deleted")

    @router.post("/admin/campaigns/{campaign_id}/do/{action}", name="admin_campaign_action_form")
    async def action_form(
        campaign_id: CampaignId, action: str, request: Request, session: SessionDep, actor: Officer
    ):
        if action == "delete":
            try:
                async with session.begin_nested():
                    await campaigns.delete_campaign(session, campaign_id, actor)
            except DomainError as exc:
                if exc.status == 404:
                    raise
                return await detail_view(
                    request, session, campaign_id, error=exc.message, status_code=exc.status
                )
            return RedirectResponse("/admin/campaigns", status_code=303)
        if action not in ACTIONS:
            raise ValidationFailed("Unknown action.")

        async def work(session, form):
            await ACTIONS[action](session, campaign_id)

        return await run(request, session, campaign_id, work, action)

    return router


# The home-page panel

SLOTS = ("home_vote", "home")
RECENT_RESULTS = 3  # closed campaigns the home page lists


async def home_panel(request: Any, context: dict[str, Any], host: HostAPI) -> Markup | None:
    actor = context.get("actor")
    async with host.db.session() as session:
        visible = await ballots.visible_campaigns(session, actor, host.officer_level)
        live = [c for c in visible if c.status == "live"]
        closed = sorted(
            (c for c in visible if c.status in ("closed", "archived") and c.closed_at),
            key=lambda c: c.closed_at,
            reverse=True,
        )
        recent = closed[:RECENT_RESULTS]
        outcomes = dict(
            (
                await session.execute(
                    select(CampaignResult.campaign_id, CampaignResult.results).where(
                        CampaignResult.campaign_id.in_([c.id for c in recent])
                    )
                )
            ).all()
        )
        turnouts = {c.id: await campaigns.turnout(session, c) for c in live}
    recent = [c for c in recent if outcomes.get(c.id)]
    if not live and not recent:
        return None
    texts = host.site.texts.get("voting", {})
    parts = [f'<section class="panel vote-home"><h2>{escape(texts.get("home_title", "Vote"))}</h2>']
    for c in live:
        end = campaigns.ends_at(c)
        t = turnouts[c.id]
        parts.append(
            f'<p><a class="button small" href="/vote/{c.id}">{escape(c.title)}</a> '
            f'<span class="muted small">open until {human_time(end)} · {t.voted} of {t.eligible} voted</span></p>'
        )
    if recent:
        heading = "Last result" if len(recent) == 1 else "Recent results"
        parts.append(f'<h3 class="vote-home-results">{heading}</h3><ul class="vote-home-results">')
        for c in recent:
            result = outcomes[c.id]
            winner = result.get("winner") or " & ".join(result.get("tied") or []) or "no ballots"
            parts.append(
                f'<li class="small"><a href="/vote/{c.id}/results">{escape(c.title)}</a> — '
                f"<strong>{escape(winner)}</strong></li>"
            )
        parts.append("</ul>")
    parts.append("</section>")
    return Markup("".join(parts))


async def home_slot(slot: str, request: Any, context: dict[str, Any], host: HostAPI) -> Markup | None:
    if slot not in SLOTS or getattr(host, "db", None) is None:
        return None
    return await home_panel(request, context, host)

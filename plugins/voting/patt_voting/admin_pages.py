"""Officers' pages: ``/admin/campaigns`` (list, create) and ``/admin/campaigns/{id}`` (edit the
draft and its entries, activate / close / archive / delete, live turnout: counts, never choices).

Plain HTML forms (post, redirect, get) validated with the API's schemas; errors are shown
next to the form they came from.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select

from patt_host.web import HostDep, Officer, render, require_officer
from patt_voting import campaigns
from patt_voting.agent import agent_log
from patt_voting.counting import METHODS
from patt_voting.models import Campaign
from patt_voting.pages import human_time
from patt_voting.schemas import MAX_ID, CampaignCreate, CampaignFields, EntryCreate, EntryFields, form_int
from sv_common.errors import DomainError, ValidationFailed

CampaignId = Annotated[int, Path(ge=1, le=MAX_ID)]
EntryId = Annotated[int, Path(ge=1, le=MAX_ID)]
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
ACTIONS = {"activate": campaigns.activate, "close": campaigns.close, "archive": campaigns.archive}


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
    for key in ("picks_per_voter", "min_rank_to_vote", "min_rank_to_view", "duration_hours"):
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
    return {k: v for k, v in data.items() if v is not None or k in ("min_rank_to_view", "description")}


def _whole_number(value: str, key: str) -> int:
    number = form_int(value)
    if number is None:
        raise ValidationFailed(f"{key.replace('_', ' ')} must be a whole number.")
    return number


def entry_form(form) -> dict[str, Any]:
    data: dict[str, Any] = {"name": str(form.get("name", "") or "")}
    for key in ("description", "image_url"):
        data[key] = str(form.get(key, "") or "") or None
    for key in ("sort_order", "player_id"):
        value = str(form.get(key, "") or "").strip()
        if value:
            data[key] = _whole_number(value, key)
    return data


def build_router() -> APIRouter:
    router = APIRouter(tags=["voting admin pages"], dependencies=[Depends(require_officer)])

    async def list_view(request, host, *, error=None, status_code=200):
        async with host.db.session() as session:
            rows = (await session.scalars(select(Campaign).order_by(Campaign.id.desc()))).all()
            turnouts = {c.id: await campaigns.turnout(session, c) for c in rows}
        context = {
            "campaigns": rows,
            "turnouts": turnouts,
            "methods": METHODS,
            "ends_at": campaigns.ends_at,
            "human_time": human_time,
            "notice": {"section": "create", "kind": "error", "text": error} if error else None,
        }
        return await render(request, "voting/admin/campaigns.html", context, status_code=status_code)

    async def detail_view(request, host, campaign_id, *, error=None, section="status", status_code=200):
        async with host.db.session() as session:
            campaign = await campaigns.get_campaign(session, campaign_id)
            context = {
                "campaign": campaign,
                "entries": await campaigns.list_entries(session, campaign_id),
                "turnout": await campaigns.turnout(session, campaign),
                "problems": await campaigns.activation_problems(session, campaign)
                if campaign.status == "draft"
                else [],
                "methods": METHODS,
                "agent_posts": await agent_log(session, campaign_id),
                "ends_at": campaigns.ends_at(campaign),
                "human_time": human_time,
                "notice": {"section": section, "kind": "error", "text": error} if error else None,
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
    async def campaigns_page(request: Request, host: HostDep):
        return await list_view(request, host)

    @router.post("/admin/campaigns", name="admin_campaigns_create_form")
    async def create_form(request: Request, host: HostDep, actor: Officer):
        form = await request.form(max_fields=50, max_files=0)
        try:
            body = CampaignCreate(**campaign_form(form, partial=False))
            async with host.db.session() as session:
                campaign = await campaigns.create_campaign(session, body.values(), actor.player_id)
                campaign_id = campaign.id
        except (DomainError, ValidationError) as exc:
            return await list_view(request, host, error=_message(exc), status_code=status_of(exc))
        return back(campaign_id, "created")

    @router.get("/admin/campaigns/{campaign_id}", name="admin_campaign_page")
    async def campaign_page(campaign_id: CampaignId, request: Request, host: HostDep):
        return await detail_view(request, host, campaign_id)

    async def run(request, host, campaign_id, work, done):
        form = await request.form(max_fields=50, max_files=0)
        try:
            async with host.db.session() as session:
                await work(session, form)
        except (DomainError, ValidationError) as exc:
            if isinstance(exc, DomainError) and exc.status == 404:
                raise
            return await detail_view(
                request,
                host,
                campaign_id,
                error=_message(exc),
                section=SECTION[done],
                status_code=status_of(exc),
            )
        return back(campaign_id, done)

    @router.post("/admin/campaigns/{campaign_id}", name="admin_campaign_update_form")
    async def update_form(campaign_id: CampaignId, request: Request, host: HostDep):
        async def work(session, form):
            body = CampaignFields(**campaign_form(form, partial=True))
            await campaigns.update_campaign(session, campaign_id, body.changes())

        return await run(request, host, campaign_id, work, "saved")

    @router.post("/admin/campaigns/{campaign_id}/entries", name="admin_entry_create_form")
    async def entry_create_form(campaign_id: CampaignId, request: Request, host: HostDep):
        async def work(session, form):
            await campaigns.add_entry(session, campaign_id, EntryCreate(**entry_form(form)).values())

        return await run(request, host, campaign_id, work, "entry")

    @router.post("/admin/campaigns/{campaign_id}/entries/{entry_id}", name="admin_entry_update_form")
    async def entry_update_form(campaign_id: CampaignId, entry_id: EntryId, request: Request, host: HostDep):
        async def work(session, form):
            changes = EntryFields(**entry_form(form)).changes()
            await campaigns.update_entry(session, entry_id, changes, campaign_id)

        return await run(request, host, campaign_id, work, "entry_saved")

    @router.post("/admin/campaigns/{campaign_id}/entries/{entry_id}/delete", name="admin_entry_delete_form")
    async def entry_delete_form(campaign_id: CampaignId, entry_id: EntryId, request: Request, host: HostDep):
        async def work(session, form):
            await campaigns.delete_entry(session, entry_id, campaign_id)

        return await run(request, host, campaign_id, work, "entry_deleted")

    @router.post("/admin/campaigns/{campaign_id}/do/{action}", name="admin_campaign_action_form")
    async def action_form(campaign_id: CampaignId, action: str, request: Request, host: HostDep):
        if action == "delete":
            try:
                async with host.db.session() as session:
                    await campaigns.delete_campaign(session, campaign_id)
            except DomainError as exc:
                if exc.status == 404:
                    raise
                return await detail_view(
                    request, host, campaign_id, error=exc.message, status_code=exc.status
                )
            return RedirectResponse("/admin/campaigns", status_code=303)
        if action not in ACTIONS:
            raise ValidationFailed("Unknown action.")

        async def work(session, form):
            await ACTIONS[action](session, campaign_id)

        return await run(request, host, campaign_id, work, action)

    return router

"""Campaign lifecycle: draft -> live -> closed -> archived, by an officer or the scheduler's pass.

Closing stores the final count (:mod:`patt_voting.services.results`), so this module sits
above both campaigns and results: campaigns -> ballots -> results -> lifecycle, no cycle.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_voting.models import Campaign, CampaignEntry
from patt_voting.services.campaigns import ends_at, get_campaign, list_eligible, now_utc, turnout
from patt_voting.services.results import store_results
from sv_common.errors import Conflict


async def activation_problems(session: AsyncSession, campaign: Campaign) -> list[str]:
    entries = await session.scalar(select(func.count()).where(CampaignEntry.campaign_id == campaign.id))
    problems = []
    if entries < 2:
        problems.append("A campaign needs at least two entries.")
    if campaign.picks_per_voter > entries:
        problems.append(f"Picks per voter ({campaign.picks_per_voter}) exceeds the entries ({entries}).")
    return problems


async def activate(session: AsyncSession, campaign_id: int, *, now: datetime | None = None) -> Campaign:
    """draft -> live. An officer's activation starts the clock now; the end moves with it."""
    now = now or now_utc()
    campaign = await get_campaign(session, campaign_id, lock=True)
    if campaign.status != "draft":
        raise Conflict(f"The campaign is {campaign.status}, not a draft.", code="campaign_not_draft")
    problems = await activation_problems(session, campaign)
    if problems:
        raise Conflict(" ".join(problems), code="cannot_activate", details={"problems": problems})
    campaign.status = "live"
    campaign.start_at = now
    campaign.activated_at = now
    campaign.eligible_at_launch = await list_eligible(session, campaign)
    await session.flush()
    return campaign


async def close(
    session: AsyncSession, campaign_id: int, *, reason: str = "officer", now: datetime | None = None
) -> Campaign:
    """live -> closed, then the final count is stored (see ``results.store_results``)."""
    campaign = await get_campaign(session, campaign_id, lock=True)
    if campaign.status != "live":
        raise Conflict(f"The campaign is {campaign.status}, not live.", code="campaign_not_live")
    campaign.status = "closed"
    campaign.closed_at = now or now_utc()
    campaign.close_reason = reason
    await session.flush()
    await store_results(session, campaign)
    return campaign


async def archive(session: AsyncSession, campaign_id: int) -> Campaign:
    campaign = await get_campaign(session, campaign_id, lock=True)
    if campaign.status != "closed":
        raise Conflict("Only closed campaigns can be archived.", code="campaign_not_closed")
    campaign.status = "archived"
    await session.flush()
    return campaign


async def _still(session: AsyncSession, campaign_id: int, status: str) -> Campaign | None:
    """The campaign, locked, if it still has ``status``: an officer may have activated, closed
    or deleted it since the scheduler listed it (then this pass leaves it alone)."""
    campaign = await session.get(Campaign, campaign_id, with_for_update=True, populate_existing=True)
    return campaign if campaign is not None and campaign.status == status else None


async def due_transitions(session: AsyncSession, now: datetime | None = None) -> dict[str, int]:
    """The scheduler's pass: start drafts whose time came, close ended or fully voted campaigns."""
    now = now or now_utc()
    counts = {"activated": 0, "closed": 0, "not_ready": 0}
    drafts = (
        await session.scalars(select(Campaign.id).where(Campaign.status == "draft", Campaign.start_at <= now))
    ).all()
    for campaign_id in drafts:
        campaign = await _still(session, campaign_id, "draft")
        if campaign is None:
            continue
        if await activation_problems(session, campaign):
            counts["not_ready"] += 1  # stays a draft; the admin page shows why
            continue
        await activate(session, campaign_id, now=now)
        counts["activated"] += 1
    live = (await session.scalars(select(Campaign.id).where(Campaign.status == "live"))).all()
    for campaign_id in live:
        campaign = await _still(session, campaign_id, "live")
        if campaign is None:
            continue
        if ends_at(campaign) <= now:
            await close(session, campaign.id, reason="schedule", now=now)
            counts["closed"] += 1
        elif campaign.early_close_if_all_voted and (await turnout(session, campaign)).all_voted:
            await close(session, campaign.id, reason="all_voted", now=now)
            counts["closed"] += 1
    return counts

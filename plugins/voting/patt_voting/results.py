"""Counting a campaign (through the pure core), storing the final result, and who may see it.

Live standings are counted on demand (never stored per vote); the final result is counted
once at close and stored round by round in ``campaign_results.results``.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from patt_voting.ballots import has_voted, require_view
from patt_voting.campaigns import list_entries
from patt_voting.counting import Election, Tally, tally
from patt_voting.models import Campaign, CampaignEntry, CampaignResult, Vote
from sv_common.auth import Actor
from sv_common.errors import Conflict, Forbidden


def _parse_ranking(text: str, index: dict[int, int]) -> tuple[int, ...]:
    """``"[7, 3]"`` (PostgreSQL's jsonb text) -> candidate indices; unknown entry ids are skipped."""
    ids = text[1:-1]
    return tuple(index[e] for e in map(int, ids.split(",")) if e in index) if ids else ()


async def load_election(session: AsyncSession, campaign: Campaign) -> tuple[Election, list[CampaignEntry]]:
    """The campaign's ballots as an :class:`Election` (entries in ballot-paper order)."""
    entries = await list_entries(session, campaign.id)
    index = {entry.id: i for i, entry in enumerate(entries)}
    # One text value for all ballots ("[3, 1, 2]|[2]|..."): far cheaper than 100,000 decoded
    # rows; identical ballots are grouped on their text before anything is parsed.
    packed = await session.scalar(
        select(func.string_agg(cast(Vote.rankings, Text), "|")).where(Vote.campaign_id == campaign.id)
    )
    ballots = [
        (_parse_ranking(text, index), weight)
        for text, weight in Counter(packed.split("|") if packed else ()).items()
    ]
    election = Election([e.name for e in entries], ballots, title=campaign.title)
    return election, entries


def result_payload(result: Tally, entries: list[CampaignEntry]) -> dict[str, Any]:
    """The core's JSON plus the entries, and each standing's entry id (names are unique per campaign)."""
    data = result.to_dict()
    by_name = {e.name: e for e in entries}
    data["entries"] = [
        {"id": e.id, "name": e.name, "image_url": e.image_url, "description": e.description} for e in entries
    ]
    for standing in data["standings"]:
        standing["entry_id"] = by_name[standing["candidate"]].id
    data["winner_entry_id"] = by_name[data["winner"]].id if data["winner"] is not None else None
    return data


async def count_campaign(session: AsyncSession, campaign: Campaign) -> dict[str, Any]:
    election, entries = await load_election(session, campaign)
    return result_payload(tally(election, campaign.counting_method, picks=campaign.picks_per_voter), entries)


async def store_results(session: AsyncSession, campaign: Campaign) -> dict[str, Any]:
    payload = await count_campaign(session, campaign)
    values = {
        "campaign_id": campaign.id,
        "results": payload,
        "total_votes": payload["total_ballots"],
        "calculated_at": datetime.now(UTC),
    }
    statement = insert(CampaignResult).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["campaign_id"],
            set_={k: statement.excluded[k] for k in ("results", "total_votes", "calculated_at")},
        )
    )
    return payload


async def stored_results(session: AsyncSession, campaign: Campaign) -> dict[str, Any]:
    results = await session.scalar(
        select(CampaignResult.results).where(CampaignResult.campaign_id == campaign.id)
    )
    return results if results is not None else await store_results(session, campaign)


async def results_visible(
    session: AsyncSession, campaign: Campaign, actor: Actor | None, *, voters_only: bool
) -> bool:
    if campaign.status in ("closed", "archived"):
        return True
    if campaign.status == "live":
        return not voters_only or await has_voted(session, campaign.id, actor)
    return False


async def results_for(
    session: AsyncSession,
    campaign: Campaign,
    actor: Actor | None,
    *,
    officer_level: int,
    voters_only: bool,
) -> dict[str, Any]:
    """Final results for anyone who may view; live standings for voters (or all, if configured)."""
    require_view(campaign, actor, officer_level)
    if campaign.status == "draft":
        raise Conflict("The campaign has not started.", code="no_results_yet")
    if not await results_visible(session, campaign, actor, voters_only=voters_only):
        raise Forbidden("Vote to see the live standings.", code="vote_to_see_results")
    if campaign.status == "live":
        return {"final": False, **(await count_campaign(session, campaign))}
    return {"final": True, **(await stored_results(session, campaign))}

"""Counting a campaign (through the pure core), storing the final result, and who may see it.

Live standings are counted on demand (never stored per vote) and recounted only when the
ballots changed; the final result is counted once at close and stored round by round in
``campaign_results.results``.
"""

from __future__ import annotations

import copy
import time
from collections import Counter, OrderedDict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from patt_voting.models import Campaign, CampaignEntry, CampaignResult, Vote
from patt_voting.services.ballots import has_voted, require_view
from patt_voting.services.campaigns import list_entries
from patt_voting.services.counting import Election, Tally, tally
from sv_common.auth import Actor
from sv_common.errors import Conflict, Forbidden


def _parse_ranking(text: str, index: dict[int, int]) -> tuple[int, ...]:
    """``"[7, 3]"`` (PostgreSQL's jsonb text) -> candidate indices; unknown entry ids are skipped."""
    ids = text[1:-1]
    return tuple(index[e] for e in map(int, ids.split(",")) if e in index) if ids else ()


async def load_election(
    session: AsyncSession, campaign: Campaign, entries: list[CampaignEntry] | None = None
) -> tuple[Election, list[CampaignEntry]]:
    """The campaign's ballots as an :class:`Election` (entries in ballot-paper order)."""
    if entries is None:
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


async def count_campaign(
    session: AsyncSession, campaign: Campaign, entries: list[CampaignEntry] | None = None
) -> dict[str, Any]:
    election, entries = await load_election(session, campaign, entries)
    return result_payload(tally(election, campaign.counting_method, picks=campaign.picks_per_voter), entries)


# Live standings per campaign, kept while the ballots stay the same: every view of a live results
# page (and every contest-agent pass) would otherwise load and count all ballots, ≈ 0.2 s at 100,000.
# updated_at is its transaction's start time, so a slow transaction can commit a change older than
# the latest one seen; the count is then recounted after LIVE_COUNT_SECONDS at the latest.
_live_counts: OrderedDict[int, tuple[tuple, float, dict[str, Any]]] = OrderedDict()
LIVE_COUNTS_KEPT = 32
LIVE_COUNT_SECONDS = 10.0


async def live_standings(session: AsyncSession, campaign: Campaign) -> dict[str, Any]:
    """``count_campaign`` for a live campaign, recounted only when a ballot was cast, changed or
    removed (the number of ballots and their latest change: one scan of the campaign's index)."""
    entries = await list_entries(session, campaign.id)
    ballots, latest = (
        await session.execute(
            select(func.count(), func.max(Vote.updated_at)).where(Vote.campaign_id == campaign.id)
        )
    ).one()
    key = (
        ballots,
        latest,
        campaign.title,
        campaign.counting_method,
        campaign.picks_per_voter,
        tuple((e.id, e.name, e.image_url, e.description) for e in entries),
    )
    kept = _live_counts.get(campaign.id)
    if kept is not None and kept[0] == key and time.monotonic() - kept[1] < LIVE_COUNT_SECONDS:
        _live_counts.move_to_end(campaign.id)
        return copy.deepcopy(kept[2])
    payload = await count_campaign(session, campaign, entries)
    _live_counts[campaign.id] = (key, time.monotonic(), copy.deepcopy(payload))
    _live_counts.move_to_end(campaign.id)
    while len(_live_counts) > LIVE_COUNTS_KEPT:
        _live_counts.popitem(last=False)
    return payload


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
        return {"final": False, **(await live_standings(session, campaign))}
    return {"final": True, **(await stored_results(session, campaign))}

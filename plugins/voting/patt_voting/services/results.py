"""Counting a campaign (through the pure core), storing the final result, and who may see it.

Live standings are published in batches (``live_standings``): recounted after every
``live_results_every`` new or changed ballots and stored on the campaign. The final result
is counted once at close and stored round by round in ``campaign_results.results``.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, cast, func, or_, select, update
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


def _packed_ballots(campaign_id: int):
    # One text value for all ballots ("[3, 1, 2]|[2]|..."): far cheaper than 100,000 decoded
    # rows; identical ballots are grouped on their text before anything is parsed.
    return select(func.string_agg(cast(Vote.rankings, Text), "|")).where(Vote.campaign_id == campaign_id)


def _ballot_events(campaign_id: int):
    """Ballots cast plus their changes: what a batch of live standings is measured in."""
    return select(func.count() + func.coalesce(func.sum(Vote.changes), 0)).where(
        Vote.campaign_id == campaign_id
    )


def _election(campaign: Campaign, entries: list[CampaignEntry], packed: str | None) -> Election:
    index = {entry.id: i for i, entry in enumerate(entries)}
    ballots = [
        (_parse_ranking(text, index), weight)
        for text, weight in Counter(packed.split("|") if packed else ()).items()
    ]
    return Election([e.name for e in entries], ballots, title=campaign.title)


async def load_election(
    session: AsyncSession, campaign: Campaign, entries: list[CampaignEntry] | None = None
) -> tuple[Election, list[CampaignEntry]]:
    """The campaign's ballots as an :class:`Election` (entries in ballot-paper order)."""
    if entries is None:
        entries = await list_entries(session, campaign.id)
    packed = await session.scalar(_packed_ballots(campaign.id))
    return _election(campaign, entries, packed), entries


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


class LiveStandingsHidden(Conflict):
    """Live standings are not shown (yet): a 409 with the reason, turnout stays visible."""


async def live_standings(session: AsyncSession, campaign: Campaign) -> dict[str, Any] | None:
    """The live standings viewers may see, or None while none are published.

    A recount per ballot would let anyone who polls right before and after a known member votes
    read that member's choice from the difference. So standings are published in batches: they
    are recounted only once ``live_results_every`` ballot events (ballots cast plus changes) have
    come in since the last published count, and every viewer, process and the contest agent see
    that stored count (``campaigns.live_snapshot``) until the next batch. ``live_results_every``
    0 publishes nothing while live (turnout only). Checking costs one aggregate over the
    campaign's ballots; counting happens once per batch.
    """
    every = campaign.live_results_every
    if every <= 0:
        return None
    snapshot, published = campaign.live_snapshot, campaign.live_snapshot_events or 0
    events = await session.scalar(_ballot_events(campaign.id)) or 0
    if events - published < every:
        return snapshot  # None until the first batch
    # The ballots and their event count from one statement (one snapshot of the table), so the
    # stored count is exactly the ballots of ``events``. Ballots never wait for this: it takes
    # no lock, and a viewer arriving at the same moment only counts the same batch again.
    packed, events = (
        await session.execute(
            select(
                _packed_ballots(campaign.id).scalar_subquery(), _ballot_events(campaign.id).scalar_subquery()
            )
        )
    ).one()
    entries = await list_entries(session, campaign.id)
    payload = result_payload(
        tally(_election(campaign, entries, packed), campaign.counting_method, picks=campaign.picks_per_voter),
        entries,
    )
    await session.execute(
        update(Campaign)
        .where(
            Campaign.id == campaign.id,
            or_(Campaign.live_snapshot_events.is_(None), Campaign.live_snapshot_events < events),
        )
        .values(live_snapshot=payload, live_snapshot_events=events)
        .execution_options(synchronize_session=False)
    )
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
        standings = await live_standings(session, campaign)
        if standings is None:
            if campaign.live_results_every <= 0:
                message = "Results are shown when the campaign closes; until then only the turnout."
            else:
                message = (
                    f"Live standings appear after the first {campaign.live_results_every} ballots "
                    "and are then updated in batches of that many."
                )
            raise LiveStandingsHidden(message, code="live_results_hidden")
        return {"final": False, "batch": campaign.live_results_every, **standings}
    return {"final": True, **(await stored_results(session, campaign))}

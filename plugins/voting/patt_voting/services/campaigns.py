"""Campaigns: drafts and their entries, eligible voters, turnout (the transitions between
draft -> live -> closed -> archived are in :mod:`patt_voting.services.lifecycle`).

Services take a session and plain values; routes, jobs, the demo and the CLI share them.
Rules: only drafts are edited (entries too); a campaign's new Discord channel must be one of the
guild's synced text channels; activation needs at least two entries and
no more picks than entries; the eligible voters (rank >= ``min_rank_to_vote`` with a
website account, active) are computed once at activation and shown as the turnout's
denominator; a member who qualifies later joins the list when they vote. "Everyone voted"
(early close, the agent's milestone) waits only for listed voters who may still vote: one
demoted or gone since launch is counted as ``cannot_vote`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from patt_voting.models import Campaign, CampaignDeletion, CampaignEligibleVoter, CampaignEntry, Vote
from sv_common.auth import Actor
from sv_common.discord.channel_sync import require_postable_channel
from sv_common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sv_common.identity.ceiling import holds_top_rank
from sv_common.identity.models import GuildRank, Player

EDITABLE_FIELDS = (
    "title",
    "description",
    "picks_per_voter",
    "min_rank_to_vote",
    "min_rank_to_view",
    "start_at",
    "duration_hours",
    "early_close_if_all_voted",
    "discord_channel_id",
    "agent_enabled",
    "agent_chattiness",
    "counting_method",
    "exact_picks",
    "allow_ballot_change",
    "live_results_every",
)
ENTRY_FIELDS = ("name", "description", "image_url", "sort_order", "player_id")
# Bounds that keep every campaign countable at close: Schulze's strongest paths are cubic
# in the entries (200 entries: 8 million steps), and a ballot page lists them all.
MAX_ENTRIES = 200
MAX_CONDORCET = 200


def now_utc() -> datetime:
    return datetime.now(UTC)


def ends_at(campaign: Campaign) -> datetime:
    return campaign.start_at + timedelta(hours=campaign.duration_hours)


async def get_campaign(session: AsyncSession, campaign_id: int, *, lock: bool = False) -> Campaign:
    # A locked read re-reads the row even if this session already holds a copy (the scheduler
    # lists live campaigns first): the state checks must see what another transaction committed.
    campaign = await session.get(Campaign, campaign_id, with_for_update=lock, populate_existing=lock)
    if campaign is None:
        raise NotFound("That campaign does not exist.", code="campaign_not_found")
    return campaign


async def list_entries(session: AsyncSession, campaign_id: int) -> list[CampaignEntry]:
    query = (
        select(CampaignEntry)
        .where(CampaignEntry.campaign_id == campaign_id)
        .order_by(CampaignEntry.sort_order, CampaignEntry.id)
    )
    return list((await session.scalars(query)).all())


def _require_draft(campaign: Campaign) -> None:
    if campaign.status != "draft":
        raise Conflict(
            f"The campaign is {campaign.status}; only drafts can be edited.", code="campaign_not_draft"
        )


async def _check_player(session: AsyncSession, player_id: int | None) -> None:
    if player_id is not None and await session.get(Player, player_id) is None:
        raise ValidationFailed("That player does not exist.", code="unknown_player")


async def _check_channel(session: AsyncSession, channel_id: str | None, current: str | None = None) -> None:
    """The contest agent's channel must be one of the guild's synced text channels (422
    ``unknown_channel``, also while no channel is synced at all), so a typo is refused here
    rather than failing at delivery. Clearing it (None: the default announcement channel) is
    always allowed, and so is keeping the channel the campaign has: one deleted in Discord since
    (or set before this check) does not stop officers from editing the other fields."""
    if channel_id is not None and channel_id != current:
        await require_postable_channel(session, channel_id)


async def create_campaign(session: AsyncSession, values: dict[str, Any], created_by: int | None) -> Campaign:
    """A new draft (``values``: validated fields of :data:`EDITABLE_FIELDS`)."""
    await _check_channel(session, values.get("discord_channel_id"))
    campaign = Campaign(**values, created_by_player_id=created_by, status="draft")
    session.add(campaign)
    await session.flush()
    return campaign


async def update_campaign(session: AsyncSession, campaign_id: int, changes: dict[str, Any]) -> Campaign:
    campaign = await get_campaign(session, campaign_id, lock=True)
    _require_draft(campaign)
    if "discord_channel_id" in changes:
        await _check_channel(session, changes["discord_channel_id"], campaign.discord_channel_id)
    for key, value in changes.items():
        if key in EDITABLE_FIELDS:
            setattr(campaign, key, value)
    await session.flush()
    return campaign


async def delete_campaign(session: AsyncSession, campaign_id: int, actor: Actor) -> CampaignDeletion:
    """Delete a campaign with its entries, ballots and results, and record who did it.

    A draft (no ballots) may be deleted by any officer. A closed or archived campaign holds
    ballots and a published result: officers archive it; only the guild leader (the highest
    rank any active player holds) may delete it. A live campaign is closed first.
    """
    campaign = await get_campaign(session, campaign_id, lock=True)
    if campaign.status == "live":
        raise Conflict("A live campaign cannot be deleted; close it first.", code="campaign_live")
    if campaign.status != "draft" and not await holds_top_rank(session, actor):
        raise Forbidden(
            "Only the guild leader can delete a finished campaign and its ballots; archive it instead.",
            code="leader_only",
        )
    ballots = await session.scalar(
        select(func.count()).select_from(Vote).where(Vote.campaign_id == campaign.id)
    )
    record = CampaignDeletion(
        campaign_id=campaign.id,
        title=campaign.title,
        status=campaign.status,
        ballots=ballots or 0,
        deleted_by_player_id=actor.player_id,
    )
    session.add(record)
    await session.delete(campaign)
    await session.flush()
    return record


async def _entry_name_taken(session: AsyncSession, campaign_id: int, name: str, exclude: int | None) -> bool:
    query = select(CampaignEntry.id).where(
        CampaignEntry.campaign_id == campaign_id, func.lower(CampaignEntry.name) == name.lower()
    )
    if exclude is not None:
        query = query.where(CampaignEntry.id != exclude)
    return (await session.scalar(query)) is not None


async def add_entry(session: AsyncSession, campaign_id: int, values: dict[str, Any]) -> CampaignEntry:
    campaign = await get_campaign(session, campaign_id, lock=True)
    _require_draft(campaign)
    entries = await session.scalar(select(func.count()).where(CampaignEntry.campaign_id == campaign_id))
    if entries >= MAX_ENTRIES:
        raise Conflict(f"A campaign has at most {MAX_ENTRIES} entries.", code="too_many_entries")
    if await _entry_name_taken(session, campaign_id, values["name"], None):
        raise Conflict("Another entry already has that name.", code="entry_name_taken")
    await _check_player(session, values.get("player_id"))
    entry = CampaignEntry(campaign_id=campaign_id, **values)
    session.add(entry)
    await session.flush()
    return entry


async def _entry_for_edit(session: AsyncSession, entry_id: int, campaign_id: int | None) -> CampaignEntry:
    entry = await session.get(CampaignEntry, entry_id)
    if entry is None or (campaign_id is not None and entry.campaign_id != campaign_id):
        raise NotFound("That entry does not exist.", code="entry_not_found")
    _require_draft(await get_campaign(session, entry.campaign_id, lock=True))
    return entry


async def update_entry(
    session: AsyncSession, entry_id: int, changes: dict[str, Any], campaign_id: int | None = None
) -> CampaignEntry:
    entry = await _entry_for_edit(session, entry_id, campaign_id)
    if "name" in changes and await _entry_name_taken(session, entry.campaign_id, changes["name"], entry.id):
        raise Conflict("Another entry already has that name.", code="entry_name_taken")
    await _check_player(session, changes.get("player_id"))
    for key, value in changes.items():
        if key in ENTRY_FIELDS:
            setattr(entry, key, value)
    await session.flush()
    return entry


async def delete_entry(session: AsyncSession, entry_id: int, campaign_id: int | None = None) -> None:
    entry = await _entry_for_edit(session, entry_id, campaign_id)
    await session.delete(entry)
    await session.flush()


# --- eligibility -----------------------------------------------------------------------------


def _qualifying_players(min_rank: int):
    return (
        select(Player.id)
        .join(GuildRank, GuildRank.id == Player.guild_rank_id)
        .where(GuildRank.level >= min_rank, Player.website_user_id.is_not(None), Player.is_active)
    )


def _count_qualifying(min_rank: int):
    """How many members would be eligible if the campaign went live now (drafts show it)."""
    return select(func.count()).select_from(_qualifying_players(min_rank).subquery()).scalar_subquery()


async def list_eligible(session: AsyncSession, campaign: Campaign) -> int:
    """Write the eligible voters of ``campaign`` (qualifying now); returns how many.

    One INSERT ... SELECT: a list sent from Python as parameters stops at asyncpg's 32,767
    (16,383 voters) and would fail the activation of a larger site.
    """
    qualifying = _qualifying_players(campaign.min_rank_to_vote).subquery()
    result = await session.execute(
        insert(CampaignEligibleVoter)
        .from_select(["campaign_id", "player_id"], select(literal(campaign.id), qualifying.c.id))
        .on_conflict_do_nothing()
    )
    return result.rowcount


@dataclass(frozen=True)
class Turnout:
    eligible: int
    voted: int
    at_launch: int | None = None  # eligible voters counted at activation (None: a draft)
    # Eligible voters without a ballot who may no longer vote (demoted below the threshold,
    # left the guild, account closed): nobody can wait for them.
    cannot_vote: int = 0

    @property
    def percent(self) -> float:
        """Ballots of all eligible voters (the honest turnout)."""
        return round(100.0 * self.voted / self.eligible, 1) if self.eligible else 0.0

    @property
    def remaining(self) -> int:
        """Eligible voters who may still vote and have not."""
        return max(self.eligible - self.cannot_vote - self.voted, 0)

    @property
    def progress(self) -> float:
        """Ballots of the voters who can still be counted on: 100 exactly when everyone voted."""
        counted = self.voted + self.remaining
        return round(100.0 * self.voted / counted, 1) if counted else 0.0

    @property
    def all_voted(self) -> bool:
        # Voters who qualified after launch join the count as they vote; with nobody eligible
        # at launch every ballot would look like "everyone voted", and with no ballot at all
        # (every eligible voter demoted) there is nothing to close early for.
        return self.voted > 0 and self.remaining == 0 and self.at_launch != 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "total_eligible": self.eligible,
            "total_voted": self.voted,
            "percent_voted": self.percent,
            "cannot_vote": self.cannot_vote,
            "all_voted": self.all_voted,
        }


async def turnout(session: AsyncSession, campaign: Campaign) -> Turnout:
    """Counts only, never choices. Drafts show who would be eligible today."""
    voted = select(func.count()).where(Vote.campaign_id == campaign.id).scalar_subquery()
    if campaign.status == "draft":
        row = (await session.execute(select(voted, _count_qualifying(campaign.min_rank_to_vote)))).one()
        return Turnout(eligible=row[1], voted=row[0])
    listed = CampaignEligibleVoter.campaign_id == campaign.id
    eligible = select(func.count()).where(listed).scalar_subquery()
    # The eligible list is fixed at launch; who may still vote is read now, by the same rule.
    cannot_vote = (
        select(func.count())
        .where(
            listed,
            CampaignEligibleVoter.player_id.not_in(_qualifying_players(campaign.min_rank_to_vote)),
            ~select(Vote.id)
            .where(Vote.campaign_id == campaign.id, Vote.player_id == CampaignEligibleVoter.player_id)
            .exists(),
        )
        .scalar_subquery()
    )
    row = (await session.execute(select(voted, eligible, cannot_vote))).one()
    return Turnout(eligible=row[1], voted=row[0], at_launch=campaign.eligible_at_launch, cannot_vote=row[2])

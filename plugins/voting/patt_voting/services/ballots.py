"""Who may view and vote, and casting a ballot (one per voter, changeable if the campaign allows).

A ballot is a ranked list of distinct entries of the campaign, 1..``picks_per_voter`` long
(exactly that many with ``exact_picks``). Concurrency: the ballot is written with one
``INSERT ... ON CONFLICT`` on UNIQUE(campaign_id, player_id), so two simultaneous
submissions by one voter leave exactly one ballot (the later one, if changes are allowed).
The same statement re-checks under a row lock that the campaign is still live, so a
ballot racing a close is either counted by the close or refused, never stored uncounted.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from patt_voting.models import Campaign, CampaignEntry, Vote
from patt_voting.services.campaigns import ends_at, now_utc
from sv_common.auth import Actor
from sv_common.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed


def viewer_level(actor: Actor | None) -> int:
    return actor.rank_level if actor is not None else 0  # anonymous viewers count as level 0


def can_view(campaign: Campaign, actor: Actor | None, officer_level: int) -> bool:
    if campaign.status == "draft":
        return actor is not None and actor.rank_level >= officer_level
    return campaign.min_rank_to_view is None or viewer_level(actor) >= campaign.min_rank_to_view


def require_view(campaign: Campaign, actor: Actor | None, officer_level: int) -> None:
    if can_view(campaign, actor, officer_level):
        return
    if campaign.status == "draft":
        raise NotFound("That campaign does not exist.", code="campaign_not_found")
    if actor is None:
        raise Unauthorized("Log in to see this campaign.")
    raise Forbidden("Your rank does not allow you to see this campaign.", code="rank_too_low")


def can_vote(campaign: Campaign, actor: Actor | None) -> bool:
    return actor is not None and actor.player_id is not None and actor.rank_level >= campaign.min_rank_to_vote


async def visible_campaigns(
    session: AsyncSession, actor: Actor | None, officer_level: int, status: str | None = None
) -> list[Campaign]:
    level = viewer_level(actor)
    query = select(Campaign).where(
        (Campaign.min_rank_to_view.is_(None)) | (Campaign.min_rank_to_view <= level)
    )
    if level < officer_level:
        query = query.where(Campaign.status != "draft")
    if status is not None:
        query = query.where(Campaign.status == status)
    return list((await session.scalars(query.order_by(Campaign.start_at.desc(), Campaign.id.desc()))).all())


async def cast_ballot(
    session: AsyncSession,
    campaign_id: int,
    actor: Actor | None,
    entry_ids: list[int],
    *,
    officer_level: int,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Validate and store the actor's ballot; returns ``{campaign_id, entry_ids, changed}``."""
    now = now or now_utc()
    # One round trip for the campaign and its entry ids, one for the ballot and the voter list.
    row = (
        await session.execute(
            select(
                Campaign,
                select(func.array_agg(CampaignEntry.id))
                .where(CampaignEntry.campaign_id == Campaign.id)
                .scalar_subquery(),
            ).where(Campaign.id == campaign_id)
        )
    ).first()
    if row is None:
        raise NotFound("That campaign does not exist.", code="campaign_not_found")
    campaign, known = row[0], set(row[1] or ())
    require_view(campaign, actor, officer_level)
    if actor is None:
        raise Unauthorized("Log in to vote.")
    if campaign.status != "live":
        raise Conflict(f"The campaign is {campaign.status}; voting is not open.", code="campaign_not_live")
    if now >= ends_at(campaign):
        raise Conflict("Voting has ended.", code="campaign_ended")
    if not can_vote(campaign, actor):
        raise Forbidden("Your rank does not allow you to vote in this campaign.", code="rank_too_low")
    _check_shape(campaign, entry_ids)
    if any(e not in known for e in entry_ids):
        raise ValidationFailed("Every pick must be an entry of this campaign.", code="unknown_entry")

    on_conflict = (
        "DO UPDATE SET rankings = EXCLUDED.rankings, updated_at = now(), changes = patt.votes.changes + 1"
        if campaign.allow_ballot_change
        else "DO NOTHING"
    )
    # The read above took no lock, so the campaign may have closed since. The ballot is
    # written only if the campaign is still live under a KEY SHARE lock: a close holding
    # FOR UPDATE makes it wait, and once the close commits the row no longer matches (the
    # ballot is refused, not stored uncounted); a ballot that got the lock first is seen by
    # the close, which waits for it. (The FK check takes this same lock anyway.)
    # A new row has created_at == updated_at (one transaction's now()); a replaced ballot does not.
    # A member who qualified after launch joins the eligible voters with their first ballot.
    # A change counts in ``changes``: live standings are recounted only after
    # ``live_results_every`` ballot events (ballots + changes; results.live_standings).
    changed, still_live = (
        await session.execute(
            text(
                f"""
                WITH open AS (
                    SELECT id FROM patt.campaigns WHERE id = :campaign AND status = 'live' FOR KEY SHARE
                ), ballot AS (
                    INSERT INTO patt.votes (campaign_id, player_id, rankings)
                    SELECT id, :player, CAST(:rankings AS jsonb) FROM open
                    ON CONFLICT (campaign_id, player_id) {on_conflict}
                    RETURNING created_at <> updated_at AS changed
                ), voter AS (
                    INSERT INTO patt.campaign_eligible_voters (campaign_id, player_id)
                    SELECT :campaign, :player WHERE EXISTS (SELECT 1 FROM ballot)
                    ON CONFLICT DO NOTHING
                )
                SELECT (SELECT changed FROM ballot), EXISTS (SELECT 1 FROM open)
                """
            ),
            {"campaign": campaign.id, "player": actor.player_id, "rankings": json.dumps(list(entry_ids))},
        )
    ).one()
    if not still_live:
        raise Conflict("The campaign has just closed; voting is not open.", code="campaign_not_live")
    if changed is None:
        raise Conflict("You have already voted; this campaign does not allow changes.", code="already_voted")
    return {"campaign_id": campaign.id, "entry_ids": list(entry_ids), "changed": bool(changed)}


def _check_shape(campaign: Campaign, entry_ids: list[int]) -> None:
    picks = campaign.picks_per_voter
    if campaign.exact_picks and len(entry_ids) != picks:
        raise ValidationFailed(
            f"Rank exactly {picks} entries (you ranked {len(entry_ids)}).", code="wrong_number_of_picks"
        )
    if not 1 <= len(entry_ids) <= picks:
        raise ValidationFailed(
            f"Rank between 1 and {picks} entries (you ranked {len(entry_ids)}).", code="wrong_number_of_picks"
        )
    if len(set(entry_ids)) != len(entry_ids):
        raise ValidationFailed("Each entry can be ranked only once.", code="duplicate_entry")


async def my_ballot(session: AsyncSession, campaign_id: int, player_id: int | None) -> list[int] | None:
    if player_id is None:
        return None
    return await session.scalar(
        select(Vote.rankings).where(Vote.campaign_id == campaign_id, Vote.player_id == player_id)
    )


async def has_voted(session: AsyncSession, campaign_id: int, actor: Actor | None) -> bool:
    return actor is not None and await my_ballot(session, campaign_id, actor.player_id) is not None

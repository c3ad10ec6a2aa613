"""A member's voting data: their ballots (export) and removing them (delete my account).

Deletion removes the member from counts still running and unlinks them from finished ones.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from patt_voting.models import Campaign, CampaignDeletion, CampaignEligibleVoter, Vote


async def export_voting(session: AsyncSession, player_id: int) -> dict[str, Any]:
    rows = await session.execute(
        select(Vote, Campaign.title)
        .join(Campaign, Campaign.id == Vote.campaign_id)
        .where(Vote.player_id == player_id)
        .order_by(Vote.id)
    )
    return {
        "ballots": [
            {
                "campaign_id": vote.campaign_id,
                "campaign": title,
                "entry_ids": vote.rankings,
                "cast_at": vote.created_at.isoformat(),
                "changed_at": vote.updated_at.isoformat(),
            }
            for vote, title in rows
        ]
    }


async def delete_voting(session: AsyncSession, player_id: int) -> dict[str, int]:
    """The member leaves every count still running; finished counts keep their ballot, unlinked.

    Ballots of live (or not yet closed) campaigns are deleted. Ballots of closed and archived
    campaigns stay without their voter (``player_id`` NULL): their result was published with
    its BLT file, which must keep recounting to it.
    """
    finished = select(Campaign.id).where(Campaign.status.in_(("closed", "archived")))
    anonymised = await session.execute(
        update(Vote)
        .where(Vote.player_id == player_id, Vote.campaign_id.in_(finished))
        .values(player_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(CampaignEligibleVoter).where(CampaignEligibleVoter.player_id == player_id))
    deleted = await session.execute(delete(Vote).where(Vote.player_id == player_id))
    await session.execute(
        update(CampaignDeletion)
        .where(CampaignDeletion.deleted_by_player_id == player_id)
        .values(deleted_by_player_id=None)
        .execution_options(synchronize_session=False)
    )
    return {"deleted": deleted.rowcount or 0, "anonymised": anonymised.rowcount or 0}

"""A member's voting data: their ballots (export) and removing them (delete my account)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_voting.models import Campaign, CampaignEligibleVoter, Vote


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


async def delete_voting(session: AsyncSession, player_id: int) -> int:
    """Deletes the member's ballots; results already stored for closed campaigns stay as counted."""
    await session.execute(delete(CampaignEligibleVoter).where(CampaignEligibleVoter.player_id == player_id))
    result = await session.execute(delete(Vote).where(Vote.player_id == player_id))
    return result.rowcount or 0

"""Member data: the findings about a player (export), and their deletion."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from patt_drift.models import AuditIssue, AuditIssueEvent

FORGOTTEN = "a former member"


async def export_drift(session: AsyncSession, player_id: int) -> dict[str, Any]:
    rows = (await session.scalars(select(AuditIssue).where(AuditIssue.player_id == player_id))).all()
    return {
        "findings": [
            {
                "rule": r.issue_type,
                "summary": r.summary,
                "status": r.status,
                "first_seen": r.created_at.isoformat() if r.created_at else None,
                "resolved_at": r.resolved_at.isoformat() if r.resolved_at else None,
            }
            for r in rows
        ]
    }


async def delete_drift(session: AsyncSession, player_id: int) -> int:
    """Findings about the player go (their summaries name them); their officer actions stay
    in the audit log without the link to them."""
    removed = await session.execute(delete(AuditIssue).where(AuditIssue.player_id == player_id))
    for column, name in (
        (AuditIssue.resolved_by_player_id, "resolved_by"),
        (AuditIssue.dismissed_by_player_id, "dismissed_by"),
    ):
        await session.execute(
            update(AuditIssue).where(column == player_id).values({column.key: None, name: FORGOTTEN})
        )
    await session.execute(
        update(AuditIssueEvent)
        .where(AuditIssueEvent.actor_player_id == player_id)
        .values(actor_player_id=None, actor=FORGOTTEN)
    )
    return removed.rowcount or 0

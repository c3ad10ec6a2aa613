"""The voting job: every minute, start and close campaigns on schedule, then run the contest agent."""

from __future__ import annotations

from typing import Any

from patt_voting.services.agent import run_agent
from patt_voting.services.lifecycle import due_transitions


async def check_campaigns(ctx: Any) -> dict[str, int]:
    """Activate due drafts, close ended / fully voted campaigns, post due milestones."""
    async with ctx.session() as session:
        counts = await due_transitions(session)
    async with ctx.session() as session:
        counts |= await run_agent(session, ctx.host)
    return counts

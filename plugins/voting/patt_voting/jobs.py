"""The voting job: every minute, start and close campaigns on schedule, then run the contest agent."""

from __future__ import annotations

from typing import Any

from patt_host import CronJob, Job
from patt_voting.services.agent import run_agent
from patt_voting.services.lifecycle import due_transitions


async def check_campaigns(ctx: Any) -> dict[str, int]:
    """Activate due drafts, close ended / fully voted campaigns, post due milestones."""
    async with ctx.session() as session:
        counts = await due_transitions(session)
    async with ctx.session() as session:
        counts |= await run_agent(session, ctx.host)
    return counts


def cron_jobs(every_minutes: int) -> list[CronJob]:
    job = Job(
        check_campaigns,
        description="Start/close campaigns on schedule and post contest-agent milestones",
        exclusive=True,
        timeout_seconds=300,
    )
    schedule = "* * * * *" if every_minutes == 1 else f"*/{every_minutes} * * * *"
    return [CronJob(job, schedule)]

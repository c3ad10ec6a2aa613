"""Background work: re-check waiting members against the roster, escalate overdue ones once.

``onboarding.recheck`` runs every 30 minutes and after each roster sync (``roster.synced``);
it works from any process (a REST-only client when there is no bot) and tells the member
by DM through the outbox. ``onboarding.escalate`` posts each overdue session to the
officers' (audit) channel exactly once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from patt_onboarding.services import sessions


async def recheck(ctx: Any) -> dict[str, int]:
    from patt_onboarding.services.provision import discord_client, recheck_member

    async with ctx.session() as session:
        rows = await sessions.waiting(session)
    if not rows:
        return {"checked": 0}
    provisioned = 0
    async with discord_client(ctx.host) as client:
        for discord_id, display_name in rows:
            provisioned += await recheck_member(ctx.host, client, discord_id, display_name) is not None
    return {"checked": len(rows), "provisioned": provisioned}


async def escalate(ctx: Any) -> dict[str, int]:
    from sv_common import notify
    from sv_common.discord.config import load_discord_config

    escalated = 0
    async with ctx.session() as session:
        channel = (await load_discord_config(session)).audit_channel_id
        for onboarding in await sessions.overdue(session):
            onboarding.escalated_at = datetime.now(UTC)
            escalated += 1
            if channel:
                main = onboarding.reported_main_name or "no main given"
                await notify.post_channel(
                    session,
                    channel_id=channel,
                    embed={
                        "title": "Onboarding unresolved",
                        "description": f"<@{onboarding.discord_id}> ({main}) is past the deadline "
                        f"in {onboarding.state} after {onboarding.verification_attempts} check(s).",
                        "fields": [
                            {"name": "State", "value": onboarding.state},
                            {"name": "Resolve", "value": "/onboarding resolve, dismiss or retry"},
                        ],
                    },
                    feature="onboarding",
                    dedupe_key=f"onboarding-escalated:{onboarding.id}",
                )
    return {"escalated": escalated}

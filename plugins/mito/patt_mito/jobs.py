"""The optional daily quote, posted to a channel through sv_common.notify's outbox."""

from __future__ import annotations

from datetime import UTC, datetime

from patt_host import Job, JobContext
from patt_mito import service
from sv_common import notify


async def post_daily_quote(ctx: JobContext) -> dict[str, int]:
    """Queue today's random quote for the channel in PATT_MITO_DAILY_CHANNEL_ID (once per day)."""
    settings = ctx.host.plugin_settings("mito")
    if settings.daily_channel_id is None:
        ctx.count("skipped_no_channel")
        return {}
    async with ctx.session() as session:
        saying = await service.random_saying(session)
        if saying.quote is None:
            ctx.count("skipped_no_quotes")
            return {}
        day = datetime.now(UTC).date().isoformat()
        await notify.post_channel(
            session,
            channel_id=settings.daily_channel_id,
            embed={"title": "Mito's quote of the day", "description": saying.text()},
            feature="mito",
            dedupe_key=f"mito-daily-{day}",
        )
    ctx.count("queued")
    return {}


# One Job object for register_jobs and the daily CronJob (plugin.py imports it inside the hooks).
DAILY = Job(
    post_daily_quote, description="Post a random Mito quote to the configured channel", exclusive=True
)

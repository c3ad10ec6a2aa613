"""The optional daily quote, posted to a channel through sv_common.notify's outbox."""

from __future__ import annotations

from patt_host import JobContext
from patt_mito import service
from sv_common import notify


async def post_daily_quote(ctx: JobContext) -> dict[str, int]:
    """Queue the day's quote for the channel in PATT_MITO_DAILY_CHANNEL_ID (once per day)."""
    settings = ctx.host.plugin_settings("mito")
    if settings.daily_channel_id is None:
        ctx.count("skipped_no_channel")
        return {}
    # The same quote as the corner and the home page show today (the guild's calendar day).
    day = service.guild_day((await ctx.host.site_settings()).get(service.ZONE_SETTING))
    async with ctx.session() as session:
        saying = await service.saying_of_the_day(session, day)
        if saying.quote is None:
            ctx.count("skipped_no_quotes")
            return {}
        await notify.post_channel(
            session,
            channel_id=settings.daily_channel_id,
            embed={"title": "Mito's quote of the day", "description": saying.text()},
            feature="mito",
            dedupe_key=f"mito-daily-{day.isoformat()}",
        )
    ctx.count("queued")
    return {}

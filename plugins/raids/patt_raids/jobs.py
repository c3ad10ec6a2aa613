"""Jobs of the raids plugin (named ``raids.<fn>``; their Job objects are in plugin.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from patt_host.jobs import JobContext


async def book_events(ctx: JobContext) -> dict[str, Any]:
    """Book every active recurring event's missing occurrences within the horizon, then
    announce each new event (``raids.event_created``; the Discord side posts it)."""
    from patt_raids.deps import guild_zone
    from patt_raids.services import notify
    from patt_raids.services.booking import book_upcoming

    host = ctx.host
    settings = host.plugin_settings("raids")
    zone = guild_zone(host, await host.site_settings())
    async with ctx.session() as session:
        created, skipped = await book_upcoming(
            session, zone, settings.booking_horizon_days, datetime.now(UTC)
        )
        await session.commit()
    for event_id in created:
        await notify.event_created(host, event_id, auto_booked=True, channel_id=None)
    return {"booked": len(created), "skipped": skipped}


async def send_reminders(ctx: JobContext) -> dict[str, int]:
    """DM members still tentative before an event starts (once per event and member); on the
    way, post upcoming events that have no post and record the message ids of delivered ones."""
    from patt_raids.services import discord_post, reactions, reminders

    host = ctx.host
    values = await host.site_settings()
    hours = values.get("raid_reminder_hours", host.plugin_settings("raids").reminder_hours)
    posted = await reactions.post_missing(host)
    async with ctx.session() as session:
        recorded = await discord_post.record_delivered_posts(session)
    counts = await reminders.send_reminders(
        host.db, hours=int(hours or 0), base_url=host.settings.public_base_url
    )
    counts.update(posts_recorded=recorded, posted=posted)
    if not hours:
        counts["off"] = 1
    return counts


async def raid_helper_sync(ctx: JobContext, event_id: int | None = None) -> dict[str, int] | None:
    """Mirror one event (or every upcoming one) into Raid-Helper; off unless configured."""
    from patt_raids.services import reactions
    from patt_raids.services.raid_helper import RaidHelperClient
    from patt_raids.services.raid_helper_sync import sync_upcoming
    from patt_raids.services.schedule import guild_timezone

    config = reactions.raid_helper_config(ctx.host, await guild_timezone(ctx.host))
    if config is None:
        ctx.count("not_configured")
        return None
    async with RaidHelperClient(config.connection) as client:
        report = await sync_upcoming(ctx.host.db, config, client, event_id=event_id)
    for error in report.errors:
        ctx.log.warning("raid-helper: %s", error)
    return report.counts()

"""Auto-booking: each active recurring event's occurrences within the horizon become raid events.

Exactly once, whatever runs it: an occurrence is inserted with ``ON CONFLICT DO NOTHING`` on
the unique ``(recurring_event_id, event_date)``, so a second worker (or the next hourly run,
or a run after a restart) finds the row and books nothing. A cancelled event keeps its row,
so a night an officer called off is not booked again.

The original booked the next event 10 to 20 minutes after the previous one started, from a
5-minute loop: a missed window (a restart, an outage) meant no event at all. Here every run
books whatever in the horizon is missing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from patt_raids.services.events import create_event
from patt_raids.services.schedule import list_recurring, start_on
from sv_common.errors import ValidationFailed

log = logging.getLogger(__name__)


async def book_upcoming(
    session: AsyncSession, zone_name: str, horizon_days: int, now: datetime
) -> tuple[list[int], int]:
    """Book the missing occurrences starting within ``horizon_days`` of ``now``.

    Returns (ids of the events created by this run, occurrences skipped because their start
    time does not exist that day). Flushes; the caller commits.
    """
    created: list[int] = []
    skipped = 0
    today = now.astimezone(ZoneInfo(zone_name)).date()
    until = now + timedelta(days=horizon_days)
    for night in await list_recurring(session, active_only=True):
        first = today + timedelta(days=(night.day_of_week - today.weekday()) % 7)
        for week in range(horizon_days // 7 + 2):
            day = first + timedelta(days=7 * week)
            try:
                start = start_on(night, day, zone_name)
            except ValidationFailed:
                log.warning(
                    "recurring event %s: %s %s does not exist in %s",
                    night.id,
                    day,
                    night.default_start_time,
                    zone_name,
                )
                skipped += 1
                continue
            if start > until:
                break
            if start > now:
                event = await create_event(
                    session,
                    title=night.label,
                    event_type=night.event_type,
                    event_date=day,
                    start_time=night.default_start_time,
                    timezone=zone_name,
                    duration_minutes=night.default_duration_minutes,
                    channel_id=night.discord_channel_id,
                    recurring_event_id=night.id,
                    auto_booked=True,
                    skip_existing=True,
                )
                if event is not None:
                    created.append(event.id)
    return created, skipped

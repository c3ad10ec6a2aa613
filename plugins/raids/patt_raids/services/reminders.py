"""The reminder DM before a raid to members still tentative.

Sent by the cron job ``raids.send_reminders`` through the notification outbox, so the
site's DM switches apply (the master switch and ``feature_raids_dm``; a DM they forbid is
recorded as skipped with the reason). Each member gets at most one reminder per event: the
outbox row's dedupe key ``raids:remind:<event>:<player>`` is unique, so a second pass, a
second worker or a member who goes back to tentative never causes another.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_raids.models import TENTATIVE, RaidAttendance, RaidEvent
from patt_raids.services.discord_post import FEATURE, event_url
from sv_common import notify
from sv_common.notify.models import NotificationOutbox


def reminder_key(event_id: int, player_id: int) -> str:
    return f"raids:remind:{event_id}:{player_id}"


async def due_reminders(session: AsyncSession, *, hours: int, now: datetime) -> list[tuple[RaidEvent, int]]:
    """(event, player id) for tentative signups of events starting within ``hours`` whose reminder
    was not queued yet."""
    rows = await session.execute(
        select(RaidEvent, RaidAttendance.player_id)
        .join(RaidAttendance, RaidAttendance.event_id == RaidEvent.id)
        .outerjoin(
            NotificationOutbox,
            NotificationOutbox.dedupe_key
            == func.concat("raids:remind:", RaidEvent.id, ":", RaidAttendance.player_id),
        )
        .where(
            RaidEvent.cancelled_at.is_(None),
            RaidEvent.start_time_utc > now,
            RaidEvent.start_time_utc <= now + timedelta(hours=hours),
            RaidAttendance.status == TENTATIVE,
            # A reminder the DM switches held back is asked for again (it was never sent).
            or_(NotificationOutbox.id.is_(None), NotificationOutbox.status == "skipped"),
        )
        .order_by(RaidEvent.start_time_utc, RaidAttendance.player_id)
    )
    return [(event, player_id) for event, player_id in rows.all()]


def reminder_text(event: RaidEvent, base_url: str) -> str:
    start = int(event.start_time_utc.timestamp())
    return (
        f"⏰ **{event.title}** starts <t:{start}:R> (<t:{start}:F>) and you are still marked tentative.\n"
        f"Let the raid leaders know: press Accept, Bench or Absent on the event's post, "
        f"or answer on the site: {event_url(base_url, event.id)}"
    )


async def send_reminders(
    db: Any, *, hours: int, base_url: str, now: datetime | None = None
) -> dict[str, int]:
    """Queue the due reminders; returns counts (queued, skipped by the DM switches, events)."""
    now = now or datetime.now(UTC)
    counts = {"queued": 0, "skipped": 0, "events": 0}
    if hours <= 0:
        return counts
    async with db.session() as session:
        due = await due_reminders(session, hours=hours, now=now)
        counts["events"] = len({event.id for event, _ in due})
        for event, player_id in due:
            row = await notify.dm_player(
                session,
                player_id=player_id,
                content=reminder_text(event, base_url),
                feature=FEATURE,
                dedupe_key=reminder_key(event.id, player_id),
            )
            counts["queued" if row.status == "pending" else "skipped"] += 1
    return counts

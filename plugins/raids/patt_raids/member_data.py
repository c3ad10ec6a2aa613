"""What the raids plugin stores about a player: signups and attendance, the auto-invite flag,
the events they created (as their creator) and what was sent to Raid-Helper for them (their
Discord id and slot, in ``raid_helper_payload``). Reminder DMs are outbox rows (sv_common's)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from patt_raids.models import RaidAttendance, RaidEvent, RaidPlayerSettings
from patt_raids.services import raid_helper_sync
from patt_raids.services.signups import attendance_state


async def export_raids(session: AsyncSession, player_id: int) -> dict[str, Any]:
    rows = await session.execute(
        select(RaidAttendance, RaidEvent.title, RaidEvent.start_time_utc)
        .join(RaidEvent, RaidEvent.id == RaidAttendance.event_id)
        .where(RaidAttendance.player_id == player_id)
        .order_by(RaidEvent.start_time_utc)
    )
    signups = [
        {
            "event_id": row.event_id,
            "event": title,
            "starts_at": start.isoformat(),
            "status": row.status,
            "source": row.source,
            "attendance": attendance_state(
                {"marked_at": row.marked_at, "attended": row.attended, "noted_absence": row.noted_absence}
            ),
        }
        for row, title, start in rows
    ]
    auto_invite = await session.scalar(
        select(RaidPlayerSettings.auto_invite_events).where(RaidPlayerSettings.player_id == player_id)
    )
    created = list(
        await session.scalars(select(RaidEvent.id).where(RaidEvent.created_by_player_id == player_id))
    )
    return {
        "auto_invite_events": bool(auto_invite),
        "signups": signups,
        "events_created": created,
        "raid_helper_signups": await raid_helper_sync.export_player(session, player_id),
    }


async def delete_raids(session: AsyncSession, player_id: int) -> int:
    """Signups, attendance and the flag are deleted; events they created lose the creator; their
    entry in what was sent to Raid-Helper is dropped."""
    removed = await session.execute(delete(RaidAttendance).where(RaidAttendance.player_id == player_id))
    flag = await session.execute(delete(RaidPlayerSettings).where(RaidPlayerSettings.player_id == player_id))
    created = await session.execute(
        update(RaidEvent).where(RaidEvent.created_by_player_id == player_id).values(created_by_player_id=None)
    )
    sent = await raid_helper_sync.forget_player(session, player_id)
    return (removed.rowcount or 0) + (flag.rowcount or 0) + (created.rowcount or 0) + sent

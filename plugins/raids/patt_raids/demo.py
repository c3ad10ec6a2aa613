"""``patt demo`` for raids, through the real services: members' time zones and availability
(identity's profile service), two weekly nights, the auto-booking pass (upcoming events with
signups by rule), a few answers, and last week's event with attendance."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_identity.demo import DEMO_MARKER
from patt_identity.players.services.profile import DayAvailability, replace_availability, update_info
from patt_raids.deps import guild_zone
from patt_raids.models import RaidEvent, RecurringEvent
from patt_raids.services import attendance, booking, events, raiders, schedule
from sv_common import seasons
from sv_common.identity.models import Player

if TYPE_CHECKING:
    from patt_host import HostAPI

# (zone, [(weekday, start, hours)]) handed out in turn: the guild spans a few zones.
PATTERNS = [
    ("America/New_York", [(1, time(20, 0), 3.0), (3, time(20, 0), 3.0), (5, time(19, 0), 4.0)]),
    ("America/Chicago", [(1, time(19, 0), 3.0), (3, time(19, 30), 2.5)]),
    ("America/Los_Angeles", [(1, time(17, 0), 3.0), (3, time(17, 0), 3.0), (6, time(12, 0), 5.0)]),
    ("Europe/London", [(1, time(23, 30), 1.5), (4, time(20, 0), 4.0), (5, time(14, 0), 6.0)]),
    ("Australia/Sydney", [(2, time(10, 0), 3.0), (5, time(9, 0), 4.0)]),
    ("America/Denver", [(1, time(18, 0), 3.0), (3, time(18, 0), 3.0), (4, time(18, 0), 3.0)]),
]


async def seed_demo_raids(session: AsyncSession, host: HostAPI) -> str:
    if await session.scalar(select(func.count()).select_from(RecurringEvent)):
        return "raids demo already present"
    players = list(
        await session.scalars(select(Player).where(Player.notes == DEMO_MARKER).order_by(Player.id))
    )
    for index, player in enumerate(players):
        zone, days = PATTERNS[index % len(PATTERNS)]
        await update_info(session, player.id, display_name=player.display_name, timezone=zone)
        await replace_availability(
            session, player.id, [DayAvailability(d, True, start, hours) for d, start, hours in days]
        )
    guild = [r for r in await raiders.raiders(session) if r.rank_level is not None]
    for raider in guild[::3]:
        await raiders.set_auto_invite(session, raider.player_id, True)

    today = datetime.now(UTC).date()
    if await seasons.current_season(session) is None:
        await seasons.create_season(
            session, expansion_name="Midnight", season_number=1, start_date=today - timedelta(days=40)
        )
    zone = guild_zone(host, await host.site_settings())
    for day in (1, 3):  # Tuesday and Thursday, as the site's default schedule text
        await schedule.create_recurring(
            session,
            label="Heroic raid",
            day_of_week=day,
            default_start_time=time(20, 0),
            default_duration_minutes=180,
        )
    created, _ = await booking.book_upcoming(
        session, zone, host.plugin_settings("raids").booking_horizon_days, datetime.now(UTC)
    )
    answers = ("accepted", "absent", "bench", "accepted")
    if created:
        for raider, status in zip(guild[1::4], answers * len(guild), strict=False):
            await events.set_signup_status(session, created[0], raider.player_id, status, "site")

    last_week = _last_weekday(today, 3)
    past = await events.create_event(
        session,
        title="Heroic raid (last week)",
        event_date=last_week,
        start_time=time(20, 0),
        timezone=zone,
        duration_minutes=180,
        description="Demo: attendance recorded.",
    )
    marks = {}
    for index, raider in enumerate(guild):
        marks[raider.player_id] = "attended" if index % 5 else ("noted_absence" if index % 2 else "absent")
    if marks:
        await attendance.mark_attendance(session, past.id, marks)
    total = await session.scalar(select(func.count()).select_from(RaidEvent))
    return f"{len(players)} members' availability, 2 weekly nights, {total} events ({len(created)} booked)"


def _last_weekday(today: date, weekday: int) -> date:
    """The latest ``weekday`` strictly before ``today`` (at least a day ago)."""
    back = (today.weekday() - weekday) % 7 or 7
    return today - timedelta(days=back)

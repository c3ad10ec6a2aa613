"""``patt demo`` for raids, through the real services: members' time zones and availability
(identity's profile service), two weekly nights, the auto-booking pass (upcoming events with
signups by rule), a few answers, and last week's event with attendance.

While the demo runs, its Raid-Helper is an in-process fake of Raid-Helper's API
(``sv_common.testing.fake_raid_helper``) when no real one is configured
(:func:`start_demo_raid_helper`): the real connector, its sync job and the officers' connection
test talk to it over loopback HTTP, so ``/admin/raids`` and the event pages tell the story a
configured site tells.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_identity.demo import DEMO_MARKER
from patt_identity.players.services.profile import DayAvailability, replace_availability, update_info
from patt_raids.deps import guild_zone
from patt_raids.models import RaidEvent, RecurringEvent
from patt_raids.services import attendance, booking, events, raiders, schedule
from patt_raids.services.raid_helper_sync import own_payload
from sv_common import seasons
from sv_common.discord.config import load_discord_config
from sv_common.identity.models import Player

if TYPE_CHECKING:
    from patt_host import HostAPI
    from sv_common.testing.fake_raid_helper import FakeRaidHelper

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


# --- the demo's Raid-Helper: an in-process fake, when no real one is configured ---------------

DEMO_RH_KEY = "patt-demo-raid-helper-key"  # accepted only by the demo's fake
# Raid-Helper knows a guild by its Discord server: the demo's fake Discord guild and channels
# (patt_host's Discord demo), and a made-up leader.
DEMO_RH_SERVER_ID = "700000000000000001"
DEMO_RH_CHANNEL_ID = "700000000000000201"  # #announcements
DEMO_RH_LEADER_ID = "700000000000000009"
log = logging.getLogger("patt.raids")


async def start_demo_raid_helper(host: HostAPI, *, serving: bool = True) -> FakeRaidHelper | None:
    """``patt demo``: start a fake Raid-Helper in this process and point the connector's settings
    in effect (``state.py``) at it until :func:`stop_demo_raid_helper`. A real configuration
    (``PATT_RAIDS_RAID_HELPER_*`` set) is left alone and wins.

    The fake gets back the events the database says were sent to it before (it keeps nothing
    across a restart), so edits and the connection test match the event pages. ``serving``
    (the web process, not the seeding run): one sync pass is started as the job it is, so the
    seeded upcoming events reach the fake at once rather than at the next cron pass."""
    state = host.plugin_state("raids")
    if state.settings.raid_helper_configured:
        return None
    from patt_raids.services.schedule import guild_timezone
    from sv_common.testing.fake_raid_helper import FakeRaidHelper  # only the demo loads it (aiohttp)

    zone = await guild_timezone(host)
    fake = FakeRaidHelper(api_key=DEMO_RH_KEY, server_id=DEMO_RH_SERVER_ID, timezone=zone)
    async with host.db.session() as session:
        await _restore_sent_events(session, fake)
        # Raid-Helper posts where the event says, else the announcement channel (the Discord
        # demo sets it when its fake starts, after this on a first run): the demo's own else.
        announcements = (await load_discord_config(session)).default_announcement_channel_id
    await fake.start()
    state.settings = state.settings.model_copy(
        update={
            "raid_helper_api_key": SecretStr(DEMO_RH_KEY),
            "raid_helper_server_id": DEMO_RH_SERVER_ID,
            "raid_helper_leader_id": DEMO_RH_LEADER_ID,
            "raid_helper_base_url": fake.base_url,
            "raid_helper_timezone": zone,  # the fake reads dates and times in it
            "raid_helper_channel_id": None if announcements else DEMO_RH_CHANNEL_ID,
        }
    )
    state.demo_raid_helper = fake
    if serving:
        from patt_host.jobs import trigger_job
        from patt_raids.services.reactions import RAID_HELPER_JOB

        log.info("the Raid-Helper connector talks to the demo's in-process fake at %s", fake.base_url)
        await trigger_job(host, RAID_HELPER_JOB, triggered_by="patt demo")
    return fake


async def stop_demo_raid_helper(host: HostAPI) -> None:
    state = host.plugin_state("raids")
    fake, state.demo_raid_helper = state.demo_raid_helper, None
    if fake is not None:
        state.settings = host.plugin_settings("raids")  # the configured settings again
        await fake.stop()


async def _restore_sent_events(session: AsyncSession, fake: FakeRaidHelper) -> int:
    """Give ``fake`` the events a previous demo run created in Raid-Helper and did not delete,
    with the create body and the signups stored as sent (``raid_helper_payload``)."""
    rows = await session.execute(
        select(RaidEvent.raid_helper_event_id, RaidEvent.raid_helper_payload).where(
            RaidEvent.raid_helper_event_id.is_not(None)
        )
    )
    restored = 0
    for rh_id, stored in rows:
        payload = own_payload(stored)
        if payload.get("deleted") or "event" not in payload:
            continue  # gone there, or not this connector's record (an adopted event)
        try:
            fake.add_event(
                rh_id,
                str(payload.get("channel_id") or DEMO_RH_CHANNEL_ID),
                payload["event"],
                payload["signups"].values(),
            )
        except ValueError:
            continue  # what Raid-Helper would refuse never was created there
        restored += 1
    return restored

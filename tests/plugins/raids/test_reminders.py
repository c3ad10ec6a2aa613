"""The reminder DM before a raid: only members still tentative, once per event and member,
through the outbox (so the site's DM switches apply), off when officers set 0 hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from patt_host.jobs import run_job
from patt_host.site_settings import save as save_site_settings
from patt_host.testing.discord import GUILD_ID, discord_host
from patt_host.testing.waiting import eventually
from patt_raids.services import events
from sv_common.discord.config import update_discord_config
from sv_common.identity import players as player_service
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.notify.models import NotificationOutbox

ALICE, BOB, CAROL = 880000000000000001, 880000000000000002, 880000000000000003


async def _link(db, fake_discord, player_id: int, discord_id: int) -> None:
    fake_discord.add_member(GUILD_ID, discord_id, f"m{discord_id}")
    async with db.session() as session:
        user, _ = await upsert_discord_user(
            session, discord_id=str(discord_id), username=f"m{discord_id}", display_name=None, role_ids=[]
        )
        await player_service.link_discord(session, player_id=player_id, discord_user_id=user.id)


async def _event_in(db, hours: float) -> int:
    start = (datetime.now(UTC) + timedelta(hours=hours)).replace(second=0, microsecond=0)
    async with db.session() as session:
        event = await events.create_event(
            session,
            title=f"Raid in {hours}h",
            event_date=start.date(),
            start_time=start.time(),
            timezone="UTC",
        )
        return event.id


async def _reminders(db) -> list[NotificationOutbox]:
    async with db.session() as session:
        query = select(NotificationOutbox).where(NotificationOutbox.dedupe_key.like("raids:remind:%"))
        return list((await session.scalars(query.order_by(NotificationOutbox.id))).all())


async def _switches(db, **values) -> None:
    async with db.session() as session:
        await update_discord_config(session, **values)


@pytest.fixture
async def members(db, raider, fake_discord):
    alice = await raider(name="Alice")  # tentative
    bob = await raider(name="Bob", auto_invite=True)  # accepted: no reminder
    carol = await raider(name="Carol")  # tentative
    for ref, discord_id in ((alice, ALICE), (bob, BOB), (carol, CAROL)):
        await _link(db, fake_discord, ref.player_id, discord_id)
    return {"alice": alice, "bob": bob, "carol": carol}


async def test_tentative_members_get_one_reminder_by_dm(
    db, members, make_host, start_discord_bot, fake_discord
):
    await _switches(db, bot_dm_enabled=True, feature_raids_dm=True)
    soon = await _event_in(db, 5)
    await _event_in(db, 72)  # outside the 24 h window: not yet
    async with db.session() as session:  # Carol answers before the reminder pass
        await events.set_signup_status(session, soon, members["carol"].player_id, "absent", "site")
    bot = await start_discord_bot(discord_host(make_host, site="patt"))
    run = await run_job(bot.host, "raids.send_reminders")
    assert run.status == "succeeded" and run.counts["queued"] == 1
    dm = (await eventually(lambda: fake_discord.dms_to(ALICE)))[0]
    assert "Raid in 5h" in dm["content"] and "still marked tentative" in dm["content"]
    assert f"/raids/events/{soon}" in dm["content"]
    assert fake_discord.dms_to(BOB) == [] and fake_discord.dms_to(CAROL) == []
    # Later passes (another worker, the next cron tick) never remind her twice.
    again = await run_job(bot.host, "raids.send_reminders")
    assert again.counts["queued"] == 0
    [row] = await _reminders(db)
    assert (row.player_id, row.feature) == (members["alice"].player_id, "raids")
    await eventually(lambda: fake_discord.dms_to(ALICE))
    assert len(fake_discord.dms_to(ALICE)) == 1


async def test_the_dm_switch_holds_reminders_back_and_releases_them(db, members, make_host):
    await _switches(db, bot_dm_enabled=True, feature_raids_dm=False)
    await _event_in(db, 2)
    host = make_host(site="patt")
    async with host.running():
        run = await run_job(host, "raids.send_reminders")
        assert run.counts == {"queued": 0, "skipped": 2, "events": 1, "posts_recorded": 0, "posted": 0}
        rows = await _reminders(db)
        assert {r.status for r in rows} == {"skipped"} and "feature_raids_dm" in rows[0].last_error
        await _switches(db, feature_raids_dm=True)  # an officer turns the reminders on
        released = await run_job(host, "raids.send_reminders")
        assert released.counts["queued"] == 2
        assert len(await _reminders(db)) == 2  # the same rows, now pending: still one each


async def test_officers_switch_reminders_off_with_zero_hours(db, members, make_host):
    await _switches(db, bot_dm_enabled=True, feature_raids_dm=True)
    await _event_in(db, 2)
    host = make_host(site="patt")
    async with host.running():
        await save_site_settings(host, {"raid_reminder_hours": 0}, updated_by="test")
        run = await run_job(host, "raids.send_reminders")
        assert run.counts["off"] == 1 and run.counts["queued"] == 0
        assert await _reminders(db) == []
        await save_site_settings(host, {"raid_reminder_hours": 1}, updated_by="test")
        assert (await run_job(host, "raids.send_reminders")).counts["queued"] == 0  # starts in 2 h
        await save_site_settings(host, {"raid_reminder_hours": 3}, updated_by="test")
        assert (await run_job(host, "raids.send_reminders")).counts["queued"] == 2

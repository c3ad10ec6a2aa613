"""Notifications in a running bot process: delivered right after commit, and after an outage."""

from __future__ import annotations

from sqlalchemy import select

from patt_host.jobs.runner import run_job
from patt_host.testing import eventually
from patt_host.testing.discord import ANNOUNCE_CHANNEL_ID, GUILD_ID
from sv_common import notify
from sv_common.discord.config import update_discord_config
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.players import create_player
from sv_common.notify.models import NotificationOutbox

ERIN = 870000000000000001


async def statuses(db) -> dict[int, str]:
    async with db.session() as session:
        return {r.id: r.status for r in (await session.scalars(select(NotificationOutbox))).all()}


async def wait_until_sent(db, count: int, timeout: float = 5.0) -> dict[int, str]:
    async def enough_sent() -> dict[int, str] | None:
        current = await statuses(db)
        return current if sum(1 for s in current.values() if s == "sent") >= count else None

    return await eventually(enough_sent, timeout=timeout)


async def post(host, text: str) -> int:
    async with host.db.session() as session:
        return (
            await notify.post_channel(
                session, channel_id=ANNOUNCE_CHANNEL_ID, content=text, feature="announce"
            )
        ).id


async def test_a_post_is_delivered_right_after_it_is_committed(db, discord_bot, fake_discord):
    row_id = await post(discord_bot.host, "signups are open")
    assert (await wait_until_sent(db, 1))[row_id] == "sent"
    assert [m["content"] for m in fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)] == ["signups are open"]


async def test_posts_queued_during_an_outage_are_sent_when_discord_returns(db, discord_bot, fake_discord):
    host = discord_bot.host
    await fake_discord.go_down()
    ids = [await post(host, f"news {i}") for i in range(3)]

    async def attempted() -> bool:  # the delivery started by the commits finds Discord unreachable
        async with db.session() as session:
            rows = (await session.scalars(select(NotificationOutbox))).all()
        return any(r.last_error for r in rows)  # it stops at the first row: the rest wait their turn

    await eventually(attempted, timeout=5)
    await host.plugin("discord").obj.runtime(host).wait_idle()
    assert set((await statuses(db)).values()) == {"pending"}
    assert fake_discord.messages_in(ANNOUNCE_CHANNEL_ID) == []

    await fake_discord.come_back()  # the bot reconnects and flushes the queue
    sent = await wait_until_sent(db, 3, timeout=30)
    assert all(sent[i] == "sent" for i in ids)
    assert sorted(m["content"] for m in fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)) == [
        "news 0",
        "news 1",
        "news 2",
    ]


async def test_closed_dms_are_recorded_as_failed_by_the_job(db, discord_bot, fake_discord):
    host = discord_bot.host
    fake_discord.add_member(GUILD_ID, ERIN, "erin", dms_open=False)
    async with db.session() as session:
        await update_discord_config(session, bot_dm_enabled=True, feature_onboarding_dm=True)
        discord_user, _ = await upsert_discord_user(
            session, discord_id=str(ERIN), username="erin", display_name=None, role_ids=[]
        )
        player = await create_player(session, display_name="Erin", discord_user_id=discord_user.id)
    notify.set_delivery_trigger(None)  # let the job do it, not the after-commit trigger
    async with db.session() as session:
        row_id = (
            await notify.dm_player(session, player_id=player.id, content="Welcome!", feature="onboarding")
        ).id
    run = await run_job(host, "discord.deliver_notifications", trigger="cron")
    assert run.status == "succeeded" and run.counts["failed"] == 1
    again = await run_job(host, "discord.deliver_notifications", trigger="cron", kwargs={"flush": True})
    assert not again.counts  # nothing pending: nothing attempted again
    async with db.session() as session:
        row = await session.get(NotificationOutbox, row_id)
    assert (row.status, row.attempts) == ("failed", 1) and "50007" in row.last_error

""" "Send pending now" on /admin/notifications says what it sent: it reloaded the page after
1.5 s without a word, whatever had happened. And it answers within a bound: a backlog paced by
Discord's rate limits once kept the request open past a reverse proxy's timeout."""

from __future__ import annotations

import asyncio
import time

from patt_host.testing.discord import ANNOUNCE_CHANNEL_ID, GUILD_ID, discord_host
from patt_host.testing.waiting import eventually
from sv_common import notify
from sv_common.discord.config import update_discord_config
from sv_common.identity.discord_users import upsert_discord_user
from sv_common.identity.players import create_player

OFFICER = {"X-Sample-User": "Olga:4"}
ERIN = 870000000000000002


async def test_send_pending_now_answers_with_the_runs_counts(
    db, make_host, make_client, start_discord_bot, fake_discord
):
    fake_discord.add_member(GUILD_ID, ERIN, "erin", dms_open=False)
    host = discord_host(make_host, plugins=["sample"])
    await start_discord_bot(host)
    client = await make_client(host=host)
    notify.set_delivery_trigger(None)  # queued, not sent at commit: the button sends them
    async with db.session() as session:
        await update_discord_config(session, bot_dm_enabled=True, feature_onboarding_dm=True)
        discord_user, _ = await upsert_discord_user(
            session, discord_id=str(ERIN), username="erin", display_name=None, role_ids=[]
        )
        player = await create_player(session, display_name="Erin", discord_user_id=discord_user.id)
        for text in ("raid tonight", "bring flasks"):
            await notify.post_channel(
                session, channel_id=ANNOUNCE_CHANNEL_ID, content=text, feature="announce"
            )
        await notify.dm_player(session, player_id=player.id, content="Welcome!", feature="onboarding")

    answer = await client.post("/api/v1/notifications/flush", headers=OFFICER, json={})
    assert answer.status_code == 200, answer.text
    data = client.data(answer)
    assert (data["status"], data["sent"], data["failed"], data["retrying"]) == ("succeeded", 2, 1, 0)
    assert data["job_run_id"] > 0
    assert sorted(m["content"] for m in fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)) == [
        "bring flasks",
        "raid tonight",
    ]
    # Nothing left: the next press says so (every count 0), and sends nothing twice.
    again = client.data(await client.post("/api/v1/notifications/flush", headers=OFFICER, json={}))
    assert (again["status"], again["sent"], again["failed"]) == ("succeeded", 0, 0)
    assert len(fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)) == 2
    page = (await client.get("/admin/notifications", headers=OFFICER)).text
    assert 'id="outbox-counts"' in page and 'id="flush-result"' in page


# Discord's limit on posting in one channel, tightened: one message a second, so four take 3 s.
POSTS = r"/channels/\d+/messages"
BACKLOG = ("one", "two", "three", "four")


async def paced_backlog(db, make_host, make_client, start_discord_bot, fake_discord, wait: float):
    host = discord_host(make_host, plugins=["sample"])
    await start_discord_bot(host)
    host.plugin("discord").obj.settings.flush_wait_seconds = wait
    client = await make_client(host=host)
    notify.set_delivery_trigger(None)  # queued, not sent at commit: the button sends them
    fake_discord.set_rate_limit("POST", POSTS, limit=1, window=1.0)
    async with db.session() as session:
        for text in BACKLOG:
            await notify.post_channel(
                session, channel_id=ANNOUNCE_CHANNEL_ID, content=text, feature="announce"
            )
    return host, client


async def finished(client, run_id: int) -> dict:
    async def ended():
        run = client.data(await client.get(f"/api/v1/jobs/runs/{run_id}", headers=OFFICER))
        return run if run["status"] != "running" else None

    return await eventually(ended, timeout=15)


async def test_a_paced_backlog_answers_running_within_the_bound_and_the_run_sends_it_all(
    db, make_host, make_client, start_discord_bot, fake_discord
):
    _, client = await paced_backlog(db, make_host, make_client, start_discord_bot, fake_discord, wait=0.5)
    started = time.monotonic()
    answer = await client.post("/api/v1/notifications/flush", headers=OFFICER, json={})
    elapsed = time.monotonic() - started
    assert answer.status_code == 202, answer.text
    data = client.data(answer)
    assert data["status"] == "running" and data["job_run_id"] > 0
    assert elapsed < 2.5  # the bound (0.5 s) and slack, well short of the run's 3 s
    assert len(fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)) < len(BACKLOG)

    # The run goes on after the answer; the page follows it through the job-runs API.
    run = await finished(client, data["job_run_id"])
    assert (run["job"], run["trigger"], run["triggered_by"]) == (
        "discord.deliver_notifications",
        "manual",
        "Olga",
    )
    assert run["status"] == "succeeded" and run["counts"]["sent"] == len(BACKLOG), run
    assert [m["content"] for m in fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)] == list(BACKLOG)
    missing = await client.get("/api/v1/jobs/runs/2147483647", headers=OFFICER)
    assert missing.status_code == 404


async def test_a_request_given_up_on_does_not_stop_the_run(
    db, make_host, make_client, start_discord_bot, fake_discord
):
    """A proxy (or the officer) closing the request mid-wait: the delivery run still ends and is recorded."""
    host, client = await paced_backlog(db, make_host, make_client, start_discord_bot, fake_discord, wait=10)
    request = asyncio.create_task(client.post("/api/v1/notifications/flush", headers=OFFICER, json={}))
    await eventually(lambda: fake_discord.messages_in(ANNOUNCE_CHANNEL_ID), timeout=5)
    request.cancel()
    await asyncio.gather(request, return_exceptions=True)
    assert request.cancelled()
    runs = client.data(
        await client.get("/api/v1/jobs/runs?job=discord.deliver_notifications&limit=1", headers=OFFICER)
    )
    run = await finished(client, runs[0]["id"])
    assert run["status"] == "succeeded" and run["counts"]["sent"] == len(BACKLOG), run
    assert len(fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)) == len(BACKLOG)

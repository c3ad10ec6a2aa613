"""The contest agent: milestones by chattiness, in order, once, through the durable outbox."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from patt_host.jobs.runner import run_job
from patt_host.testing.discord import ANNOUNCE_CHANNEL_ID, FAKE_TOKEN
from patt_host.testing.waiting import eventually
from patt_voting.models import Campaign, ContestAgentLog
from patt_voting.services import campaigns, lifecycle
from patt_voting.services.agent import run_agent
from sv_common import notify
from sv_common.discord.client import discord_rest_client
from sv_common.discord.config import update_discord_config
from sv_common.notify.models import NotificationOutbox
from sv_common.notify.sender import DiscordSender

CHANNEL = str(ANNOUNCE_CHANNEL_ID)


@pytest.fixture(autouse=True)
async def announcements_synced(synced_channels):
    """A campaign's channel must be a synced text channel: the fake guild's #announcements."""
    await synced_channels({CHANNEL: "text"})


async def posts(db) -> list[str]:
    async with db.session() as s:
        rows = await s.scalars(
            select(NotificationOutbox)
            .where(NotificationOutbox.feature == "contest")
            .order_by(NotificationOutbox.id)
        )
        return [r.payload["content"] for r in rows]


async def events(db, campaign_id) -> list[str]:
    async with db.session() as s:
        rows = await s.scalars(
            select(ContestAgentLog.event_type)
            .where(ContestAgentLog.campaign_id == campaign_id, ContestAgentLog.message_sent.is_not(None))
            .order_by(ContestAgentLog.id)
        )
        return list(rows)


async def agent_pass(api, db, now=None):
    async with db.session() as s:
        return await run_agent(s, api.host, now)


async def voters(members, n):
    return [await members.add("Member") for _ in range(n)]


async def test_normal_posts_its_milestones_in_order_each_once(api, officer, members, cast, db):
    group = await voters(members, 3)  # with the officer: 4 eligible
    campaign = await officer.campaign(discord_channel_id=CHANNEL, agent_chattiness="normal", title="Banner")
    await agent_pass(api, db)
    await cast(group[0], campaign, ["Alder"], expect=201)
    await cast(group[1], campaign, ["Birch"], expect=201)  # 50 %: normal skips 25 %
    await agent_pass(api, db)
    await agent_pass(api, db)  # nothing new: nothing posted twice
    assert await events(db, campaign["id"]) == ["campaign_launch", "first_vote", "milestone_50"]
    await cast(group[2], campaign, ["Alder"], expect=201)
    await cast(officer.voter, campaign, ["Alder"], expect=201)
    async with db.session() as s:
        await lifecycle.due_transitions(s)  # everyone voted: early close
    await agent_pass(api, db)
    assert await events(db, campaign["id"]) == [
        "campaign_launch",
        "first_vote",
        "milestone_50",
        "all_voted",
        "campaign_closed",
    ]
    texts = await posts(db)
    # The PATT site's own voice, with links on the configured base URL.
    assert "is open for votes" in texts[0] or "ballot box is open" in texts[0]
    assert f"/vote/{campaign['id']}" in texts[0] and texts[0].count("http://") == 1
    assert "**Alder**" in texts[-1] and "4 ballots" in texts[-1]


async def test_quiet_announces_launch_and_result_even_when_everyone_voted(api, officer, members, cast, db):
    (member,) = await voters(members, 1)
    campaign = await officer.campaign(discord_channel_id=CHANNEL, agent_chattiness="quiet")
    for voter in (member, officer.voter):
        await cast(voter, campaign, ["Cedar"], expect=201)
    await agent_pass(api, db)
    async with db.session() as s:
        await lifecycle.due_transitions(s)
    await agent_pass(api, db)
    assert await events(db, campaign["id"]) == ["campaign_launch", "campaign_closed"]
    assert "**Cedar**" in (await posts(db))[-1]


async def test_hype_posts_every_quarter_and_lead_changes(api, officer, members, cast, db):
    group = await voters(members, 3)
    campaign = await officer.campaign(
        discord_channel_id=CHANNEL,
        agent_chattiness="hype",
        counting_method="points",
        picks_per_voter=1,
        live_results_every=1,  # standings after every ballot: the officers' (unsafe) choice here
    )
    await cast(group[0], campaign, ["Alder"], expect=201)  # 25 %, Alder leads
    await agent_pass(api, db)
    await cast(group[1], campaign, ["Birch"], expect=201)  # tie: no unique leader, no change
    await agent_pass(api, db)
    await cast(group[2], campaign, ["Birch"], expect=201)  # 75 %, Birch leads
    await agent_pass(api, db)
    assert await events(db, campaign["id"]) == [
        "campaign_launch",
        "first_vote",
        "milestone_25",
        "milestone_50",
        "milestone_75",
        "lead_change",
    ]
    lead = (await posts(db))[-1]
    assert "**Birch**" in lead and "from Alder" in lead


async def test_the_agent_names_a_leader_only_from_published_batches(api, officer, members, cast, db):
    """A lead-change post right after a ballot would reveal it: the agent reads the same batched
    standings as viewers (default: recounted after every 5 ballots)."""
    group = await voters(members, 6)
    campaign = await officer.campaign(
        discord_channel_id=CHANNEL, agent_chattiness="hype", counting_method="points", picks_per_voter=1
    )
    assert campaign["live_results_every"] == 5
    for voter, choice in zip(group[:5], ["Alder"] * 3 + ["Birch"] * 2, strict=True):
        await cast(voter, campaign, [choice], expect=201)
    await agent_pass(api, db)  # the first batch: Alder leads
    await cast(group[5], campaign, ["Birch"], expect=201)  # now 3:3, but not yet published
    await cast(officer.voter, campaign, ["Birch"], expect=201)  # Birch leads 4:3, still unpublished
    await agent_pass(api, db)
    assert "lead_change" not in await events(db, campaign["id"])


async def test_members_demoted_after_launch_do_not_keep_all_voted_out_of_reach(
    api, officer, members, cast, db
):
    group = await voters(members, 4)  # with the officer: 5 eligible
    campaign = await officer.campaign(
        discord_channel_id=CHANNEL,
        agent_chattiness="hype",
        early_close_if_all_voted=False,
        min_rank_to_vote=2,
    )
    for voter in (officer.voter, group[0]):
        await cast(voter, campaign, ["Alder"], expect=201)
    await agent_pass(api, db)
    assert await events(db, campaign["id"]) == ["campaign_launch", "first_vote", "milestone_25"]

    await members.set_rank(group[1].player_id, "Initiate")  # 2 of the 4 who may still vote or did: half-way
    await agent_pass(api, db)
    assert "2 of 4 have voted" in (await posts(db))[-1]
    for voter in group[2:]:
        await members.set_rank(voter.player_id, "Initiate")
    await agent_pass(api, db)
    assert await events(db, campaign["id"]) == [
        "campaign_launch",
        "first_vote",
        "milestone_25",
        "milestone_50",
        "milestone_75",
        "all_voted",
    ]
    assert "0 stragglers left" in (await posts(db))[-2]


async def test_final_stretch_and_last_call_follow_the_clock(api, officer, db):
    campaign = await officer.campaign(discord_channel_id=CHANNEL, duration_hours=48)
    start = datetime.fromisoformat(campaign["start_at"])
    await agent_pass(api, db, start + timedelta(hours=23))
    assert await events(db, campaign["id"]) == ["campaign_launch"]
    await agent_pass(api, db, start + timedelta(hours=25))
    await agent_pass(api, db, start + timedelta(hours=47, minutes=30))
    assert await events(db, campaign["id"]) == ["campaign_launch", "final_stretch", "last_call"]


async def test_channel_falls_back_to_the_default_and_no_channel_means_no_post(api, officer, db):
    campaign = await officer.campaign()
    await agent_pass(api, db)
    assert await events(db, campaign["id"]) == []
    async with db.session() as s:
        await update_discord_config(s, default_announcement_channel_id=CHANNEL)
    await agent_pass(api, db)
    async with db.session() as s:
        row = await s.scalar(select(NotificationOutbox).where(NotificationOutbox.feature == "contest"))
        assert row.target == CHANNEL


async def test_two_workers_at_once_post_each_milestone_once(api, officer, members, cast, db, make_host):
    (member,) = await voters(members, 1)
    campaign = await officer.campaign(discord_channel_id=CHANNEL)
    await cast(member, campaign, ["Alder"], expect=201)
    hosts = [make_host(plugins=["identity", "voting"]) for _ in range(2)]
    for host in hosts:
        await host.open()
    try:

        async def worker(host):
            async with host.db.session() as s:
                return await run_agent(s, host)

        results = await asyncio.gather(*(worker(h) for h in hosts))
        assert sorted(r["posts"] for r in results) == [0, 3]  # launch, first vote, 50 %
        # Through the job runner too: the job is exclusive, the second run is skipped or finds nothing.
        runs = await asyncio.gather(*(run_job(h, "voting.check_campaigns") for h in hosts))
        assert all(r.status in ("succeeded", "skipped") for r in runs)
    finally:
        for host in hosts:
            await host.close()
    assert await events(db, campaign["id"]) == ["campaign_launch", "first_vote", "milestone_50"]
    assert len(await posts(db)) == 3


async def test_a_post_that_failed_is_delivered_later(db, fake_discord, start_discord_bot, members):
    bot = await start_discord_bot(plugins=["identity", "voting"], base_url="https://votes.example")
    host = bot.host
    async with host.db.session() as s:
        campaign = await campaigns.create_campaign(
            s,
            {
                "title": "Outage poll",
                "start_at": datetime.now(UTC),
                "duration_hours": 24,
                "picks_per_voter": 1,
                "min_rank_to_vote": 1,
                "discord_channel_id": CHANNEL,
            },
            None,
        )
        for name in ("Yes", "No"):
            await campaigns.add_entry(s, campaign.id, {"name": name})
        await lifecycle.activate(s, campaign.id)
    await fake_discord.go_down()
    async with host.db.session() as s:
        assert (await run_agent(s, host))["posts"] == 1
    async with db.session() as s:
        row = await s.scalar(select(NotificationOutbox).where(NotificationOutbox.feature == "contest"))
        assert row.status == "pending"  # queued, not lost, while Discord is down
    assert fake_discord.messages_in(ANNOUNCE_CHANNEL_ID) == []
    await fake_discord.come_back()  # the bot reconnects and flushes the queue
    await eventually(lambda: fake_discord.messages_in(ANNOUNCE_CHANNEL_ID), timeout=30)
    (message,) = fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)
    assert f"https://votes.example/vote/{campaign.id}" in message["content"]


async def test_salt_site_runs_listener_polls_in_its_own_voice(make_client, officer_on, db):
    client = await make_client(site="salt")
    officer = await officer_on(client)
    listing = await client.get("/vote")
    assert listing.status_code == 200 and ">Polls</a>" in listing.text
    campaign = await officer.campaign(title="Best episode", discord_channel_id=CHANNEL)
    async with db.session() as s:
        await run_agent(s, client.host)
    (text,) = await posts(db)
    assert text.startswith("New listener poll: **Best episode**")
    home = (await client.get("/")).text  # the generic home slot, with the podcast's heading
    assert home.count('class="panel vote-home"') == 1 and "<h2>Listener poll</h2>" in home
    assert f'href="/vote/{campaign["id"]}"' in home
    admin = await client.get(f"/admin/campaigns/{campaign['id']}", headers=officer.voter.auth)
    assert "New listener poll" in admin.text and "campaign launch" in admin.text


async def test_a_post_refused_once_by_discord_is_retried_and_delivered_once(
    api, officer, members, cast, db, fake_discord
):
    campaign = await officer.campaign(discord_channel_id=CHANNEL, title="Flaky")
    await agent_pass(api, db)  # the launch is queued
    route = rf"/channels/{CHANNEL}/messages"
    fake_discord.fail_next("POST", route, status=503)
    started = datetime.now(UTC)
    async with discord_rest_client(FAKE_TOKEN) as client:
        sender = DiscordSender(client)
        first = await notify.deliver_pending(db, sender, now=started)
        assert (first.sent, first.retrying) == (0, 1)
        await agent_pass(api, db)  # the agent does not queue the launch again
        assert len(await posts(db)) == 1
        later = await notify.deliver_pending(db, sender, now=started + timedelta(minutes=5))
        assert later.sent == 1
    (message,) = fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)
    assert message["content"].startswith(("Hear ye", "The ballot box")) and "**Flaky**" in message["content"]
    async with db.session() as s:
        row = await s.scalar(select(NotificationOutbox).where(NotificationOutbox.feature == "contest"))
        assert (row.status, row.attempts) == ("sent", 2)  # failed once, then delivered
    admin = await api.get(f"/admin/campaigns/{campaign['id']}", headers=officer.voter.auth)
    assert ">sent<" in admin.text


async def test_milestones_reach_discord_in_order_when_the_first_post_is_retried(
    api, officer, members, cast, db, fake_discord
):
    (member,) = await voters(members, 1)
    campaign = await officer.campaign(discord_channel_id=CHANNEL, title="Ordered")
    await cast(member, campaign, ["Alder"], expect=201)
    await agent_pass(api, db)  # launch, first vote, 50 %: queued in that order
    assert await events(db, campaign["id"]) == ["campaign_launch", "first_vote", "milestone_50"]
    fake_discord.fail_next("POST", rf"/channels/{CHANNEL}/messages", status=503)  # the launch post fails
    started = datetime.now(UTC)
    async with discord_rest_client(FAKE_TOKEN) as client:
        sender = DiscordSender(client)
        await notify.deliver_pending(db, sender, now=started)
        assert fake_discord.messages_in(ANNOUNCE_CHANNEL_ID) == []  # the later posts wait behind it
        for minutes in (1, 2, 3):
            await notify.deliver_pending(db, sender, now=started + timedelta(minutes=minutes))
    delivered = [m["content"] for m in fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)]
    assert delivered == await posts(db)  # launch, first vote, 50 %: as queued


async def test_a_campaign_closed_before_the_agent_ran_gets_its_result_but_no_open_for_votes_post(
    api, officer, members, cast, db
):
    (member,) = await voters(members, 1)
    campaign = await officer.campaign(discord_channel_id=CHANNEL, title="Blink")
    await cast(member, campaign, ["Birch"], expect=201)
    await officer.call("POST", f"/api/v1/admin/campaigns/{campaign['id']}/close")
    await agent_pass(api, db)
    # "Voting is open ... rank by <date>: <link>" after the close would send people to a closed vote.
    assert await events(db, campaign["id"]) == ["campaign_closed"]
    assert "**Birch**" in (await posts(db))[0]


async def test_results_of_long_closed_campaigns_are_not_announced_when_a_channel_appears(
    api, officer, members, cast, db
):
    """A site that ran without Discord: configuring a channel later must not post old news."""
    old = await officer.campaign(title="Last year")
    recent = await officer.campaign(title="Yesterday")
    for campaign in (old, recent):
        await officer.call("POST", f"/api/v1/admin/campaigns/{campaign['id']}/close")
    async with db.session() as s:
        row = await s.get(Campaign, old["id"])
        row.closed_at = datetime.now(UTC) - timedelta(days=30)
    async with db.session() as s:
        await update_discord_config(s, default_announcement_channel_id=CHANNEL)
    await agent_pass(api, db)
    assert await events(db, old["id"]) == []
    assert await events(db, recent["id"]) == ["campaign_closed"]
